from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import BaseForm
from app.payments.statements import PRESETS


class StatementUploadForm(BaseForm):
    account_id = SelectField(
        _l("Tài khoản nhận tiền"), coerce=int, validators=[DataRequired(_l("Chọn tài khoản."))]
    )
    # the presets' labels quote the bank's own (Vietnamese) column headings and stay as they are
    preset = SelectField(
        _l("Mẫu sao kê"),
        choices=[
            SelectChoice("auto", _l("Tự nhận dạng theo dòng tiêu đề")),
            *[SelectChoice(p.key, p.label) for p in PRESETS.values()],
            SelectChoice("custom", _l("Mẫu khác: tự ghép cột")),
        ],
    )
    opening_balance = StringField(
        _l("Số dư đầu kỳ (nếu sao kê có in)"),
        validators=[Optional(), Length(max=30, message=_l("Số dư đầu kỳ: tối đa 30 ký tự."))],
    )
    file = FileField(_l("Tệp sao kê (.xlsx hoặc .csv)"))


class ReverseLineForm(BaseForm):
    """The confirmation step before the receipt(s) of one statement line are reversed: a reason and a tick."""

    reason = TextAreaField(
        _l("Lý do đảo"),
        validators=[
            DataRequired(_l("Lý do đảo: chưa nhập.")),
            Length(max=1000, message=_l("Lý do đảo: tối đa 1000 ký tự.")),
        ],
    )
    confirm = BooleanField(
        _l("Tôi xác nhận đảo biên nhận của dòng này; sổ quỹ ghi bút toán đảo, không xóa khoản đã ghi."),
        validators=[DataRequired(_l("Xác nhận: hãy đánh dấu ô xác nhận để đảo."))],
    )
