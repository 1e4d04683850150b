from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import BaseForm


class CampaignForm(BaseForm):
    name = StringField("Tên cuộc vận động", validators=[DataRequired("Vui lòng nhập tên."),
                                                                  Length(max=255, message=_l("Tên cuộc vận động: tối đa 255 ký tự."))])
    year = IntegerField("Năm", validators=[DataRequired("Vui lòng nhập năm."),
                                           NumberRange(2000, 2100, "Năm không hợp lệ.")])
    starts_on = DateField("Ngày bắt đầu", validators=[Optional()])
    ends_on = DateField("Ngày kết thúc", validators=[Optional()])
    goal = StringField("Mục tiêu (đồng)", validators=[Optional(), Length(max=30, message=_l("Mục tiêu: tối đa 30 ký tự."))])
    plan_reference = StringField("Kế hoạch số", validators=[Optional(), Length(max=255, message=_l("Kế hoạch số: tối đa 255 ký tự."))])
    description = TextAreaField("Mô tả", validators=[Optional(), Length(max=5000, message=_l("Mô tả: tối đa 5000 ký tự."))])
