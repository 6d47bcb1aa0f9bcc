"""What each role has to do next: the tasks behind the dashboard page and ``/api/v1/me/dashboard``.

One function per role reads the real state (rounds, round members, self scores, ballots, issued
documents, dossiers, the province's award calendar, plugins, accounts, the audit log) and returns
small dataclasses. Nothing here reads the request: the caller passes the user, the day, the year
and the list queries (search, sort, page), so the page and the API show the same tasks and the
tests can pin the day. Links are an endpoint and its arguments; the caller builds the URL.

Urgency words, in the order tasks are listed: ``overdue`` (its date has passed and it is still to
do), ``soon`` (within ``SOON_DAYS``, or happening now, such as an open ballot), ``normal``,
``info`` (nothing to do for this user: waiting for someone else), ``past`` (a calendar date that
has gone by).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from portal.access import can_manage_province, is_block_leader
from portal.catalogue import award_types_for, calendar_for
from portal.extensions import db
from portal.models import (
    AuditLog,
    Ballot,
    BallotMode,
    BallotParticipation,
    BallotState,
    BallotVoter,
    Block,
    CriterionKind,
    Document,
    Dossier,
    DossierState,
    Province,
    Role,
    RoleAssignment,
    RoundMember,
    RoundState,
    ScoringRound,
    SelfScore,
    Unit,
    User,
    block_members,
)
from portal.plugins import get_registry
from portal.services import dossiers as dossier_svc
from portal.services.blocks import block_years
from portal.services.scoring import missing_agreed, scorable
from portal.services.scoring_rounds import LEADER, TRANSITIONS, may, state_label
from portal.text import search_text, sort_key

SOON_DAYS = 7
URGENCY_ORDER = {"overdue": 0, "soon": 1, "normal": 2, "info": 3, "past": 4}
PREVIEW = 5  # dossiers listed on the dashboard; the rest are on the inbox page it links to
R, D = RoundState, DossierState
SENT = (R.SUBMITTED, R.RESUBMITTED)  # the block's results are with the province
MET = (R.IN_MEETING, R.AGREED, R.SUBMITTED, R.RETURNED, R.RESUBMITTED)
AGREED = (R.AGREED, R.SUBMITTED, R.RESUBMITTED)
# Where a round stands in its life, to list forward steps before steps back.
STAGE = {R.DRAFT: 0, R.SELF_SCORING: 1, R.SELF_SCORING_CLOSED: 2, R.IN_MEETING: 3, R.AGREED: 4,
         R.SUBMITTED: 5, R.RESUBMITTED: 5, R.RETURNED: 6}


def today() -> dt.date:
    """Today in Việt Nam: deadlines are Vietnamese calendar days."""
    return dossier_svc.today()


def urgency(due: dt.date | None, on: dt.date, *, done: bool = False) -> str:
    if due is None:
        return "normal"
    if on > due:
        return "past" if done else "overdue"
    return "soon" if (due - on).days <= SOON_DAYS else "normal"


def vndate(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


@dataclass
class Task:
    """One thing to do (or to know): what, why, by when, where to do it, how urgent."""

    kind: str  # stable code: self_score, vote, dossier_returned, round_step, deadline, …
    title: str
    detail: str = ""
    due: dt.date | None = None
    endpoint: str | None = None
    args: dict = field(default_factory=dict)
    urgency: str = "normal"
    count: int | None = None  # what the detail counts (blank criteria, dossiers waiting, …)

    @property
    def order(self) -> tuple:
        return (URGENCY_ORDER.get(self.urgency, 9), self.due or dt.date.max, self.title)


def by_urgency(tasks: list[Task]) -> list[Task]:
    return sorted(tasks, key=lambda t: t.order)


@dataclass
class Check:
    """One line of the summary conference's checklist, read from the records."""

    code: str
    label: str
    done: bool
    detail: str = ""
    endpoint: str | None = None
    args: dict = field(default_factory=dict)


@dataclass
class ListQuery:
    """Search, sort and page of one list on the dashboard."""

    q: str = ""
    sort: str = ""
    page: int = 1
    per_page: int = 10


