"""Forms of the goods pages (CSRF and NFC through BaseForm; Vietnamese labels, English through _l)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import Form, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.core.forms import BaseForm
from app.core.money import AmountError, parse_vnd
from app.goods.models import MEASURE_LABELS, RECIPIENT_LABELS

REQUIRED = _l("Chưa nhập.")
LINE_ROWS = 6


def _whole(form: Any, field: Any) -> None:
    text = (field.data or "").strip().replace(".", "")
    if not text:
        field.number = None
        return
    if not re.fullmatch(r"[0-9]{1,12}", text) or int(text) <= 0:  # ASCII digits only ("²".isdigit() is True)
        raise ValidationError(_("%(field)s: phải là số nguyên lớn hơn 0.", field=_("Số lượng")))
    field.number = int(text)


def _amount(form: Any, field: Any) -> None:
    if not (field.data or "").strip():
        raise ValidationError(_("%(field)s: chưa nhập.", field=_("Giá trị")))
    try:
        field.amount = parse_vnd(field.data, field=_("Giá trị"))
    except AmountError as exc:
        raise ValidationError(str(exc)) from exc


class ReceiveForm(BaseForm):
    item = StringField(_l("Tên hàng"), validators=[DataRequired(REQUIRED), Length(max=120)])
    measure = SelectField(_l("Đơn vị tính"), choices=[(k.value, _l(v)) for k, v in MEASURE_LABELS.items()])
    quantity = StringField(_l("Số lượng"), validators=[DataRequired(REQUIRED), _whole])
    value = StringField(_l("Giá trị ước tính (đồng)"), validators=[_amount])
    note = StringField(_l("Ghi chú"), validators=[Length(max=500)])


class LineForm(Form):
    stock_id = SelectField(_l("Mặt hàng"), coerce=int, validators=[Optional()])
    quantity = StringField(_l("Số lượng"), validators=[_whole])
    need_id = SelectField(_l("Hộ nhận"), coerce=int, validators=[Optional()])


class HandoutForm(BaseForm):
    recipient_kind = RadioField(
        _l("Cấp cho"),
        choices=[(k.value, _l(v)) for k, v in RECIPIENT_LABELS.items()],
        default="households",
        validators=[DataRequired(REQUIRED)],
    )
    project_name = StringField(_l("Tên công trình / dự án (công khai)"), validators=[Length(max=255)])
    note = StringField(_l("Ghi chú (nội bộ)"), validators=[Length(max=500)])
    lines = FieldList(FormField(LineForm), min_entries=LINE_ROWS, max_entries=LINE_ROWS)


class ConfirmForm(BaseForm):
    """A button: CSRF only."""


class ListForm(BaseForm):
    document_ref = StringField(_l("Số danh sách / phiếu xuất"), validators=[Length(max=120)])
    file = FileField(_l("Danh sách có chữ ký người nhận (PDF, ảnh JPEG/PNG)"))


class ReasonForm(BaseForm):
    reason = TextAreaField(_l("Lý do"), validators=[DataRequired(_l("Lý do: chưa nhập.")), Length(max=1000)])
