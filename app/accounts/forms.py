from __future__ import annotations

from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from app.core.forms import BaseForm


class LoginForm(BaseForm):
    email = StringField("Email", validators=[DataRequired("Vui lòng nhập email."), Email("Email không hợp lệ."),
                                             Length(max=255)])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu."), Length(max=200)])
    remember = BooleanField("Ghi nhớ đăng nhập")
