"""Score cells (self, cross, agreed), totals and the ranking of a round.

Every cell save checks the round's state, the person's right to that cell, the criterion's
bounds, and the version the editor saw (optimistic locking): a stale save raises
``ScoreConflict`` carrying the value now stored, never overwriting it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from portal.access import is_block_leader
from portal.documents.formatting import format_decimal
from portal.extensions import db
from portal.logic import scoring as logic
from portal.models import (
    AgreedScore,
    Criterion,
    CriterionKind,
    CrossScore,
    RoundMember,
    RoundState,
    ScoringRound,
    SelfScore,
    Unit,
)
from portal.plugins import get_registry
from portal.services import ServiceError

S = RoundState
TWO = Decimal("0.01")
_CHILD = aliased(Criterion, name="child_criterion")  # built once: a fresh alias per query defeats the SQL cache


class ScoreConflict(ServiceError):
    """Someone saved this cell since the editor loaded it."""

    def __init__(self, cell):
        self.current_value = cell.value if cell is not None else None
        self.current_version = cell.version if cell is not None else None
        shown = format_decimal(self.current_value, 2, zero="0") if self.current_value is not None else "—"
        super().__init__(
            _("Ô điểm này vừa được người khác lưu với giá trị %(value)s. Hãy xem lại rồi lưu lần nữa.", value=shown),
            "value",
            409,
        )


def rows(round_: ScoringRound) -> list[logic.Row]:
    return [
        logic.Row(c.id, c.code, c.kind.value, c.max_points, c.parent_id)
        for c in round_.table.criteria
    ]


def scorable(round_: ScoringRound) -> list[Criterion]:
    """Leaf criteria that take a score (informational rows are shown, not scored)."""
    leaf_ids = {r.key for r in logic.leaves(rows(round_))}
    return [c for c in round_.table.criteria if c.id in leaf_ids and c.kind != CriterionKind.INFO]


def parse_score(raw) -> Decimal:
    """Accept 8.5, "8,5", "8.50"; refuse anything else with a message."""
    if isinstance(raw, bool):
        raise ServiceError(_("Điểm phải là một số."), "value")
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ServiceError(_("Điểm phải là một số."), "value") from None
    if not value.is_finite() or abs(value) >= 1_000_000:
        raise ServiceError(_("Điểm phải là một số."), "value")
    if value != value.quantize(TWO):
        raise ServiceError(_("Điểm chỉ có tối đa hai chữ số thập phân."), "value")
    return value


def _loaded(obj, name: str) -> bool:
    return name not in inspect(obj).unloaded


def _criterion(round_: ScoringRound, criterion_id: int) -> Criterion:
    """The scorable criterion ``criterion_id`` of the round's table (a leaf, not informational).

    When the table's criteria are not in memory yet (one cell saved through the API), one query
    for the one row rather than loading the whole table and its tree: a cell save then costs the
    same however many criteria the table has. A form saving many cells has them loaded already."""
    if _loaded(round_, "table") and _loaded(round_.table, "criteria"):
        for c in scorable(round_):
            if c.id == criterion_id:
                return c
        criterion = None
    elif isinstance(criterion_id, int) and not isinstance(criterion_id, bool):
        criterion = db.session.scalar(
            select(Criterion).where(
                Criterion.id == criterion_id,
                Criterion.table_id == round_.table_id,
                Criterion.kind != CriterionKind.INFO,
                ~select(_CHILD.id).where(_CHILD.parent_id == Criterion.id).exists(),
            )
        )
    else:
        criterion = None
    if criterion is None:
        raise ServiceError(_("Tiêu chí không thuộc bảng của đợt chấm điểm hoặc không chấm điểm."), "criterion_id", 404)
    return criterion


def _member(round_: ScoringRound, unit_id: int) -> RoundMember:
    """The unit's membership of the round: from the roll when it is in memory, else one row by
    key rather than loading the block's whole roll for one cell."""
    member = None
    if _loaded(round_, "members"):
        member = next((m for m in round_.members if m.unit_id == unit_id), None)
    elif isinstance(unit_id, int) and not isinstance(unit_id, bool):
        member = db.session.scalar(
            select(RoundMember).where(RoundMember.round_id == round_.id, RoundMember.unit_id == unit_id)
        )
    if member is None:
        raise ServiceError(_("Đơn vị không thuộc khối."), "unit_id", 404)
    return member


def _check_bounds(criterion: Criterion, value: Decimal) -> None:
    if value < 0 or (criterion.max_points is not None and value > criterion.max_points):
        raise ServiceError(
            _("Điểm của tiêu chí %(code)s phải từ 0 đến %(max)s.", code=criterion.code,
              max=format_decimal(criterion.max_points, 2, zero="0")),
            "value",
        )


