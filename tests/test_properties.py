"""Property tests of the pure counting and scoring arithmetic against independent references.

``tests/test_tally.py`` and ``tests/test_scoring_logic.py`` already check the main properties by
restating the rules; here each result is compared with a deliberately naive reference (every
seat allocation enumerated, every count problem re-derived, ranks counted pairwise), and the
ballot box itself is generated paper by paper so that the count's invariants are the box's.
"""

from __future__ import annotations

import itertools
from decimal import Decimal as D
from fractions import Fraction as F

from hypothesis import assume, given
from hypothesis import strategies as st

from portal.logic.scoring import Row, band_of, group_sums, leaves, rank, total, trimmed_mean
from portal.logic.tally import Counts, count_problems, qualifies, tally
from portal.text import sort_key
from portal.types import Band, RankingRules

# -- ballots -----------------------------------------------------------------------------------
from tests.test_tally import rules_st  # noqa: E402  (the same rule space as the tally tests)


@st.composite
def boxes(draw, max_candidates=6):
    """A ballot box as people fill it: each paper is valid or not, and a valid paper agrees with
    at most ``seats`` candidates (the strike method keeps at most that many names)."""
    n = draw(st.integers(1, max_candidates))
    candidates = [f"u{i}" for i in range(n)]
    seats = draw(st.integers(1, n))
    members = draw(st.integers(1, 25))
    present = draw(st.integers(0, members))
    papers = draw(
        st.lists(
            st.tuples(st.booleans(), st.sets(st.sampled_from(candidates), max_size=seats)),
            max_size=present,
        )
    )
    return candidates, seats, members, present, papers


def count_box(candidates, members, present, papers):
    """What the count of a box is: the reference the service's arithmetic must agree with."""
    valid = [choice for ok, choice in papers if ok]
    counts = Counts(members, present, present, len(papers), len(valid), len(papers) - len(valid))
    return counts, {c: sum(c in choice for choice in valid) for c in candidates}


def reference_outcome(candidates, votes, seats, basis, rules):
    """Brute force: every way to give ``seats`` seats to qualified candidates such that nobody
    left out has more votes than anybody in. One way: those are elected. Several: the
    candidates in all of them are elected, the others of any of them are tied."""
    qualified = [c for c in candidates if basis > 0 and (
        F(votes[c], basis) > rules.threshold if rules.strict else F(votes[c], basis) >= rules.threshold
    )]
    size = min(seats, len(qualified))
    fair = [
        set(chosen)
        for chosen in itertools.combinations(qualified, size)
        if all(votes[i] >= votes[o] for i in chosen for o in qualified if o not in chosen)
    ]
    elected = set.intersection(*fair)
    tied = set.union(*fair) - elected
    return set(qualified), elected, tied


@given(boxes(), rules_st)
def test_count_of_a_real_box_is_consistent(box, rules):
    """Votes per candidate never exceed the valid papers, valid + invalid = papers cast, and
    the count a real box gives passes every consistency check, strike rule included."""
    candidates, seats, members, present, papers = box
    counts, votes = count_box(candidates, members, present, papers)
    assert counts.valid + counts.invalid == counts.returned == len(papers)
    assert all(0 <= v <= counts.valid for v in votes.values())
    assert sum(votes.values()) <= seats * counts.valid
    assert count_problems(counts, votes, seats, strike=True) == []