@dataclass
class Listing:
    """One page of a list that can grow past a screen, with its search and sort."""

    items: list
    total: int
    page: int
    per_page: int
    q: str = ""
    sort: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def listing(rows: list, query: ListQuery | None, *, text, sorts: dict, default: str) -> Listing:
    """Filter (tone- and case-insensitive, as the list pages search), sort and page ``rows``.

    The rows are few (a block's members, a province's blocks of one year), already loaded for
    the counts, so this is done in memory rather than by a second query."""
    query = query or ListQuery()
    q = (query.q or "").strip()[:100]
    if q:
        needle = search_text(q)
        rows = [r for r in rows if needle in search_text(text(r))]
    sort = query.sort if query.sort in sorts else default
    rows = sorted(rows, key=sorts[sort])
    per_page = max(1, min(query.per_page, 200))
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, query.page), pages)
    return Listing(rows[(page - 1) * per_page : page * per_page], len(rows), page, per_page, q, sort)


def _deadline_tasks(province: Province, year: int, on: dt.date) -> list[Task]:
    scope = {"unit": _("Đơn vị"), "block": _("Khối thi đua"), "province": _("Tỉnh")}
    out = []
    for d in calendar_for(province, year):
        detail = _("Áp dụng: %(who)s.", who=scope.get(d.applies_to, d.applies_to))
        if d.note:
            detail += " " + d.note
        out.append(
            Task("deadline", d.title, detail, d.due, urgency=urgency(d.due, on, done=True))
        )
    return out


def _latest_year(stmt) -> int | None:
    return db.session.scalar(stmt)


# -- unit officer --------------------------------------------------------------------------------


@dataclass
class UnitDashboard:
    unit: Unit
    year: int
    tasks: list[Task]
    deadlines: list[Task]


def unit_year(unit: Unit, on: dt.date) -> int:
    """The emulation year the unit works on: its latest block's, else the province's, else last year."""
    mine = select(block_members.c.block_id).where(block_members.c.unit_id == unit.id)
    return (
        _latest_year(select(func.max(Block.year)).where(Block.id.in_(mine)))
        or _latest_year(select(func.max(Block.year)).where(Block.province_id == unit.province_id))
        or on.year - 1
    )


def self_score_tasks(unit: Unit, on: dt.date) -> list[Task]:
    """Rounds open for self-scoring in the unit's blocks that the unit has not handed in."""
    rounds = db.session.execute(
        select(ScoringRound, RoundMember)
        .join(RoundMember, RoundMember.round_id == ScoringRound.id)
        .where(
            RoundMember.unit_id == unit.id,
            RoundMember.self_submitted_at.is_(None),
            ScoringRound.state == R.SELF_SCORING,
        )
        .order_by(ScoringRound.meeting_date, ScoringRound.id)
    ).all()
    out = []
    for round_, _member in rounds:
        scored = [c.id for c in scorable(round_) if c.kind == CriterionKind.SCORED]
        filled = db.session.scalar(
            select(func.count(SelfScore.id)).where(
                SelfScore.round_id == round_.id, SelfScore.unit_id == unit.id,
                SelfScore.criterion_id.in_(scored or [-1]), SelfScore.value.is_not(None),
            )
        ) or 0
        blank = len(scored) - filled
        if blank:
            detail = _("Còn %(n)s/%(total)s tiêu chí chưa chấm.", n=blank, total=len(scored))
        else:
            detail = _("Đã chấm đủ tiêu chí; hãy nộp điểm tự chấm.")
        if round_.meeting_date:
            detail += " " + _("Hội nghị chấm điểm: %(d)s.", d=vndate(round_.meeting_date))
        out.append(Task(
            "self_score", _("Tự chấm điểm: %(block)s (%(unit)s)", block=round_.block.name, unit=unit.name),
            detail, round_.meeting_date, "scoring.self_view", {"round_id": round_.id, "unit_id": unit.id},
            urgency(round_.meeting_date, on), blank,
        ))
    return out


