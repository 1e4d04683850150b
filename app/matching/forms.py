"""Forms of the matching pages (CSRF and NFC through BaseForm)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import BaseForm


class RunForm(BaseForm):
    scope = SelectField(
        _l("Địa bàn lập đề xuất"), coerce=int, validators=[DataRequired(_l("Địa bàn: chưa chọn."))]
    )


class ReasonForm(BaseForm):
    reason = TextAreaField(
        _l("Lý do"),
        validators=[
            DataRequired(_l("Lý do: chưa nhập.")),
            Length(max=1000, message=_l("Lý do: tối đa 1.000 ký tự.")),
        ],
    )


class ActionForm(BaseForm):
    """A button that changes something: CSRF only."""
