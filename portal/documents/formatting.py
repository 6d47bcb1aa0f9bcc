"""Numbers, dates and document numbers the way Vietnamese administrative documents print them.

Why a module of its own: every printed figure goes through here, so "3.831" (thousands with a
dot), "23,8%" (decimal comma), "05" (counts under ten zero-padded, as the Trà Vinh tables print
them) and "-" (an empty cell in a summary table) are decided once. Dates and numbers follow
NĐ 30/2020/NĐ-CP Phụ lục I (RULES.md FMT-6, FMT-7).

Percentages are computed with ``Fraction`` and rounded half up to one decimal: a binary float would
print 0,5 % boundaries differently from the hand calculation the province checks them against.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

Number = int | Decimal | Fraction

# Letters and digits in groups joined by "-": "BB-KTĐ", "TTr-UBND", "HD-HĐTĐKT".
_SYMBOL = re.compile(r"^[^\W_]+(?:-[^\W_]+)*$")


def _group_thousands(digits: str) -> str:
    """'3831' -> '3.831'."""
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return ".".join(groups)


def format_int(value: int, *, zero: str | None = None, pad: bool = False) -> str:
    """An integer with "." between thousands: 3831 -> "3.831".

    ``zero``: what to print for 0 (tables print "-"); ``None`` prints "0".
    ``pad``: zero-pad 1-9 to two digits ("05"), as the seed's award tables and document numbers
    do; 0 stays "0".
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"format_int needs an int, not {type(value).__name__}")
    if value == 0 and zero is not None:
        return zero
    sign = "-" if value < 0 else ""
    digits = str(abs(value))
    if pad and 1 <= abs(value) <= 9:
        digits = "0" + digits
    return sign + _group_thousands(digits)


def to_decimal(value: Number | float | str) -> Decimal:
    """Exact ``Decimal`` of a value; a float is read from its shortest repr (what a person typed)."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number here")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot print {value!r}")
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value.replace(",", "."))
    if isinstance(value, Fraction):
        raise TypeError("round a Fraction with round_half_up() first")
    raise TypeError(f"not a number: {value!r}")


def round_half_up(value: Number | float | str, places: int = 1) -> Decimal:
    """Round half up (away from zero) to ``places`` decimals, exactly; 23,75 -> 23,8."""
    quantum = Decimal(1).scaleb(-places)
    if isinstance(value, Fraction):
        scaled = abs(value) * 10**places
        whole = math.floor(scaled + Fraction(1, 2))
        result = Decimal(whole).scaleb(-places)
        return -result if value < 0 else result
    return to_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def format_decimal(value: Number | float | str, places: int = 1, *, zero: str | None = None) -> str:
    """A number with "." between thousands and "," before the decimals: 1234.5 -> "1.234,5"."""
    rounded = round_half_up(value, places)
    if rounded == 0 and zero is not None:
        return zero
    sign = "-" if rounded < 0 else ""
    text = f"{abs(rounded):.{places}f}"
    whole, _, frac = text.partition(".")
    return sign + _group_thousands(whole) + ("," + frac if frac else "")


def percentage(part: int | Decimal, whole: int | Decimal) -> Fraction | None:
    """The exact percentage ``part`` is of ``whole``, or ``None`` when ``whole`` is 0."""
    if whole == 0:
        return None
    return Fraction(part) * 100 / Fraction(whole)


def format_percent(
    part: int | Decimal,
    whole: int | Decimal,
    *,
    places: int = 1,
    zero: str | None = "-",
) -> str:
    """``part`` as a percentage of ``whole``, one decimal with a comma: (5, 21) -> "23,8%".

    Zero (or an empty basis) prints ``zero`` ("-" in the summary tables); pass ``zero=None`` to
    print "0,0%". Exactly one hundred prints "100%", as the Trà Vinh tables do.
    """
    pct = percentage(part, whole)
    if pct is None or pct == 0:
        if zero is not None:
            return zero
        pct = Fraction(0)
    if pct == 100:
        return "100%"
    return format_decimal(round_half_up(pct, places), places) + "%"


def format_threshold(value: Number | float | str) -> str:
    """A rule's threshold without useless decimals: 80 -> "80%", 66.67 -> "66,67%"."""
    d = to_decimal(value).normalize()
    places = max(0, -d.as_tuple().exponent)
    return format_decimal(d, places) + "%"


# -- document numbers -----------------------------------------------------------------------


def number_symbol(number: int | None, *codes: str) -> str:
    """The number and symbol of a document: (5, "BB", "KTĐ") -> "05/BB-KTĐ".

    Numbers under 10 get a leading zero; symbol groups are joined by "-" without spaces
    (NĐ 30/2020 Phụ lục I, II.3). ``None`` leaves room for the number to be written by hand.
    """
    if not codes:
        raise ValueError("a document symbol needs at least one code")
    symbol = "-".join(codes)
    if not _SYMBOL.match(symbol):
        raise ValueError(f"document symbol {symbol!r} must be letters and digits joined by '-'")
    if number is None:
        return f"{' ' * 6}/{symbol}"
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ValueError(f"document number must be a positive int, not {number!r}")
    return f"{number:02d}/{symbol}"


def number_line(number: int | None, *codes: str) -> str:
    """The whole number line: "Số: 05/BB-KTĐ"."""
    return "Số: " + number_symbol(number, *codes)


# -- dates and times ------------------------------------------------------------------------


def _day(d: dt.date) -> str:
    return f"{d.day:02d}"


def _month(d: dt.date) -> str:
    """Months 1 and 2 are zero-padded, the others are not (NĐ 30/2020 Phụ lục I, II.4b)."""
    return f"{d.month:02d}" if d.month <= 2 else str(d.month)


def long_date(d: dt.date | None) -> str:
    """ "ngày 05 tháng 01 năm 2024", "ngày 29 tháng 6 năm 2019"; ``None`` leaves blanks."""
    if d is None:
        return "ngày      tháng      năm       "
    return f"ngày {_day(d)} tháng {_month(d)} năm {d.year}"


def dateline(place: str, d: dt.date | None) -> str:
    """The place and date line: "Lai Châu, ngày 05 tháng 01 năm 2024"."""
    return f"{place.strip()}, {long_date(d)}"


def short_date(d: dt.date) -> str:
    """ "05/01/2024", as dates are cited inside a text ("ngày 05/01/2024")."""
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def clock_time(t: dt.time | dt.datetime) -> str:
    """ "08 giờ 30 phút", the way minutes state when a meeting opened and closed."""
    return f"{t.hour:02d} giờ {t.minute:02d} phút"
