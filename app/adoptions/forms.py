from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.adoptions.services import MAX_YEARS
from app.core.forms import BaseForm


class AdoptForm(BaseForm):
    commune_id = SelectField(_l("Xã/phường nhận đỡ đầu"), coerce=int, validate_choice=False)
    years = IntegerField(
        _l("Số năm cam kết"),
        default=3,
        validators=[
            InputRequired(_l("Số năm cam kết: chưa nhập.")),
            NumberRange(1, MAX_YEARS, message=_l("Số năm cam kết: từ 1 đến 10.")),
        ],
    )
    yearly = StringField(
        _l("Số tiền mỗi năm (đồng)"),
        validators=[
            DataRequired(_l("Số tiền mỗi năm: chưa nhập.")),
            Length(max=30, message=_l("Số tiền mỗi năm: tối đa 30 ký tự.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
