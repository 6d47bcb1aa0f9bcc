"""What the scoring pages and the API share: who may see or run a round, members' progress, the
criteria tree of the self-scoring sheet, and reading score input safely."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.access import can_manage_province, can_view_block, is_block_leader
from portal.extensions import db
from portal.models import (
    Block,
    CriteriaTable,
    Criterion,
    CriterionKind,
    Evidence,
    RoundState,
    ScoringRound,
    SelfScore,
    Unit,
)
from portal.services import ServiceError
from portal.services.scoring import parse_score, scorable

# -- scope --------------------------------------------------------------------------------------


def round_of(block: Block) -> ScoringRound | None:
    return db.session.scalar(select(ScoringRound).where(ScoringRound.block_id == block.id))


def can_manage_round(user, block: Block) -> bool:
    """Create a round, change its dates and settings: the block leader or the province's staff."""
    return is_block_leader(user, block) or can_manage_province(user, block.province_id)


def can_view_round(user, round_: ScoringRound) -> bool:
    return can_view_block(user, round_.block)


def is_province_reader(user, province_id: int) -> bool:
    """Admins, and the province's officers and observers (not its unit officers)."""
    return user.is_admin or province_id in user.province_ids()


def can_view_unit_scores(user, round_: ScoringRound, unit_id: int) -> bool:
    """A unit's self scores and evidence: its officers, the block leader and the round's
    secretary, the province's staff and observers."""
    if unit_id not in {m.unit_id for m in round_.members}:
        return False
    return (
        unit_id in user.unit_ids()
        or is_block_leader(user, round_.block)
        or (round_.secretary_id is not None and round_.secretary_id == user.id)
        or is_province_reader(user, round_.province_id)
    )


def can_edit_self(user, round_: ScoringRound, unit_id: int) -> bool:
    member = next((m for m in round_.members if m.unit_id == unit_id), None)
    return (
        member is not None
        and unit_id in user.unit_ids()
        and round_.state == RoundState.SELF_SCORING
        and member.self_submitted_at is None
    )


def tables_for(block: Block) -> list[CriteriaTable]:
    """Criteria tables a round of ``block`` may use: same province and emulation year."""
    return db.session.scalars(
        select(CriteriaTable)
        .where(CriteriaTable.province_id == block.province_id, CriteriaTable.year == block.year)
        .order_by(CriteriaTable.name, CriteriaTable.version.desc())
    ).all()


def table_label(t: CriteriaTable) -> str:
    return _("%(name)s (phiên bản %(v)s)", name=t.name, v=t.version) if t.version > 1 else t.name


# -- progress -----------------------------------------------------------------------------------


@dataclass
class Progress:
    unit: Unit
    filled: int
    total: int
    submitted_at: datetime | None
    present: bool
    evidence: int
    role: str | None  # "leader", "deputy" or None

    @property
    def complete(self) -> bool:
        return self.filled >= self.total


def progress(round_: ScoringRound) -> list[Progress]:
    """Each member's self-scoring progress: scored criteria filled of all scored criteria."""
    required = [c.id for c in scorable(round_) if c.kind == CriterionKind.SCORED]
    filled = dict(
        db.session.execute(
            select(SelfScore.unit_id, func.count())
            .where(
                SelfScore.round_id == round_.id,
                SelfScore.value.is_not(None),
                SelfScore.criterion_id.in_(required or [-1]),
            )
            .group_by(SelfScore.unit_id)
        ).all()
    )
    files = dict(
        db.session.execute(
            select(Evidence.unit_id, func.count())
            .where(Evidence.round_id == round_.id)
            .group_by(Evidence.unit_id)
        ).all()
    )
    block = round_.block
    rows = [
        Progress(
            unit=m.unit,
            filled=filled.get(m.unit_id, 0),
            total=len(required),
            submitted_at=m.self_submitted_at,
            present=m.present,
            evidence=files.get(m.unit_id, 0),
            role="leader"
            if m.unit_id == block.leader_unit_id
            else "deputy"
            if m.unit_id == block.deputy_unit_id
            else None,
        )
        for m in round_.members
    ]
    return sorted(rows, key=lambda r: (r.unit.sort_key or "", r.unit.id))


# -- the self-scoring sheet ---------------------------------------------------------------------


@dataclass
class SheetRow:
    criterion: Criterion
    depth: int
    scorable: bool
    cell: SelfScore | None = None
    evidence: list = field(default_factory=list)


def sheet(round_: ScoringRound, unit_id: int) -> tuple[list[SheetRow], list[Evidence]]:
    """The criteria tree in order with the unit's cells and evidence files, and the unit's files
    not tied to one criterion."""
    criteria = list(round_.table.criteria)
    by_id = {c.id: c for c in criteria}
    takes_score = {c.id for c in scorable(round_)}
    cells = {
        s.criterion_id: s
        for s in db.session.scalars(
            select(SelfScore).where(SelfScore.round_id == round_.id, SelfScore.unit_id == unit_id)
        )
    }
    files: dict[int | None, list] = {}
    for e in db.session.scalars(
        select(Evidence)
        .where(Evidence.round_id == round_.id, Evidence.unit_id == unit_id)
        .order_by(Evidence.id)
    ):
        files.setdefault(e.criterion_id, []).append(e)

    def depth(c: Criterion) -> int:
        d, seen = 0, set()
        while c.parent_id is not None and c.parent_id in by_id and c.id not in seen:
            seen.add(c.id)
            c = by_id[c.parent_id]
            d += 1
        return d

    rows = [
        SheetRow(c, depth(c), c.id in takes_score, cells.get(c.id), files.get(c.id, []))
        for c in criteria
    ]
    return rows, files.get(None, [])


def points(value: Decimal | None) -> str:
    """20 -> "20", 12.5 -> "12,5", 8.25 -> "8,25" (the way the criteria tables write maxima)."""
    if value is None:
        return ""
    whole, _sep, frac = f"{value.normalize():f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".") if whole.lstrip("-").isdigit() else whole
    return grouped + ("," + frac if frac else "")


def input_value(value: Decimal | None) -> str:
    """What a number input holds: "8.5" (a dot; the browser shows the local form)."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def checked_score(raw) -> object:
    """``raw`` unchanged when ``parse_score`` can read it safely; numbers too long for the score
    column (which ``decimal`` cannot even round) are refused with the service's message."""
    if raw is None or raw == "":
        return raw
    text = str(raw).strip()
    if len(text) > 20:
        raise ServiceError(_("Điểm phải là một số."), "value")
    try:
        parse_score(raw)
    except InvalidOperation:
        raise ServiceError(_("Điểm phải là một số."), "value") from None
    return raw


def same_value(a, b) -> bool:
    """Two inputs of a score say the same thing ("8,5" and "8.50")."""
    a, b = (str(x if x is not None else "").strip().replace(",", ".") for x in (a, b))
    if a == b:
        return True
    try:
        return Decimal(a) == Decimal(b)
    except (InvalidOperation, ValueError):
        return False
