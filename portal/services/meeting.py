"""The scoring meeting and its results: attendance, the secretary, the meeting sheet's cells, the
result sheet issued on submission, exports, and the province's overview of a year's rounds.

Pages and the JSON API share these functions; each one checks who may act, changes the session
and flushes (the caller commits), and raises ``ServiceError`` with a Vietnamese message.
Reading a sheet costs one query per table of cells (self, agreed, cross), never one per cell.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, lazyload

from portal.access import can_view_block, can_view_province, only_unit_officer
from portal.catalogue import report_layouts_for
from portal.documents.data import (
    CriteriaGroup,
    Distribution,
    DocumentHeader,
    ScoringSheetData,
    Signature,
    UnitScore,
)
from portal.documents.formatting import format_decimal
from portal.extensions import db
from portal.logic import scoring as logic
from portal.models import (
    AgreedScore,
    Block,
    Criterion,
    CriterionKind,
    CrossScore,
    Document,
    Role,
    RoleAssignment,
    RoundMember,
    RoundState,
    ScoringRound,
    SelfScore,
    Unit,
    User,
)
from portal.services import ServiceError
from portal.services.scoring import can_enter_agreed, proposals, ranking, scorable

S = RoundState
ZERO = Decimal("0")
LAYOUT = "scoring_sheet"


def fmt(value: Decimal | None) -> str:
    """A score as people read it: 85,5 / 85,25 / 90 (no trailing zeros beyond the cents)."""
    if value is None:
        return ""
    places = (
        0
        if value == value.to_integral_value()
        else (1 if value * 10 == (value * 10).to_integral_value() else 2)
    )
    return format_decimal(value, places, zero="0")


def raw(value: Decimal | None) -> str | None:
    """A score for machines: "85.50" (exact, two decimals)."""
    return None if value is None else f"{value:.2f}"


def checked(raw):
    """``raw`` if ``parse_score`` can read it without tripping over its size ("1e30" would make
    ``decimal`` raise instead of the service answering); refused with the service's message."""
    from decimal import InvalidOperation

    from portal.services.scoring import parse_score

    if raw is None or isinstance(raw, bool) or len(str(raw).strip()) > 20:
        raise ServiceError(_("Điểm phải là một số."), "value")
    try:
        parse_score(raw)
    except InvalidOperation:
        raise ServiceError(_("Điểm phải là một số."), "value") from None
    return raw


# -- who ---------------------------------------------------------------------------------------


def is_round_reader(user, round_: ScoringRound) -> bool:
    """Province staff and observers (and admins) read every part of a round of their province."""
    return can_view_province(user, round_.province_id) and not only_unit_officer(user)


def can_view_round(user, round_: ScoringRound) -> bool:
    return can_view_block(user, round_.block)


def member_units_of(user, round_: ScoringRound) -> list[Unit]:
    """The user's own units among the round's members (cross-scoring acts as one of them)."""
    mine = user.unit_ids()
    return [m.unit for m in load_members(round_) if m.unit_id in mine]


def load_members(round_: ScoringRound) -> list[RoundMember]:
    """The round's members with their units, in the units' sort order (one query)."""
    members = db.session.scalars(
        select(RoundMember)
        .options(joinedload(RoundMember.unit))
        .join(Unit, Unit.id == RoundMember.unit_id)
        .where(RoundMember.round_id == round_.id)
        .order_by(Unit.sort_key, Unit.id)
    ).all()
    return list(members)


# -- attendance and the secretary ---------------------------------------------------------------


def set_attendance(user, round_: ScoringRound, present_ids) -> list[RoundMember]:
    """Mark who attends the meeting: the members in ``present_ids`` present, the others absent."""
    if not can_enter_agreed(user, round_):
        raise ServiceError(
            _("Chỉ khối trưởng hoặc thư ký được ghi danh sách có mặt."), "present", 403
        )
    if round_.state != S.IN_MEETING:
        raise ServiceError(_("Chỉ ghi danh sách có mặt khi đang họp chấm điểm."), "present", 409)
    members = load_members(round_)
    known = {m.unit_id for m in members}
    present = set(present_ids)
    unknown = present - known
    if unknown:
        raise ServiceError(_("Đơn vị không thuộc khối."), "present")
    for m in members:
        flag = m.unit_id in present
        if m.present != flag:
            m.present = flag
    db.session.flush()
    return members


