"""Forms of the scoring pages, shared with the JSON API (one set of field rules for both)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.admin.forms import _optional_int
from portal.choices import options
from portal.fields import VNDateField
from portal.services.scoring_rounds import TRANSITIONS


class RoundForm(FlaskForm):
    table_id = SelectField(
        _l("Bảng tiêu chí"),
        coerce=_optional_int,
        validators=[DataRequired(_l("Hãy chọn bảng tiêu chí."))],
    )
    meeting_date = VNDateField(
        _l("Ngày hội nghị chấm điểm"),
        validators=[InputRequired(_l("Cần ngày hội nghị chấm điểm (ngày/tháng/năm)."))],
    )
    conference_date = VNDateField(
        _l("Ngày hội nghị tổng kết khối"),
        validators=[InputRequired(_l("Cần ngày hội nghị tổng kết khối (ngày/tháng/năm)."))],
    )
    cross_scoring = BooleanField(_l("Các đơn vị chấm chéo cho nhau trước hội nghị"))
    trim = IntegerField(
        _l("Khi lấy trung bình điểm chấm chéo, bỏ bớt ở mỗi đầu (cao nhất, thấp nhất)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=10)],
    )


class RoundUpdateForm(RoundForm):
    """Changing a round: the table can only change while the round is a draft."""

    table_id = SelectField(_l("Bảng tiêu chí"), coerce=_optional_int, validators=[Optional()])


class TransitionForm(FlaskForm):
    # Choices document the API; the service says "Thao tác không hợp lệ." for anything else.
    action = SelectField(
        _l("Thao tác"),
        choices=options((name, t.label) for name, t in TRANSITIONS.items()),
        validate_choice=False,
        validators=[DataRequired(_l("Hãy chọn thao tác."))],
    )
    reason = TextAreaField(_l("Lý do trả lại"), validators=[Optional(), Length(max=2000)])
