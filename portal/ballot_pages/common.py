"""What the ballot pages and the ballot API share: scope, codes, results as people read them, the
records (vote-count record, block minutes) and the CSV exports.

Nothing here shows how a unit voted: results are counts per candidate, participation is who voted
(never how), and the published receipts carry no unit.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.access import can_view_block, is_block_leader
from portal.catalogue import award_types_for, report_layouts_for
from portal.documents.data import (
    Attendee,
    BlockMinutesData,
    CandidateResult,
    Distribution,
    DocumentHeader,
    MinutesItem,
    UnitResult,
    VoteCountData,
)
from portal.documents.data import TallyMember as TallyLine
from portal.documents.formatting import format_percent
from portal.extensions import db
from portal.logic.tally import basis_words
from portal.models import (
    AgreedScore,
    Ballot,
    BallotMode,
    BallotPaper,
    BallotParticipation,
    BallotState,
    BallotVoter,
    Block,
    Role,
    RoleAssignment,
    ScoringRound,
    TallyMember,
    User,
)
from portal.services import ServiceError
from portal.services import ballots as svc
from portal.services.documents import issue_document
from portal.tabular import write_csv

S = BallotState
VN_TIME = dt.timezone(dt.timedelta(hours=7))  # Asia/Ho_Chi_Minh, no daylight saving
COMMITTEE_ROLES = ("Trưởng ban", "Thành viên")


def state_label(state: BallotState) -> str:
    return {
        S.DRAFT: _("Đang chuẩn bị"),
        S.OPEN: _("Đang bỏ phiếu"),
        S.CLOSED: _("Đã kết thúc bỏ phiếu"),
        S.PUBLISHED: _("Đã công bố kết quả"),
        S.CANCELLED: _("Đã hủy"),
    }[state]


def method_label(method: str) -> str:
    return (
        _("Đồng ý / Không đồng ý từng đơn vị")
        if method == "tick"
        else _("Giữ lại nhiều nhất N tên, gạch tên còn lại")
    )


def mode_label(mode: str) -> str:
    return _("Bỏ phiếu điện tử (mã bỏ phiếu)") if mode == "electronic" else _("Bỏ phiếu trên giấy")


def collective_awards(province) -> list:
    return [a for a in award_types_for(province).values() if a.for_collectives]


def can_view_ballot(user, ballot: Ballot) -> bool:
    return can_view_block(user, ballot.block)


def is_leader(user, ballot: Ballot) -> bool:
    return getattr(user, "is_authenticated", False) and is_block_leader(user, ballot.block)


def local_time(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored moment (UTC; SQLite hands it back naive) as the hall's clock shows it, naive."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VN_TIME).replace(tzinfo=None)


def voted_unit_ids(ballot: Ballot) -> set[int]:
    return set(
        db.session.scalars(
            select(BallotParticipation.unit_id).where(BallotParticipation.ballot_id == ballot.id)
        )
    )


def voter_for_code(ballot: Ballot, code: str) -> BallotVoter | None:
    """The roll entry a code was issued to (None for a wrong or replaced code)."""
    if not code or not code.strip():
        return None
    return db.session.scalar(
        select(BallotVoter).where(
            BallotVoter.ballot_id == ballot.id, BallotVoter.code_hash == svc.code_hash(code)
        )
    )


def login_voter(user, ballot: Ballot) -> BallotVoter | None:
    """The present roll entry a signed-in unit officer votes for (cast(user=...) takes the same)."""
    if not getattr(user, "is_authenticated", False):
        return None
    mine = [v for v in ballot.roll if v.unit_id in user.unit_ids()]
    return mine[0] if mine else None


def issue_codes(
    user, ballot: Ballot, unit_ids: list[int] | None = None
) -> list[tuple[BallotVoter, str]]:
    """Codes for ``unit_ids`` (each replaces that unit's earlier code), or, by default, for every
    present unit that has neither a code nor a vote yet. The plain codes exist only in the answer."""
    voted = voted_unit_ids(ballot)
    if unit_ids is None:
        targets = [
            v for v in ballot.roll if v.present and v.code_hash is None and v.unit_id not in voted
        ]
    else:
        by_unit = {v.unit_id: v for v in ballot.roll}
        if any(u not in by_unit for u in unit_ids):
            raise ServiceError(_("Đơn vị không thuộc khối."), "unit_ids", 404)
        targets = [by_unit[u] for u in dict.fromkeys(unit_ids)]
    issued = [(v, svc.issue_code(user, ballot, v.unit_id)) for v in targets]
    return sorted(issued, key=lambda pair: pair[0].unit.sort_key or pair[0].unit.name)


# -- tally committee -------------------------------------------------------------------------


def committee_candidates(ballot: Ballot) -> list[tuple[User, str]]:
    """(user, unit name) for the officers of the block's member units: who may sit on the Ban
    kiểm phiếu."""
    members = {u.id: u for u in ballot.block.members}
    rows = db.session.execute(
        select(User, RoleAssignment.unit_id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.role == Role.UNIT_OFFICER, RoleAssignment.unit_id.in_(members or {-1})
        )
        .order_by(User.sort_key, User.id)
    ).all()
    seen, out = set(), []
    for user, unit_id in rows:
        if user.id not in seen and user.is_active:
            seen.add(user.id)
            out.append((user, members[unit_id].name))
    return out


def committee_of(ballot: Ballot) -> list[TallyMember]:
    rows = db.session.scalars(
        select(TallyMember).where(TallyMember.ballot_id == ballot.id).order_by(TallyMember.id)
    )
    return sorted(rows, key=lambda m: (m.role != "Trưởng ban", m.id))


def set_committee(user, ballot: Ballot, members: list[tuple[int, str]]) -> None:
    """Only officers of member units, in one of the two roles, at most one head."""
    allowed = {u.id for u, _unit in committee_candidates(ballot)}
    if any(uid not in allowed for uid, _role in members):
        raise ServiceError(
            _("Thành viên Ban kiểm phiếu phải là cán bộ của đơn vị thành viên Khối."), "tally"
        )
    if any(role not in COMMITTEE_ROLES for _uid, role in members):
        raise ServiceError(_("Vai trò phải là Trưởng ban hoặc Thành viên."), "tally")
    if sum(role == "Trưởng ban" for _uid, role in members) > 1:
        raise ServiceError(_("Ban kiểm phiếu chỉ có một Trưởng ban."), "tally")
    if len({uid for uid, _role in members}) != len(members):
        raise ServiceError(_("Mỗi người chỉ có tên một lần trong Ban kiểm phiếu."), "tally")
    svc.set_tally_committee(user, ballot, members)


def is_counter(user, ballot: Ballot) -> bool:
    return getattr(user, "is_authenticated", False) and any(
        m.user_id == user.id for m in committee_of(ballot)
    )


# -- results ---------------------------------------------------------------------------------


def result_for_display(ballot: Ballot) -> tuple[dict | None, str | None]:
    """The published result, or (closed) the result the count gives now; with why there is none."""
    if ballot.state == S.PUBLISHED:
        return ballot.result, None
    if ballot.state != S.CLOSED:
        return None, None
    try:
        return svc.result_of(ballot), None
    except ServiceError as exc:
        return None, exc.message


def basis_count(ballot: Ballot, result: dict) -> int:
    return result["counts"][
        {"members": "members", "present": "present", "valid": "valid"}[ballot.rule_basis]
    ]


def result_rows(ballot: Ballot, result: dict) -> list[dict]:
    """One row per candidate, most votes first: votes, % of the rule's basis, the outcome."""
    names = {c.id: c.name for c in ballot.candidates}
    basis = basis_count(ballot, result)
    rows = []
    for r in result["candidates"]:
        share = Fraction(r["share"]) if r["share"] else None
        rows.append(
            {
                "candidate_id": r["candidate_id"],
                "name": names.get(r["candidate_id"], "?"),
                "votes": r["votes"],
                "percent": format_percent(r["votes"], basis, zero=None) if basis else "—",
                "share": share,
                "qualified": r["qualified"],
                "elected": r["elected"],
                "tied": r["tied"],
                "outcome": outcome_label(r),
            }
        )
    return rows


def outcome_label(row: dict) -> str:
    if row["elected"]:
        return _("Trúng cử")
    if row["tied"]:
        return _("Bằng phiếu")
    return _("Không trúng cử")


def tie_note(result: dict) -> str | None:
    if not result.get("tied"):
        return None
    if result.get("tie_outcome") == "runoff":
        return _(
            "Các đơn vị bằng phiếu nhau ở vị trí cuối cùng (%(n)s suất): bỏ phiếu lại giữa các đơn vị này.",
            n=result["seats_left"],
        )
    return _(
        "Các đơn vị bằng phiếu nhau ở vị trí cuối cùng (%(n)s suất): báo cáo Hội đồng Thi đua - Khen thưởng "
        "tỉnh xem xét, quyết định.",
        n=result["seats_left"],
    )


def receipts(ballot: Ballot) -> list[dict]:
    """The published box: each receipt with its choices (candidate names), in receipt order."""
    names = {c.id: c.name for c in ballot.candidates}
    papers = db.session.scalars(
        select(BallotPaper).where(BallotPaper.ballot_id == ballot.id).order_by(BallotPaper.receipt)
    )
    return [
        {
            "receipt": p.receipt,
            "valid": p.valid,
            "agree": [names.get(i, "?") for i in p.choices.get("agree", [])],
            "disagree": [names.get(i, "?") for i in p.choices.get("disagree", [])],
        }
        for p in papers
    ]


def results_csv(ballot: Ballot) -> bytes:
    result, problem = result_for_display(ballot)
    if result is None:
        raise ServiceError(
            problem or _("Chưa có kết quả: cuộc bỏ phiếu chưa kết thúc."), "state", 409
        )
    c = result["counts"]
    basis = basis_words(ballot.rule_basis, basis_count(ballot, result))
    headers = ["STT", "Tên đơn vị", "Số phiếu đồng ý", f"Tỷ lệ % trên {basis}", "Kết quả"]
    rows = [
        [i, r["name"], r["votes"], r["percent"], r["outcome"]]
        for i, r in enumerate(result_rows(ballot, result), 1)
    ]
    rows += [
        [],
        ["", "Tổng số thành viên của Khối", c["members"]],
        ["", "Số thành viên có mặt", c["present"]],
        ["", "Số phiếu phát ra", c["issued"]],
        ["", "Số phiếu thu về", c["returned"]],
        ["", "Số phiếu hợp lệ", c["valid"]],
        ["", "Số phiếu không hợp lệ", c["invalid"]],
        ["", "Nguyên tắc", result["rule"]],
    ]
    return write_csv(headers, rows)


def turnout(ballot: Ballot) -> list[dict]:
    """Who took part: members, present, voted (the snapshot kept at closing). Never how."""
    snap = ballot.snapshot
    if snap is None:
        raise ServiceError(_("Danh sách tham gia được chốt khi kết thúc bỏ phiếu."), "state", 409)
    present, voted = set(snap["present"]), set(snap["voted"])
    units = {v.unit_id: v.unit for v in ballot.roll}
    rows = [
        {
            "unit_id": uid,
            "name": units[uid].name if uid in units else str(uid),
            "present": uid in present,
            "voted": uid in voted,
        }
        for uid in snap["members"]
    ]
    return sorted(rows, key=lambda r: r["name"])


def turnout_csv(ballot: Ballot) -> bytes:
    rows = [
        [i, r["name"], True, r["present"], r["voted"]] for i, r in enumerate(turnout(ballot), 1)
    ]
    return write_csv(["STT", "Đơn vị", "Thành viên Khối", "Có mặt", "Đã bỏ phiếu"], rows)


def csv_name(ballot: Ballot, what: str) -> str:
    return f"{what} - phiếu {ballot.id}.csv"


# -- records ---------------------------------------------------------------------------------


def block_header(block: Block, day: dt.date | None = None) -> DocumentHeader:
    """Block documents are issued by the block (its leader signs for it) under the province."""
    return DocumentHeader(
        issuing_body=block.name,
        parent_body=block.province.committee_name,
        place=block.province.place_name,
        date=day or dt.datetime.now(VN_TIME).date(),
        body_code=_body_code(block),
    )


def _body_code(block: Block) -> str:
    """The block's part of the number symbol ("KTH" in "01/BB-KTH"), when its code fits one."""
    code = (block.code or "").upper()
    return code if re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)*", code) and len(code) <= 20 else ""