def secretary_candidates(round_: ScoringRound, members: list[RoundMember] | None = None) -> list[User]:
    """Active officers of the block's member units other than the leader unit's (who already
    hold the leader's powers). ``members``: the round's roll when the caller has loaded it
    (``load_members``), sparing a second query for it.

    One query: the candidates' roles are not loaded with them (the pickers show names; a role
    read later still loads on access), where ``User.roles``' eager loading would add another."""
    roll = members if members is not None else round_.members
    unit_ids = [m.unit_id for m in roll if m.unit_id != round_.block.leader_unit_id]
    if not unit_ids:
        return []
    return list(
        db.session.scalars(
            select(User)
            .options(lazyload(User.roles))
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.role == Role.UNIT_OFFICER,
                RoleAssignment.unit_id.in_(unit_ids),
                User.is_active_flag,
            )
            .order_by(User.sort_key, User.id)
            .distinct()
        )
    )


def set_secretary(user, round_: ScoringRound, secretary_id: int | None) -> ScoringRound:
    """The leader delegates the entry of agreed scores to ``secretary_id`` (``None``: nobody)."""
    from portal.access import is_block_leader

    if not is_block_leader(user, round_.block):
        raise ServiceError(_("Chỉ khối trưởng được chỉ định thư ký."), "user_id", 403)
    if round_.state in (S.SUBMITTED, S.RESUBMITTED):
        raise ServiceError(
            _("Kết quả đã gửi Sở Nội vụ; không đổi thư ký được nữa."), "user_id", 409
        )
    if secretary_id is not None and secretary_id not in {
        u.id for u in secretary_candidates(round_)
    }:
        raise ServiceError(
            _("Thư ký phải là cán bộ của một đơn vị thành viên khác trong khối."), "user_id"
        )
    if round_.secretary_id != secretary_id:
        round_.secretary_id = secretary_id
        db.session.flush()
    return round_


# -- the meeting sheet --------------------------------------------------------------------------


@dataclass
class SheetRow:
    criterion: Criterion
    depth: int
    scorable: bool  # a leaf that takes a score
    self_value: Decimal | None = None
    self_note: str = ""
    agreed: AgreedScore | None = None
    proposal: Decimal | None = None
    group_agreed: Decimal | None = None  # groups: the sum of their agreed leaves

    @property
    def value(self) -> Decimal | None:
        return self.agreed.value if self.agreed is not None else None

    @property
    def version(self) -> int:
        return self.agreed.version if self.agreed is not None else 0

    @property
    def differs(self) -> bool:
        return (
            self.value is not None and self.self_value is not None and self.value != self.self_value
        )


def depths(criteria: list[Criterion]) -> dict[int, int]:
    by_id = {c.id: c for c in criteria}
    out: dict[int, int] = {}

    def depth(c: Criterion) -> int:
        if c.id not in out:
            out[c.id] = (
                0
                if c.parent_id is None or c.parent_id not in by_id
                else depth(by_id[c.parent_id]) + 1
            )
        return out[c.id]

    for c in criteria:
        depth(c)
    return out


