"""Forms of the fund's books: proposing a transfer between levels, deciding on one, closing a year."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from app.core.forms import BaseForm, VNIntegerField
from app.core.money import AmountError, parse_vnd
from app.core.transaction import message_for
from app.ledger.models import PURPOSE_LABELS
from app.reports.forms import YEAR_INVALID, ChoiceField


class TransferForm(BaseForm):
    """Province → commune, commune/province → central, province → province (the choices are filled per user)."""

    to_unit = SelectField(_l("Nơi nhận"), choices=[])
    purpose = SelectField(
        _l("Mục đích"), choices=[(p.value, _l(label)) for p, label in PURPOSE_LABELS.items()]
    )
    amount = StringField(_l("Số tiền (đồng)"))
    note = TextAreaField(
        _l("Lý do điều chuyển"),
        validators=[
            DataRequired(_l("Lý do điều chuyển: chưa nhập.")),
            Length(max=1000, message=_l("Lý do: tối đa 1000 ký tự.")),
        ],
    )
    amount_vnd = 0

    def validate_amount(self, field: Any) -> None:
        try:
            self.amount_vnd = parse_vnd(field.data, field="Số tiền")
        except AmountError as exc:
            raise ValidationError(message_for(exc)) from exc


class TransferReasonForm(BaseForm):
    reason = TextAreaField(
        _l("Lý do không chuyển"),
        validators=[
            DataRequired(_l("Lý do không chuyển: chưa nhập.")),
            Length(max=1000, message=_l("Lý do: tối đa 1000 ký tự.")),
        ],
    )


class ConfirmTransferForm(BaseForm):
    """CSRF only: approve one side of a transfer."""


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
