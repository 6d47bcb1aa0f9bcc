"""Forms of the dossier pages and API (the same checks for both)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.fields import VNDateField


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Lý do trả lại"), validators=[DataRequired(), Length(max=2000)])


class DecideForm(FlaskForm):
    decision_number = StringField(
        _l("Số quyết định"),
        validators=[DataRequired(), Length(max=60)],
        render_kw={"placeholder": _l("Ví dụ: 125/QĐ-UBND")},
    )
    # dd/mm/yyyy as people write it; YYYY-MM-DD also accepted (API clients).
    decision_date = VNDateField(_l("Ngày quyết định"), validators=[DataRequired()])
    decision_signer = StringField(_l("Người ký"), validators=[DataRequired(), Length(max=200)])
    category = StringField(
        _l("Loại khen thưởng (để trống: khen thưởng thành tích KT-XH)"),
        validators=[Optional(), Length(max=40)],
    )