def sheet_rows(round_: ScoringRound, unit_id: int) -> list[SheetRow]:
    """Every row of the table for one unit: self score, agreed cell, cross-scoring proposal."""
    criteria = list(round_.table.criteria)
    leaf_ids = {c.id for c in scorable(round_)}
    own = {
        s.criterion_id: s
        for s in db.session.scalars(
            select(SelfScore).where(SelfScore.round_id == round_.id, SelfScore.unit_id == unit_id)
        )
    }
    agreed = {
        a.criterion_id: a
        for a in db.session.scalars(
            select(AgreedScore).where(
                AgreedScore.round_id == round_.id, AgreedScore.unit_id == unit_id
            )
        )
    }
    proposed = unit_proposals(round_, unit_id) if round_.cross_scoring else {}
    level = depths(criteria)
    table_rows = [
        logic.Row(c.id, c.code, c.kind.value, c.max_points, c.parent_id) for c in criteria
    ]
    sums = logic.group_sums(table_rows, {cid: a.value for cid, a in agreed.items()})
    out = []
    for c in criteria:
        row = SheetRow(c, level[c.id], c.id in leaf_ids)
        if row.scorable:
            cell = own.get(c.id)
            row.self_value = cell.value if cell is not None else None
            row.self_note = cell.note if cell is not None else ""
            row.agreed = agreed.get(c.id)
            row.proposal = proposed.get(c.id)
        else:
            row.group_agreed = sums.get(c.id)
        out.append(row)
    return out


def unit_proposals(round_: ScoringRound, unit_id: int) -> dict[int, Decimal]:
    """criterion id -> the (trimmed) mean of the other members' cross scores for ``unit_id``."""
    values: dict[int, list[Decimal]] = defaultdict(list)
    for cid, value in db.session.execute(
        select(CrossScore.criterion_id, CrossScore.value).where(
            CrossScore.round_id == round_.id,
            CrossScore.unit_id == unit_id,
            CrossScore.value.is_not(None),
        )
    ):
        values[cid].append(value)
    out = {}
    for cid, vals in values.items():
        mean = logic.trimmed_mean(vals, round_.trim)
        if mean is not None:
            out[cid] = mean
    return out


def progress(round_: ScoringRound, members: list[RoundMember] | None = None) -> dict[int, tuple[int, int]]:
    """unit id -> (agreed cells filled, cells that differ from the self score), one query.

    ``members``: the round's roll when the caller has loaded it (``load_members``). Filled counts
    the agreed cells with a value; a cell differs when both it and the self score have values
    that are not equal (an SQL comparison with NULL is not true, so it counts neither)."""
    differs = case((SelfScore.value != AgreedScore.value, 1), else_=0)
    counts = {
        uid: (filled, int(differ or 0))
        for uid, filled, differ in db.session.execute(
            select(AgreedScore.unit_id, func.count(AgreedScore.value), func.sum(differs))
            .outerjoin(
                SelfScore,
                (SelfScore.round_id == AgreedScore.round_id)
                & (SelfScore.unit_id == AgreedScore.unit_id)
                & (SelfScore.criterion_id == AgreedScore.criterion_id),
            )
            .where(AgreedScore.round_id == round_.id)
            .group_by(AgreedScore.unit_id)
        )
    }
    roll = members if members is not None else round_.members
    return {uid: counts.get(uid, (0, 0)) for uid in {m.unit_id for m in roll}}


def preload_units(round_: ScoringRound) -> None:
    """Load the members' units in one query so that ``ranking()`` finds them in the session."""
    ids = [m.unit_id for m in round_.members]
    if ids:
        db.session.scalars(select(Unit).where(Unit.id.in_(ids))).all()


# -- ranking as data --------------------------------------------------------------------------


SELF_PRIVATE = (S.DRAFT, S.SELF_SCORING, S.SELF_SCORING_CLOSED)


def shows_self_totals(user, round_: ScoringRound) -> bool:
    """Before the meeting a unit's self scores are its own business (and the leader's and the
    province's); from the meeting on they are discussed in the open."""
    return (
        round_.state not in SELF_PRIVATE
        or can_enter_agreed(user, round_)
        or is_round_reader(user, round_)
    )


def ranking_rows(round_: ScoringRound, *, hide_self: bool = False) -> list[dict]:
    """The ranking as plain values (pages, JSON, exports)."""
    preload_units(round_)
    present = {m.unit_id: m.present for m in round_.members}
    filled = {uid: n for uid, (n, _d) in progress(round_).items()}
    cells = len(scorable(round_))
    out, waiting = [], []
    for r in ranking(round_):
        done = filled.get(r.unit.id, 0)
        row = {
            "rank": r.rank,
            "unit_id": r.unit.id,
            "unit_name": r.unit.name,
            "self_total": None if hide_self else r.self_total,
            "scored": r.agreed.scored,
            "bonus": r.agreed.bonus,
            "penalty": r.agreed.penalty,
            "total": r.agreed.total,
            "band": r.band,
            "shared": r.shared,
            "present": present.get(r.unit.id, True),
            "agreed_cells": done,
            "cells": cells,
        }
        if done == 0:
            # Nothing agreed yet: not ranked, and not "tied" with the other units still waiting.
            waiting.append({**row, "rank": None, "shared": False, "band": None})
        else:
            out.append(row)
    return out + waiting


