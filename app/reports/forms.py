from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.forms import BaseForm, VNDateField, VNIntegerField

YEAR_INVALID = _l("Năm: không hợp lệ (ví dụ 2026).")


class ChoiceField(SelectField):
    """A select whose refusal names the field in Vietnamese (WTForms' own message is English)."""

    def pre_validate(self, form: object) -> None:
        if self.data not in {value for value, *_ in (self.choices or [])}:
            raise ValidationError(
                _("%(field)s: lựa chọn không hợp lệ hoặc ngoài địa bàn của bạn.", field=self.label.text)
            )


class ReportForm(BaseForm):
    campaign_id = ChoiceField(
        _l("Cuộc vận động"), coerce=int, validators=[DataRequired(_l("Cuộc vận động: chưa chọn."))]
    )
    unit_id = ChoiceField(_l("Đơn vị"), coerce=int)
    kind = ChoiceField(
        _l("Loại báo cáo"), choices=[("year", _l("Tổng kết năm")), ("half_year", _l("Sơ kết 6 tháng"))]
    )
    year = VNIntegerField(
        _l("Năm"),
        invalid_value_message=YEAR_INVALID,
        validators=[InputRequired(_l("Năm: chưa nhập.")), NumberRange(2000, 2100, YEAR_INVALID)],
    )
    half = ChoiceField(
        _l("Kỳ sơ kết"), coerce=int, choices=[(1, _l("6 tháng đầu năm")), (2, _l("6 tháng cuối năm"))]
    )
    # The document as the Front files it (all optional: the report fills in what is left empty).
    number = StringField(
        _l("Số văn bản"), validators=[Optional(), Length(max=40, message=_l("Số văn bản: tối đa 40 ký tự."))]
    )
    place = StringField(
        _l("Địa danh"), validators=[Optional(), Length(max=60, message=_l("Địa danh: tối đa 60 ký tự."))]
    )
    issued_on = VNDateField(_l("Ngày ban hành"), validators=[Optional()])
    recipients = TextAreaField(
        _l("Nơi nhận (mỗi dòng một nơi)"),
        validators=[Optional(), Length(max=1000, message=_l("Nơi nhận: tối đa 1.000 ký tự."))],
    )
    signer_title = StringField(
        _l("Chức danh người ký"),
        validators=[Optional(), Length(max=120, message=_l("Chức danh người ký: tối đa 120 ký tự."))],
    )
    signer_name = StringField(
        _l("Họ tên người ký"),
        validators=[Optional(), Length(max=120, message=_l("Họ tên người ký: tối đa 120 ký tự."))],
    )


class PublishForm(BaseForm):
    """Publishing a tổng kết (a button: the CSRF token only)."""


class ReviewForm(BaseForm):
    """One helped household's poverty review result for a year."""

    need_id = VNIntegerField(_l("Hộ"), validators=[InputRequired(_l("Hộ: chưa chọn."))])
    year = VNIntegerField(
        _l("Năm rà soát"),
        invalid_value_message=YEAR_INVALID,
        validators=[InputRequired(_l("Năm: chưa nhập.")), NumberRange(2000, 2100, YEAR_INVALID)],
    )
    result = ChoiceField(
        _l("Kết quả rà soát"),
        choices=[
            ("still_poor", _l("Vẫn là hộ nghèo")),
            ("near_poor", _l("Hộ cận nghèo")),
            ("out_of_poverty", _l("Thoát nghèo")),
        ],
    )


class TargetForm(BaseForm):
    """A unit's own target for a year: households helped that should leave the poor list."""

    unit_id = ChoiceField(_l("Đơn vị"), coerce=int)
    year = VNIntegerField(
        _l("Năm"),
        invalid_value_message=YEAR_INVALID,
        validators=[InputRequired(_l("Năm: chưa nhập.")), NumberRange(2000, 2100, YEAR_INVALID)],
    )
    exits_target = VNIntegerField(
        _l("Số hộ ra khỏi danh sách hộ nghèo (chỉ tiêu)"),
        validators=[
            InputRequired(_l("Chỉ tiêu: chưa nhập.")),
            NumberRange(0, 10_000_000, _l("Chỉ tiêu: không hợp lệ.")),
        ],
    )
    legal_basis = StringField(
        _l("Căn cứ (nghị quyết, kế hoạch)"),
        validators=[Optional(), Length(max=255, message=_l("Căn cứ: tối đa 255 ký tự."))],
    )