def ballot_tasks(unit: Unit) -> list[Task]:
    """Open ballots the unit may still vote in (on the roll, present, not voted yet)."""
    voted = select(BallotParticipation.ballot_id).where(BallotParticipation.unit_id == unit.id)
    ballots = db.session.scalars(
        select(Ballot)
        .join(BallotVoter, BallotVoter.ballot_id == Ballot.id)
        .where(
            BallotVoter.unit_id == unit.id, BallotVoter.present.is_(True),
            Ballot.state == BallotState.OPEN, Ballot.id.not_in(voted),
        )
        .order_by(Ballot.opened_at, Ballot.id)
    ).all()
    out = []
    for b in ballots:
        if b.mode == BallotMode.ELECTRONIC:
            out.append(Task(
                "vote", _("Bỏ phiếu: %(title)s", title=b.title),
                _("%(block)s đang bỏ phiếu kín; %(unit)s chưa bỏ phiếu.", block=b.block.name, unit=unit.name),
                None, "ballots.vote", {"ballot_id": b.id}, "soon",
            ))
        else:
            out.append(Task(
                "vote_paper", _("Bỏ phiếu trên giấy: %(title)s", title=b.title),
                _("Cuộc bỏ phiếu này bỏ phiếu trên giấy tại hội nghị."),
                None, "ballots.view", {"ballot_id": b.id}, "info",
            ))
    return out


def _dossier_task(d: Dossier, on: dt.date, *, reviewer: bool = False) -> Task:
    """A dossier that needs its managers (draft, returned) or the province (submitted)."""
    owner = d.block.name if d.block else (d.unit.name if d.unit else "")
    args = {"dossier_id": d.id}
    if d.state == D.RETURNED:
        reason = d.returned_reason or ""
        return Task(
            "dossier_returned", _("Hồ sơ bị trả lại: %(title)s", title=d.title),
            _("%(owner)s — lý do: %(reason)s", owner=owner, reason=reason) if not reviewer
            else _("%(owner)s chưa nộp lại. Lý do trả lại: %(reason)s", owner=owner, reason=reason),
            None, "dossiers.view", args, "info" if reviewer else "soon",
        )
    if d.state in dossier_svc.UNDER_REVIEW:
        sent = dossier_svc.local(d.submitted_at)
        detail = _("%(owner)s nộp ngày %(d)s.", owner=owner, d=vndate(sent.date())) if sent else owner
        if d.state == D.RESUBMITTED:
            detail += " " + _("Đã nộp lại sau khi bị trả lại.")
        if d.late:
            detail += " " + _("Nộp muộn.")
        return Task("dossier_review", _("Xem xét hồ sơ: %(title)s", title=d.title), detail, None,
                    "dossiers.view", args, "normal")
    deadline = dossier_svc.dossier_deadline(db.session.get(Province, d.province_id), d.year)
    due = deadline.due if deadline else None
    return Task(
        "dossier_draft", _("Hoàn thiện và nộp hồ sơ: %(title)s", title=d.title),
        _("Hạn nộp hồ sơ: %(d)s.", d=vndate(due)) if due else owner,
        due, "dossiers.view", args, urgency(due, on),
    )


def unit_dossier_tasks(unit: Unit, on: dt.date) -> list[Task]:
    """The unit's own dossiers (not its block's: those are the leader's) still to file or fix."""
    rows = db.session.scalars(
        select(Dossier)
        .where(Dossier.unit_id == unit.id, Dossier.block_id.is_(None),
               Dossier.state.in_((D.DRAFT, D.RETURNED)))
        .order_by(Dossier.year.desc(), Dossier.id)
    ).all()
    return [_dossier_task(d, on) for d in rows]


def unit_officer(user, unit: Unit, on: dt.date | None = None) -> UnitDashboard:
    """A unit officer's tasks for one of their units."""
    on = on or today()
    if unit.id not in user.unit_ids():
        raise ValueError("not the user's unit")
    year = unit_year(unit, on)
    tasks = self_score_tasks(unit, on) + ballot_tasks(unit) + unit_dossier_tasks(unit, on)
    return UnitDashboard(unit, year, by_urgency(tasks), _deadline_tasks(unit.province, year, on))