def _distribution() -> Distribution:
    return Distribution(
        (
            "Hội đồng Thi đua - Khen thưởng tỉnh (b/c)",
            "Sở Nội vụ (Phòng Thi đua, khen thưởng)",
            "Các đơn vị thành viên Khối",
        ),
        "VT, Hồ sơ Hội nghị",
    )


def person_name(full_name: str) -> str:
    """The name printed under a signature: no description in brackets after it."""
    return re.sub(r"\s*\(.*\)\s*$", "", full_name or "").strip() or (full_name or "")


def _unit_of(user: User, block: Block) -> str:
    members = {u.id: u.name for u in block.members}
    for r in user.roles:
        if r.unit_id in members:
            return members[r.unit_id]
    return ""


def vote_count_data(ballot: Ballot, venue: str) -> VoteCountData:
    """The vote-count record of a published ballot, from its stored result."""
    result = ballot.result
    c = result["counts"]
    by_id = {r["candidate_id"]: r for r in result["candidates"]}
    committee = tuple(
        TallyLine(
            name=person_name(m.user.full_name), role=m.role, unit=_unit_of(m.user, ballot.block)
        )
        for m in committee_of(ballot)
    )
    return VoteCountData(
        header=block_header(
            ballot.block, (local_time(ballot.published_at) or dt.datetime.now(VN_TIME)).date()
        ),
        summary=f"Kiểm phiếu bình xét đề nghị tặng {ballot.award_name} năm {ballot.block.year}",
        block_name=ballot.block.name,
        award_name=ballot.award_name,
        seats=ballot.seats,
        held_at=local_time(ballot.opened_at or ballot.closed_at),
        ended_at=local_time(ballot.published_at),
        venue=venue,
        committee=committee,
        member_count=c["members"],
        present_count=c["present"],
        ballots_issued=c["issued"],
        ballots_returned=c["returned"],
        ballots_valid=c["valid"],
        ballots_invalid=c["invalid"],
        rule=svc.rules_of(ballot),
        candidates=tuple(
            CandidateResult(cand.name, by_id[cand.id]["votes"], by_id[cand.id]["elected"])
            for cand in ballot.candidates
        ),
        distribution=_distribution(),
    )


