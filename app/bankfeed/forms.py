"""Staff forms of the bank feed pages (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from app.core.forms import BaseForm


class AttributeForm(BaseForm):
    """Name the pledge an unattributed feed credit paid."""

    reference = StringField(
        _l("Mã đăng ký"),
        validators=[
            DataRequired(_l("Mã đăng ký: chưa nhập.")),
            Length(max=40, message=_l("Mã đăng ký: tối đa 40 ký tự.")),
        ],
    )
    reason = StringField(
        _l("Lý do"),
        validators=[
            DataRequired(_l("Lý do: chưa nhập.")),
            Length(max=500, message=_l("Lý do: tối đa 500 ký tự.")),
        ],
    )


class ExplainForm(BaseForm):
    """Explain one difference between the statement file and the feed."""

    key = HiddenField()
    reason = StringField(
        _l("Giải thích"),
        validators=[
            DataRequired(_l("Giải thích: chưa nhập.")),
            Length(max=500, message=_l("Giải thích: tối đa 500 ký tự.")),
        ],
    )


class ActionForm(BaseForm):
    """A posted button (close the day, retry a pending credit): only the CSRF token."""
