"""A province's award statistics for a date range: counts by level and award, collective and
individual, leaders and workers with their shares, the same range of the previous year beside
them, the split by category and by status, and the report's headline leader shares.

Which records count, and by which date, is stated per level (``LevelBasis``):

* **state level** (``STATE``): every proposal the province *submitted upward* in the period, by
  ``submitted_on``, whatever became of it (decided, pending or returned) — Trà Vinh's report
  counts its 259 state-level cases this way (seed:TV §II.3) and then splits them by status;
* **provincial level** (``PROVINCIAL``): the awards the province *decided* in the period, by
  ``decision_date``.

A province (or a report layout) that counts differently passes its own bases to ``compute``.

The database does the counting in ONE ``GROUP BY`` (period, award, recipient, person group,
category, status) covering the range and the previous year's; ``portal.logic.statistics``
arranges the groups into the printed rows. Nothing here formats numbers except the JSON and XLSX
views at the end.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from portal.catalogue import award_categories_for, award_types_for, report_layouts_for
from portal.documents.data import AwardRow, AwardSection, AwardSummaryData
from portal.documents.formatting import format_percent, percentage, round_half_up
from portal.extensions import db
from portal.logic.statistics import Group, SummaryRow, leader_share, summary, totals
from portal.models import Province
from portal.models.awards import AwardRecord, RecordStatus

S = RecordStatus


@dataclass(frozen=True)
class LevelBasis:
    """Which records of ``level`` a table counts, and by which date."""

    level: str
    date_field: str  # "submitted_on" or "decision_date"
    statuses: frozenset[RecordStatus]
    heading: str  # printed as the table's heading
    label: object = ""  # shown on the page: what is counted
    total_label: str = "CỘNG"


STATE = LevelBasis(
    "state", "submitted_on", frozenset({S.SUBMITTED_UPWARD, S.PENDING, S.RETURNED, S.DECIDED}),
    "1. Khen cấp Nhà nước",
    _l("Các trường hợp tỉnh đã trình khen thưởng cấp Nhà nước trong kỳ (tính theo ngày trình), "
       "gồm cả trường hợp đã có quyết định, chưa có quyết định và bị trả lại."),
)
PROVINCIAL = LevelBasis(
    "provincial", "decision_date", frozenset({S.DECIDED}),
    "2. Khen cấp tỉnh",
    _l("Các trường hợp tỉnh đã quyết định khen thưởng trong kỳ (tính theo ngày quyết định)."),
)
GRASSROOTS = LevelBasis(
    "grassroots", "decision_date", frozenset({S.DECIDED}),
    "3. Khen thưởng thuộc thẩm quyền của cơ quan, đơn vị",
    _l("Các danh hiệu, hình thức khen thưởng cấp cơ sở đã quyết định trong kỳ (tính theo ngày quyết định)."),
)
DEFAULT_BASES = (STATE, PROVINCIAL)
BASES = {b.level: b for b in (STATE, PROVINCIAL, GRASSROOTS)}


def bases_for(layout) -> tuple[LevelBasis, ...]:
    """The levels a summary layout prints: ``statistics_levels`` on the layout (e.g. Lai Châu's
    report adds the grassroots level for its biểu số 3), else state and provincial."""
    return tuple(BASES[level] for level in getattr(layout, "statistics_levels", ("state", "provincial")))

# The report's headline ratios (RULES.md R4): state level over the orders and the Prime Minister's
# certificate (not the national emulation soldier), provincial over the certificate of merit and
# the provincial emulation soldier. Row keys: an award family, or an award's code.
HEADLINE_KEYS = {
    "state": ("huan_chuong_sao_vang", "huan_chuong_ho_chi_minh", "huan_chuong_doc_lap", "huan_chuong_lao_dong",
              "bang_khen_thu_tuong"),
    "provincial": ("bang_khen_ubnd_tinh", "chien_si_thi_dua_tinh"),
}
NO_CATEGORY = ""


def previous_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def calendar_year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


@dataclass
class Line:
    """One printed row: this period, the previous year's, and its splits."""

    row: SummaryRow
    previous: SummaryRow
    statuses: dict[str, int] = field(default_factory=dict)
    categories: dict[str, list[int]] = field(default_factory=dict)  # category -> [collectives, individuals]


