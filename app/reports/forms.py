from __future__ import annotations

from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange, ValidationError

from app.core.forms import BaseForm


class ChoiceField(SelectField):
    """A select whose refusal names the field in Vietnamese (WTForms' own message is English)."""

    def pre_validate(self, form) -> None:  # type: ignore[no-untyped-def]
        if self.data not in {value for value, *_ in (self.choices or [])}:
            raise ValidationError(f"{self.label.text}: lựa chọn không hợp lệ hoặc ngoài địa bàn của bạn.")


class ReportForm(BaseForm):
    campaign_id = ChoiceField("Cuộc vận động", coerce=int, validators=[DataRequired("Chọn cuộc vận động.")])
    unit_id = ChoiceField("Đơn vị", coerce=int)
    kind = ChoiceField("Loại báo cáo", choices=[("year", "Tổng kết năm"), ("half_year", "Sơ kết 6 tháng")])
    year = IntegerField("Năm", validators=[DataRequired("Nhập năm báo cáo."),
                                           NumberRange(2000, 2100, "Năm: không hợp lệ.")])
    half = ChoiceField("Kỳ sơ kết", coerce=int, choices=[(1, "6 tháng đầu năm"), (2, "6 tháng cuối năm")])