def _save(model, keys: dict, expected_version: int | None, apply) -> object:
    """Create or update one cell under optimistic locking; ``apply(cell)`` sets its fields."""
    cell = db.session.scalar(select(model).filter_by(**keys))
    if cell is None:
        if expected_version:
            raise ScoreConflict(None)
        cell = model(**keys)
        apply(cell)
        db.session.add(cell)
    else:
        if expected_version != cell.version:
            raise ScoreConflict(cell)
        apply(cell)
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError):
        # Another transaction saved this cell between our read and our write.
        db.session.rollback()
        raise ScoreConflict(db.session.scalar(select(model).filter_by(**keys))) from None
    return cell


def save_self_score(user, round_: ScoringRound, unit_id: int, criterion_id: int, raw, *,
                    note: str = "", version: int | None = None) -> SelfScore:
    if round_.state != S.SELF_SCORING:
        raise ServiceError(_("Đợt chấm điểm không mở tự chấm."), "state", 409)
    member = _member(round_, unit_id)
    if unit_id not in user.unit_ids():
        raise ServiceError(_("Chỉ cán bộ của đơn vị được tự chấm điểm cho đơn vị mình."), "unit_id", 403)
    if member.self_submitted_at is not None:
        raise ServiceError(_("Đơn vị đã nộp điểm tự chấm; không sửa được nữa."), "unit_id", 409)
    criterion = _criterion(round_, criterion_id)
    value = None if raw in (None, "") else parse_score(raw)
    if value is not None:
        _check_bounds(criterion, value)

    def apply(cell):
        cell.value, cell.note, cell.updated_by_id = value, (note or "").strip(), user.id

    return _save(SelfScore, {"round_id": round_.id, "unit_id": unit_id, "criterion_id": criterion_id}, version, apply)


def missing_self(round_: ScoringRound, unit_id: int) -> list[Criterion]:
    filled = {
        s.criterion_id
        for s in db.session.scalars(
            select(SelfScore).where(SelfScore.round_id == round_.id, SelfScore.unit_id == unit_id)
        )
        if s.value is not None
    }
    return [c for c in scorable(round_) if c.kind == CriterionKind.SCORED and c.id not in filled]


def submit_self_scores(user, round_: ScoringRound, unit_id: int) -> RoundMember:
    """A unit hands in its self scores: every scored criterion must be filled."""
    if round_.state != S.SELF_SCORING:
        raise ServiceError(_("Đợt chấm điểm không mở tự chấm."), "state", 409)
    member = _member(round_, unit_id)
    if unit_id not in user.unit_ids():
        raise ServiceError(_("Chỉ cán bộ của đơn vị được nộp điểm tự chấm."), "unit_id", 403)
    missing = missing_self(round_, unit_id)
    if missing:
        codes = ", ".join(c.code for c in missing[:8])
        raise ServiceError(_("Chưa chấm %(n)s tiêu chí: %(codes)s.", n=len(missing), codes=codes), "criterion_id")
    from portal.models.base import utcnow

    member.self_submitted_at = utcnow()
    db.session.flush()
    return member


def can_enter_agreed(user, round_: ScoringRound) -> bool:
    """The leader's officers, or the secretary the leader delegated."""
    return is_block_leader(user, round_.block) or (round_.secretary_id is not None and round_.secretary_id == user.id)


def self_value(round_id: int, unit_id: int, criterion_id: int) -> Decimal | None:
    """The unit's self score for one criterion of a round (``None`` when it gave none)."""
    return db.session.scalar(
        select(SelfScore.value).where(
            SelfScore.round_id == round_id, SelfScore.unit_id == unit_id, SelfScore.criterion_id == criterion_id
        )
    )


_UNREAD = object()


def save_agreed_score(user, round_: ScoringRound, unit_id: int, criterion_id: int, raw, *,
                      reason: str = "", version: int | None = None, own=_UNREAD) -> AgreedScore:
    """Save one agreed cell. ``own``: the unit's self score of the cell when the caller has read
    it already (``self_value``, in this transaction) to answer with it — one query fewer per save."""
    if round_.state != S.IN_MEETING:
        raise ServiceError(_("Chỉ nhập điểm thống nhất khi đang họp chấm điểm."), "state", 409)
    if not can_enter_agreed(user, round_):
        raise ServiceError(_("Chỉ khối trưởng hoặc thư ký được nhập điểm thống nhất."), "unit_id", 403)
    _member(round_, unit_id)
    criterion = _criterion(round_, criterion_id)
    value = parse_score(raw)
    _check_bounds(criterion, value)
    if own is _UNREAD:
        own = self_value(round_.id, unit_id, criterion_id)
    reason = (reason or "").strip()
    if own is not None and own != value and not reason:
        raise ServiceError(
            _("Điểm thống nhất khác điểm tự chấm (%(own)s); cần ghi lý do.", own=format_decimal(own, 2, zero="0")),
            "reason",
        )

    def apply(cell):
        cell.value, cell.reason, cell.updated_by_id = value, reason, user.id

    return _save(AgreedScore, {"round_id": round_.id, "unit_id": unit_id, "criterion_id": criterion_id}, version, apply)


