"""Forms of the privacy pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import BaseForm
from app.privacy.models import INCIDENT_STATUS_LABELS


class DetailsForm(BaseForm):
    name = StringField(
        _l("Tên nhà tài trợ"),
        validators=[
            DataRequired(_l("Tên nhà tài trợ: chưa nhập.")),
            Length(max=255, message=_l("Tên nhà tài trợ: tối đa 255 ký tự.")),
        ],
    )
    contact_person = StringField(
        _l("Người liên hệ"), validators=[Length(max=255, message=_l("Người liên hệ: tối đa 255 ký tự."))]
    )
    phone = StringField(
        _l("Số điện thoại"), validators=[Length(max=20, message=_l("Số điện thoại: tối đa 20 ký tự."))]
    )
    address = StringField(
        _l("Địa chỉ"), validators=[Length(max=500, message=_l("Địa chỉ: tối đa 500 ký tự."))]
    )


class ActionForm(BaseForm):
    """A button that only needs its CSRF token."""


class ErasureForm(BaseForm):
    reason = TextAreaField(
        _l("Lý do (không bắt buộc)"),
        validators=[Optional(), Length(max=2000, message=_l("Lý do: tối đa 2000 ký tự."))],
    )


class RefuseForm(BaseForm):
    reason = TextAreaField(
        _l("Lý do từ chối (gửi cho nhà tài trợ)"),
        validators=[
            DataRequired(_l("Lý do: chưa nhập.")),
            Length(max=2000, message=_l("Lý do: tối đa 2000 ký tự.")),
        ],
    )


class ActivityForm(BaseForm):
    id = HiddenField()
    name = StringField(
        _l("Hoạt động xử lý"),
        validators=[
            DataRequired(_l("Tên hoạt động xử lý: chưa nhập.")),
            Length(max=255, message=_l("Tên hoạt động xử lý: tối đa 255 ký tự.")),
        ],
    )
    purpose = TextAreaField(_l("Mục đích"), validators=[DataRequired(_l("Mục đích: chưa nhập."))])
    data_categories = TextAreaField(
        _l("Loại dữ liệu"), validators=[DataRequired(_l("Loại dữ liệu: chưa nhập."))]
    )
    subjects = TextAreaField(_l("Chủ thể dữ liệu"))
    recipients = TextAreaField(_l("Bên nhận"))
    retention = TextAreaField(_l("Thời hạn lưu trữ"))
    legal_basis = TextAreaField(_l("Căn cứ pháp lý"))


class IncidentForm(BaseForm):
    id = HiddenField()
    occurred_at = StringField(
        _l("Thời điểm xảy ra (dd/mm/yyyy hh:mm)"),
        validators=[DataRequired(_l("Thời điểm xảy ra: chưa nhập."))],
    )
    detected_at = StringField(
        _l("Thời điểm phát hiện (dd/mm/yyyy hh:mm)"),
        validators=[DataRequired(_l("Thời điểm phát hiện: chưa nhập."))],
    )
    description = TextAreaField(_l("Mô tả sự cố"), validators=[DataRequired(_l("Mô tả sự cố: chưa nhập."))])
    subjects_affected = IntegerField(
        _l("Số chủ thể bị ảnh hưởng"),
        default=0,
        validators=[Optional(), NumberRange(min=0, message=_l("Số chủ thể bị ảnh hưởng: không được âm."))],
    )
    notified_authority_at = StringField(_l("Đã thông báo cơ quan chuyên trách lúc (dd/mm/yyyy hh:mm)"))
    status = SelectField(
        _l("Trạng thái"), choices=[(k.value, _l(v)) for k, v in INCIDENT_STATUS_LABELS.items()]
    )