def secretary_tasks(user, on: dt.date) -> list[Task]:
    """The scoring meeting's delegated secretary enters the agreed scores while the meeting runs."""
    rounds = db.session.scalars(
        select(ScoringRound).where(ScoringRound.secretary_id == user.id, ScoringRound.state == R.IN_MEETING)
        .order_by(ScoringRound.id)
    ).all()
    out = []
    for round_ in rounds:
        missing = len(missing_agreed(round_))
        if missing:
            out.append(Task(
                "agreed_scores", _("Nhập điểm thống nhất: %(block)s", block=round_.block.name),
                _("Còn %(n)s ô điểm thống nhất chưa nhập.", n=missing), round_.meeting_date,
                "meeting.sheet", {"round_id": round_.id}, urgency(round_.meeting_date, on), missing,
            ))
    return out


# -- block leader --------------------------------------------------------------------------------


@dataclass
class BlockDashboard:
    block: Block
    round: ScoringRound | None
    state_label: str | None
    is_leader: bool  # False: the deputy, who follows; the leader acts
    next_steps: list[Task]
    members: int
    self_submitted: int
    not_self_scored: Listing  # of Unit
    checklist: list[Check]
    tasks: list[Task]


def led_blocks(user) -> list[Block]:
    """Blocks the user's units lead or deputise: the latest year's, and older ones still waiting
    for the leader (results or a dossier returned by the province)."""
    units = user.unit_ids()
    if not units:
        return []
    blocks = db.session.scalars(
        select(Block)
        .where(or_(Block.leader_unit_id.in_(units), Block.deputy_unit_id.in_(units)))
        .order_by(Block.year.desc(), Block.sort_key, Block.id)
    ).all()
    if not blocks:
        return []
    latest = blocks[0].year
    returned = set(db.session.scalars(
        select(ScoringRound.block_id).where(
            ScoringRound.block_id.in_([b.id for b in blocks]), ScoringRound.state == R.RETURNED)
    )) | set(db.session.scalars(
        select(Dossier.block_id).where(
            Dossier.block_id.in_([b.id for b in blocks]), Dossier.state == D.RETURNED)
    ))
    return [b for b in blocks if b.year == latest or b.id in returned]


def _round_step(user, round_: ScoringRound, t, on: dt.date, block_due: dt.date | None) -> Task:
    args = {"block_id": round_.block_id}
    endpoint = "scoring.round_view"
    due = round_.meeting_date
    detail = ""
    if t.name == "close_self_scoring":
        submitted = sum(1 for m in round_.members if m.self_submitted_at is not None)
        detail = _("%(done)s/%(n)s đơn vị đã nộp điểm tự chấm.", done=submitted, n=len(round_.members))
    elif t.name == "open_self_scoring":
        detail = _("Các đơn vị tự chấm điểm khi đợt chấm điểm mở tự chấm.")
    elif t.name == "start_meeting":
        detail = _("Hội nghị chấm điểm: %(d)s.", d=vndate(round_.meeting_date)) if round_.meeting_date else ""
    elif t.name == "agree":
        endpoint, args = "meeting.sheet", {"round_id": round_.id}
        missing = len(missing_agreed(round_))
        detail = (_("Còn %(n)s ô điểm thống nhất chưa nhập.", n=missing) if missing
                  else _("Đã nhập đủ điểm thống nhất."))
    elif t.name == "submit":
        due = block_due
        detail = _("Kết quả đã thống nhất; gửi kết quả chấm điểm về Sở Nội vụ.")
    elif t.name == "reopen_meeting":
        due = block_due
        detail = (_("Lý do trả lại: %(reason)s", reason=round_.returned_reason)
                  if round_.state == R.RETURNED and round_.returned_reason
                  else _("Mở lại hội nghị để sửa điểm thống nhất."))
    actionable = may(user, t.who, round_)
    if not actionable:
        detail = (detail + " " + _("Khối trưởng thực hiện bước này.")).strip()
    return Task("round_step", str(t.label), detail, due, endpoint, args,
                urgency(due, on) if actionable else "info", None)