@dataclass
class LevelStatistics:
    basis: LevelBasis
    lines: list[Line]
    total: SummaryRow
    previous_total: SummaryRow
    headline_keys: tuple[str, ...]
    headline_labels: tuple[str, ...]
    headline: tuple[int, int]  # (leaders, individuals)
    previous_headline: tuple[int, int]
    statuses: dict[str, int]
    returned_reasons: list[tuple[str, int]]

    @property
    def rows(self) -> list[SummaryRow]:
        return [line.row for line in self.lines]

    def categories_used(self, order: Iterable[str]) -> list[str]:
        """The category codes that occur at this level, in ``order``; "" (none) last if it occurs."""
        seen = {code for line in self.lines for code, (c, i) in line.categories.items() if c or i}
        return [code for code in order if code in seen] + ([NO_CATEGORY] if NO_CATEGORY in seen else [])


@dataclass
class AwardStatistics:
    province: Province
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    levels: dict[str, LevelStatistics]
    categories: dict  # code -> AwardCategory, in order
    unknown_codes: dict[str, int]  # records whose award is no longer in the catalogue

    @property
    def year(self) -> int | None:
        """The calendar year when the range lies in one, for titles."""
        return self.start.year if self.start.year == self.end.year else None


def grouped_counts(province_id: int, start: dt.date, end: dt.date, bases: Iterable[LevelBasis] = DEFAULT_BASES):
    """ONE ``GROUP BY`` over the range and the same range a year earlier.

    Returns rows (period: 0 = the range, 1 = the previous year, 2 = between them, ignored;
    award_code, recipient, person_group, category, status, count). Each level keeps to its own
    statuses and date field; the dates are bounded by the span from the previous year's start to
    the range's end, and the period is decided per row.

    SQLite, without histograms, takes the date bounds for selective and reads a year of records
    through the two date indexes (a "multi-index OR", random access: about 2.5 times slower than
    reading the table once when the year is most of the table); ``likely()`` tells its planner
    that they are not. PostgreSQL estimates this itself.
    """
    prev_start, prev_end = previous_year(start), previous_year(end)
    hint = (lambda term: func.likely(term)) if db.session.get_bind().dialect.name == "sqlite" else (lambda term: term)
    current, previous, wanted = [], [], []
    for basis in bases:
        column = getattr(AwardRecord, basis.date_field)
        level = AwardRecord.level == basis.level
        wanted.append(and_(level, AwardRecord.status.in_(sorted(basis.statuses)),
                           hint(column >= prev_start), hint(column <= end)))
        current.append(and_(level, column >= start, column <= end))
        previous.append(and_(level, column >= prev_start, column <= prev_end))
    # Two booleans rather than one CASE: PostgreSQL knows a boolean has two values, while it
    # guesses 200 for an expression, and with that guess it sorts a million rows on disk instead
    # of hashing a few hundred groups in memory (1.6 s instead of 0.4 s).
    inner = (
        select(or_(*current).label("is_current"), or_(*previous).label("is_previous"), AwardRecord.award_code,
               AwardRecord.recipient, AwardRecord.person_group, AwardRecord.category, AwardRecord.status)
        .where(AwardRecord.province_id == province_id, or_(*wanted))
        .subquery()
    )
    keys = list(inner.c)
    rows = db.session.execute(select(*keys, func.count()).group_by(*keys)).all()
    return [(0 if cur else 1 if prev else 2, *rest) for cur, prev, *rest in rows]


def _value(v):
    return getattr(v, "value", v)


