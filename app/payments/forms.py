from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import BaseForm
from app.payments.statements import PRESETS


class StatementUploadForm(BaseForm):
    account_id = SelectField("Tài khoản nhận tiền", coerce=int, validators=[DataRequired("Chọn tài khoản.")])
    preset = SelectField("Mẫu sao kê", choices=[SelectChoice("auto", "Tự nhận dạng theo dòng tiêu đề"),
                                                 *[SelectChoice(p.key, p.label) for p in PRESETS.values()],
                                                 SelectChoice("custom", "Mẫu khác: tự ghép cột")])
    opening_balance = StringField("Số dư đầu kỳ (nếu sao kê có in)", validators=[Optional(), Length(max=30)])
    file = FileField("Tệp sao kê (.xlsx hoặc .csv)")


class ReverseLineForm(BaseForm):
    """The confirmation step before the receipt(s) of one statement line are reversed: a reason and a tick."""

    reason = TextAreaField("Lý do đảo", validators=[DataRequired("Lý do đảo: chưa nhập."),
                                                    Length(max=1000, message="Lý do đảo: tối đa 1000 ký tự.")])
    confirm = BooleanField("Tôi xác nhận đảo biên nhận của dòng này; sổ quỹ ghi bút toán đảo, không xóa khoản đã ghi.",
                           validators=[DataRequired("Xác nhận: hãy đánh dấu ô xác nhận để đảo.")])
