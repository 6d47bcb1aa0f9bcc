"""The pure tally: thresholds on each basis, strictness, ties (hypothesis properties)."""

from fractions import Fraction as F

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from portal.logic.tally import Counts, count_problems, qualifies, rule_text, tally
from portal.plugins import hooks_for
from portal.types import BallotRules

COUNTS = Counts(members=12, present=11, issued=11, returned=11, valid=10, invalid=1)


def test_at_least_80_percent_of_members():
    rules = BallotRules(basis="members", threshold=F(4, 5), strict=False)
    out = tally(["a", "b", "c"], {"a": 10, "b": 9, "c": 11}, 1, COUNTS, rules)
    assert out.elected == ("c",) and not out.tied
    assert [r.qualified for r in out.results] == [True, True, False]  # 11, 10 >= 9.6; 9 < 9.6
    assert out.results[0].share == F(11, 12)


def test_strict_and_basis_change_the_outcome():
    votes = {"a": 5, "b": 6}
    half_members = BallotRules(basis="members", threshold=F(1, 2), strict=True)  # > 6
    half_valid = BallotRules(basis="valid", threshold=F(1, 2), strict=True)  # > 5
    at_least_half = BallotRules(basis="members", threshold=F(1, 2), strict=False)  # >= 6
    assert tally(["a", "b"], votes, 1, COUNTS, half_members).elected == ()
    assert tally(["a", "b"], votes, 1, COUNTS, half_valid).elected == ("b",)
    assert tally(["a", "b"], votes, 1, COUNTS, at_least_half).elected == ("b",)


def test_tie_for_the_last_seat_goes_to_runoff_or_the_council():
    votes = {"a": 10, "b": 9, "c": 9, "d": 2}
    out = tally(["a", "b", "c", "d"], votes, 2, COUNTS, BallotRules(threshold=F(1, 2)))
    assert out.elected == ("a",) and out.tied == ("b", "c") and out.seats_left == 1 and out.needs_runoff
    referred = tally(["a", "b", "c", "d"], votes, 2, COUNTS, BallotRules(threshold=F(1, 2), tie="refer"))
    assert referred.tie_outcome == "refer" and not referred.needs_runoff
    # A tie that fits in the seats is no tie.
    assert tally(["a", "b", "c"], votes, 3, COUNTS, BallotRules(threshold=F(1, 2))).elected == ("a", "b", "c")


def test_exact_fractions_never_float():
    rules = BallotRules(basis="members", threshold=F(2, 3), strict=False)
    assert qualifies(8, 12, rules)  # exactly 2/3
    assert not qualifies(7, 12, rules)
    with pytest.raises(ValueError):
        BallotRules(threshold=0.5)


def test_rule_in_words():
    text = rule_text(BallotRules(basis="members", threshold=F(4, 5), strict=False), 1)
    assert text.startswith("Đơn vị được đề nghị phải đạt số phiếu đồng ý từ 80% trở lên so với tổng số thành viên của Khối")
    assert "(01 đơn vị)" in text and "bỏ phiếu lại" in text
    assert "trên 2/3 so với tổng số phiếu hợp lệ" in rule_text(BallotRules(basis="valid", threshold=F(2, 3)), 2)


def test_inconsistent_counts_are_named():
    bad = Counts(members=12, present=11, issued=12, returned=11, valid=9, invalid=1)
    problems = count_problems(bad, {"a": 10}, 1)
    assert any("phát ra (12) lớn hơn" in p for p in problems)
    assert any("phải bằng số phiếu thu về" in p for p in problems)
    assert any("phải từ 0 đến số phiếu hợp lệ (9)" in p for p in problems)
    assert count_problems(COUNTS, {"a": 10, "b": 9}, 1, strike=True)  # 19 kept names > 10 ballots × 1 seat
    assert count_problems(COUNTS, {"a": 10, "b": 9}, 2, strike=True) == []


counts_st = st.integers(1, 30).flatmap(
    lambda members: st.integers(0, members).flatmap(
        lambda present: st.integers(0, present).map(
            lambda valid: Counts(members, present, present, present, valid, present - valid)
        )
    )
)
rules_st = st.builds(
    BallotRules,
    basis=st.sampled_from(["members", "present", "valid"]),
    threshold=st.fractions(min_value=0, max_value=1, max_denominator=12),
    strict=st.booleans(),
    tie=st.sampled_from(["runoff", "refer"]),
)


@given(counts_st, rules_st, st.integers(1, 4), st.lists(st.integers(0, 30), min_size=1, max_size=8))
def test_tally_properties(counts, rules, seats, raw_votes):
    candidates = [f"u{i}" for i in range(len(raw_votes))]
    votes = {c: min(v, counts.valid) for c, v in zip(candidates, raw_votes, strict=True)}
    out = tally(candidates, votes, seats, counts, rules)
    basis = counts.basis(rules.basis)
    elected, tied = set(out.elected), set(out.tied)
    assert len(elected) <= seats and not elected & tied
    for r in out.results:
        # Everyone elected qualifies by the rule's own arithmetic.
        if r.elected:
            assert basis > 0 and (F(r.votes, basis) > rules.threshold if rules.strict else F(r.votes, basis) >= rules.threshold)
        # An elected candidate has at least as many votes as any qualified candidate not elected.
        for other in out.results:
            if r.elected and other.qualified and not other.elected:
                assert r.votes >= other.votes
    if tied:
        assert len({votes[c] for c in tied}) == 1 and len(tied) > out.seats_left >= 1
        assert len(elected) + out.seats_left == seats
    else:
        assert len(elected) == min(seats, sum(r.qualified for r in out.results))
    # Order of candidates never decides who is elected.
    assume(len(candidates) > 1)
    reversed_out = tally(list(reversed(candidates)), votes, seats, counts, rules)
    assert set(reversed_out.elected) == elected and set(reversed_out.tied) == tied


def test_hook_ballot_rules(world, register_plugin):
    """Core default for a province without a rule; a province plugin's rule wins where enabled."""
    from portal.catalogue import award_types_for
    from portal.extensions import db
    from portal.models import ProvincePlugin
    from tests.plugins import everything

    flag = award_types_for(world.travinh)["co_thi_dua_tinh"]
    default = hooks_for(world.travinh).ballot_rules(province=world.travinh, block=world.tv_block, award_type=flag)
    assert (default.basis, default.threshold, default.strict) == ("members", F(1, 2), True)
    register_plugin(everything, "province.dongthap")
    world.travinh.plugins.append(ProvincePlugin(plugin_name="province.dongthap"))
    db.session.commit()
    rules = hooks_for(world.travinh).ballot_rules(province=world.travinh, block=world.tv_block, award_type=flag)
    assert rules.threshold == F(4, 5) and rules.strict is False
    assert hooks_for(world.laichau).ballot_rules(province=world.laichau, block=world.block, award_type=flag).threshold == F(1, 2)