def publish_with_record(user, ballot: Ballot, venue: str) -> Ballot:
    """Publish and issue the vote-count record in the same transaction (the caller commits)."""
    venue = (venue or "").strip()
    if not venue:
        raise ServiceError(_("Cần ghi địa điểm kiểm phiếu (in trên biên bản)."), "venue")
    if len(venue) > 300:
        raise ServiceError(_("Địa điểm tối đa 300 ký tự."), "venue")
    if not is_block_leader(user, ballot.block):
        raise ServiceError(_("Chỉ khối trưởng được thực hiện thao tác này."), "action", 403)
    if ballot.state == S.CLOSED and not committee_of(ballot):
        raise ServiceError(
            _(
                "Chưa có Ban kiểm phiếu: hãy chọn ít nhất một thành viên trước khi công bố (biên bản kiểm phiếu cần chữ ký của Ban)."
            ),
            "tally",
            409,
        )
    svc.publish(user, ballot)
    layout = report_layouts_for(ballot.province)["vote_count_record"]
    document = issue_document(
        layout,
        vote_count_data(ballot, venue),
        province=ballot.province,
        block=ballot.block,
        actor=user,
    )
    ballot.document_id = document.id
    db.session.flush()
    return ballot


def ballot_paper_data(ballot: Ballot):
    from portal.documents.data import BallotPaperData

    copies = sum(1 for v in ballot.roll if v.present)
    return BallotPaperData(
        header=DocumentHeader(
            issuing_body=ballot.block.name,
            parent_body=ballot.province.committee_name,
            place=ballot.province.place_name,
            date=None,
        ),
        summary=f"Bình xét đề nghị tặng {ballot.award_name} năm {ballot.block.year}",
        award_name=ballot.award_name,
        seats=ballot.seats,
        candidates=tuple(c.name for c in ballot.candidates),
        method=ballot.method.value,
        copies=max(1, copies),
    )


