"""Form fields shared by the pages and the JSON API.

Dates are typed and shown as dd/mm/yyyy whatever the browser's language. An ``<input type="date">``
follows the browser, not the page: English Chromium shows 01/12/2024 for 12 January, which a
Vietnamese officer reads as 1 December. So date fields are plain text inputs with a numeric
keyboard, a placeholder and a pattern; the server parses dd/mm/yyyy and also ISO yyyy-mm-dd, which
the API (and older links) send. The API still returns ISO dates.

The same goes for a date and time (``<input type="datetime-local">`` shows 01/08/2024, 08:00 AM to
an English browser): ``VNDateTimeField`` takes dd/mm/yyyy hh:mm, or ISO yyyy-mm-ddThh:mm.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DateTimeLocalField
from wtforms.widgets import TextInput

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATE_PATTERN = r"\s*(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2})\s*"
DATE_INPUT = {
    "placeholder": "dd/mm/yyyy",
    "inputmode": "numeric",
    "pattern": DATE_PATTERN,
    "autocomplete": "off",
    "maxlength": 12,
}


def parse_vn_date(text: str | None) -> dt.date | None:
    """``05/01/2024`` or ``2024-01-05`` -> 5 January 2024; None for blank; ValueError otherwise.

    For query strings and other places without a form (the statistics period, filters).
    """
    text = (text or "").strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
DATETIME_PATTERN = (
    r"\s*(\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}:\d{2}|\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2})?)\s*"
)
DATETIME_INPUT = {
    "placeholder": "dd/mm/yyyy hh:mm",
    "pattern": DATETIME_PATTERN,
    "autocomplete": "off",
    "maxlength": 20,
}


def parse_vn_datetime(text: str | None) -> dt.datetime | None:
    """``08/01/2024 08:30`` or ``2024-01-08T08:30`` -> that moment (naive); None for blank;
    ValueError otherwise."""
    text = " ".join((text or "").split())
    if not text:
        return None
    for fmt in DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(text)


class _SaysWhyNotADate:
    """When something was typed that is not a date, say so: ``DataRequired`` would otherwise
    replace the format message with "This field is required.", which the person did fill in."""

    def validate(self, form, extra_validators=()):
        valid = super().validate(form, extra_validators)
        typed = " ".join(v for v in (self.raw_data or []) if isinstance(v, str)).strip()
        if typed and self.process_errors:
            self.errors = list(self.process_errors)
            return False
        return valid


class VNDateField(_SaysWhyNotADate, DateField):
    """A dd/mm/yyyy text field (ISO accepted) whose complaint shows the expected form.

    Renders ``<input type="text" inputmode="numeric" placeholder="dd/mm/yyyy" pattern=…>``; the
    value shown is the date as dd/mm/yyyy, or what was typed when the form is refused.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, format=None, invalid_value_message=None, **kwargs):
        kwargs["render_kw"] = {**DATE_INPUT, **(kwargs.get("render_kw") or {})}
        super().__init__(
            label,
            validators,
            format or list(DATE_FORMATS),
            invalid_value_message=invalid_value_message
            or _l("Ngày không hợp lệ; hãy viết ngày/tháng/năm, ví dụ 05/01/2024."),
            **kwargs,
        )

    def process_formdata(self, valuelist):
        super().process_formdata([v.strip() if isinstance(v, str) else v for v in valuelist])


class VNDateTimeField(_SaysWhyNotADate, DateTimeLocalField):
    """A dd/mm/yyyy hh:mm text field (ISO accepted); shows the moment as dd/mm/yyyy hh:mm."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, format=None, invalid_value_message=None, **kwargs):
        kwargs["render_kw"] = {**DATETIME_INPUT, **(kwargs.get("render_kw") or {})}
        super().__init__(
            label,
            validators,
            format=format or list(DATETIME_FORMATS),
            invalid_value_message=invalid_value_message
            or _l("Thời gian không hợp lệ; hãy viết ngày/tháng/năm giờ:phút, ví dụ 08/01/2024 08:00."),
            **kwargs,
        )

    def process_formdata(self, valuelist):
        super().process_formdata([" ".join(v.split()) if isinstance(v, str) else v for v in valuelist])
