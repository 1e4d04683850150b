from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.forms import BaseForm, VNDateField, VNIntegerField

YEAR_INVALID = _l("Năm: không hợp lệ (ví dụ 2026).")


class CampaignForm(BaseForm):
    name = StringField(
        _l("Tên cuộc vận động"),
        validators=[
            DataRequired(_l("Tên cuộc vận động: chưa nhập.")),
            Length(max=255, message=_l("Tên cuộc vận động: tối đa 255 ký tự.")),
        ],
    )
    year = VNIntegerField(
        _l("Năm"),
        invalid_value_message=YEAR_INVALID,
        validators=[InputRequired(_l("Năm: chưa nhập.")), NumberRange(2000, 2100, YEAR_INVALID)],
    )
    starts_on = VNDateField(_l("Ngày bắt đầu"), validators=[Optional()])
    ends_on = VNDateField(_l("Ngày kết thúc"), validators=[Optional()])
    goal = StringField(
        _l("Mục tiêu (đồng)"),
        validators=[Optional(), Length(max=30, message=_l("Mục tiêu: tối đa 30 ký tự."))],
    )
    plan_reference = StringField(
        _l("Kế hoạch số"),
        validators=[Optional(), Length(max=255, message=_l("Kế hoạch số: tối đa 255 ký tự."))],
    )
    description = TextAreaField(
        _l("Mô tả"), validators=[Optional(), Length(max=5000, message=_l("Mô tả: tối đa 5000 ký tự."))]
    )