def save_cross_score(user, round_: ScoringRound, scorer_unit_id: int, unit_id: int, criterion_id: int, raw, *,
                     version: int | None = None) -> CrossScore:
    if not round_.cross_scoring:
        raise ServiceError(_("Đợt chấm điểm này không chấm chéo."), "state", 409)
    if round_.state not in (S.SELF_SCORING_CLOSED, S.IN_MEETING):
        raise ServiceError(_("Chấm chéo diễn ra sau khi khóa tự chấm và trước khi chốt kết quả."), "state", 409)
    if scorer_unit_id not in user.unit_ids():
        raise ServiceError(_("Chỉ cán bộ của đơn vị chấm được nhập điểm chấm chéo của đơn vị đó."), "scorer_unit_id", 403)
    if scorer_unit_id == unit_id:
        raise ServiceError(_("Đơn vị không chấm chéo cho chính mình."), "unit_id")
    _member(round_, scorer_unit_id)
    _member(round_, unit_id)
    criterion = _criterion(round_, criterion_id)
    value = parse_score(raw)
    _check_bounds(criterion, value)

    def apply(cell):
        cell.value, cell.updated_by_id = value, user.id

    keys = {"round_id": round_.id, "scorer_unit_id": scorer_unit_id, "unit_id": unit_id, "criterion_id": criterion_id}
    return _save(CrossScore, keys, version, apply)


def proposals(round_: ScoringRound) -> dict[tuple[int, int], Decimal]:
    """(unit, criterion) -> the (trimmed) mean of the cross scores, proposed to the leader."""
    values: dict[tuple[int, int], list[Decimal]] = {}
    for cs in db.session.scalars(select(CrossScore).where(CrossScore.round_id == round_.id)):
        if cs.value is not None:
            values.setdefault((cs.unit_id, cs.criterion_id), []).append(cs.value)
    out = {}
    for key, vals in values.items():
        mean = logic.trimmed_mean(vals, round_.trim)
        if mean is not None:
            out[key] = mean
    return out


def cells(model, round_: ScoringRound) -> dict[tuple[int, int], object]:
    """(unit, criterion) -> cell, for self or agreed scores of a round (one query)."""
    return {(c.unit_id, c.criterion_id): c for c in db.session.scalars(select(model).where(model.round_id == round_.id))}


def missing_agreed(round_: ScoringRound) -> list[str]:
    """"Unit — criterion" for every scored cell of a present unit that has no agreed score."""
    agreed = {k for k, c in cells(AgreedScore, round_).items() if c.value is not None}
    criteria = [c for c in scorable(round_) if c.kind == CriterionKind.SCORED]
    missing = []
    for m in round_.members:
        if not m.present:
            continue
        for c in criteria:
            if (m.unit_id, c.id) not in agreed:
                missing.append(f"{m.unit.name} — {c.code}")
    return missing


@dataclass(frozen=True)
class RankingRow:
    unit: Unit
    self_total: Decimal
    agreed: logic.Total
    rank: int
    shared: bool
    band: str | None
    group_scores: dict  # criterion id -> agreed value of every row (groups summed)


def ranking(round_: ScoringRound) -> list[RankingRow]:
    """The block's ranking by agreed totals, under the province's ranking rules."""
    block = round_.block
    rules = get_registry().hooks(block.province.enabled_plugin_names).ranking_rules(
        province=block.province, block=block
    )
    table_rows = rows(round_)
    agreed_cells, self_cells = cells(AgreedScore, round_), cells(SelfScore, round_)
    by_code = {c.code: c.id for c in round_.table.criteria}
    totals, tie_scores, parts, groups, selves = {}, {}, {}, {}, {}
    for m in round_.members:
        agreed = {cid: c.value for (uid, cid), c in agreed_cells.items() if uid == m.unit_id}
        own = {cid: c.value for (uid, cid), c in self_cells.items() if uid == m.unit_id}
        parts[m.unit_id] = logic.total(table_rows, agreed)
        selves[m.unit_id] = logic.total(table_rows, own).total
        groups[m.unit_id] = logic.group_sums(table_rows, agreed)
        totals[m.unit_id] = parts[m.unit_id].total
        tie_scores[m.unit_id] = [groups[m.unit_id].get(by_code.get(code), logic.ZERO) for code in rules.tie_breakers]
    units = {m.unit_id: m.unit for m in round_.members}
    return [
        RankingRow(units[r.unit], selves[r.unit], parts[r.unit], r.rank, r.shared, r.band, groups[r.unit])
        for r in logic.rank(totals, rules, tie_scores)
    ]