def compute(province: Province, start: dt.date, end: dt.date, *, bases: Iterable[LevelBasis] = DEFAULT_BASES,
            headline_keys: Mapping[str, Iterable[str]] | None = None) -> AwardStatistics:
    """The statistics of ``province`` for ``start``..``end`` (inclusive) and the previous year."""
    if end < start:
        raise ValueError("end before start")
    bases = tuple(bases)
    headline_keys = HEADLINE_KEYS if headline_keys is None else headline_keys
    catalogue = award_types_for(province)
    groups: dict[int, list[Group]] = {0: [], 1: []}
    statuses: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    cats: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(dict)
    unknown: dict[str, int] = defaultdict(int)
    for period, code, recipient, group, category, status, count in grouped_counts(province.id, start, end, bases):
        if period == 2:
            continue
        groups[period].append(Group(code, recipient, _value(group), category, count))
        award = catalogue.get(code)
        if award is None:
            if period == 0:
                unknown[code] += count
            continue
        if period == 0:
            key = award.family or award.code
            statuses[(award.level, key)][_value(status)] += count
            split = cats[(award.level, key)].setdefault(category or NO_CATEGORY, [0, 0])
            split[0 if recipient == "collective" else 1] += count
    levels = {}
    for basis in bases:
        rows = summary(groups[0], catalogue, basis.level)
        before = {r.key: r for r in summary(groups[1], catalogue, basis.level)}
        lines = [
            Line(r, before[r.key], dict(statuses.get((basis.level, r.key), {})), cats.get((basis.level, r.key), {}))
            for r in rows
        ]
        keys = tuple(k for k in headline_keys.get(basis.level, ()) if any(r.key == k for r in rows))
        level_statuses: dict[str, int] = defaultdict(int)
        for line in lines:
            for s, n in line.statuses.items():
                level_statuses[s] += n
        levels[basis.level] = LevelStatistics(
            basis=basis,
            lines=lines,
            total=totals(rows),
            previous_total=totals(before.values()),
            headline_keys=keys,
            headline_labels=tuple(r.label for r in rows if r.key in keys),
            headline=leader_share(rows, keys),
            previous_headline=leader_share(before.values(), keys),
            statuses=dict(level_statuses),
            returned_reasons=_returned_reasons(province, basis, start, end) if level_statuses.get(S.RETURNED.value) else [],
        )
    return AwardStatistics(
        province=province, start=start, end=end, previous_start=previous_year(start), previous_end=previous_year(end),
        levels=levels, categories=award_categories_for(province), unknown_codes=dict(unknown),
    )


def _returned_reasons(province: Province, basis: LevelBasis, start, end) -> list[tuple[str, int]]:
    """Why the returned cases came back (the report quotes the reasons), most frequent first."""
    column = getattr(AwardRecord, basis.date_field)
    reason = func.coalesce(AwardRecord.returned_reason, "")
    rows = db.session.execute(
        select(reason, func.count())
        .where(AwardRecord.province_id == province.id, AwardRecord.level == basis.level,
               AwardRecord.status == S.RETURNED, column >= start, column <= end)
        .group_by(reason)
        .order_by(func.count().desc(), reason)
    ).all()
    return [(r or "", n) for r, n in rows]


# -- views of the statistics ----------------------------------------------------------------------


def percent(part: int, whole: int) -> str | None:
    """The percentage as an exact decimal string, one place, rounded half up ("23.8"); None for 0/0."""
    pct = percentage(part, whole)
    return None if pct is None else str(round_half_up(pct, 1))


def share_text(part: int, whole: int) -> str:
    """As printed: "23,8%", "-" for zero."""
    return format_percent(part, whole)


def _row_json(row: SummaryRow) -> dict:
    return {
        "total": row.total,
        "collectives": row.collectives,
        "individuals": row.individuals,
        "workers": row.workers,
        "workers_percent": percent(row.workers, row.individuals),
        "leaders": row.leaders,
        "leaders_percent": percent(row.leaders, row.individuals),
        "unclassified_individuals": row.unknown_group,
    }