def next_steps(user, block: Block, round_: ScoringRound | None, on: dt.date,
               block_due: dt.date | None = None) -> list[Task]:
    """The leader's next steps from the round's state machine, forward steps first."""
    if round_ is None:
        detail = _("Khối chưa có đợt chấm điểm của năm %(y)s.", y=block.year)
        if is_block_leader(user, block) or can_manage_province(user, block.province_id):
            return [Task("round_create", _("Tạo đợt chấm điểm"), detail, None,
                         "scoring.round_view", {"block_id": block.id}, "normal")]
        # A deputy follows the step; only the leader (or the province) creates the round.
        return [Task("round_create", _("Tạo đợt chấm điểm"), detail + " " + _("Khối trưởng thực hiện bước này."),
                     None, "scoring.round_view", {"block_id": block.id}, "info")]
    steps = [t for t in TRANSITIONS.values() if round_.state in t.sources and t.who == LEADER]
    steps.sort(key=lambda t: (STAGE[t.target] < STAGE[round_.state] and round_.state != R.RETURNED))
    out = [_round_step(user, round_, t, on, block_due) for t in steps]
    if round_.state in SENT:
        sent = dossier_svc.local(round_.submitted_at)
        out.append(Task(
            "round_waiting", _("Chờ Sở Nội vụ xem xét kết quả"),
            _("Đã gửi ngày %(d)s.", d=vndate(sent.date())) if sent else "", None,
            "meeting.ranking", {"round_id": round_.id}, "info",
        ))
    return out


def conference_checklist(block: Block, round_: ScoringRound | None) -> list[Check]:
    """Where the block stands, each line read from the records: the scoring meeting, the agreed
    scores, the results sent, the ballots, the vote-count records, the minutes, the dossier."""
    state = round_.state if round_ else None
    ballots = db.session.scalars(
        select(Ballot).where(Ballot.block_id == block.id, Ballot.state != BallotState.CANCELLED)
        .order_by(Ballot.id)
    ).all()
    opened = [b for b in ballots if b.state != BallotState.DRAFT]
    closed = [b for b in ballots if b.state in (BallotState.CLOSED, BallotState.PUBLISHED)]
    published = [b for b in ballots if b.state == BallotState.PUBLISHED]
    recorded = [b for b in published if b.document_id]
    minutes = db.session.scalar(
        select(Document).where(Document.block_id == block.id, Document.layout_code == "block_minutes")
        .order_by(Document.id.desc()).limit(1)
    )
    dossier = db.session.scalar(
        select(Dossier).where(Dossier.block_id == block.id).order_by(Dossier.id.desc()).limit(1)
    )
    ballots_link = ("ballots.index", {"block_id": block.id})
    round_link = ("scoring.round_view", {"block_id": block.id})

    def of(part, whole) -> str:
        return _("%(done)s/%(n)s cuộc bỏ phiếu", done=len(part), n=len(whole)) if whole else _("Chưa có cuộc bỏ phiếu nào.")

    checks = [
        Check("meeting_held", _("Đã họp chấm điểm"), state in MET,
              _("Ngày họp: %(d)s", d=vndate(round_.meeting_date)) if round_ and round_.meeting_date else "",
              *round_link),
        Check("scores_agreed", _("Đã thống nhất điểm"), state in AGREED,
              state_label(state) if state else _("Chưa có đợt chấm điểm"), *round_link),
        Check("results_sent", _("Đã gửi kết quả chấm điểm về Sở Nội vụ"), state in SENT,
              _("Bị trả lại: %(reason)s", reason=round_.returned_reason or "") if state == R.RETURNED else "",
              *round_link),
        Check("ballot_opened", _("Đã mở bỏ phiếu"), bool(opened), of(opened, ballots), *ballots_link),
        Check("ballot_closed", _("Đã kết thúc bỏ phiếu"), bool(ballots) and len(closed) == len(ballots),
              of(closed, ballots), *ballots_link),
        Check("vote_count_record", _("Đã lập biên bản kiểm phiếu"), bool(published) and len(recorded) == len(published),
              of(recorded, published) if published else _("Chưa công bố kết quả bỏ phiếu."), *ballots_link),
        Check("minutes", _("Đã lập biên bản họp khối"), minutes is not None,
              _("Số %(symbol)s", symbol=minutes.symbol) if minutes is not None and minutes.symbol else "",
              "ballots.minutes" if minutes is None else "documents.view",
              {"block_id": block.id} if minutes is None else {"document_id": minutes.id}),
    ]
    if dossier is None:
        checks.append(Check("dossier_submitted", _("Đã nộp hồ sơ khen thưởng"), False,
                            _("Chưa lập hồ sơ khối."), "dossiers.index", {"year": block.year}))
    else:
        checks.append(Check(
            "dossier_submitted", _("Đã nộp hồ sơ khen thưởng"),
            dossier.state in (D.SUBMITTED, D.RESUBMITTED, D.DECIDED), dossier_svc.state_label(dossier.state),
            "dossiers.view", {"dossier_id": dossier.id},
        ))
    return checks