def ranking_json(row: dict) -> dict:
    return {
        **row,
        **{k: raw(row[k]) for k in ("self_total", "scored", "bonus", "penalty", "total")},
    }


def shared_label() -> str:
    return _("đồng hạng — hội nghị cần thống nhất")


# -- the result sheet (issued on submission) ---------------------------------------------------


def _person_name(full_name: str) -> str:
    """The name printed under a signature: no description in brackets after it."""
    return re.sub(r"\s*\(.*\)\s*$", "", full_name or "").strip() or (full_name or "")


def sheet_groups(round_: ScoringRound) -> list[tuple[CriteriaGroup, list[int], int]]:
    """The sheet's columns: one per top-level criterion that counts (scored ones each on their own,
    bonus ones together, penalty ones together, printed negative), with the leaf ids under each and
    the sign they count with. The columns of a row therefore add up to its agreed total."""
    criteria = list(round_.table.criteria)
    children: dict[int | None, list[Criterion]] = defaultdict(list)
    for c in criteria:
        children[c.parent_id].append(c)
    counted_leaves = {c.id for c in scorable(round_)}

    def leaves_under(c: Criterion) -> list[Criterion]:
        kids = children.get(c.id)
        if not kids:
            return [c] if c.id in counted_leaves else []
        return [leaf for k in kids for leaf in leaves_under(k)]

    scored, bonus, penalty = [], [], []
    for top in children.get(None, []):
        leaves = leaves_under(top)
        if not leaves:
            continue
        kinds = {leaf.kind for leaf in leaves}
        if kinds == {CriterionKind.BONUS}:
            bonus.append((top, leaves))
        elif kinds == {CriterionKind.PENALTY}:
            penalty.append((top, leaves))
        else:
            scored.append((top, leaves))

    def maximum(leaves) -> Decimal:
        return sum((leaf.max_points or ZERO for leaf in leaves), ZERO)

    out = []
    for top, leaves in scored:
        out.append(
            (CriteriaGroup(top.code, top.title, top.max_points or maximum(leaves)), leaves, 1)
        )
    for items, name, sign in ((bonus, "Điểm cộng, điểm thưởng", 1), (penalty, "Điểm trừ", -1)):
        if not items:
            continue
        leaves = [leaf for _top, ls in items for leaf in ls]
        if len(items) == 1:
            top = items[0][0]
            group = CriteriaGroup(top.code, top.title, top.max_points or maximum(leaves))
        else:
            group = CriteriaGroup(", ".join(t.code for t, _ls in items), name, maximum(leaves))
        out.append((group, leaves, sign))
    return out


