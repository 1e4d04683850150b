"""Staff forms for official bank accounts (issue 17 item 7)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.banking.banks import BANKS
from app.banking.models import FEED_PROVIDER_LABELS, FeedProvider
from app.core.forms import BaseForm


class AccountForm(BaseForm):
    bank_bin = SelectField(
        _l("Ngân hàng (mã BIN VietQR)"),
        choices=[SelectChoice("", _l("— Chọn ngân hàng —"))]
        + [SelectChoice(b.bin, f"{b.short_name} – {b.bin}") for b in BANKS],
        validators=[DataRequired(_l("Ngân hàng: chưa chọn."))],
    )
    account_number = StringField(
        _l("Số tài khoản"),
        validators=[
            DataRequired(_l("Số tài khoản: chưa nhập.")),
            Length(max=30, message=_l("Số tài khoản: tối đa 30 ký tự.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    account_name = StringField(
        _l("Chủ tài khoản (đúng như ngân hàng ghi)"),
        validators=[
            DataRequired(_l("Chủ tài khoản: chưa nhập.")),
            Length(max=255, message=_l("Chủ tài khoản: tối đa 255 ký tự.")),
        ],
    )
    branch = StringField(
        _l("Chi nhánh"), validators=[Optional(), Length(max=255, message=_l("Chi nhánh: tối đa 255 ký tự."))]
    )
    unit_id = SelectField(_l("Đơn vị sở hữu (sổ sách nhận tiền)"), validate_choice=False)
    swift_code = StringField(
        _l("Mã SWIFT/BIC (chuyển khoản quốc tế)"),
        validators=[Optional(), Length(max=11, message=_l("Mã SWIFT/BIC: tối đa 11 ký tự."))],
    )
    feed_provider = SelectField(
        _l("Nguồn dữ liệu giao dịch tức thời"),
        choices=[SelectChoice(p.value, _l(FEED_PROVIDER_LABELS[p])) for p in FeedProvider],
        default=FeedProvider.NONE.value,
    )
    feed_secret_env = StringField(
        _l("Tên biến môi trường chứa khóa bí mật"),
        validators=[Optional(), Length(max=64, message=_l("Tên biến môi trường: tối đa 64 ký tự."))],
        render_kw={"autocomplete": "off", "placeholder": "BANKFEED_SEPAY_SECRET"},
    )


class ReasonForm(BaseForm):
    reason = TextAreaField(
        _l("Lý do"),
        validators=[
            DataRequired(_l("Lý do: chưa nhập.")),
            Length(max=1000, message=_l("Lý do: tối đa 1000 ký tự.")),
        ],
    )


class ConfirmForm(BaseForm):
    """A button (approve, request reopening): only the CSRF token."""
