from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.core.forms import BaseForm


class MonthlyForm(BaseForm):
    monthly = StringField(
        _l("Số tiền mỗi tháng (đồng)"),
        validators=[
            DataRequired(_l("Số tiền mỗi tháng: chưa nhập.")),
            Length(max=30, message=_l("Số tiền mỗi tháng: tối đa 30 ký tự.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    day = IntegerField(
        _l("Ngày chuyển hằng tháng"),
        default=5,
        validators=[
            InputRequired(_l("Ngày chuyển hằng tháng: chưa nhập.")),
            NumberRange(1, 28, message=_l("Ngày chuyển hằng tháng: từ 1 đến 28.")),
        ],
    )


class ActionForm(BaseForm):
    pass
