"""Scoring arithmetic: table checks, totals, trimmed means and the ranking.

Everything works on plain values (``Decimal`` scores, criterion rows as ``Row``), so the same
functions serve the pages, the API, the PDF and the tests. Scores are ``Decimal``: a total of
0.1 + 0.2 must print 0,3.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from portal.types import RankingRules

ZERO = Decimal("0")
SIGN = {"scored": 1, "bonus": 1, "penalty": -1, "info": 0}


@dataclass(frozen=True)
class Row:
    """A criterion as the arithmetic sees it."""

    key: object  # id or code
    code: str
    kind: str
    max_points: Decimal | None
    parent: object | None  # parent's key


def leaves(rows: Sequence[Row]) -> list[Row]:
    """Rows that are scored directly (no children)."""
    parents = {r.parent for r in rows if r.parent is not None}
    return [r for r in rows if r.key not in parents]


def table_problems(rows: Sequence[Row]) -> list[tuple[str, str]]:
    """(code, problem) for each group whose maximum differs from the sum of its children's, and
    each child of a different kind than its group (a bonus row under a scored group)."""
    children: dict[object, list[Row]] = {}
    for r in rows:
        if r.parent is not None:
            children.setdefault(r.parent, []).append(r)
    problems = []
    for r in rows:
        kids = children.get(r.key)
        if not kids:
            continue
        if r.kind == "info":
            continue
        counted = [k for k in kids if k.kind != "info"]
        for k in counted:
            if k.kind != r.kind:
                problems.append((k.code, f"kind {k.kind} under a {r.kind} group {r.code}"))
        total = sum((k.max_points or ZERO for k in counted), ZERO)
        if r.max_points is not None and total != r.max_points:
            problems.append((r.code, f"maximum {r.max_points} but its children add up to {total}"))
    return problems


def out_of_bounds(row: Row, value: Decimal) -> bool:
    return value < 0 or (row.max_points is not None and value > row.max_points)


@dataclass(frozen=True)
class Total:
    scored: Decimal
    bonus: Decimal
    penalty: Decimal

    @property
    def total(self) -> Decimal:
        """Total = scored + bonus − penalty; informational rows never count."""
        return self.scored + self.bonus - self.penalty


def total(rows: Sequence[Row], scores: Mapping[object, Decimal]) -> Total:
    """Sum a unit's leaf scores by kind (missing scores count as zero)."""
    parts = {"scored": ZERO, "bonus": ZERO, "penalty": ZERO}
    for r in leaves(rows):
        if r.kind in parts and r.key in scores and scores[r.key] is not None:
            parts[r.kind] += scores[r.key]
    return Total(parts["scored"], parts["bonus"], parts["penalty"])


def group_sums(rows: Sequence[Row], scores: Mapping[object, Decimal]) -> dict[object, Decimal]:
    """Every row's value: a leaf's own score, a group's the sum of its descendants'."""
    children: dict[object, list[Row]] = {}
    for r in rows:
        children.setdefault(r.parent, []).append(r)
    out: dict[object, Decimal] = {}

    def visit(r: Row) -> Decimal:
        kids = children.get(r.key)
        value = sum((visit(k) for k in kids), ZERO) if kids else (scores.get(r.key) or ZERO)
        out[r.key] = value
        return value

    for top in children.get(None, []):
        visit(top)
    return out


def trimmed_mean(values: Iterable[Decimal], trim: int = 0) -> Decimal | None:
    """Mean after dropping the ``trim`` highest and ``trim`` lowest values (cross-scoring);
    ``None`` when nothing is left. Rounded to 2 decimals, half up."""
    ordered = sorted(values)
    if trim:
        ordered = ordered[trim : len(ordered) - trim]
    if not ordered:
        return None
    return (sum(ordered, ZERO) / len(ordered)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


@dataclass(frozen=True)
class Ranked:
    unit: object
    total: Decimal
    rank: int
    shared: bool  # tied with another unit that the rule did not separate
    band: str | None


def rank(
    totals: Mapping[object, Decimal],
    rules: RankingRules,
    tie_scores: Mapping[object, Sequence[Decimal]] | None = None,
) -> list[Ranked]:
    """Rank units by total (highest first). Equal totals are separated by ``tie_scores`` (each
    unit's scores on the rule's tie-breaking criteria, in order); units still equal share the
    rank ("1, 1, 3") and are flagged ``shared``."""
    tie_scores = tie_scores or {}

    def key(unit):
        return (totals[unit], tuple(tie_scores.get(unit, ())))

    ordered = sorted(totals, key=key, reverse=True)
    counts: dict[tuple, int] = {}
    for unit in ordered:
        counts[key(unit)] = counts.get(key(unit), 0) + 1
    out: list[Ranked] = []
    for i, unit in enumerate(ordered):
        if i and key(unit) == key(ordered[i - 1]):
            position = out[-1].rank
        else:
            position = i + 1
        out.append(Ranked(unit, totals[unit], position, counts[key(unit)] > 1, band_of(totals[unit], rules)))
    return out


def band_of(value: Decimal, rules: RankingRules) -> str | None:
    for band in sorted(rules.bands, key=lambda b: b.min_total, reverse=True):
        if value >= band.min_total:
            return band.label
    return None
