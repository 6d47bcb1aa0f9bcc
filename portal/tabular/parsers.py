"""Ready cell parsers for :class:`~.columns.Column` (``parse=``).

A parser receives a non-blank cell as :func:`~.reading.read_table` left it (``str`` from CSV;
``str``, ``int``, ``float``, ``bool`` or a date from XLSX) and returns the Python value, or raises
``ValueError`` with a message for the officer. They accept what people actually type in Excel:
any case, with or without tones, Vietnamese number grouping ("1.000"), dates as dd/mm/yyyy.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from ..text import fold, nfc, strip_tones

Parser = Callable[[Any], Any]


def _shown(value: Any) -> str:
    """The cell as quoted back in a message: short enough for one line of the error list."""
    if isinstance(value, dt.datetime):
        value = value.strftime("%d/%m/%Y %H:%M")
    elif isinstance(value, dt.date):
        value = value.strftime("%d/%m/%Y")
    shown = str(value)
    return shown if len(shown) <= 40 else shown[:39] + "…"


def _key(value: Any) -> str:
    """Folded and unaccented: "KHÔNG", "Không", "khong" and decomposed forms are one key."""
    return strip_tones(fold(str(value)))


def text(max_len: int | None = None, *, multiline: bool = False) -> Parser:
    """Text, NFC; runs of white space (including Alt+Enter breaks) become one space unless
    ``multiline``. Numbers and dates typed in a text column are kept as Excel shows them."""

    def parse(value: Any) -> str:
        if isinstance(value, bool):
            result = "TRUE" if value else "FALSE"
        elif isinstance(value, dt.date):
            result = _shown(value)
        else:
            result = nfc(str(value)) or ""
        if not multiline:
            result = " ".join(result.split())
        if max_len is not None and len(result) > max_len:
            raise ValueError(
                _l(
                    "Dài %(length)s ký tự, vượt quá giới hạn %(max)s ký tự.",
                    length=len(result),
                    max=max_len,
                )
            )
        return result

    return parse


# Plain digits, or digits grouped by three with one consistent separator: "1.000" (Vietnamese),
# "1,000" (English), "1 000".
_INTEGER = re.compile(r"[+-]?(?:\d+|\d{1,3}([.,\s])\d{3}(?:\1\d{3})*)")


def integer(min: int | None = None, max: int | None = None) -> Parser:
    """Whole number within ``[min, max]``. Decimal fractions and booleans are refused."""

    def parse(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            number = int(re.sub(r"[.,\s]", "", value))
        else:
            raise ValueError(_l("«%(value)s» không phải là số nguyên.", value=_shown(value)))
        if min is not None and number < min:
            raise ValueError(_l("Phải lớn hơn hoặc bằng %(min)s.", min=min))
        if max is not None and number > max:
            raise ValueError(_l("Phải nhỏ hơn hoặc bằng %(max)s.", max=max))
        return number

    return parse


_TRUE = frozenset({"co", "c", "x", "yes", "y", "true", "1", "dung", "✓", "✔"})
_FALSE = frozenset({"khong", "k", "ko", "no", "n", "false", "0", "sai"})


def boolean(value: Any) -> bool:
    """Có/Không, x, yes/no, true/false, 1/0, Đúng/Sai, in any case and with or without tones.

    A blank cell never reaches the parser; give the column ``default=False`` for "x or nothing"
    columns.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    key = _key(value)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(_l("Không hiểu «%(value)s»; hãy ghi «Có» hoặc «Không».", value=_shown(value)))


def choice(mapping: Mapping[str, Any]) -> Parser:
    """One of the ``mapping`` keys (labels as officers write them) -> the mapped value.

    Keys are compared folded and without tones. Two keys that then look alike but map to
    different values are a programming error, reported when the parser is built.
    """
    index: dict[str, Any] = {}
    for label, result in mapping.items():
        key = _key(label)
        if key in index and index[key] != result:
            raise ValueError(f"choice(): {label!r} is ambiguous once case and tones are ignored")
        index[key] = result
    shown = ", ".join(f"«{nfc(str(label))}»" for label in mapping)

    def parse(value: Any) -> Any:
        key = _key(value)
        if key in index:
            return index[key]
        raise ValueError(
            _l(
                "«%(value)s» không hợp lệ; chọn một trong: %(choices)s.",
                value=_shown(value),
                choices=shown,
            )
        )

    return parse


_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
# Excel serial numbers for 1950-01-01 .. 2100-12-31: a date cell whose formatting was lost.
# Narrower than Excel's range so that a year typed alone ("2024") is refused, not read as 1905.
_SERIAL_RANGE = (18264, 73415)


def date(value: Any) -> dt.date:
    """Day/month/year ("25/12/2024", "25-12-2024", "25.12.2024"), ISO ("2024-12-25") or a real
    Excel date. Month/day/year is not accepted: in Vietnam 03/04 is the 3rd of April."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
                from openpyxl.utils.datetime import from_excel

                return from_excel(value).date()
        elif isinstance(value, str):
            if match := _DMY.fullmatch(value.strip()):
                day, month, year = (int(part) for part in match.groups())
                return dt.date(year, month, day)
            if match := _YMD.fullmatch(value.strip()):
                year, month, day = (int(part) for part in match.groups())
                return dt.date(year, month, day)
    except ValueError:
        pass  # 31/02/2024 and the like
    raise ValueError(
        _l(
            "«%(value)s» không phải là ngày hợp lệ; hãy ghi theo dạng ngày/tháng/năm, "
            "ví dụ 25/12/2024.",
            value=_shown(value),
        )
    )
