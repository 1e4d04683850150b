from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.core.forms import BaseForm
from app.core.messages import N_


class LoginForm(BaseForm):
    email = StringField(
        N_("Email"),
        validators=[
            DataRequired(_l("Vui lòng nhập email.")),
            Email(_l("Email không hợp lệ.")),
            Length(max=255, message=_l("Email: tối đa 255 ký tự.")),
        ],
    )
    password = PasswordField(
        _l("Mật khẩu"),
        validators=[
            DataRequired(_l("Vui lòng nhập mật khẩu.")),
            Length(max=200, message=_l("Mật khẩu: tối đa 200 ký tự.")),
        ],
    )
    remember = BooleanField(_l("Ghi nhớ đăng nhập"))


class ForgotPasswordForm(BaseForm):
    email = StringField(
        N_("Email"),
        validators=[
            DataRequired(_l("Vui lòng nhập email.")),
            Email(_l("Email không hợp lệ.")),
            Length(max=255, message=_l("Email: tối đa 255 ký tự.")),
        ],
    )


class ResetPasswordForm(BaseForm):
    password = PasswordField(
        _l("Mật khẩu mới"),
        validators=[
            DataRequired(_l("Vui lòng nhập mật khẩu mới.")),
            Length(max=200, message=_l("Mật khẩu mới: tối đa 200 ký tự.")),
        ],
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[
            DataRequired(_l("Vui lòng nhập lại mật khẩu mới.")),
            EqualTo("password", _l("Hai mật khẩu không khớp.")),
        ],
    )


class LogoutEverywhereForm(BaseForm):
    """Only the CSRF token: the button ends every session of the signed-in user."""
