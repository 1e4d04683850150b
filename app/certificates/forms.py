from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.certificates.models import CertificateKind, IssuerLevel
from app.core.forms import BaseForm, VNDateField
from app.core.messages import N_
from app.donors.models import DONOR_KIND_LABELS

try:  # WTForms ≥ 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice

    def _choices(pairs: list[tuple[str, str]]) -> list:
        return [SelectChoice(value, label) for value, label in pairs]
except ImportError:  # pragma: no cover - older WTForms

    def _choices(pairs: list[tuple[str, str]]) -> list:
        return pairs


KIND_CHOICES = _choices(
    [(CertificateKind.GIAY_KHEN.value, _l("Giấy khen")), (CertificateKind.BANG_KHEN.value, _l("Bằng khen"))]
)
LEVEL_CHOICES = _choices(
    [
        (IssuerLevel.COMMUNE.value, _l("Ủy ban MTTQ xã/phường")),
        (IssuerLevel.PROVINCE.value, _l("Ủy ban MTTQ tỉnh/thành phố")),
        (IssuerLevel.CENTRAL.value, _l("Ủy ban Trung ương MTTQ Việt Nam")),
    ]
)


class VerifyForm(BaseForm):
    class Meta:
        csrf = False  # a GET search form: nothing changes

    code = StringField(
        _l("Mã xác minh (hoặc địa chỉ trong mã QR)"),
        validators=[Optional(), Length(max=400, message=_l("Mã xác minh: tối đa 400 ký tự."))],
    )


class RuleForm(BaseForm):
    # "Đối tượng" is a donor type here ("Record" in the audit log): translated with the "award" context
    donor_kind = SelectField(
        lazy_pgettext("award", N_("Đối tượng")),
        choices=_choices([(k.value, _l(v)) for k, v in DONOR_KIND_LABELS.items()]),
    )
    min_total = StringField(
        _l("Tổng ủng hộ tối thiểu trong cuộc vận động (đồng)"),
        validators=[
            DataRequired(_l("Vui lòng nhập mức tối thiểu.")),
            Length(max=30, message=_l("Tổng ủng hộ tối thiểu trong cuộc vận động: tối đa 30 ký tự.")),
        ],
    )
    kind = SelectField(_l("Hình thức khen thưởng"), choices=KIND_CHOICES)
    issuer_level = SelectField(_l("Cấp khen thưởng"), choices=LEVEL_CHOICES)
    achievement = TextAreaField(
        _l("Nội dung thành tích (in trên giấy khen)"),
        validators=[Optional(), Length(max=2000, message=_l("Nội dung thành tích: tối đa 2000 ký tự."))],
    )


class ProposeForm(BaseForm):
    title = StringField(
        _l("Tên đợt khen thưởng"),
        validators=[Optional(), Length(max=255, message=_l("Tên đợt khen thưởng: tối đa 255 ký tự."))],
    )


class ApproveForm(BaseForm):
    decision_no = StringField(
        _l("Số quyết định"),
        validators=[
            DataRequired(_l("Vui lòng nhập số quyết định.")),
            Length(max=80, message=_l("Số quyết định: tối đa 80 ký tự.")),
        ],
    )
    decision_date = VNDateField(
        _l("Ngày quyết định"), validators=[InputRequired(_l("Ngày quyết định: chưa nhập (dd/mm/yyyy)."))]
    )


class RevokeForm(BaseForm):
    reason = TextAreaField(
        _l("Lý do thu hồi"),
        validators=[
            DataRequired(_l("Vui lòng nhập lý do thu hồi.")),
            Length(min=5, max=2000, message=_l("Lý do thu hồi: từ 5 đến 2000 ký tự.")),
        ],
    )


class SignerForm(BaseForm):
    signer_name = StringField(
        _l("Họ tên người ký"),
        validators=[
            DataRequired(_l("Vui lòng nhập họ tên người ký.")),
            Length(max=255, message=_l("Họ tên người ký: tối đa 255 ký tự.")),
        ],
    )
    signer_title = StringField(
        _l("Chức vụ người ký"),
        validators=[
            DataRequired(_l("Vui lòng nhập chức vụ.")),
            Length(max=255, message=_l("Chức vụ người ký: tối đa 255 ký tự.")),
        ],
    )
    seal = FileField(_l("Ảnh con dấu (PNG nền trong suốt, tùy chọn)"))
    signature = FileField(_l("Ảnh chữ ký (PNG nền trong suốt, tùy chọn)"))
    remove_images = BooleanField(_l("Xóa ảnh con dấu và chữ ký đã tải lên"))