def result_sheet_data(
    user, round_: ScoringRound, *, day: dt.date | None = None
) -> ScoringSheetData:
    """Bảng tổng hợp kết quả chấm điểm of the round, signed by the block leader."""
    block: Block = round_.block
    province = block.province
    preload_units(round_)
    columns = sheet_groups(round_)
    agreed = {
        (a.unit_id, a.criterion_id): a.value
        for a in db.session.scalars(select(AgreedScore).where(AgreedScore.round_id == round_.id))
        if a.value is not None
    }
    ranked = ranking(round_)
    rows = []
    for r in ranked:
        scores = tuple(
            sign * sum((agreed.get((r.unit.id, leaf.id), ZERO) for leaf in leaves), ZERO)
            for _group, leaves, sign in columns
        )
        rows.append(UnitScore(r.unit.name, scores, r.self_total, r.agreed.total, r.rank))
    notes = []
    if round_.meeting_date:
        notes.append(
            "Ghi chú: Điểm Khối thống nhất tại Hội nghị chấm điểm ngày "
            f"{round_.meeting_date:%d/%m/%Y}; xếp hạng theo tổng điểm Khối thống nhất."
        )
    penalties = [g for g, _l, sign in columns if sign < 0]
    if penalties:
        notes.append(
            f"Điểm trừ ({', '.join(g.code for g in penalties)}) ghi số âm; tổng điểm = điểm chấm + điểm cộng - điểm trừ."
        )
    tied: dict[int, list[str]] = defaultdict(list)
    for r in ranked:
        if r.shared:
            tied[r.rank].append(r.unit.name)
    for rank, names in sorted(tied.items()):
        notes.append(f"Đồng hạng {rank}: {', '.join(names)}.")
    absent = [m.unit.name for m in round_.members if not m.present]
    if absent:
        notes.append(f"Vắng mặt tại hội nghị: {', '.join(absent)}.")
    if round_.returned_reason:
        earlier = db.session.scalar(
            select(func.count(Document.id)).where(
                Document.block_id == block.id, Document.layout_code == LAYOUT
            )
        )
        notes.append(
            f"Gửi lại lần {earlier + 1} sau khi Sở Nội vụ trả lại kết quả (lý do: {round_.returned_reason})."
        )
    leader_unit = block.leader_unit
    return ScoringSheetData(
        header=DocumentHeader(
            issuing_body=block.name,
            parent_body=province.committee_name,
            place=province.place_name,
            date=day or dt.date.today(),
        ),
        summary=f"Năm {block.year} của {block.name}",
        block_name=block.name,
        emulation_year=block.year,
        groups=tuple(g for g, _l, _s in columns),
        rows=tuple(rows),
        signer=Signature(
            title="KHỐI TRƯỞNG",
            extra_titles=(leader_unit.name.upper(),) if leader_unit is not None else (),
            name=_person_name(getattr(user, "full_name", "")),
        ),
        notes=tuple(notes),
        distribution=Distribution(
            ("Sở Nội vụ (Phòng Thi đua, khen thưởng)", "Các đơn vị thành viên Khối"), "VT"
        ),
    )


def issue_result_sheet(user, round_: ScoringRound) -> Document:
    """Issue the result sheet with the province's ``scoring_sheet`` layout, in the block's name."""
    from portal.services.documents import issue_document

    province = round_.block.province
    layout = report_layouts_for(province).get(LAYOUT)
    if layout is None:
        raise ServiceError(_("Tỉnh chưa có mẫu bảng tổng hợp kết quả chấm điểm."), "action")
    data = result_sheet_data(user, round_)
    return issue_document(layout, data, province=province, block=round_.block, actor=user)


# -- exports -----------------------------------------------------------------------------------


def ranking_table(round_: ScoringRound, user=None) -> tuple[list[str], list[list]]:
    headers = [
        "Hạng",
        "Đơn vị",
        "Tổng điểm tự chấm",
        "Điểm chấm",
        "Điểm cộng",
        "Điểm trừ",
        "Tổng điểm Khối thống nhất",
        "Xếp loại",
        "Đồng hạng",
        "Có mặt",
    ]
    rows = [
        [
            r["rank"],
            r["unit_name"],
            r["self_total"],
            r["scored"],
            r["bonus"],
            r["penalty"],
            r["total"],
            r["band"] or "",
            r["shared"],
            r["present"],
        ]
        for r in ranking_rows(
            round_, hide_self=user is not None and not shows_self_totals(user, round_)
        )
    ]
    return headers, rows