def published_ballots(block: Block) -> list[Ballot]:
    return list(
        db.session.scalars(
            select(Ballot)
            .where(Ballot.block_id == block.id, Ballot.state == S.PUBLISHED)
            .order_by(Ballot.published_at, Ballot.id)
        )
    )


def _attendee(line: str) -> Attendee:
    """ "Nguyễn Văn An - Giám đốc Sở Nội vụ" -> name and position; "Đại diện ..." has no honorific."""
    name, _sep, position = (part.strip() for part in line.partition(" - "))
    honorific = "" if name.lower().startswith("đại diện") else "Đồng chí"
    return Attendee(name=name, position=position, honorific=honorific)


def content_items(text: str) -> tuple[MinutesItem, ...]:
    """Blocks separated by a blank line: the first line is the heading, the others paragraphs."""
    items = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        lines = [x.strip() for x in chunk.split("\n") if x.strip()]
        if lines:
            items.append(MinutesItem(lines[0], tuple(lines[1:])))
    return tuple(items)


def minutes_results(block: Block) -> tuple[tuple[UnitResult, ...], int, str]:
    """The rows attached to the minutes: each candidate of the published ballots with its votes
    and the award it is proposed for; ranks and agreed scores from the agreed scoring when there
    is one. Returns (rows, basis count, basis label) of the first ballot's rule."""
    ballots = published_ballots(block)
    if not ballots:
        raise ServiceError(_("Khối chưa có cuộc bỏ phiếu nào đã công bố kết quả."), "ballots", 409)
    ranking = {}
    round_ = db.session.scalar(select(ScoringRound).where(ScoringRound.block_id == block.id))
    if round_ is not None and db.session.scalar(
        select(func.count(AgreedScore.id)).where(AgreedScore.round_id == round_.id)
    ):
        from portal.services.scoring import ranking as scoring_ranking

        ranking = {row.unit.id: (row.rank, row.agreed.total) for row in scoring_ranking(round_)}
    first = ballots[0]
    basis = basis_count(first, first.result)
    best: dict[int, tuple[int, str, bool]] = {}  # unit -> (votes, award, elected)
    for b in ballots:
        by_id = {r["candidate_id"]: r for r in b.result["candidates"]}
        for cand in b.candidates:
            r = by_id[cand.id]
            award = b.award_name if r["elected"] else ""
            current = best.get(cand.unit_id)
            if current is None or (r["elected"] and not current[2]):
                best[cand.unit_id] = (r["votes"], award, r["elected"])
    names = {u.id: u.name for u in block.members}
    ordered = sorted(
        best, key=lambda uid: (ranking.get(uid, (10**6,))[0], -best[uid][0], names.get(uid, ""))
    )
    rows = []
    for i, uid in enumerate(ordered, 1):
        rank, score = ranking.get(uid, (i, None))
        rows.append(
            UnitResult(
                rank=rank,
                unit_name=names.get(uid, str(uid)),
                agreed_score=Decimal(score) if score is not None else None,
                votes_agree=best[uid][0],
                proposed_award=best[uid][1],
            )
        )
    return tuple(rows), basis, basis_words(first.rule_basis)


