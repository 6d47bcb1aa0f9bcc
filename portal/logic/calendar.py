"""Working days in Vietnam: Monday to Friday, minus public holidays (Tết included).

Holidays come from the ``holidays`` package (``holidays.country_holidays("VN")``), which follows
the Labour Code's list and the lunar dates of Tết and the Hùng Kings' day. Days the government
moves by decision in a given year are not known to it; a province plugin may add them.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(year: int):
    return holidays.country_holidays("VN", years=year)


def holiday_name(day: dt.date) -> str | None:
    return _holidays(day.year).get(day)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and holiday_name(day) is None


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days strictly after ``start`` and up to and including ``end`` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def previous_working_day(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day
