from __future__ import annotations

from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange

from app.core.forms import BaseForm


class ReportForm(BaseForm):
    campaign_id = SelectField("Cuộc vận động", coerce=int, validators=[DataRequired("Chọn cuộc vận động.")])
    unit_id = SelectField("Đơn vị", coerce=int)
    kind = SelectField("Loại báo cáo", choices=[("year", "Tổng kết năm"), ("half_year", "Sơ kết 6 tháng")])
    year = IntegerField("Năm", validators=[DataRequired("Nhập năm báo cáo."),
                                           NumberRange(2000, 2100, "Năm: không hợp lệ.")])
    half = SelectField("Kỳ sơ kết", coerce=int, choices=[(1, "6 tháng đầu năm"), (2, "6 tháng cuối năm")])
