"""Scoring rounds: creating one for a block, its dates, and the state machine.

draft → self_scoring ⇄ self_scoring_closed → in_meeting → agreed → submitted → returned →
(in_meeting → agreed →) resubmitted → returned … Each transition names who may make it; a
refused one raises ``ServiceError`` with the reason, and every accepted one is audited (the
state change is an update of the round).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.access import can_manage_province, is_block_leader
from portal.audit import label_change
from portal.extensions import db
from portal.models import Block, CriteriaTable, RoundMember, RoundState, ScoringRound
from portal.models.base import utcnow
from portal.plugins import get_registry
from portal.services import ServiceError

S = RoundState
LEADER, PROVINCE = "leader", "province"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[RoundState, ...]
    target: RoundState
    who: str
    label: object  # lazy Vietnamese label for buttons


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("open_self_scoring", (S.DRAFT, S.SELF_SCORING_CLOSED), S.SELF_SCORING, LEADER, _l("Mở tự chấm điểm")),
        Transition("close_self_scoring", (S.SELF_SCORING,), S.SELF_SCORING_CLOSED, LEADER, _l("Khóa tự chấm điểm")),
        Transition("start_meeting", (S.SELF_SCORING_CLOSED,), S.IN_MEETING, LEADER, _l("Bắt đầu hội nghị chấm điểm")),
        Transition("agree", (S.IN_MEETING,), S.AGREED, LEADER, _l("Chốt kết quả thống nhất")),
        Transition("reopen_meeting", (S.AGREED, S.RETURNED), S.IN_MEETING, LEADER, _l("Mở lại để sửa điểm")),
        Transition("submit", (S.AGREED,), S.SUBMITTED, LEADER, _l("Gửi kết quả về Sở Nội vụ")),
        Transition("return_results", (S.SUBMITTED, S.RESUBMITTED), S.RETURNED, PROVINCE, _l("Trả lại kết quả")),
    )
}


def may(user, who: str, round_: ScoringRound) -> bool:
    if who == LEADER:
        return is_block_leader(user, round_.block)
    return can_manage_province(user, round_.province_id)


def available(user, round_: ScoringRound) -> list[Transition]:
    """The transitions this user may make now (for the page's buttons)."""
    return [t for t in TRANSITIONS.values() if round_.state in t.sources and may(user, t.who, round_)]


def check_dates(block: Block, meeting_date, conference_date) -> None:
    """The core rule (meeting not after the conference) and every plugin's calendar rules."""
    if meeting_date and conference_date and meeting_date > conference_date:
        raise ServiceError(_("Hội nghị chấm điểm phải diễn ra trước hội nghị tổng kết khối."), "meeting_date")
    if not (meeting_date and conference_date):
        return
    hooks = get_registry().hooks(block.province.enabled_plugin_names)
    messages = [
        m
        for answer in hooks.validate_scoring_round(
            province=block.province, block=block, meeting_date=meeting_date, conference_date=conference_date
        )
        for m in (answer or [])
    ]
    if messages:
        raise ServiceError(" ".join(messages), "meeting_date")


def create_round(block: Block, table: CriteriaTable, *, meeting_date=None, conference_date=None,
                 cross_scoring=False, trim=0) -> ScoringRound:
    if db.session.scalar(select(ScoringRound.id).where(ScoringRound.block_id == block.id)) is not None:
        raise ServiceError(_("Khối đã có đợt chấm điểm của năm %(y)s.", y=block.year), "block_id", 409)
    if table.province_id != block.province_id or table.year != block.year:
        raise ServiceError(_("Bảng tiêu chí phải của cùng tỉnh và cùng năm thi đua với khối."), "table_id")
    if trim < 0:
        raise ServiceError(_("Số điểm loại bỏ ở mỗi đầu không được âm."), "trim")
    check_dates(block, meeting_date, conference_date)
    round_ = ScoringRound(
        block=block, province_id=block.province_id, table=table, meeting_date=meeting_date,
        conference_date=conference_date, cross_scoring=cross_scoring, trim=trim,
    )
    round_.members = [RoundMember(unit_id=u.id) for u in block.members]
    db.session.add(round_)
    db.session.flush()
    return round_


def update_round(round_: ScoringRound, *, meeting_date, conference_date, cross_scoring=None, trim=None,
                 table: CriteriaTable | None = None) -> ScoringRound:
    if round_.state in (S.AGREED, S.SUBMITTED, S.RESUBMITTED):
        raise ServiceError(_("Kết quả đã chốt; không thể sửa đợt chấm điểm."), "state", 409)
    check_dates(round_.block, meeting_date, conference_date)
    round_.meeting_date, round_.conference_date = meeting_date, conference_date
    if round_.state == S.DRAFT:
        if cross_scoring is not None:
            round_.cross_scoring = cross_scoring
        if trim is not None:
            if trim < 0:
                raise ServiceError(_("Số điểm loại bỏ ở mỗi đầu không được âm."), "trim")
            round_.trim = trim
        if table is not None:
            if table.province_id != round_.province_id or table.year != round_.block.year:
                raise ServiceError(_("Bảng tiêu chí phải của cùng tỉnh và cùng năm thi đua với khối."), "table_id")
            round_.table = table
    elif table is not None and table.id != round_.table_id:
        raise ServiceError(_("Đợt chấm điểm đã bắt đầu; không đổi được bảng tiêu chí."), "table_id", 409)
    db.session.flush()
    return round_


def transition(user, round_: ScoringRound, name: str, *, reason: str | None = None) -> ScoringRound:
    """Make transition ``name`` or say why not. Side effects live here, in one place."""
    t = TRANSITIONS.get(name)
    if t is None:
        raise ServiceError(_("Thao tác không hợp lệ."), "action")
    if not may(user, t.who, round_):
        raise ServiceError(
            _("Chỉ khối trưởng được thực hiện thao tác này.") if t.who == LEADER
            else _("Chỉ cán bộ thi đua của tỉnh được thực hiện thao tác này."),
            "action", 403,
        )
    if round_.state not in t.sources:
        raise ServiceError(
            _("Không thể “%(action)s” khi đợt chấm điểm đang ở trạng thái “%(state)s”.",
              action=str(t.label), state=state_label(round_.state)),
            "action", 409,
        )
    if name == "open_self_scoring":
        if not (round_.meeting_date and round_.conference_date):
            raise ServiceError(_("Cần ngày hội nghị chấm điểm và ngày hội nghị tổng kết trước khi mở tự chấm."), "meeting_date")
        round_.table.locked = True  # the table is now in use: edits make a new version
    if name == "agree":
        from portal.services.scoring import missing_agreed

        missing = missing_agreed(round_)
        if missing:
            raise ServiceError(
                _("Còn %(n)s ô điểm thống nhất chưa nhập (ví dụ: %(example)s).", n=len(missing), example=missing[0]),
                "action", 409,
            )
    if name == "return_results":
        if not (reason or "").strip():
            raise ServiceError(_("Cần ghi lý do trả lại."), "reason")
        round_.returned_reason = reason.strip()
    target = t.target
    if name == "submit":
        target = S.RESUBMITTED if round_.returned_reason else S.SUBMITTED
        round_.submitted_at = utcnow()
        from portal.services.meeting import issue_result_sheet

        # The result sheet, signed by the leader; a resubmission issues a new one.
        round_.document = issue_result_sheet(user, round_)
    round_.state = target
    label_change(round_, name)
    db.session.flush()
    return round_


STATE_LABELS = {
    S.DRAFT: _l("Dự thảo"),
    S.SELF_SCORING: _l("Đang tự chấm điểm"),
    S.SELF_SCORING_CLOSED: _l("Đã khóa tự chấm điểm"),
    S.IN_MEETING: _l("Đang họp chấm điểm"),
    S.AGREED: _l("Đã thống nhất"),
    S.SUBMITTED: _l("Đã gửi Sở Nội vụ"),
    S.RETURNED: _l("Bị trả lại"),
    S.RESUBMITTED: _l("Đã gửi lại"),
}


def state_label(state: RoundState) -> str:
    return str(STATE_LABELS[RoundState(state)])