def _block_due(province: Province, year: int) -> dt.date | None:
    dues = [d.due for d in calendar_for(province, year) if d.applies_to == "block" and d.code != "dossiers"]
    return min(dues) if dues else None


def block_leader(user, block: Block, query: ListQuery | None = None, on: dt.date | None = None) -> BlockDashboard:
    """The block leader's (or deputy's) view of one block."""
    on = on or today()
    round_ = db.session.scalar(select(ScoringRound).where(ScoringRound.block_id == block.id))
    block_due = _block_due(block.province, block.year)
    waiting: list[Unit] = []
    submitted = 0
    if round_ is not None:
        members = db.session.scalars(
            select(RoundMember).options(joinedload(RoundMember.unit)).where(RoundMember.round_id == round_.id)
        ).all()
        submitted = sum(1 for m in members if m.self_submitted_at is not None)
        waiting = [m.unit for m in members if m.self_submitted_at is None]
    tasks = []
    if round_ is not None and round_.state == R.RETURNED:
        tasks.append(Task(
            "round_returned", _("Kết quả chấm điểm bị trả lại: %(block)s", block=block.name),
            _("Lý do: %(reason)s", reason=round_.returned_reason or ""), block_due,
            "scoring.round_view", {"block_id": block.id},
            "overdue" if block_due and on > block_due else "soon",
        ))
    returned = db.session.scalars(
        select(Dossier).where(Dossier.block_id == block.id, Dossier.state == D.RETURNED).order_by(Dossier.id)
    ).all()
    tasks += [_dossier_task(d, on) for d in returned]
    listed = listing(
        waiting, query, text=lambda u: f"{u.code} {u.name}",
        sorts={"name": lambda u: (u.sort_key or sort_key(u.name), u.id), "code": lambda u: (u.code, u.id)},
        default="name",
    )
    return BlockDashboard(
        block, round_, state_label(round_.state) if round_ else None,
        block.leader_unit_id in user.unit_ids(), next_steps(user, block, round_, on, block_due),
        len(round_.members) if round_ else len(block.members), submitted, listed,
        conference_checklist(block, round_), by_urgency(tasks),
    )


# -- province officer and observer ---------------------------------------------------------------


@dataclass
class BlockStatus:
    block: Block
    round: ScoringRound | None
    state_label: str | None
    submitted: bool
    dossier_state: str | None  # the block dossier's state label, if it has one


@dataclass
class ProvinceDashboard:
    province: Province
    year: int | None
    years: list[int]
    read_only: bool  # observers: summaries only
    blocks_total: int
    submitted: list[BlockStatus]
    not_submitted: Listing  # of BlockStatus
    returned_rounds: int
    review: list[Task]
    review_total: int
    returned: list[Task]
    returned_total: int
    tasks: list[Task]
    deadlines: list[Task]


def block_statuses(province: Province, year: int) -> list[BlockStatus]:
    blocks = db.session.scalars(
        select(Block).options(joinedload(Block.leader_unit))
        .where(Block.province_id == province.id, Block.year == year).order_by(Block.sort_key, Block.id)
    ).all()
    ids = [b.id for b in blocks] or [-1]
    rounds = {r.block_id: r for r in db.session.scalars(select(ScoringRound).where(ScoringRound.block_id.in_(ids)))}
    dossiers: dict[int, Dossier] = {}
    for d in db.session.scalars(select(Dossier).where(Dossier.block_id.in_(ids)).order_by(Dossier.id)):
        dossiers[d.block_id] = d  # the latest one
    out = []
    for b in blocks:
        r = rounds.get(b.id)
        d = dossiers.get(b.id)
        out.append(BlockStatus(b, r, state_label(r.state) if r else None, bool(r and r.state in SENT),
                               dossier_svc.state_label(d.state) if d else None))
    return out


