"""Secret ballots: create, roll and codes, cast, close, count on paper, publish, run-off.

Casting is one transaction: the unit's participation row (its unique key refuses a second vote,
even at the same instant) and the anonymous paper. The ballot's state is read *after* the
participation row is written, under a shared lock on PostgreSQL and the write lock on SQLite, so a
vote racing the closing either lands before it or is refused.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.access import is_block_leader
from portal.audit import label_change
from portal.catalogue import award_types_for
from portal.extensions import db
from portal.logic import tally as logic
from portal.models import (
    AgreedScore,
    Ballot,
    BallotCandidate,
    BallotMethod,
    BallotMode,
    BallotPaper,
    BallotParticipation,
    BallotState,
    BallotVoter,
    Block,
    PaperCount,
    ScoringRound,
    TallyMember,
    Unit,
    User,
)
from portal.models.base import utcnow
from portal.plugins import get_registry
from portal.services import ServiceError
from portal.types import BallotRules

S = BallotState
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed on phones


def rules_of(ballot: Ballot) -> BallotRules:
    return BallotRules(
        basis=ballot.rule_basis, threshold=Fraction(ballot.rule_numerator, ballot.rule_denominator),
        strict=ballot.rule_strict, tie=ballot.rule_tie, source=ballot.rule_source,
    )


def _require_leader(user, ballot_or_block) -> None:
    block = ballot_or_block if isinstance(ballot_or_block, Block) else ballot_or_block.block
    if not is_block_leader(user, block):
        raise ServiceError(_("Chỉ khối trưởng được thực hiện thao tác này."), "action", 403)


def _require_state(ballot: Ballot, *states: BallotState) -> None:
    if ballot.state not in states:
        raise ServiceError(_("Thao tác không phù hợp với trạng thái hiện tại của cuộc bỏ phiếu."), "state", 409)


def default_candidates(block: Block) -> list[Unit]:
    """The top of the block's agreed ranking (when its scoring is agreed), else every member."""
    round_ = db.session.scalar(select(ScoringRound).where(ScoringRound.block_id == block.id))
    if round_ is not None and db.session.scalar(select(func.count(AgreedScore.id)).where(AgreedScore.round_id == round_.id)):
        from portal.services.scoring import ranking

        return [row.unit for row in ranking(round_)]
    return list(block.members)


def create_ballot(user, block: Block, *, award_code: str, title: str | None = None, seats: int = 1,
                  method: str = "tick", mode: str = "electronic", candidate_unit_ids: list[int] | None = None,
                  runoff_of: Ballot | None = None) -> Ballot:
    _require_leader(user, block)
    award = award_types_for(block.province).get(award_code)
    if award is None or not award.for_collectives:
        raise ServiceError(_("Danh hiệu hoặc hình thức khen thưởng không hợp lệ cho tập thể."), "award_code")
    if method not in {m.value for m in BallotMethod} or mode not in {m.value for m in BallotMode}:
        raise ServiceError(_("Cách bỏ phiếu không hợp lệ."), "method")
    rules = get_registry().hooks(block.province.enabled_plugin_names).ballot_rules(
        province=block.province, block=block, award_type=award
    )
    ballot = Ballot(
        province_id=block.province_id, block=block, award_code=award.code, award_name=award.name,
        title=(title or _("Bầu đơn vị đề nghị tặng %(award)s năm %(year)s", award=award.name, year=block.year)).strip(),
        seats=seats, method=BallotMethod(method), mode=BallotMode(mode), state=S.DRAFT,
        rule_basis=rules.basis, rule_numerator=rules.threshold.numerator,
        rule_denominator=rules.threshold.denominator, rule_strict=rules.strict, rule_tie=rules.tie,
        rule_source=rules.source, runoff_of=runoff_of,
    )
    ballot.roll = [BallotVoter(unit_id=u.id, present=True) for u in block.members]
    db.session.add(ballot)
    candidates = (
        [db.session.get(Unit, i) for i in candidate_unit_ids] if candidate_unit_ids is not None else default_candidates(block)
    )
    set_candidates(ballot, candidates)
    return ballot


