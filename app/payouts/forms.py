"""Forms of the payouts pages (CSRF and NFC through BaseForm; Vietnamese labels, English through _l)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import BaseForm
from app.core.money import AmountError, parse_vnd
from app.core.transaction import message_for
from app.needs.models import TRANCHE_LABELS
from app.payouts.models import PAY_METHOD_LABELS, PROOF_KIND_LABELS

REQUIRED = _l("Chưa nhập.")


def _amount(form: Any, field: Any) -> None:
    if not (field.data or "").strip():
        raise ValidationError(_("%(field)s: chưa nhập.", field=_("Số tiền")))
    try:
        field.amount = parse_vnd(field.data, field=_("Số tiền"))
    except AmountError as exc:
        raise ValidationError(message_for(exc)) from exc


class DetailsForm(BaseForm):
    method = RadioField(
        _l("Hình thức nhận tiền"),
        choices=[(k.value, _l(v)) for k, v in PAY_METHOD_LABELS.items()],
        validators=[DataRequired(REQUIRED)],
    )
    bank_name = StringField(_l("Ngân hàng"), validators=[Length(max=120)])
    account_number = StringField(_l("Số tài khoản"), validators=[Length(max=40)])
    holder_name = StringField(_l("Chủ tài khoản"), validators=[Length(max=255)])
    recipient_name = StringField(_l("Người nhận tiền mặt"), validators=[Length(max=255)])
    witness_name = StringField(_l("Người làm chứng (ví dụ trưởng thôn)"), validators=[Length(max=255)])


class RevealForm(BaseForm):
    reason = TextAreaField(
        _l("Lý do xem thông tin nhận tiền (được ghi vào nhật ký)"),
        validators=[DataRequired(_l("Lý do xem: chưa nhập.")), Length(max=500)],
    )


class OrderForm(BaseForm):
    tranche = SelectField(_l("Đợt"), choices=[(k.value, _l(v)) for k, v in TRANCHE_LABELS.items()])
    amount = StringField(_l("Số tiền (đồng)"), validators=[_amount])
    note = StringField(_l("Ghi chú"), validators=[Length(max=500, message=_l("Ghi chú: tối đa 500 ký tự."))])


class CancelForm(BaseForm):
    reason = StringField(
        _l("Lý do hủy"), validators=[DataRequired(_l("Lý do hủy: chưa nhập.")), Length(max=1000)]
    )


class ProofForm(BaseForm):
    file = FileField(_l("Tệp chứng từ (ảnh PNG/JPEG tối đa 8 MB, hoặc PDF tối đa 15 MB)"))
    kind = SelectField(_l("Loại chứng từ"), choices=[(k.value, _l(v)) for k, v in PROOF_KIND_LABELS.items()])
    order_id = SelectField(_l("Thuộc lệnh chi"), coerce=int, choices=[])
    stage = SelectField(_l("Giai đoạn"), choices=[])
    document_ref = StringField(_l("Số chứng từ"), validators=[Length(max=120)])


class ConfirmCashForm(BaseForm):
    proof_id = SelectField(_l("Chứng từ có chữ ký"), coerce=int, choices=[])


class ExportForm(BaseForm):
    paying_account_id = SelectField(_l("Tài khoản chi"), coerce=int, choices=[])
    order_ids = SelectMultipleField(
        _l("Lệnh chi"),
        coerce=int,
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class ConfirmForm(BaseForm):
    """CSRF only (approve)."""
