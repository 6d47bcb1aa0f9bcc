"""Vietnamese number, date and document-number formatting (RULES.md FMT-6, FMT-7, R3)."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from portal.documents.formatting import (
    clock_time,
    dateline,
    format_decimal,
    format_int,
    format_percent,
    format_threshold,
    long_date,
    number_line,
    number_symbol,
    percentage,
    round_half_up,
    short_date,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "0"), (7, "7"), (999, "999"), (3831, "3.831"), (1218, "1.218"), (1234567, "1.234.567")],
)
def test_thousands_use_a_dot(value, expected):
    assert format_int(value) == expected


def test_counts_under_ten_are_zero_padded_and_zero_can_be_a_dash():
    assert format_int(5, pad=True) == "05"
    assert format_int(21, pad=True) == "21"
    assert format_int(0, pad=True) == "0"
    assert format_int(0, zero="-", pad=True) == "-"
    assert format_int(3831, zero="-", pad=True) == "3.831"


def test_format_int_refuses_non_integers():
    with pytest.raises(TypeError):
        format_int(3.0)
    with pytest.raises(TypeError):
        format_int(True)


def test_decimals_use_a_comma():
    assert format_decimal(Decimal("95.5"), 2) == "95,50"
    assert format_decimal(Decimal("1234.5")) == "1.234,5"
    assert format_decimal(0, zero="-") == "-"
    assert format_decimal(Decimal("-2.25"), 1) == "-2,3"


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (5, 21, "23,8%"),  # Huân chương Lao động, workers (seed:TV)
        (16, 21, "76,2%"),
        (181, 212, "85,4%"),
        (31, 212, "14,6%"),
        (2083, 3158, "66,0%"),  # computed from counts, not the seed's 65,9 % (RULES.md R5)
        (1, 1, "100%"),
        (0, 5, "-"),
        (3, 0, "-"),
        (1, 8, "12,5%"),  # exactly half at the second decimal: rounds up
        (1, 16, "6,3%"),  # 6,25 -> 6,3 (half up, not banker's)
    ],
)
def test_percentages(part, whole, expected):
    assert format_percent(part, whole) == expected


def test_percentages_are_exact_where_floats_are_not():
    # 0,15 % of ... : 1.005 * 100 is 100.49999999999999 as a float
    assert round_half_up(Fraction(201, 2) / 100, 1) == Decimal("1.0")
    assert round_half_up(Fraction(1005, 1000), 2) == Decimal("1.01")
    assert round(1.005, 2) == 1.0  # what a float would print
    assert percentage(1, 3) == Fraction(100, 3)
    assert format_percent(0, 7, zero=None) == "0,0%"


def test_threshold_words():
    assert format_threshold(Decimal(80)) == "80%"
    assert format_threshold(Decimal("66.67")) == "66,67%"
    assert format_threshold(Decimal("90.0")) == "90%"


def test_document_numbers():
    assert number_symbol(5, "BB", "KTĐ") == "05/BB-KTĐ"
    assert number_line(15, "QĐ", "BNV") == "Số: 15/QĐ-BNV"
    assert number_line(315, "BC", "UBND") == "Số: 315/BC-UBND"
    assert number_line(7, "TTr", "KTĐ") == "Số: 07/TTr-KTĐ"
    assert number_line(None, "HD", "HĐTĐKT").endswith("/HD-HĐTĐKT")
    with pytest.raises(ValueError):
        number_symbol(0, "BB")
    with pytest.raises(ValueError):
        number_symbol(1, "BB KTĐ")
    with pytest.raises(ValueError):
        number_symbol(1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2024, 1, 5), "ngày 05 tháng 01 năm 2024"),
        (dt.date(2020, 3, 5), "ngày 05 tháng 3 năm 2020"),
        (dt.date(2019, 6, 29), "ngày 29 tháng 6 năm 2019"),
        (dt.date(2023, 2, 14), "ngày 14 tháng 02 năm 2023"),
        (dt.date(2023, 11, 15), "ngày 15 tháng 11 năm 2023"),
        (dt.date(2023, 12, 9), "ngày 09 tháng 12 năm 2023"),
    ],
)
def test_dates_pad_day_under_ten_and_months_one_and_two(day, expected):
    assert long_date(day) == expected


def test_dateline_and_short_forms():
    assert dateline("Lai Châu", dt.date(2024, 1, 5)) == "Lai Châu, ngày 05 tháng 01 năm 2024"
    assert dateline("Lai Châu", None).startswith("Lai Châu, ngày ")
    assert short_date(dt.date(2023, 6, 3)) == "03/06/2023"
    assert clock_time(dt.time(8, 5)) == "08 giờ 05 phút"
