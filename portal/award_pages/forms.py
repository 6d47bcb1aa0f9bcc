"""Forms of the award-record pages (also bound by the JSON API: one set of rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.admin.forms import ImportForm, _optional_int
from portal.choices import options
from portal.fields import VNDateField
from portal.services.award_records import GROUP_LABELS, RECIPIENT_LABELS, STATUS_LABELS


def _blank(value):
    return value or None


class RecordForm(FlaskForm):
    """One award record. ``award_code``, ``unit_id`` and ``category`` choices are the province's
    (``set_choices``)."""

    award_code = SelectField(_l("Hình thức khen thưởng"), validators=[DataRequired()])
    recipient = SelectField(
        _l("Đối tượng"), choices=options((k, v) for k, v in RECIPIENT_LABELS.items()), validators=[DataRequired()]
    )
    recipient_name = StringField(_l("Họ tên / Tên tập thể"), validators=[DataRequired(), Length(max=300)])
    unit_id = SelectField(lazy_pgettext("singular", "Đơn vị"), coerce=_optional_int, validators=[Optional()])
    person_group = SelectField(
        _l("Lãnh đạo / Người lao động"),
        choices=options([("", _l("— (tập thể)"))] + [(k.value, v) for k, v in GROUP_LABELS.items()]),
        filters=[_blank],
        validators=[Optional()],
    )
    position = StringField(_l("Chức vụ"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("Loại khen thưởng"), filters=[_blank], validators=[Optional()])
    status = SelectField(
        _l("Trạng thái"), choices=options((k.value, v) for k, v in STATUS_LABELS.items()), validators=[DataRequired()]
    )
    returned_reason = TextAreaField(_l("Lý do trả lại"), validators=[Optional(), Length(max=2000)])
    decision_number = StringField(_l("Số quyết định"), validators=[Optional(), Length(max=60)])
    decision_date = VNDateField(_l("Ngày quyết định"), validators=[Optional()])
    decided_by = StringField(_l("Người ký"), validators=[Optional(), Length(max=200)])
    submitted_on = VNDateField(_l("Ngày trình"), validators=[Optional()])
    year = IntegerField(
        _l("Năm"), validators=[Optional(), NumberRange(min=2000, max=2100)],
        description=_l("Bỏ trống: lấy năm của ngày quyết định, hoặc ngày trình."),
    )

    def set_choices(self, catalogue, categories, units):
        levels = {"state": _l("Cấp Nhà nước"), "provincial": _l("Cấp tỉnh"), "grassroots": _l("Cấp cơ sở")}
        self.award_code.choices = options(
            [("", _l("— chọn —"))] + [(a.code, f"{a.name} ({levels.get(a.level, a.level)})") for a in catalogue.values()]
        )
        self.category.choices = options([("", _l("— không phân loại —"))] + [(c.code, c.name) for c in categories.values()])
        self.unit_id.choices = options([("", _l("— không ghi —"))] + list(units))
        return self

    def values(self) -> dict:
        return {
            name: getattr(self, name).data
            for name in ("award_code", "recipient", "recipient_name", "unit_id", "person_group", "position",
                         "category", "status", "returned_reason", "decision_number", "decision_date", "decided_by",
                         "submitted_on", "year")
        }


class RecordImportForm(ImportForm):
    pass
