"""Forms of the needs registry (CSRF and NFC through BaseForm; Vietnamese labels and messages, English through _l)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.forms import BaseForm, ManyOptionsSelect, VNDateField, VNIntegerField
from app.core.money import AmountError, parse_vnd
from app.core.transaction import message_for
from app.needs.models import (
    NEED_KIND_LABELS,
    POVERTY_LABELS,
    SOURCE_KIND_LABELS,
    NeedKind,
    PovertyStatus,
    SourceKind,
    TrancheKind,
)

REQUIRED = _l("Chưa nhập.")
SOURCE_ROWS = 3


def _money(field_label, *, required: bool = True):  # type: ignore[no-untyped-def]
    """field_label: a lazy string, translated when the form is checked (parse_vnd's own text stays Vietnamese)."""

    def check(form, field):  # type: ignore[no-untyped-def]
        if not (field.data or "").strip():
            if required:
                raise ValidationError(_("%(field)s: chưa nhập.", field=field_label))
            field.amount = 0
            return
        try:
            field.amount = parse_vnd(field.data, field=str(field_label))
        except AmountError as exc:
            raise ValidationError(message_for(exc)) from exc

    return check


# How the household agreed to its data being in the registry (recorded by app.privacy as the consent's source;
# Decree 13/2023/NĐ-CP Art. 11, Law 91/2025/QH15 Art. 9).
CONSENT_SOURCES = [
    ("don_ky", _l("Đơn đề nghị có chữ ký của chủ hộ")),
    ("bien_ban", _l("Biên bản bình xét của thôn, chủ hộ ký")),
    ("truc_tiep", _l("Chủ hộ đồng ý trực tiếp với cán bộ (cán bộ ghi nhận)")),
]


class NeedForm(BaseForm):
    commune_id = SelectField(_l("Xã/phường"), coerce=int, validators=[InputRequired(REQUIRED)])
    consent_source = SelectField(
        _l("Hộ đồng ý đưa dữ liệu vào danh sách qua"), choices=CONSENT_SOURCES, default="don_ky"
    )
    hamlet_id = SelectField(
        _l("Thôn/tổ dân phố"), coerce=int, validators=[Optional()], widget=ManyOptionsSelect()
    )
    head_name = StringField(
        _l("Họ tên chủ hộ"),
        validators=[DataRequired(REQUIRED), Length(max=255, message=_l("Họ tên chủ hộ: tối đa 255 ký tự."))],
    )
    citizen_id = StringField(
        _l("Số CCCD chủ hộ"),
        validators=[Optional(), Length(max=20, message=_l("Số CCCD chủ hộ: tối đa 20 ký tự."))],
    )
    phone = StringField(
        _l("Số điện thoại"),
        validators=[Optional(), Length(max=20, message=_l("Số điện thoại: tối đa 20 ký tự."))],
    )
    address = StringField(
        _l("Địa chỉ cụ thể"),
        validators=[Optional(), Length(max=500, message=_l("Địa chỉ cụ thể: tối đa 500 ký tự."))],
    )
    household_size = VNIntegerField(
        _l("Số nhân khẩu"),
        default=1,
        validators=[
            InputRequired(_l("Số nhân khẩu: chưa nhập.")),
            NumberRange(1, 50, _l("Số nhân khẩu: từ 1 đến 50.")),
        ],
    )
    poverty_status = SelectField(
        _l("Diện hộ"),
        choices=[(k.value, _l(v)) for k, v in POVERTY_LABELS.items()],
        validators=[InputRequired(REQUIRED)],
    )
    merit_family = BooleanField(_l("Gia đình có công với cách mạng"))
    ethnic_minority = BooleanField(_l("Hộ đồng bào dân tộc thiểu số"))
    elderly_alone = BooleanField(_l("Người cao tuổi sống một mình"))
    disability = BooleanField(_l("Có thành viên là người khuyết tật"))
    single_parent = BooleanField(_l("Cha hoặc mẹ đơn thân nuôi con"))
    need_kind = SelectField(
        _l("Nội dung hỗ trợ"),
        choices=[(k.value, _l(v)) for k, v in NEED_KIND_LABELS.items()],
        validators=[InputRequired(REQUIRED)],
    )
    situation = TextAreaField(
        _l("Hiện trạng nhà ở, hoàn cảnh (chỉ cán bộ xem)"),
        validators=[Length(max=4000, message=_l("Hiện trạng nhà ở, hoàn cảnh: tối đa 4000 ký tự."))],
    )
    estimated_cost = StringField(_l("Dự toán kinh phí (đồng)"), validators=[_money(_l("Dự toán kinh phí"))])
    requested = StringField(
        _l("Đề nghị Quỹ hỗ trợ (đồng)"),
        validators=[_money(_l("Đề nghị Quỹ hỗ trợ"))],
        description=_l("Thường 60.000.000 ₫ xây mới, 30.000.000 ₫ sửa chữa."),
    )
    limit_override_reason = TextAreaField(
        _l("Lý do vượt mức hỗ trợ"),
        validators=[Length(max=1000, message=_l("Lý do vượt mức hỗ trợ: tối đa 1000 ký tự."))],
        description=_l(
            "Chỉ ghi khi đề nghị cao hơn mức hỗ trợ tối đa của chương trình; cấp tỉnh xem khi duyệt."
        ),
    )
    poverty_list_year = VNIntegerField(
        _l("Năm danh sách hộ nghèo, cận nghèo"),
        validators=[Optional(), NumberRange(2000, 2100, _l("Năm danh sách hộ nghèo: không hợp lệ."))],
        description=_l("Năm rà soát đưa hộ vào danh sách; chuẩn nghèo tương ứng được ghi theo năm này."),
    )

    def source_rows(self) -> list[tuple]:
        return [
            (
                getattr(self, f"source{i}_kind"),
                getattr(self, f"source{i}_name"),
                getattr(self, f"source{i}_amount"),
            )
            for i in range(1, SOURCE_ROWS + 1)
        ]


for _i in range(1, SOURCE_ROWS + 1):
    setattr(
        NeedForm,
        f"source{_i}_kind",
        SelectField(
            _l("Nguồn đã có %(n)s: loại", n=_i),
            choices=[("", _l("— Không —"))] + [(k.value, _l(v)) for k, v in SOURCE_KIND_LABELS.items()],
            validators=[Optional()],
        ),
    )
    setattr(
        NeedForm,
        f"source{_i}_name",
        StringField(
            _l("Nguồn đã có %(n)s: tên chương trình/nhà tài trợ", n=_i),
            validators=[
                Length(
                    max=255,
                    message=_l("Nguồn đã có %(n)s – tên chương trình/nhà tài trợ: tối đa 255 ký tự.", n=_i),
                )
            ],
        ),
    )
    setattr(
        NeedForm,
        f"source{_i}_amount",
        StringField(
            _l("Nguồn đã có %(n)s: số tiền (đồng)", n=_i),
            validators=[_money(_l("Nguồn đã có %(n)s", n=_i), required=False)],
        ),
    )


class RejectForm(BaseForm):
    reason = TextAreaField(
        _l("Lý do không duyệt"),
        validators=[
            DataRequired(_l("Lý do không duyệt: chưa nhập.")),
            Length(max=1000, message=_l("Lý do không duyệt: tối đa 1000 ký tự.")),
        ],
    )


class ReverseDisbursementForm(BaseForm):
    """The confirmation step before a tranche is reversed: a reason and an explicit tick."""

    reason = TextAreaField(
        _l("Lý do đảo giải ngân"),
        validators=[
            DataRequired(_l("Lý do đảo giải ngân: chưa nhập.")),
            Length(max=1000, message=_l("Lý do: tối đa 1000 ký tự.")),
        ],
    )
    confirm = BooleanField(
        _l("Tôi xác nhận đảo khoản giải ngân này; sổ quỹ sẽ ghi bút toán đảo, không xóa khoản đã ghi."),
        validators=[DataRequired(_l("Hãy đánh dấu ô xác nhận để đảo khoản giải ngân."))],
    )


class StageForm(BaseForm):
    on = VNDateField(_l("Ngày"), validators=[InputRequired(_l("Ngày: chưa nhập."))])


class PhotoForm(BaseForm):
    photo = FileField(_l("Ảnh (PNG hoặc JPEG, tối đa 8 MB)"))
    caption = StringField(
        _l("Chú thích (không ghi tên hộ)"),
        validators=[Length(max=255, message=_l("Chú thích: tối đa 255 ký tự."))],
    )
    taken_on = VNDateField(_l("Ngày chụp"), validators=[Optional()])
    publishable = BooleanField(_l("Được công khai (ảnh không có khuôn mặt, giấy tờ hay số nhà)"))


class ImportForm(BaseForm):
    commune_id = SelectField(_l("Xã/phường"), coerce=int, validators=[InputRequired(REQUIRED)])
    file = FileField(_l("Tệp danh sách (.xlsx hoặc .csv)"))


class ConfirmForm(BaseForm):
    """An empty form: CSRF only (confirm an import, reveal identifiers, approve, publish a photo)."""


LATE_DAYS = _l("Số ngày kể từ khởi công mà chưa hoàn thành thì coi là chậm tiến độ")


def priority_form_class(criteria: dict[str, tuple[int, str]]) -> type[BaseForm]:
    class PriorityForm(BaseForm):
        late_days = VNIntegerField(
            LATE_DAYS,
            validators=[
                InputRequired(_l("%(field)s: chưa nhập.", field=LATE_DAYS)),
                NumberRange(7, 730, _l("%(field)s: từ 7 đến 730 ngày.", field=LATE_DAYS)),
            ],
        )

    for code, (_weight, label) in criteria.items():
        setattr(
            PriorityForm,
            f"w_{code}",
            VNIntegerField(
                _l(label),
                validators=[
                    InputRequired(_l("%(field)s: chưa nhập.", field=_l(label))),
                    NumberRange(0, 1000, _l("%(field)s: từ 0 đến 1000.", field=_l(label))),
                ],
            ),
        )
    return PriorityForm


__all__ = [
    "NeedForm",
    "RejectForm",
    "StageForm",
    "PhotoForm",
    "ImportForm",
    "ConfirmForm",
    "priority_form_class",
    "NeedKind",
    "PovertyStatus",
    "SourceKind",
    "TrancheKind",
]


class SupportLimitForm(BaseForm):
    """A new program support limit (issue 18.5); `scope` choices are set by the view from what the user may set."""

    scope = SelectField(_l("Phạm vi"), validators=[InputRequired(REQUIRED)])
    program_code = StringField(
        _l("Mã chương trình"),
        validators=[DataRequired(REQUIRED), Length(max=40, message=_l("Mã chương trình: tối đa 40 ký tự."))],
    )
    program_name = StringField(
        _l("Tên chương trình"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=255, message=_l("Tên chương trình: tối đa 255 ký tự.")),
        ],
    )
    need_kind = SelectField(
        _l("Mục đích"),
        choices=[(k.value, _l(NEED_KIND_LABELS[k])) for k in (NeedKind.NEW_HOUSE, NeedKind.REPAIR)],
        validators=[InputRequired(REQUIRED)],
    )
    max_vnd = StringField(_l("Mức hỗ trợ tối đa mỗi hộ (đồng)"), validators=[_money(_l("Mức hỗ trợ tối đa"))])
    legal_basis = StringField(
        _l("Căn cứ pháp lý (số, ngày văn bản)"),
        validators=[DataRequired(REQUIRED), Length(max=255, message=_l("Căn cứ pháp lý: tối đa 255 ký tự."))],
    )
    valid_from = VNDateField(_l("Hiệu lực từ"), validators=[InputRequired(REQUIRED)])
    valid_to = VNDateField(_l("Hiệu lực đến (để trống: chưa hết hạn)"), validators=[Optional()])


class EndLimitForm(BaseForm):
    last_day = VNDateField(_l("Ngày cuối cùng áp dụng"), validators=[InputRequired(REQUIRED)])
