"""Pure scoring arithmetic and the Vietnamese calendar (no app, no database)."""

import datetime as dt
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from portal.logic.calendar import is_working_day, previous_working_day, working_days_between
from portal.logic.scoring import Row, group_sums, rank, table_problems, total, trimmed_mean
from portal.types import Band, RankingRules
from provinces.laichau.calendar import scoring_round_problems

ROWS = [
    Row("I", "I", "scored", D("60"), None),
    Row("I.1", "I.1", "scored", D("40"), "I"),
    Row("I.2", "I.2", "scored", D("20"), "I"),
    Row("II", "II", "bonus", D("5"), None),
    Row("III", "III", "penalty", D("5"), None),
    Row("IV", "IV", "info", None, None),
]


def test_total_is_scored_plus_bonus_minus_penalty_without_info():
    t = total(ROWS, {"I.1": D("35.5"), "I.2": D("18"), "II": D("2"), "III": D("1.5"), "IV": D("99")})
    assert (t.scored, t.bonus, t.penalty, t.total) == (D("53.5"), D("2"), D("1.5"), D("54.0"))
    assert group_sums(ROWS, {"I.1": D("35.5"), "I.2": D("18")})["I"] == D("53.5")


def test_group_maximum_must_match_children():
    bad = [*ROWS[:1], Row("I.1", "I.1", "scored", D("40"), "I"), Row("I.2", "I.2", "scored", D("25"), "I")]
    assert table_problems(ROWS) == []
    assert table_problems(bad) == [("I", "maximum 60 but its children add up to 65")]


def test_ties_share_a_rank_unless_broken():
    totals = {"a": D("90"), "b": D("95"), "c": D("90"), "d": D("80")}
    plain = rank(totals, RankingRules())
    assert [(r.unit, r.rank, r.shared) for r in plain] == [("b", 1, False), ("a", 2, True), ("c", 2, True), ("d", 4, False)]
    rules = RankingRules(bands=(Band("Xuất sắc", D("95")), Band("Tốt", D("85"))), tie_breakers=("I.1",))
    broken = rank(totals, rules, {"a": [D("30")], "c": [D("35")], "b": [D("0")], "d": [D("0")]})
    assert [(r.unit, r.rank, r.shared, r.band) for r in broken] == [
        ("b", 1, False, "Xuất sắc"), ("c", 2, False, "Tốt"), ("a", 3, False, "Tốt"), ("d", 4, False, None),
    ]


def test_trimmed_mean():
    assert trimmed_mean([D("7"), D("8"), D("9"), D("10")], trim=1) == D("8.50")
    assert trimmed_mean([D("1"), D("2")], trim=1) is None
    assert trimmed_mean([D("1"), D("2"), D("2")]) == D("1.67")


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.integers(0, 5).map(D), min_size=1))
def test_rank_properties(totals):
    ranked = rank(totals, RankingRules())
    assert sorted(r.unit for r in ranked) == sorted(totals)
    assert [r.total for r in ranked] == sorted(totals.values(), reverse=True)
    for r in ranked:  # a unit's rank is 1 + the number of units strictly ahead of it
        assert r.rank == 1 + sum(1 for v in totals.values() if v > r.total)
        assert r.shared == (list(totals.values()).count(r.total) > 1)


def test_working_days_skip_weekends_and_tet():
    assert not is_working_day(dt.date(2024, 1, 6))  # Saturday
    assert not is_working_day(dt.date(2024, 2, 12))  # Tết
    assert not is_working_day(dt.date(2024, 1, 1))  # New Year
    assert is_working_day(dt.date(2024, 1, 5))
    assert previous_working_day(dt.date(2024, 1, 8)) == dt.date(2024, 1, 5)  # Monday -> Friday
    assert previous_working_day(dt.date(2024, 2, 15)) == dt.date(2024, 2, 7)  # across Tết 2024
    assert working_days_between(dt.date(2024, 1, 5), dt.date(2024, 1, 8)) == 1


def test_lai_chau_meeting_at_least_one_working_day_before_the_conference():
    conference = dt.date(2024, 1, 10)  # Wednesday
    assert scoring_round_problems(dt.date(2024, 1, 9), conference) == []
    same_day = scoring_round_problems(dt.date(2024, 1, 10), conference)
    assert len(same_day) == 1 and "muộn nhất ngày 09/01/2024" in same_day[0] and "mục I.2.a" in same_day[0]
    saturday = scoring_round_problems(dt.date(2024, 1, 6), dt.date(2024, 1, 8))
    assert any("không phải ngày làm việc" in p for p in saturday)
    # Friday before a Monday conference is the working day before it.
    assert scoring_round_problems(dt.date(2024, 1, 5), dt.date(2024, 1, 8)) == []


def test_scores_people_type_are_parsed_or_refused_cleanly():
    import pytest

    from portal.services import ServiceError
    from portal.services.scoring import parse_score

    assert parse_score("8,5") == D("8.5") and parse_score(" 10 ") == D("10")
    for bad in ("1e30", "9" * 40, "abc", "nan", "inf", True, "1.234"):
        with pytest.raises(ServiceError):
            parse_score(bad)
