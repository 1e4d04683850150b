from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.collections.models import DISPLAY_LABELS, HouseholdDisplay
from app.core.forms import BaseForm


class RowForm(BaseForm):
    """One household row (the plain form used without JavaScript; the script posts the same fields as JSON)."""

    head_name = StringField(
        _l("Họ tên chủ hộ"), validators=[Length(max=200, message=_l("Họ tên chủ hộ: tối đa 200 ký tự."))]
    )
    hamlet = StringField(
        _l("Thôn/Tổ dân phố"), validators=[Length(max=120, message=_l("Thôn/Tổ dân phố: tối đa 120 ký tự."))]
    )
    amount = StringField(
        _l("Số tiền (đồng)"), validators=[Optional(), Length(max=30, message=_l("Số tiền: tối đa 30 ký tự."))]
    )
    in_kind = StringField(
        _l("Hiện vật (nếu có)"),
        validators=[Optional(), Length(max=200, message=_l("Hiện vật: tối đa 200 ký tự."))],
    )
    date = StringField(
        _l("Ngày (dd/mm/yyyy)"),
        validators=[Optional(), Length(max=10, message=_l("Ngày: tối đa 10 ký tự (dd/mm/yyyy)."))],
    )
    collector = StringField(
        _l("Người thu"), validators=[Optional(), Length(max=200, message=_l("Người thu: tối đa 200 ký tự."))]
    )
    idempotency_key = HiddenField()


class ImportForm(BaseForm):
    file = FileField(_l("Tệp danh sách (.xlsx hoặc .csv)"))


class CommitForm(BaseForm):
    skip_errors = BooleanField(_l("Bỏ qua các dòng lỗi, chỉ ghi nhận các dòng hợp lệ"))


class UndoForm(BaseForm):
    reason = StringField(
        _l("Lý do hủy"), validators=[Optional(), Length(max=300, message=_l("Lý do hủy: tối đa 300 ký tự."))]
    )


class BatchUndoForm(BaseForm):
    """Undoing a whole committed batch reverses every household's receipt: the reason goes into each reversal
    and the audit log, so it cannot be left empty."""

    reason = StringField(
        _l("Lý do hủy cả lô"),
        validators=[
            DataRequired(message=_l("Lý do hủy cả lô: hãy ghi lý do (ví dụ: nhập nhầm tệp của thôn khác).")),
            Length(min=5, max=300, message=_l("Lý do hủy cả lô: từ 5 đến 300 ký tự.")),
        ],
    )


class DisplayForm(BaseForm):
    household_display = RadioField(
        _l("Công khai khoản đóng góp của hộ gia đình theo"),
        choices=[(m.value, _l(DISPLAY_LABELS[m])) for m in HouseholdDisplay],
    )