def to_json(stats: AwardStatistics) -> dict:
    def headline(pair):
        leaders, individuals = pair
        return {"leaders": leaders, "individuals": individuals, "leaders_percent": percent(leaders, individuals),
                "workers_percent": percent(individuals - leaders, individuals)}

    levels = []
    for level in stats.levels.values():
        levels.append({
            "level": level.basis.level,
            "heading": level.basis.heading,
            "counted_by": level.basis.date_field,
            "statuses_counted": sorted(s.value for s in level.basis.statuses),
            "rows": [
                {"key": ln.row.key, "label": ln.row.label, **_row_json(ln.row), "previous": _row_json(ln.previous),
                 "by_status": ln.statuses,
                 "by_category": {k: {"collectives": c, "individuals": i} for k, (c, i) in ln.categories.items()}}
                for ln in level.lines
            ],
            "total": {**_row_json(level.total), "previous": _row_json(level.previous_total)},
            "headline": {"rows": list(level.headline_keys), **headline(level.headline),
                         "previous": headline(level.previous_headline)},
            "by_status": level.statuses,
            "returned_reasons": [{"reason": r, "count": n} for r, n in level.returned_reasons],
        })
    return {
        "province_id": stats.province.id,
        "start": stats.start.isoformat(),
        "end": stats.end.isoformat(),
        "previous_start": stats.previous_start.isoformat(),
        "previous_end": stats.previous_end.isoformat(),
        "categories": {code: c.name for code, c in stats.categories.items()},
        "levels": levels,
        "unknown_award_codes": stats.unknown_codes,
    }


def title_of(stats: AwardStatistics) -> str:
    if stats.year and (stats.start, stats.end) == calendar_year(stats.year):
        return f"Tổng hợp kết quả khen thưởng năm {stats.year}"
    return f"Tổng hợp kết quả khen thưởng từ ngày {stats.start:%d/%m/%Y} đến ngày {stats.end:%d/%m/%Y}"


def summary_data(stats: AwardStatistics, *, attached_to: str = "") -> AwardSummaryData:
    """The generic two-level table (layout ``award_summary``)."""
    sections = tuple(
        AwardSection(
            level.basis.heading,
            tuple(AwardRow(r.label, r.collectives, r.workers, r.leaders) for r in level.rows),
            total_label=level.basis.total_label,
        )
        for level in stats.levels.values()
    )
    return AwardSummaryData(
        title=title_of(stats),
        period=f"Số liệu từ ngày {stats.start:%d/%m/%Y} đến ngày {stats.end:%d/%m/%Y}",
        attached_to=attached_to,
        sections=sections,
    )


def summary_layout(province: Province):
    """The layout in force for the summary table: a province plugin's ``award_summary`` replaces
    the national one (``report_layouts_for``)."""
    return report_layouts_for(province)["award_summary"]


def document_data(layout, stats: AwardStatistics, *, attached_to: str = ""):
    """The data for ``layout``: a province layout that prints more than the generic table (status
    splits, headline ratios) may define ``data_from_statistics(stats, attached_to=...)``."""
    build = getattr(layout, "data_from_statistics", None)
    if callable(build):
        return build(stats, attached_to=attached_to)
    return summary_data(stats, attached_to=attached_to)


XLSX_HEADERS = (
    "Cấp", "Số TT", "Hình thức khen thưởng", "Tổng số", "Tập thể", "Cá nhân", "Người lao động",
    "Tỷ lệ % người lao động", "Lãnh đạo", "Tỷ lệ % lãnh đạo", "Năm trước: Tổng số", "Năm trước: Tập thể",
    "Năm trước: Cá nhân", "Năm trước: Người lao động", "Năm trước: Lãnh đạo", "Năm trước: Tỷ lệ % lãnh đạo",
)


def xlsx_rows(stats: AwardStatistics) -> list[list]:
    """The two-level table as spreadsheet rows; percentages as numbers (one decimal)."""

    def pct(part, whole):
        value = percentage(part, whole)
        return None if value is None else round_half_up(Fraction(value), 1)

    out = []
    for level in stats.levels.values():
        numbered = [(f"{i}.", ln.row, ln.previous) for i, ln in enumerate(level.lines, 1)]
        for number, r, p in [*numbered, ("", level.total, level.previous_total)]:
            label = level.basis.total_label if r is level.total else r.label
            out.append([
                level.basis.heading, number, label, r.total, r.collectives, r.individuals, r.workers,
                pct(r.workers, r.individuals), r.leaders, pct(r.leaders, r.individuals),
                p.total, p.collectives, p.individuals, p.workers, p.leaders, pct(p.leaders, p.individuals),
            ])
    return out
