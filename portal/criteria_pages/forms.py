"""Forms of the criteria-table pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.admin.forms import ImportForm, _optional_int
from portal.choices import options

KIND_CHOICES = options(
    (
        ("scored", _l("Chấm điểm")),
        ("bonus", _l("Điểm cộng (điểm thưởng)")),
        ("penalty", _l("Điểm trừ")),
        ("info", _l("Thông tin (không tính điểm)")),
    )
)
AUTO_PARENT = "__auto__"


def _year():
    return IntegerField(
        _l("Năm thi đua"), validators=[DataRequired(), NumberRange(min=2000, max=2100)]
    )


def _name(required=True):
    checks = [DataRequired()] if required else [Optional()]
    return StringField(_l("Tên bảng tiêu chí"), validators=[*checks, Length(max=300)])


class BlankTableForm(FlaskForm):
    year = _year()
    name = _name()


class TemplateTableForm(FlaskForm):
    year = _year()
    template = SelectField(_l("Mẫu"), validators=[DataRequired()])
    name = _name(required=False)
    block_id = HiddenField()


class CopyTableForm(FlaskForm):
    year = _year()
    source_id = SelectField(
        _l("Sao chép từ bảng"), coerce=_optional_int, validators=[DataRequired()]
    )
    name = _name(required=False)


class CriteriaImportForm(ImportForm):
    year = _year()
    name = _name()


class RowForm(FlaskForm):
    code = StringField(_l("Mã tiêu chí"), validators=[DataRequired(), Length(max=30)])
    title = TextAreaField(_l("Nội dung tiêu chí"), validators=[DataRequired(), Length(max=4000)])
    kind = SelectField(_l("Loại"), choices=KIND_CHOICES, validators=[DataRequired()])
    max_points = StringField(_l("Điểm tối đa"), validators=[Optional(), Length(max=20)])
    parent = SelectField(_l("Thuộc nhóm (tiêu chí cha)"))
    guidance = TextAreaField(_l("Hướng dẫn chấm"), validators=[Optional(), Length(max=4000)])
    sum_groups = BooleanField(
        _l("Cập nhật điểm tối đa của các nhóm cha bằng tổng điểm các tiêu chí con"), default=True
    )