def province_officer(user, province: Province, year: int | None = None, query: ListQuery | None = None,
                     on: dt.date | None = None, *, read_only: bool = False) -> ProvinceDashboard:
    """Per year: which blocks sent their results (and which not), dossiers to review, dossiers
    returned and not yet resubmitted, the year's deadlines. ``read_only`` for observers."""
    on = on or today()
    years = block_years(province.id)
    if year is None or (years and year not in years):
        year = years[0] if years else on.year - 1
    statuses = block_statuses(province, year)
    sent = [s for s in statuses if s.submitted]
    order = {R.RETURNED: 0, R.AGREED: 1, R.IN_MEETING: 2, R.SELF_SCORING_CLOSED: 3, R.SELF_SCORING: 4, R.DRAFT: 5}
    listed = listing(
        [s for s in statuses if not s.submitted], query,
        text=lambda s: f"{s.block.code} {s.block.name} {s.block.leader_unit.name if s.block.leader_unit else ''}",
        sorts={
            "name": lambda s: (s.block.sort_key or sort_key(s.block.name), s.block.id),
            "state": lambda s: (order.get(s.round.state, 9) if s.round else 6, s.block.sort_key, s.block.id),
        },
        default="state",
    )
    base = select(Dossier).where(Dossier.province_id == province.id, Dossier.year == year)
    review_stmt = base.where(Dossier.state.in_(dossier_svc.UNDER_REVIEW))
    returned_stmt = base.where(Dossier.state == D.RETURNED)

    def count(stmt) -> int:
        return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0

    review = db.session.scalars(review_stmt.order_by(Dossier.submitted_at, Dossier.id).limit(PREVIEW)).all()
    returned = db.session.scalars(returned_stmt.order_by(Dossier.id).limit(PREVIEW)).all()
    returned_rounds = sum(1 for s in statuses if s.round and s.round.state == R.RETURNED)
    tasks = []
    if not read_only:
        pending = len(statuses) - len(sent)
        if pending:
            due = _block_due(province, year)
            tasks.append(Task(
                "blocks_pending", _("Theo dõi các khối chưa gửi kết quả"),
                _("%(n)s/%(total)s khối chưa gửi kết quả chấm điểm năm %(y)s.", n=pending, total=len(statuses), y=year),
                due, "meeting.province_overview", {"province_id": province.id, "year": year},
                urgency(due, on), pending,
            ))
        if sent:
            tasks.append(Task(
                "results_review", _("Xem kết quả chấm điểm các khối đã gửi"),
                _("%(n)s khối đã gửi kết quả năm %(y)s.", n=len(sent), y=year), None,
                "meeting.province_overview", {"province_id": province.id, "year": year}, "normal", len(sent),
            ))
        n_review = count(review_stmt)
        if n_review:
            tasks.append(Task(
                "dossiers_review", _("Xem xét hồ sơ đề nghị khen thưởng"),
                _("%(n)s hồ sơ đang chờ xem xét.", n=n_review), None,
                "dossiers.inbox", {"province_id": province.id, "year": year},
                "normal", n_review,
            ))
    return ProvinceDashboard(
        province, year, years, read_only, len(statuses), sent, listed, returned_rounds,
        [_dossier_task(d, on, reviewer=True) for d in review], count(review_stmt),
        [_dossier_task(d, on, reviewer=True) for d in returned], count(returned_stmt),
        by_urgency(tasks), _deadline_tasks(province, year, on),
    )


# -- administrator -------------------------------------------------------------------------------


@dataclass
class PluginProblem:
    province: Province
    message: str


@dataclass
class AdminDashboard:
    plugins: list  # PluginInfo of every installed plugin
    problems: list[PluginProblem]
    users_total: int
    users_inactive: int
    users_must_change: int
    without_roles: Listing  # of User
    recent: list[AuditLog]
    tasks: list[Task]


def plugin_problems() -> list[PluginProblem]:
    """What ``flask portal check`` reports: a province enabling a plugin that is not installed,
    or whose plugins fail to answer."""
    registry = get_registry()
    out = []
    for province in db.session.scalars(select(Province).order_by(Province.sort_key, Province.code)):
        missing = [n for n in province.enabled_plugin_names if not registry.is_installed(n)]
        if missing:
            out.append(PluginProblem(province, _("Plugin chưa cài đặt: %(names)s", names=", ".join(missing))))
            continue
        try:
            award_types_for(province)
        except Exception as exc:  # noqa: BLE001 - any plugin failure is reported by province
            out.append(PluginProblem(province, f"{type(exc).__name__}: {exc}"))
    return out


