from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.certificates.models import CertificateKind, IssuerLevel
from app.core.forms import BaseForm
from app.donors.models import DONOR_KIND_LABELS

try:  # WTForms ≥ 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice

    def _choices(pairs: list[tuple[str, str]]) -> list:
        return [SelectChoice(value, label) for value, label in pairs]
except ImportError:  # pragma: no cover - older WTForms
    def _choices(pairs: list[tuple[str, str]]) -> list:
        return pairs


KIND_CHOICES = _choices([(CertificateKind.GIAY_KHEN.value, "Giấy khen"), (CertificateKind.BANG_KHEN.value, "Bằng khen")])
LEVEL_CHOICES = _choices([(IssuerLevel.COMMUNE.value, "Ủy ban MTTQ xã/phường"),
                          (IssuerLevel.PROVINCE.value, "Ủy ban MTTQ tỉnh/thành phố"),
                          (IssuerLevel.CENTRAL.value, "Ủy ban Trung ương MTTQ Việt Nam")])


class VerifyForm(BaseForm):
    class Meta:
        csrf = False  # a GET search form: nothing changes

    code = StringField(_l("Mã xác minh (hoặc địa chỉ trong mã QR)"), validators=[Optional(), Length(max=400)])


class RuleForm(BaseForm):
    donor_kind = SelectField("Đối tượng", choices=_choices([(k.value, v) for k, v in DONOR_KIND_LABELS.items()]))
    min_total = StringField("Tổng ủng hộ tối thiểu trong cuộc vận động (đồng)",
                            validators=[DataRequired("Vui lòng nhập mức tối thiểu."), Length(max=30)])
    kind = SelectField("Hình thức khen thưởng", choices=KIND_CHOICES)
    issuer_level = SelectField("Cấp khen thưởng", choices=LEVEL_CHOICES)
    achievement = TextAreaField("Nội dung thành tích (in trên giấy khen)", validators=[Optional(), Length(max=2000)])


class ProposeForm(BaseForm):
    title = StringField("Tên đợt khen thưởng", validators=[Optional(), Length(max=255)])


class ApproveForm(BaseForm):
    decision_no = StringField("Số quyết định", validators=[DataRequired("Vui lòng nhập số quyết định."),
                                                           Length(max=80)])
    decision_date = DateField("Ngày quyết định", validators=[DataRequired("Vui lòng nhập ngày quyết định (dd/mm/yyyy).")])


class RevokeForm(BaseForm):
    reason = TextAreaField("Lý do thu hồi", validators=[DataRequired("Vui lòng nhập lý do thu hồi."),
                                                        Length(min=5, max=2000, message="Lý do thu hồi: từ 5 đến 2000 ký tự.")])


class SignerForm(BaseForm):
    signer_name = StringField("Họ tên người ký", validators=[DataRequired("Vui lòng nhập họ tên người ký."),
                                                            Length(max=255)])
    signer_title = StringField("Chức vụ người ký", validators=[DataRequired("Vui lòng nhập chức vụ."), Length(max=255)])
    seal = FileField("Ảnh con dấu (PNG nền trong suốt, tùy chọn)")
    signature = FileField("Ảnh chữ ký (PNG nền trong suốt, tùy chọn)")
    remove_images = BooleanField("Xóa ảnh con dấu và chữ ký đã tải lên")