def set_candidates(ballot: Ballot, units: list[Unit | None]) -> None:
    _require_state(ballot, S.DRAFT)
    members = {u.id for u in ballot.block.members}
    if any(u is None or u.id not in members for u in units):
        raise ServiceError(_("Ứng viên phải là đơn vị thành viên của khối."), "candidate_unit_ids")
    if len({u.id for u in units}) != len(units):
        raise ServiceError(_("Một đơn vị chỉ có tên một lần trên phiếu bầu."), "candidate_unit_ids")
    if not units:
        raise ServiceError(_("Phiếu bầu cần ít nhất một ứng viên."), "candidate_unit_ids")
    if ballot.seats < 1 or ballot.seats > len(units):
        raise ServiceError(_("Số lượng được bầu phải từ 1 đến số ứng viên (%(n)s).", n=len(units)), "seats")
    ballot.candidates.clear()
    db.session.flush()
    ballot.candidates.extend(
        BallotCandidate(unit_id=u.id, position=i, name=u.name) for i, u in enumerate(units)
    )
    db.session.flush()


def update_ballot(user, ballot: Ballot, *, title=None, seats=None, method=None, mode=None, candidate_unit_ids=None) -> Ballot:
    """Settings can change only in draft: they lock when voting opens."""
    _require_leader(user, ballot)
    _require_state(ballot, S.DRAFT)
    if title is not None:
        ballot.title = title.strip() or ballot.title
    if method is not None:
        if method not in {m.value for m in BallotMethod}:
            raise ServiceError(_("Cách bỏ phiếu không hợp lệ."), "method")
        ballot.method = BallotMethod(method)
    if mode is not None:
        if mode not in {m.value for m in BallotMode}:
            raise ServiceError(_("Hình thức bỏ phiếu không hợp lệ."), "mode")
        ballot.mode = BallotMode(mode)
    if seats is not None:
        ballot.seats = seats
    units = [db.session.get(Unit, i) for i in candidate_unit_ids] if candidate_unit_ids is not None else [c.unit for c in ballot.candidates]
    set_candidates(ballot, units)
    return ballot


def set_present(user, ballot: Ballot, unit_id: int, present: bool) -> BallotVoter:
    """Attendance is taken before voting opens; the roll is frozen from then on."""
    _require_leader(user, ballot)
    _require_state(ballot, S.DRAFT)
    voter = _voter(ballot, unit_id)
    voter.present = present
    if not present:
        voter.code_hash = None
    db.session.flush()
    return voter


def set_tally_committee(user, ballot: Ballot, members: list[tuple[int, str]]) -> None:
    """(user id, role) pairs: the Ban kiểm phiếu who count and sign the record."""
    _require_leader(user, ballot)
    _require_state(ballot, S.DRAFT, S.OPEN, S.CLOSED)
    if not members:
        raise ServiceError(_("Ban kiểm phiếu cần ít nhất một thành viên."), "tally")
    db.session.execute(delete(TallyMember).where(TallyMember.ballot_id == ballot.id))
    for user_id, role in members:
        if db.session.get(User, user_id) is None:
            raise ServiceError(_("Không có tài khoản này."), "tally")
        db.session.add(TallyMember(ballot_id=ballot.id, user_id=user_id, role=role or "Thành viên"))
    db.session.flush()


def _voter(ballot: Ballot, unit_id: int) -> BallotVoter:
    for v in ballot.roll:
        if v.unit_id == unit_id:
            return v
    raise ServiceError(_("Đơn vị không thuộc khối."), "unit_id", 404)


