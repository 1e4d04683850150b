from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, InputRequired, NumberRange

from app.core.forms import BaseForm, VNIntegerField
from app.reports.forms import YEAR_INVALID, ChoiceField


class YearCloseForm(BaseForm):
    """Closing a year of the fund's books: the area, the year, the campaign whose annual report is produced, and the
    year typed again as the confirmation (a close cannot be undone)."""

    unit_id = ChoiceField(_l("Phạm vi khóa sổ"), coerce=int)
    campaign_id = ChoiceField(
        _l("Cuộc vận động (báo cáo tổng kết năm)"),
        coerce=int,
        validators=[DataRequired(_l("Cuộc vận động: chưa chọn."))],
    )
    year = VNIntegerField(
        _l("Năm khóa sổ"),
        invalid_value_message=YEAR_INVALID,
        validators=[InputRequired(_l("Năm: chưa nhập.")), NumberRange(2000, 2100, YEAR_INVALID)],
    )
    confirm_year = VNIntegerField(
        _l("Nhập lại năm để xác nhận"),
        invalid_value_message=YEAR_INVALID,
        validators=[InputRequired(_l("Xác nhận: hãy nhập lại năm khóa sổ."))],
    )
