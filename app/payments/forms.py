from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import SelectField, StringField
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
