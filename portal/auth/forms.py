"""Forms for signing in and managing one's own account."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.choices import options


class LoginForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("Mật khẩu mới"), validators=[DataRequired(), Length(min=8, max=200)]
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("Hai mật khẩu không khớp."))],
    )


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("Ngôn ngữ"), choices=options([("vi", "Tiếng Việt"), ("en", "English")]))


class TokenForm(FlaskForm):
    name = StringField(_l("Tên mã truy cập"), validators=[DataRequired(), Length(max=100)])