def code_hash(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def issue_code(user, ballot: Ballot, unit_id: int) -> str:
    """A one-time code for a present unit's representative, checked in person when it is handed
    over (the slip carries it as text and as a QR code). Reissuing replaces the old code."""
    _require_leader(user, ballot)
    _require_state(ballot, S.DRAFT, S.OPEN)
    if ballot.mode != BallotMode.ELECTRONIC:
        raise ServiceError(_("Cuộc bỏ phiếu trên giấy không dùng mã bỏ phiếu."), "mode", 409)
    voter = _voter(ballot, unit_id)
    if not voter.present:
        raise ServiceError(_("Chỉ cấp mã cho đơn vị có mặt."), "unit_id", 409)
    if _has_voted(ballot.id, unit_id):
        raise ServiceError(_("Đơn vị đã bỏ phiếu."), "unit_id", 409)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    voter.code_hash = code_hash(code)
    voter.code_issued_at = utcnow()
    voter.code_issued_by_id = user.id
    db.session.flush()
    return f"{code[:4]}-{code[4:]}"


def _has_voted(ballot_id: int, unit_id: int) -> bool:
    return db.session.scalar(
        select(BallotParticipation.id).where(
            BallotParticipation.ballot_id == ballot_id, BallotParticipation.unit_id == unit_id
        )
    ) is not None


def open_ballot(user, ballot: Ballot) -> Ballot:
    _require_leader(user, ballot)
    _require_state(ballot, S.DRAFT)
    if not any(v.present for v in ballot.roll):
        raise ServiceError(_("Chưa có đơn vị nào có mặt."), "roll", 409)
    ballot.state = S.OPEN
    ballot.opened_at = utcnow()
    label_change(ballot, "open")
    db.session.flush()
    return ballot


def validate_choices(ballot: Ballot, agree: list[int], disagree: list[int]) -> None:
    ids = {c.id for c in ballot.candidates}
    if not set(agree) <= ids or not set(disagree) <= ids:
        raise ServiceError(_("Phiếu có tên không thuộc danh sách ứng viên."), "choices")
    if set(agree) & set(disagree) or len(set(agree)) != len(agree):
        raise ServiceError(_("Mỗi ứng viên chỉ được chọn một ô."), "choices")
    if len(agree) > ballot.seats:
        raise ServiceError(
            _("Chỉ được đồng ý nhiều nhất %(n)s đơn vị (số lượng được bầu); phiếu như vậy không hợp lệ.", n=ballot.seats),
            "choices",
        )


def cast(ballot_id: int, agree: list[int], disagree: list[int] | None = None, *, code: str | None = None,
         user=None) -> str:
    """Record one vote with a voting code or through the unit officer's login; returns the
    receipt. The caller commits; any refusal leaves nothing written."""
    disagree = list(disagree or [])
    # One round trip for the ballot, its candidates (to check the choices) and the voter the code
    # belongs to: with a hall of voters casting at once, each statement saved is queueing saved.
    query = select(Ballot).where(Ballot.id == ballot_id).options(joinedload(Ballot.candidates))
    if code:
        query = query.add_columns(BallotVoter).outerjoin(
            BallotVoter, (BallotVoter.ballot_id == Ballot.id) & (BallotVoter.code_hash == code_hash(code))
        )
    found = db.session.execute(query).unique().all()  # all(): first() would cut the joined candidates short
    ballot = found[0][0] if found else None
    if ballot is None:
        raise ServiceError(_("Không có cuộc bỏ phiếu này."), "ballot_id", 404)
    if ballot.mode != BallotMode.ELECTRONIC:
        raise ServiceError(_("Cuộc bỏ phiếu này bỏ phiếu trên giấy."), "mode", 409)
    if ballot.state != S.OPEN:
        raise ServiceError(_("Cuộc bỏ phiếu không mở (đã đóng hoặc chưa bắt đầu)."), "state", 409)
    if code:
        voter = found[0][1]
        if voter is None:
            raise ServiceError(_("Mã bỏ phiếu không đúng hoặc đã được thay bằng mã khác."), "code", 403)
        channel = "code"
    elif user is not None:
        mine = [v for v in ballot.roll if v.unit_id in user.unit_ids()]
        if not mine:
            raise ServiceError(_("Đơn vị của bạn không thuộc khối này."), "unit_id", 403)
        voter, channel = mine[0], "login"
    else:
        raise ServiceError(_("Cần mã bỏ phiếu."), "code", 401)
    if not voter.present:
        raise ServiceError(_("Đơn vị không có mặt nên không bỏ phiếu."), "unit_id", 403)
    validate_choices(ballot, agree, disagree)
    try:
        db.session.execute(insert(BallotParticipation).values(ballot_id=ballot_id, unit_id=voter.unit_id, channel=channel))
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(_("Đơn vị đã bỏ phiếu; mỗi đơn vị chỉ bỏ một phiếu."), "unit_id", 409) from None
    # Re-read the state now that this transaction holds a write: a concurrent close either
    # committed already (we see it and refuse) or waits for us.
    state = db.session.execute(
        select(Ballot.state).where(Ballot.id == ballot_id).with_for_update(read=True)
    ).scalar_one()
    if state != S.OPEN:
        db.session.rollback()
        raise ServiceError(_("Cuộc bỏ phiếu đã đóng."), "state", 409)
    paper = BallotPaper(ballot_id=ballot_id, choices={"agree": sorted(agree), "disagree": sorted(disagree)}, valid=True)
    db.session.add(paper)
    db.session.flush()
    return paper.receipt


def close_ballot(user, ballot: Ballot) -> Ballot:
    """Stop voting, keep the roll snapshot, and shuffle the box (rewrite papers in random order)."""
    _require_leader(user, ballot)
    _require_state(ballot, S.OPEN)
    ballot.state = S.CLOSED  # written first: from here on, racing casts see "closed"
    ballot.closed_at = utcnow()
    db.session.flush()
    voted = set(db.session.scalars(select(BallotParticipation.unit_id).where(BallotParticipation.ballot_id == ballot.id)))
    ballot.snapshot = {
        "members": sorted(v.unit_id for v in ballot.roll),
        "present": sorted(v.unit_id for v in ballot.roll if v.present),
        "voted": sorted(voted),
    }
    papers = [
        {"id": p.id, "ballot_id": p.ballot_id, "receipt": p.receipt, "choices": p.choices, "valid": p.valid}
        for p in db.session.scalars(select(BallotPaper).where(BallotPaper.ballot_id == ballot.id))
    ]
    random.SystemRandom().shuffle(papers)
    db.session.execute(delete(BallotPaper).where(BallotPaper.ballot_id == ballot.id))
    if papers:
        db.session.execute(insert(BallotPaper), papers)
    for v in ballot.roll:
        v.code_hash = None  # codes die with the vote
    label_change(ballot, "close")
    db.session.flush()
    return ballot


def enter_paper_count(user, ballot: Ballot, *, issued: int, returned: int, invalid: int, votes: dict[int, int]) -> PaperCount:
    """One tally member's count of a paper ballot (each member enters once; two must agree)."""
    _require_state(ballot, S.CLOSED)
    if ballot.mode != BallotMode.PAPER:
        raise ServiceError(_("Chỉ nhập kết quả kiểm phiếu cho cuộc bỏ phiếu trên giấy."), "mode", 409)
    members = {m.user_id for m in db.session.scalars(select(TallyMember).where(TallyMember.ballot_id == ballot.id))}
    if user.id not in members:
        raise ServiceError(_("Chỉ thành viên Ban kiểm phiếu được nhập kết quả."), "user", 403)
    ids = {c.id for c in ballot.candidates}
    if set(votes) != ids:
        raise ServiceError(_("Cần nhập số phiếu đồng ý của từng ứng viên."), "votes")
    if min(issued, returned, invalid) < 0:
        raise ServiceError(_("Các số liệu không được âm."), "votes")
    if invalid > returned:
        raise ServiceError(
            _("Số phiếu không hợp lệ (%(i)s) lớn hơn số phiếu thu về (%(r)s).", i=invalid, r=returned), "invalid"
        )
    problems = logic.count_problems(_paper_counts(ballot, issued, returned, invalid), _by_name(ballot, votes),
                                    ballot.seats, strike=ballot.method == BallotMethod.STRIKE)
    if problems:
        raise ServiceError(" ".join(problems), "votes")
    entry = db.session.scalar(select(PaperCount).where(PaperCount.ballot_id == ballot.id, PaperCount.entered_by_id == user.id))
    if entry is None:
        entry = PaperCount(ballot_id=ballot.id, entered_by_id=user.id)
        db.session.add(entry)
    entry.issued, entry.returned, entry.invalid = issued, returned, invalid
    entry.votes = {str(k): v for k, v in votes.items()}
    db.session.flush()
    return entry


def _by_name(ballot: Ballot, votes: dict[int, int]) -> dict[str, int]:
    """Votes keyed by the candidate's printed name, for messages people can act on."""
    names = {c.id: c.name for c in ballot.candidates}
    return {names.get(k, str(k)): v for k, v in votes.items()}


def _paper_counts(ballot: Ballot, issued: int, returned: int, invalid: int) -> logic.Counts:
    present = sum(1 for v in ballot.roll if v.present)
    return logic.Counts(len(ballot.roll), present, issued, returned, returned - invalid, invalid)


def paper_count_status(ballot: Ballot) -> tuple[PaperCount | None, str | None]:
    """The agreed count, or why there is none yet: fewer than two entries, or entries that differ."""
    entries = list(db.session.scalars(select(PaperCount).where(PaperCount.ballot_id == ballot.id)))
    if len(entries) < 2:
        return None, _("Cần hai thành viên Ban kiểm phiếu nhập kết quả độc lập (đã có %(n)s).", n=len(entries))
    first = entries[0]
    for other in entries[1:]:
        if (other.issued, other.returned, other.invalid, other.votes) != (first.issued, first.returned, first.invalid, first.votes):
            return None, _("Hai lần nhập kết quả không khớp nhau; hãy kiểm lại phiếu và nhập lại.")
    return first, None


def counts_and_votes(ballot: Ballot) -> tuple[logic.Counts, dict[int, int]]:
    """Figures to publish: from the box (electronic) or from the agreed paper count."""
    if ballot.mode == BallotMode.ELECTRONIC:
        papers = list(db.session.scalars(select(BallotPaper).where(BallotPaper.ballot_id == ballot.id)))
        valid = [p for p in papers if p.valid]
        votes = {c.id: sum(1 for p in valid if c.id in p.choices.get("agree", [])) for c in ballot.candidates}
        present = len(ballot.snapshot["present"]) if ballot.snapshot else sum(v.present for v in ballot.roll)
        counts = logic.Counts(len(ballot.roll), present, present, len(papers), len(valid), len(papers) - len(valid))
        return counts, votes
    entry, problem = paper_count_status(ballot)
    if entry is None:
        raise ServiceError(problem, "votes", 409)
    return _paper_counts(ballot, entry.issued, entry.returned, entry.invalid), {int(k): v for k, v in entry.votes.items()}


def result_of(ballot: Ballot) -> dict:
    """The result a closed ballot would publish (counts, votes, elected, tie, the rule in words):
    what ``publish`` stores, and what the hall's screen shows once voting has closed. Refused
    while the figures are missing or inconsistent (paper entries that do not agree)."""
    _require_state(ballot, S.CLOSED, S.PUBLISHED)
    if ballot.state == S.PUBLISHED and ballot.result is not None:
        return ballot.result
    counts, votes = counts_and_votes(ballot)
    problems = logic.count_problems(counts, _by_name(ballot, votes), ballot.seats, strike=ballot.method == BallotMethod.STRIKE)
    if problems:
        raise ServiceError(" ".join(problems), "votes", 409)
    outcome = logic.tally([c.id for c in ballot.candidates], votes, ballot.seats, counts, rules_of(ballot))
    return {
        "counts": counts.__dict__,
        "candidates": [
            {"candidate_id": r.candidate, "votes": r.votes, "qualified": r.qualified, "elected": r.elected, "tied": r.tied,
             "share": None if r.share is None else f"{r.share.numerator}/{r.share.denominator}"}
            for r in outcome.results
        ],
        "elected": list(outcome.elected),
        "tied": list(outcome.tied),
        "seats_left": outcome.seats_left,
        "tie_outcome": outcome.tie_outcome,
        "rule": logic.rule_text(rules_of(ballot), ballot.seats, counts.basis(ballot.rule_basis)),
    }


def publish(user, ballot: Ballot) -> Ballot:
    """Count under the ballot's rule and publish; the result never changes afterwards."""
    _require_leader(user, ballot)
    _require_state(ballot, S.CLOSED)
    ballot.result = result_of(ballot)
    ballot.state = S.PUBLISHED
    ballot.published_at = utcnow()
    label_change(ballot, "publish")
    db.session.flush()
    return ballot


def cancel(user, ballot: Ballot, reason: str) -> Ballot:
    _require_leader(user, ballot)
    _require_state(ballot, S.DRAFT, S.OPEN, S.CLOSED)
    if not (reason or "").strip():
        raise ServiceError(_("Cần ghi lý do hủy."), "reason")
    ballot.state = S.CANCELLED
    ballot.cancel_reason = reason.strip()
    label_change(ballot, "cancel")
    db.session.flush()
    return ballot


def create_runoff(user, ballot: Ballot) -> Ballot:
    """One step: a new draft ballot among the candidates tied for the last seats, for those seats,
    under the same rule."""
    _require_leader(user, ballot)
    _require_state(ballot, S.PUBLISHED)
    result = ballot.result or {}
    if result.get("tie_outcome") != "runoff" or not result.get("tied"):
        raise ServiceError(_("Kết quả không có trường hợp bằng phiếu cần bầu lại."), "state", 409)
    if db.session.scalar(select(Ballot.id).where(Ballot.runoff_of_id == ballot.id, Ballot.state != S.CANCELLED)):
        raise ServiceError(_("Đã có cuộc bầu lại cho kết quả này."), "state", 409)
    by_id = {c.id: c.unit for c in ballot.candidates}
    runoff = create_ballot(
        user, ballot.block, award_code=ballot.award_code, seats=result["seats_left"], method=ballot.method.value,
        mode=ballot.mode.value, candidate_unit_ids=[by_id[i].id for i in result["tied"]], runoff_of=ballot,
        title=_("Bầu lại: %(title)s", title=ballot.title),
    )
    # The run-off keeps the original ballot's rule, whatever the settings say now.
    runoff.rule_basis, runoff.rule_numerator, runoff.rule_denominator = ballot.rule_basis, ballot.rule_numerator, ballot.rule_denominator
    runoff.rule_strict, runoff.rule_tie, runoff.rule_source = ballot.rule_strict, ballot.rule_tie, ballot.rule_source
    db.session.flush()
    return runoff


def progress(ballot: Ballot) -> dict:
    """What the hall may see while voting is open: how many and which units voted, never how."""
    voted = set(db.session.scalars(select(BallotParticipation.unit_id).where(BallotParticipation.ballot_id == ballot.id)))
    present = [v for v in ballot.roll if v.present]
    return {
        "present": len(present),
        "voted": len(voted),
        "units": [{"unit_id": v.unit_id, "name": v.unit.name, "voted": v.unit_id in voted} for v in present],
    }