def minutes_data(
    block: Block,
    *,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    venue: str,
    chair: str,
    secretary: str,
    attendees: str,
    content: str,
    day: dt.date | None = None,
) -> BlockMinutesData:
    rows, basis, label = minutes_results(block)
    people = tuple(_attendee(x) for x in attendees.splitlines() if x.strip())
    present = {v.unit_id for b in published_ballots(block) for v in b.roll if v.present}
    absent = tuple(u.name for u in block.members if u.id not in present)
    return BlockMinutesData(
        header=block_header(block, day or started_at.date()),
        summary=f"Hội nghị tổng kết công tác thi đua, khen thưởng năm {block.year}",
        block_name=block.name,
        emulation_year=block.year,
        started_at=started_at,
        ended_at=ended_at,
        venue=venue,
        chair=_attendee(chair),
        secretary=_attendee(secretary),
        attendees=people or (_attendee(chair), _attendee(secretary)),
        content=content_items(content),
        results=rows,
        vote_basis_count=basis,
        vote_basis_label=label,
        absent_units=absent,
        distribution=_distribution(),
    )


def issue_minutes(user, block: Block, **fields):
    if not is_block_leader(user, block):
        raise ServiceError(_("Chỉ khối trưởng được thực hiện thao tác này."), "action", 403)
    try:
        data = minutes_data(block, **fields)
    except ValueError as exc:
        raise ServiceError(_("Không tạo được biên bản: %(reason)s", reason=str(exc))) from None
    layout = report_layouts_for(block.province)["block_minutes"]
    return issue_document(layout, data, province=block.province, block=block, actor=user)