def admin(query: ListQuery | None = None, recent: int = 10) -> AdminDashboard:
    """Plugins, accounts and the latest changes, for the system administrator."""
    query = query or ListQuery()
    problems = plugin_problems()
    total = db.session.scalar(select(func.count(User.id))) or 0
    inactive = db.session.scalar(select(func.count(User.id)).where(User.is_active_flag.is_(False))) or 0
    must_change = db.session.scalar(select(func.count(User.id)).where(User.must_change_password.is_(True))) or 0
    with_roles = select(RoleAssignment.user_id)
    stmt = select(User).where(User.id.not_in(with_roles))
    q = (query.q or "").strip()[:100]
    if q:
        stmt = stmt.where(User.search_text.contains(search_text(q), autoescape=True))
    n = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    per_page = max(1, min(query.per_page, 200))
    pages = max(1, -(-n // per_page))
    page = min(max(1, query.page), pages)
    sort = query.sort if query.sort in ("name", "newest") else "name"
    order = (User.id.desc(),) if sort == "newest" else (User.sort_key, User.username)
    users = db.session.scalars(stmt.order_by(*order).limit(per_page).offset((page - 1) * per_page)).all()
    tasks = [
        Task("plugin_missing", p.province.name, p.message, None, "admin.province_plugins",
             {"province_id": p.province.id}, "overdue")
        for p in problems
    ]
    if n:
        tasks.append(Task("users_without_roles", _("Tài khoản chưa được phân quyền"),
                          _("%(n)s tài khoản chưa có vai trò nào.", n=n), None, "admin.users", {}, "normal", n))
    entries = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(recent)).all()
    return AdminDashboard(
        get_registry().installed(), problems, total, inactive, must_change,
        Listing(list(users), n, page, per_page, q, sort), list(entries), tasks,
    )


# -- everything for one user ---------------------------------------------------------------------


@dataclass
class Dashboard:
    units: list[UnitDashboard]
    blocks: list[BlockDashboard]
    provinces: list[ProvinceDashboard]
    observed: list[ProvinceDashboard]
    admin: AdminDashboard | None
    on: dt.date
    secretary: list[Task] = field(default_factory=list)  # rounds whose agreed scores this user enters

    @property
    def tasks(self) -> list[Task]:
        """Every task of every role the user holds, most urgent first (the page's "next" list)."""
        out = [t for u in self.units for t in u.tasks] + self.secretary
        for b in self.blocks:
            out += b.tasks + [s for s in b.next_steps if s.urgency != "info"]
        for p in self.provinces:
            out += p.tasks
        if self.admin is not None:
            out += self.admin.tasks
        return by_urgency(out)

    @property
    def empty(self) -> bool:
        return not (self.units or self.blocks or self.provinces or self.observed or self.admin)


def for_user(user, *, year: int | None = None, members: ListQuery | None = None,
             blocks: ListQuery | None = None, users: ListQuery | None = None,
             on: dt.date | None = None) -> Dashboard:
    """The dashboard of every role ``user`` holds, each limited to that role's scope."""
    on = on or today()
    unit_ids = sorted(user.unit_ids())
    units = db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids or [-1])).order_by(Unit.sort_key, Unit.id)).all()
    officer_ids = user.province_ids(Role.PROVINCE_OFFICER)
    observer_ids = user.province_ids(Role.OBSERVER) - officer_ids

    def provinces(ids):
        return db.session.scalars(
            select(Province).where(Province.id.in_(ids or {-1})).order_by(Province.sort_key, Province.id)
        ).all()

    return Dashboard(
        [unit_officer(user, u, on) for u in units],
        [block_leader(user, b, members, on) for b in led_blocks(user)],
        [province_officer(user, p, year, blocks, on) for p in provinces(officer_ids)],
        [province_officer(user, p, year, blocks, on, read_only=True) for p in provinces(observer_ids)],
        admin(users) if user.is_admin else None,
        on,
        secretary_tasks(user, on) if unit_ids else [],
    )