def cells_table(round_: ScoringRound, user=None) -> tuple[list[str], list[list]]:
    """Every scorable cell of every member: self score, agreed score, reason (three queries).
    Self scores of other units are left out for a member before the meeting."""
    headers = [
        "Đơn vị",
        "Mã tiêu chí",
        "Tiêu chí",
        "Loại",
        "Điểm tối đa",
        "Điểm tự chấm",
        "Điểm Khối thống nhất",
        "Lý do",
        "Phiên bản",
    ]
    kinds = {
        CriterionKind.SCORED: "Điểm chấm",
        CriterionKind.BONUS: "Điểm cộng",
        CriterionKind.PENALTY: "Điểm trừ",
        CriterionKind.INFO: "Không tính điểm",
    }
    criteria = scorable(round_)
    own = {
        (s.unit_id, s.criterion_id): s.value
        for s in db.session.scalars(select(SelfScore).where(SelfScore.round_id == round_.id))
    }
    agreed = {
        (a.unit_id, a.criterion_id): a
        for a in db.session.scalars(select(AgreedScore).where(AgreedScore.round_id == round_.id))
    }
    open_book = user is None or shows_self_totals(user, round_)
    mine = user.unit_ids() if user is not None else set()
    rows = []
    for m in load_members(round_):
        show = open_book or m.unit_id in mine
        for c in criteria:
            a = agreed.get((m.unit_id, c.id))
            rows.append(
                [
                    m.unit.name,
                    c.code,
                    c.title,
                    kinds[c.kind],
                    c.max_points,
                    own.get((m.unit_id, c.id)) if show else None,
                    a.value if a else None,
                    a.reason if a else "",
                    a.version if a else None,
                ]
            )
    return headers, rows


EXPORTS = {"ranking": ranking_table, "cells": cells_table}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export(round_: ScoringRound, what: str, fmt_: str, user=None) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of an export; ``what`` "ranking" or "cells"."""
    from portal.tabular.writing import write_csv, write_xlsx

    if what not in EXPORTS:
        raise ServiceError(_("Không có bảng xuất này."), "what")
    if fmt_ not in FORMATS:
        raise ServiceError(_("Định dạng phải là csv hoặc xlsx."), "format")
    headers, rows = EXPORTS[what](round_, user)
    title = "Xếp hạng" if what == "ranking" else "Điểm thống nhất"
    name = f"{title} - {round_.block.name} {round_.block.year}.{fmt_}"
    if fmt_ == "csv":
        return write_csv(headers, rows), FORMATS[fmt_], name
    return write_xlsx(headers, rows, title), FORMATS[fmt_], name


# -- the province's overview -------------------------------------------------------------------


@dataclass
class OverviewRow:
    block: Block
    round: ScoringRound | None
    top: list[str] = dataclasses.field(default_factory=list)  # names of the units ranked first
    top_total: Decimal | None = None


RESULT_STATES = (S.AGREED, S.SUBMITTED, S.RETURNED, S.RESUBMITTED, S.IN_MEETING)


def province_overview(province, year: int) -> list[OverviewRow]:
    """Every block of ``year`` with its round (if any), and the top of its ranking."""
    blocks = db.session.scalars(
        select(Block)
        .options(joinedload(Block.leader_unit))
        .where(Block.province_id == province.id, Block.year == year)
        .order_by(Block.code, Block.id)
    ).all()
    rounds = {
        r.block_id: r
        for r in db.session.scalars(
            select(ScoringRound).where(ScoringRound.block_id.in_([b.id for b in blocks] or [-1]))
        )
    }
    out = []
    for b in blocks:
        row = OverviewRow(b, rounds.get(b.id))
        if row.round is not None and row.round.state in RESULT_STATES:
            ranked = ranking_rows(row.round)
            if ranked and ranked[0]["total"] > 0:
                row.top = [r["unit_name"] for r in ranked if r["rank"] == 1]
                row.top_total = ranked[0]["total"]
        out.append(row)
    return out


def as_unit_ids(values) -> set[int]:
    """Ids from a form or JSON list; anything that is not a positive id is refused."""
    out = set()
    for v in values:
        if isinstance(v, bool):
            raise ServiceError(_("Danh sách đơn vị không hợp lệ."), "present")
        try:
            i = int(v)
        except (TypeError, ValueError):
            raise ServiceError(_("Danh sách đơn vị không hợp lệ."), "present") from None
        if not 0 < i < 2**63:
            raise ServiceError(_("Danh sách đơn vị không hợp lệ."), "present")
        out.add(i)
    return out


__all__ = ["proposals"]  # re-exported for the API
