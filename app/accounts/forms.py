from __future__ import annotations

from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.core.forms import BaseForm


class LoginForm(BaseForm):
    email = StringField("Email", validators=[DataRequired("Vui lòng nhập email."), Email("Email không hợp lệ."),
                                             Length(max=255)])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu."), Length(max=200)])
    remember = BooleanField("Ghi nhớ đăng nhập")


class ForgotPasswordForm(BaseForm):
    email = StringField("Email", validators=[DataRequired("Vui lòng nhập email."), Email("Email không hợp lệ."),
                                             Length(max=255, message="Email quá dài.")])


class ResetPasswordForm(BaseForm):
    password = PasswordField("Mật khẩu mới", validators=[
        DataRequired("Vui lòng nhập mật khẩu mới."), Length(max=200, message="Mật khẩu quá dài (tối đa 200 ký tự).")])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[
        DataRequired("Vui lòng nhập lại mật khẩu mới."), EqualTo("password", "Hai mật khẩu không khớp.")])