def ballot_json(ballot: Ballot) -> dict:
    """The ballot as the API returns it: settings, candidates, roll (who is present, who has a
    code), never any count before closing."""
    body = {
        "id": ballot.id,
        "block_id": ballot.block_id,
        "province_id": ballot.province_id,
        "title": ballot.title,
        "award_code": ballot.award_code,
        "award_name": ballot.award_name,
        "seats": ballot.seats,
        "method": ballot.method.value,
        "mode": ballot.mode.value,
        "state": ballot.state.value,
        "rule": {
            "basis": ballot.rule_basis,
            "threshold": f"{ballot.rule_numerator}/{ballot.rule_denominator}",
            "strict": ballot.rule_strict,
            "tie": ballot.rule_tie,
            "source": ballot.rule_source,
        },
        "candidates": [
            {"id": c.id, "unit_id": c.unit_id, "name": c.name, "position": c.position}
            for c in ballot.candidates
        ],
        "roll": [
            {
                "unit_id": v.unit_id,
                "name": v.unit.name,
                "present": v.present,
                "has_code": v.code_hash is not None,
            }
            for v in sorted(ballot.roll, key=lambda v: v.unit.name)
        ],
        "committee": [
            {"user_id": m.user_id, "name": m.user.full_name, "role": m.role}
            for m in committee_of(ballot)
        ],
        "runoff_of_id": ballot.runoff_of_id,
        "cancel_reason": ballot.cancel_reason,
        "document_id": ballot.document_id,
        "opened_at": ballot.opened_at.isoformat() if ballot.opened_at else None,
        "closed_at": ballot.closed_at.isoformat() if ballot.closed_at else None,
        "published_at": ballot.published_at.isoformat() if ballot.published_at else None,
    }
    return body


def progress_json(ballot: Ballot) -> dict:
    """For the hall's screen: the state, and while open how many and which units voted."""
    body = {"id": ballot.id, "state": ballot.state.value, "state_label": state_label(ballot.state)}
    if ballot.mode == BallotMode.ELECTRONIC and ballot.state in (S.OPEN, S.CLOSED, S.PUBLISHED):
        p = svc.progress(ballot)
        body.update(
            present=p["present"],
            voted=p["voted"],
            units=sorted(
                ({"name": u["name"], "voted": u["voted"]} for u in p["units"]),
                key=lambda u: u["name"],
            ),
        )
    return body
