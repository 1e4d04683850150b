"""Forms of the matching pages (CSRF and NFC through BaseForm)."""

from __future__ import annotations

from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import BaseForm


class RunForm(BaseForm):
    scope = SelectField("Địa bàn lập đề xuất", coerce=int, validators=[DataRequired("Địa bàn: chưa chọn.")])


class ReasonForm(BaseForm):
    reason = TextAreaField("Lý do", validators=[DataRequired("Lý do: chưa nhập."),
                                                Length(max=1000, message="Lý do: tối đa 1.000 ký tự.")])


class ActionForm(BaseForm):
    """A button that changes something: CSRF only."""
