"""Award statistics: the two-level summary table and leader/worker shares, from grouped counts.

The database does the counting (one GROUP BY); these functions arrange the groups into the rows
the yearly report prints. Inputs are ``Group`` tuples; percentages are exact fractions, formatted
only at print time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from portal.types import AwardType


@dataclass(frozen=True)
class Group:
    """``count`` award records of one award, recipient kind, person group and category."""

    award_code: str
    recipient: str  # "collective" | "individual"
    person_group: str | None  # "leader" | "worker" | None (collectives)
    category: str | None
    count: int


@dataclass
class SummaryRow:
    key: str  # family, or the award's code
    label: str
    order: int
    collectives: int = 0
    workers: int = 0
    leaders: int = 0
    unknown_group: int = 0  # individuals recorded without leader/worker
    by_category: dict[str, int] = field(default_factory=dict)

    @property
    def individuals(self) -> int:
        return self.workers + self.leaders + self.unknown_group

    @property
    def total(self) -> int:
        return self.collectives + self.individuals

    def share(self, part: int) -> Fraction | None:
        return Fraction(part, self.individuals) if self.individuals else None


def row_key(award: AwardType) -> str:
    return award.family or award.code


def summary(groups: Iterable[Group], catalogue: Mapping[str, AwardType], level: str,
            *, include_empty: bool = True) -> list[SummaryRow]:
    """Rows of one level's table: one per award family (classes of an order on one row), in
    catalogue order; with ``include_empty`` the rows with no awards are kept (printed "-")."""
    rows: dict[str, SummaryRow] = {}
    for award in sorted(catalogue.values(), key=lambda a: a.order):
        if award.level != level:
            continue
        k = row_key(award)
        if k not in rows:
            label = award.short_name if award.family else (award.short_name or award.name)
            base = catalogue.get(k)
            if base is not None and base.level == level:
                label = base.short_name or base.name
            rows[k] = SummaryRow(key=k, label=label, order=award.order)
    for g in groups:
        award = catalogue.get(g.award_code)
        if award is None or award.level != level:
            continue
        row = rows[row_key(award)]
        if g.recipient == "collective":
            row.collectives += g.count
        elif g.person_group == "leader":
            row.leaders += g.count
        elif g.person_group == "worker":
            row.workers += g.count
        else:
            row.unknown_group += g.count
        if g.category:
            row.by_category[g.category] = row.by_category.get(g.category, 0) + g.count
    out = sorted(rows.values(), key=lambda r: r.order)
    return out if include_empty else [r for r in out if r.total]


def totals(rows: Iterable[SummaryRow]) -> SummaryRow:
    """The CỘNG row."""
    total = SummaryRow(key="total", label="CỘNG", order=10**6)
    for r in rows:
        total.collectives += r.collectives
        total.workers += r.workers
        total.leaders += r.leaders
        total.unknown_group += r.unknown_group
        for k, v in r.by_category.items():
            total.by_category[k] = total.by_category.get(k, 0) + v
    return total


def leader_share(rows: Iterable[SummaryRow], keys: Iterable[str]) -> tuple[int, int]:
    """(leaders, individuals) over the rows named by ``keys`` — the report's headline ratios
    (RULES.md R4: state level over orders and the Prime Minister's certificate only)."""
    wanted = set(keys)
    chosen = [r for r in rows if r.key in wanted]
    return sum(r.leaders for r in chosen), sum(r.individuals for r in chosen)
