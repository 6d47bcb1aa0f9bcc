"""Forms shared by the admin pages and the JSON API (one set of field rules for both)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from portal.choices import options
from portal.fields import VNDateField
from portal.labels import ROLE_LABELS, UNIT_KIND_LABELS

# WTForms' Email() needs the optional email_validator package (not a dependency): without it every
# address raised an exception (a 500 on the user pages and the API). A plain shape check suffices.
EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$", message=_l("Địa chỉ thư điện tử không hợp lệ."))
CODE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", message=_l("Mã chỉ gồm chữ không dấu, số, '.', '_', '-'."))


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class ProvinceForm(FlaskForm):
    code = StringField(_l("Mã tỉnh"), validators=[DataRequired(), Length(max=40), CODE])
    name = StringField(_l("Tên tỉnh"), validators=[DataRequired(), Length(max=200)])
    successor_id = SelectField(_l("Hợp nhất vào tỉnh"), coerce=_optional_int, validators=[Optional()])
    merged_on = VNDateField(_l("Ngày hợp nhất"), validators=[Optional()])
    is_active = BooleanField(_l("Đang hoạt động"), default=True)


class PluginsForm(FlaskForm):
    plugins = SelectMultipleField(_l("Plugin được bật"), validate_choice=False)


class UnitForm(FlaskForm):
    code = StringField(_l("Mã đơn vị"), validators=[DataRequired(), Length(max=40), CODE])
    name = StringField(_l("Tên đơn vị"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(
        _l("Loại đơn vị"),
        choices=options((k.value, label) for k, label in UNIT_KIND_LABELS.items()),
        validators=[DataRequired()],
    )
    staff_count = IntegerField(
        _l("Số biên chế, lao động"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    is_active = BooleanField(_l("Đang hoạt động"), default=True)
    successor_id = SelectField(_l("Đơn vị kế thừa"), coerce=_optional_int, validators=[Optional()])


class ImportForm(FlaskForm):
    file = FileField(
        _l("Tệp CSV hoặc Excel (.xlsx)"),
        validators=[
            FileRequired(_l("Hãy chọn tệp.")),
            FileAllowed(["csv", "xlsx"], _l("Chỉ nhận tệp .csv hoặc .xlsx.")),
        ],
    )


class BlockForm(FlaskForm):
    year = IntegerField(_l("Năm thi đua"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    code = StringField(_l("Mã khối"), validators=[DataRequired(), Length(max=40), CODE])
    name = StringField(_l("Tên khối"), validators=[DataRequired(), Length(max=300)])
    member_ids = SelectMultipleField(_l("Đơn vị thành viên"), coerce=int)
    leader_unit_id = SelectField(_l("Khối trưởng"), coerce=_optional_int, validators=[Optional()])
    deputy_unit_id = SelectField(_l("Khối phó"), coerce=_optional_int, validators=[Optional()])


class CopyBlocksForm(FlaskForm):
    from_year = IntegerField(_l("Sao chép từ năm"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    to_year = IntegerField(_l("Sang năm"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])


class UserForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(min=3, max=80)])
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("Thư điện tử"), validators=[Optional(), EMAIL, Length(max=200)])
    locale = SelectField(_l("Ngôn ngữ"), choices=options([("vi", "Tiếng Việt"), ("en", "English")]), default="vi")
    is_active = BooleanField(_l("Đang hoạt động"), default=True)


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Vai trò"), choices=options((r.value, label) for r, label in ROLE_LABELS.items()), validators=[DataRequired()]
    )
    province_id = SelectField(lazy_pgettext("singular", "Tỉnh"), coerce=_optional_int, validators=[Optional()])
    unit_id = SelectField(lazy_pgettext("singular", "Đơn vị"), coerce=_optional_int, validators=[Optional()])
