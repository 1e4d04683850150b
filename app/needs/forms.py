"""Forms of the needs registry (CSRF and NFC through BaseForm; Vietnamese labels and messages)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.forms import BaseForm
from app.core.money import AmountError, parse_vnd
from app.needs.models import (
    NEED_KIND_LABELS,
    POVERTY_LABELS,
    SOURCE_KIND_LABELS,
    TRANCHE_LABELS,
    NeedKind,
    PovertyStatus,
    SourceKind,
    TrancheKind,
)

REQUIRED = "Chưa nhập."
SOURCE_ROWS = 3


def _money(field_label: str, *, required: bool = True):  # type: ignore[no-untyped-def]
    def check(form, field):  # type: ignore[no-untyped-def]
        if not (field.data or "").strip():
            if required:
                raise ValidationError(f"{field_label}: chưa nhập.")
            field.amount = 0
            return
        try:
            field.amount = parse_vnd(field.data, field=field_label)
        except AmountError as exc:
            raise ValidationError(str(exc)) from exc

    return check


class NeedForm(BaseForm):
    commune_id = SelectField("Xã/phường", coerce=int, validators=[InputRequired(REQUIRED)])
    hamlet_id = SelectField("Thôn/tổ dân phố", coerce=int, validators=[Optional()])
    head_name = StringField("Họ tên chủ hộ", validators=[DataRequired(REQUIRED), Length(max=255)])
    citizen_id = StringField("Số CCCD chủ hộ", validators=[Optional(), Length(max=20)])
    phone = StringField("Số điện thoại", validators=[Optional(), Length(max=20)])
    address = StringField("Địa chỉ cụ thể", validators=[Optional(), Length(max=500)])
    household_size = IntegerField("Số nhân khẩu", default=1,
                                  validators=[InputRequired(REQUIRED), NumberRange(1, 50, "Từ 1 đến 50.")])
    poverty_status = SelectField("Diện hộ", choices=[(k.value, v) for k, v in POVERTY_LABELS.items()],
                                 validators=[InputRequired(REQUIRED)])
    merit_family = BooleanField("Gia đình có công với cách mạng")
    ethnic_minority = BooleanField("Hộ đồng bào dân tộc thiểu số")
    elderly_alone = BooleanField("Người cao tuổi sống một mình")
    disability = BooleanField("Có thành viên là người khuyết tật")
    single_parent = BooleanField("Cha hoặc mẹ đơn thân nuôi con")
    need_kind = SelectField("Nội dung hỗ trợ", choices=[(k.value, v) for k, v in NEED_KIND_LABELS.items()],
                            validators=[InputRequired(REQUIRED)])
    situation = TextAreaField("Hiện trạng nhà ở, hoàn cảnh (chỉ cán bộ xem)", validators=[Length(max=4000)])
    estimated_cost = StringField("Dự toán kinh phí (đồng)", validators=[_money("Dự toán kinh phí")])
    requested = StringField("Đề nghị Quỹ hỗ trợ (đồng)", validators=[_money("Đề nghị Quỹ hỗ trợ")],
                            description="Thường 60.000.000 ₫ xây mới, 30.000.000 ₫ sửa chữa.")

    def source_rows(self) -> list[tuple]:
        return [(getattr(self, f"source{i}_kind"), getattr(self, f"source{i}_name"), getattr(self, f"source{i}_amount"))
                for i in range(1, SOURCE_ROWS + 1)]


for _i in range(1, SOURCE_ROWS + 1):
    setattr(NeedForm, f"source{_i}_kind", SelectField(
        f"Nguồn đã có {_i}: loại", choices=[("", "— Không —")] + [(k.value, v) for k, v in SOURCE_KIND_LABELS.items()],
        validators=[Optional()]))
    setattr(NeedForm, f"source{_i}_name", StringField(f"Nguồn đã có {_i}: tên chương trình/nhà tài trợ",
                                                      validators=[Length(max=255)]))
    setattr(NeedForm, f"source{_i}_amount", StringField(f"Nguồn đã có {_i}: số tiền (đồng)",
                                                        validators=[_money(f"Nguồn đã có {_i}", required=False)]))


class RejectForm(BaseForm):
    reason = TextAreaField("Lý do không duyệt", validators=[DataRequired(REQUIRED), Length(max=1000)])


class DisburseForm(BaseForm):
    tranche = SelectField("Đợt", choices=[(k.value, v) for k, v in TRANCHE_LABELS.items()])
    amount = StringField("Số tiền giải ngân (đồng)", validators=[_money("Số tiền giải ngân")])
    document_ref = StringField("Số chứng từ", validators=[DataRequired(REQUIRED), Length(max=120)],
                               description="Ví dụ: Phiếu chi số 15/PC-MTTQ")
    occurred_on = DateField("Ngày chi", validators=[InputRequired("Ngày chi: chưa nhập hoặc sai định dạng.")])
    note = StringField("Ghi chú", validators=[Length(max=500)])


class ReverseDisbursementForm(BaseForm):
    """The confirmation step before a tranche is reversed: a reason and an explicit tick."""

    reason = TextAreaField("Lý do đảo giải ngân", validators=[DataRequired("Lý do đảo giải ngân: chưa nhập."),
                                                              Length(max=1000, message="Lý do: tối đa 1000 ký tự.")])
    confirm = BooleanField("Tôi xác nhận đảo khoản giải ngân này; sổ quỹ sẽ ghi bút toán đảo, không xóa khoản đã ghi.",
                           validators=[DataRequired("Hãy đánh dấu ô xác nhận để đảo khoản giải ngân.")])


class StageForm(BaseForm):
    on = DateField("Ngày", validators=[InputRequired("Ngày: chưa nhập hoặc sai định dạng.")])


class PhotoForm(BaseForm):
    photo = FileField("Ảnh (PNG hoặc JPEG, tối đa 8 MB)")
    caption = StringField("Chú thích (không ghi tên hộ)", validators=[Length(max=255)])
    taken_on = DateField("Ngày chụp", validators=[Optional()])
    publishable = BooleanField("Được công khai (ảnh không có khuôn mặt, giấy tờ hay số nhà)")


class ImportForm(BaseForm):
    commune_id = SelectField("Xã/phường", coerce=int, validators=[InputRequired(REQUIRED)])
    file = FileField("Tệp danh sách (.xlsx hoặc .csv)")


class ConfirmForm(BaseForm):
    """An empty form: CSRF only (confirm an import, reveal identifiers, approve, publish a photo)."""


def priority_form_class(criteria: dict[str, tuple[int, str]]) -> type[BaseForm]:
    class PriorityForm(BaseForm):
        late_days = IntegerField("Số ngày kể từ khởi công mà chưa hoàn thành thì coi là chậm tiến độ",
                                 validators=[InputRequired(REQUIRED), NumberRange(7, 730, "Từ 7 đến 730 ngày.")])

    for code, (_, label) in criteria.items():
        setattr(PriorityForm, f"w_{code}", IntegerField(
            label, validators=[InputRequired(f"{label}: chưa nhập."), NumberRange(0, 1000, "Từ 0 đến 1000.")]))
    return PriorityForm


__all__ = ["NeedForm", "RejectForm", "DisburseForm", "StageForm", "PhotoForm", "ImportForm", "ConfirmForm",
           "priority_form_class", "NeedKind", "PovertyStatus", "SourceKind", "TrancheKind"]