@given(boxes(), rules_st, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_paper_or_candidate_order(box, rules, rnd):
    candidates, seats, members, present, papers = box
    counts, votes = count_box(candidates, members, present, papers)
    shuffled_papers, shuffled_candidates = list(papers), list(candidates)
    rnd.shuffle(shuffled_papers)
    rnd.shuffle(shuffled_candidates)
    counts2, votes2 = count_box(shuffled_candidates, members, present, shuffled_papers)
    assert (counts2, votes2) == (counts, votes)
    first = tally(candidates, votes, seats, counts, rules)
    second = tally(shuffled_candidates, votes2, seats, counts2, rules)
    assert set(first.elected) == set(second.elected)
    assert set(first.tied) == set(second.tied)
    assert first.seats_left == second.seats_left
    assert {r.candidate: (r.votes, r.share, r.qualified) for r in first.results} == {
        r.candidate: (r.votes, r.share, r.qualified) for r in second.results
    }


@given(boxes(), rules_st)
def test_tally_matches_brute_force_seat_allocation(box, rules):
    candidates, seats, members, present, papers = box
    counts, votes = count_box(candidates, members, present, papers)
    basis = counts.basis(rules.basis)
    qualified, elected, tied = reference_outcome(candidates, votes, seats, basis, rules)
    out = tally(candidates, votes, seats, counts, rules)
    assert {r.candidate for r in out.results if r.qualified} == qualified
    assert set(out.elected) == elected
    assert set(out.tied) == tied
    assert {r.candidate for r in out.results if r.elected} == elected
    assert {r.candidate for r in out.results if r.tied} == tied
    if tied:
        # A tie is for the seats left: more tied candidates than seats, all on the same votes,
        # and the rule says whether a run-off among exactly them follows.
        assert out.seats_left == seats - len(elected) and 1 <= out.seats_left < len(tied)
        assert len({votes[c] for c in tied}) == 1
        assert out.tie_outcome == rules.tie and out.needs_runoff == (rules.tie == "runoff")
    else:
        assert out.seats_left == 0 and out.tie_outcome is None and not out.needs_runoff
    assert [r.votes for r in out.results] == sorted(votes.values(), reverse=True)


@given(st.integers(0, 40), st.integers(0, 40), rules_st)
def test_qualifies_is_the_exact_share_rule(votes, basis, rules):
    expected = basis > 0 and (
        votes * rules.threshold.denominator > rules.threshold.numerator * basis
        if rules.strict
        else votes * rules.threshold.denominator >= rules.threshold.numerator * basis
    )
    assert qualifies(votes, basis, rules) == expected


@given(
    st.lists(st.integers(-2, 12), min_size=6, max_size=6),
    st.dictionaries(st.sampled_from("ab"), st.integers(-2, 14), max_size=2),
    st.integers(1, 2),
    st.booleans(),
)
def test_count_problems_flag_exactly_the_inconsistent_counts(figures, votes, seats, strike):
    counts = Counts(*figures)
    c = counts
    consistent = (
        min(figures) >= 0
        and c.present <= c.members
        and c.issued <= c.present
        and c.returned <= c.issued
        and c.valid + c.invalid == c.returned
        and all(0 <= n <= c.valid for n in votes.values())
        and (not strike or sum(votes.values()) <= seats * c.valid)
    )
    assert (count_problems(counts, votes, seats, strike=strike) == []) == consistent


# -- scoring -----------------------------------------------------------------------------------

points = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def tables(draw):
    """A criteria table: scored groups of scored leaves (the group's maximum is the sum of its
    children's, as ``table_problems`` requires), plus bonus, penalty and info leaves."""
    rows, key = [], 0
    for _group in range(draw(st.integers(1, 3))):
        key += 1
        group = key
        kids = []
        for _leaf in range(draw(st.integers(1, 3))):
            key += 1
            kids.append(Row(key, f"{group}.{key}", "scored", draw(st.decimals(1, 30, places=1)), group))
        rows.append(Row(group, str(group), "scored", sum(k.max_points for k in kids), None))
        rows += kids
    for kind in ("bonus", "penalty", "info"):
        for _ in range(draw(st.integers(0, 2))):
            key += 1
            rows.append(Row(key, f"{kind}{key}", kind, draw(st.decimals(1, 10, places=1)), None))
    return rows


@st.composite
def scored_tables(draw):
    """A table and one unit's scores, each within its row's bounds (the entry pages refuse the
    rest), some cells left empty."""
    rows = draw(tables())
    scores = {}
    for r in leaves(rows):
        if draw(st.booleans()):
            fraction = draw(st.integers(0, 100))
            scores[r.key] = (r.max_points * fraction / 100).quantize(D("0.01"), rounding="ROUND_DOWN")
    return rows, scores


@given(scored_tables())
def test_totals_are_bounded_by_the_table(table):
    """The scored part never exceeds the scored maxima, bonus and penalty stay within theirs,
    info rows never count, and groups add up their children."""
    rows, scores = table
    t = total(rows, scores)
    maxima = {kind: sum((r.max_points for r in leaves(rows) if r.kind == kind), D(0)) for kind in ("scored", "bonus", "penalty")}
    assert D(0) <= t.scored <= maxima["scored"]
    assert D(0) <= t.bonus <= maxima["bonus"]
    assert D(0) <= t.penalty <= maxima["penalty"]
    assert -maxima["penalty"] <= t.total <= maxima["scored"] + maxima["bonus"]
    assert t.total == t.scored + t.bonus - t.penalty
    sums = group_sums(rows, scores)
    for r in rows:
        if r.parent is None and r.kind == "scored":
            assert sums[r.key] <= r.max_points
    assert sum((sums[r.key] for r in rows if r.parent is None and r.kind == "scored"), D(0)) == t.scored
    # An info row's score changes nothing.
    info = [r for r in leaves(rows) if r.kind == "info"]
    if info:
        assert total(rows, {**scores, info[0].key: D("99")}) == t


@given(st.lists(points, max_size=12), st.integers(0, 4))
def test_trimmed_mean_lies_within_the_kept_values(values, trim):
    mean = trimmed_mean(values, trim)
    kept = sorted(values)[trim : len(values) - trim] if trim else sorted(values)
    if not kept:
        assert mean is None
        return
    assert min(kept) <= mean <= max(kept)
    assert min(values) <= mean <= max(values)
    assert mean == mean.quantize(D("0.01"))
    # Rounded half up from the exact mean: never more than half a cent away.
    assert abs(mean - sum(kept, D(0)) / len(kept)) <= D("0.005")


totals_st = st.dictionaries(
    st.sampled_from("abcdefgh"), st.integers(0, 6).map(lambda n: D(n) / 2), min_size=1
)
tie_st = st.lists(st.integers(0, 2).map(D), min_size=0, max_size=2)


@given(totals_st, st.data())
def test_ranking_is_a_total_order_consistent_with_scores(totals, data):
    tie_scores = {u: data.draw(tie_st) for u in totals}
    bands = (Band("Xuất sắc", D("2.5")), Band("Tốt", D("1")))
    rules = RankingRules(bands=bands, tie_breakers=("I.1", "I.2"))
    ranked = rank(totals, rules, tie_scores)

    def key(u):
        return (totals[u], tuple(tie_scores[u]))

    assert sorted(r.unit for r in ranked) == sorted(totals)
    for earlier, later in itertools.pairwise(ranked):
        assert key(earlier.unit) >= key(later.unit)  # best first, totals never out of order
        assert earlier.total >= later.total
        assert earlier.rank <= later.rank
    for r in ranked:
        # Competition ranking ("1, 1, 3"): 1 + the units strictly better; equal keys share.
        assert r.rank == 1 + sum(1 for u in totals if key(u) > key(r.unit))
        assert r.shared == any(u != r.unit and key(u) == key(r.unit) for u in totals)
        assert r.band == band_of(r.total, rules)
        assert r.band == ("Xuất sắc" if r.total >= D("2.5") else "Tốt" if r.total >= 1 else None)
    # Units that the tie-breakers separate never share a rank, whatever the input order.
    reversed_rank = {r.unit: r.rank for r in rank(dict(reversed(list(totals.items()))), rules, tie_scores)}
    assert reversed_rank == {r.unit: r.rank for r in ranked}


@given(totals_st)
def test_ranks_are_dense_from_one_with_gaps_after_ties(totals):
    ranked = rank(totals, RankingRules())
    assume(ranked)
    assert ranked[0].rank == 1
    positions = [r.rank for r in ranked]
    for i, r in enumerate(ranked):
        assert r.rank <= i + 1  # never below its position
        assert positions.count(r.rank) == sum(1 for v in totals.values() if v == r.total)


# -- names -------------------------------------------------------------------------------------


@given(st.text(max_size=20))
def test_sort_key_takes_any_text(name):
    """Every name a user can type gets an ASCII key ("Tỉnh ²" once made saving a province fail:
    a superscript two is a digit to ``str.isdigit`` but not to ``int``)."""
    key = sort_key(name)
    assert key.isascii()
    assert sort_key(name + "²") and sort_key("٣ Quận") < sort_key("A")
