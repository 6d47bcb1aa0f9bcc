"""Forms of the ballot pages. Candidates, attendance, the committee and per-candidate figures are
lists whose length depends on the ballot; the views read them from the request directly."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.choices import options
from portal.fields import VNDateTimeField


class ActionForm(FlaskForm):
    """Buttons that change a ballot: the CSRF token only."""


class BallotForm(FlaskForm):
    award_code = SelectField(_l("Danh hiệu / hình thức khen thưởng"), validators=[DataRequired()])
    title = StringField(
        _l("Tên cuộc bỏ phiếu (để trống: tự đặt theo danh hiệu)"),
        validators=[Optional(), Length(max=300)],
    )
    seats = IntegerField(
        _l("Số lượng được bầu"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=100)],
    )
    method = RadioField(
        _l("Cách bỏ phiếu"),
        default="tick",
        choices=options(
            [
                ("tick", _l("Đồng ý / Không đồng ý từng đơn vị")),
                ("strike", _l("Giữ lại nhiều nhất N tên, gạch tên còn lại")),
            ]
        ),
    )
    mode = RadioField(
        _l("Hình thức"),
        default="electronic",
        choices=options(
            [
                ("electronic", _l("Điện tử: mỗi đơn vị một mã bỏ phiếu")),
                ("paper", _l("Trên giấy: in phiếu bầu, Ban kiểm phiếu nhập kết quả")),
            ]
        ),
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Lý do hủy"), validators=[DataRequired(), Length(max=1000)])


class PublishForm(FlaskForm):
    venue = StringField(
        _l("Địa điểm kiểm phiếu (in trên biên bản)"), validators=[DataRequired(), Length(max=300)]
    )


class CountForm(FlaskForm):
    issued = IntegerField(
        _l("Số phiếu phát ra"), validators=[InputRequired(), NumberRange(min=0, max=10000)]
    )
    returned = IntegerField(
        _l("Số phiếu thu về"), validators=[InputRequired(), NumberRange(min=0, max=10000)]
    )
    invalid = IntegerField(
        _l("Số phiếu không hợp lệ"), validators=[InputRequired(), NumberRange(min=0, max=10000)]
    )


class VoteForm(FlaskForm):
    """The public voter form: the code (the choices are read per candidate) and the CSRF token."""

    code = StringField(_l("Mã bỏ phiếu"), validators=[Optional(), Length(max=20)])


class ReceiptForm(FlaskForm):
    receipt = StringField(_l("Mã biên nhận"), validators=[DataRequired(), Length(max=20)])


class MinutesForm(FlaskForm):
    started_at = VNDateTimeField(_l("Bắt đầu"), validators=[DataRequired()])
    ended_at = VNDateTimeField(_l("Kết thúc"), validators=[DataRequired()])
    venue = StringField(_l("Địa điểm"), validators=[DataRequired(), Length(max=300)])
    chair = StringField(
        _l("Chủ trì (Họ tên - chức vụ, đơn vị)"), validators=[DataRequired(), Length(max=300)]
    )
    secretary = StringField(
        _l("Thư ký (Họ tên - chức vụ, đơn vị)"), validators=[DataRequired(), Length(max=300)]
    )
    attendees = TextAreaField(
        _l("Thành phần tham dự (mỗi dòng một người: Họ tên - chức vụ, đơn vị)"),
        validators=[Optional(), Length(max=10000)],
        render_kw={"rows": 8},
    )
    content = TextAreaField(
        _l("Nội dung (mỗi mục cách nhau một dòng trống; dòng đầu của mục là tiêu đề)"),
        validators=[DataRequired(), Length(max=20000)],
        render_kw={"rows": 10},
    )
