"""Dossiers (hồ sơ đề nghị khen thưởng): checklist, generated documents, uploads, findings,
deadlines and the province's review.

A block dossier gathers the block's nominations of the year (filed by the block leader); a unit
dossier gathers a unit's own (filed by its officers). The checklist is what the province's plugins
require for each nomination (``dossier_requirements``): items that a dossier holds once (the
submission letter, the block's minutes, the vote-count record, the summary sheet) appear once,
the others (achievement reports, enterprise confirmations…) once per nomination. The portal
generates what has a layout; the rest is uploaded, checked like evidence files.

Findings come from ``validate_nomination``: errors block submission, warnings need a recorded
acknowledgement. The "dossiers" deadline of the province's calendar refuses a late first
submission unless the province allows late ones, which are then marked late. The states:
draft → submitted → returned (with the reason) → resubmitted → decided (number, date, signer),
and the decision creates the award records. Every step writes a ``DossierEvent``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from portal.access import (
    can_manage_province,
    can_view_block,
    can_view_province,
    is_block_leader,
    only_unit_officer,
    rows_visible_to,
)
from portal.audit import label_change
from portal.catalogue import (
    award_categories_for,
    award_types_for,
    calendar_for,
    findings_for,
    report_layouts_for,
    requirements_for,
)
from portal.extensions import db
from portal.fields import parse_vn_datetime
from portal.models import (
    Acknowledgement,
    AwardRecord,
    Ballot,
    Block,
    Document,
    Dossier,
    DossierEvent,
    DossierItem,
    Nomination,
    Province,
    Unit,
)
from portal.models.awards import DossierState, RecordStatus
from portal.models.base import utcnow
from portal.services import ServiceError
from portal.services import evidence as files
from portal.types import Deadline, Finding, Requirement

S = DossierState
VN_TIME = dt.timezone(dt.timedelta(hours=7))  # Asia/Ho_Chi_Minh, no daylight saving
EDITABLE = (S.DRAFT, S.RETURNED)
UNDER_REVIEW = (S.SUBMITTED, S.RESUBMITTED)
DEADLINE_CODE = "dossiers"
# Items a dossier holds once, whatever the number of nominations (RULES.md D1, D2).
DOSSIER_LEVEL = frozenset(
    {
        "submission_letter",
        "block_minutes",
        "vote_count_record",
        "nominee_summary",
        "council_minutes",
    }
)
GENERATED_LAYOUTS = frozenset(
    {"submission_letter", "block_minutes", "vote_count_record", "nominee_summary"}
)
MINUTES_FIELDS = ("started_at", "ended_at", "venue", "chair", "secretary", "attendees", "content")


def today() -> dt.date:
    """Today in Việt Nam (the deadlines are Vietnamese calendar days)."""
    return dt.datetime.now(VN_TIME).date()


def local(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VN_TIME)


class Incomplete(ServiceError):
    """Submission refused: everything that is missing or wrong, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__(
            _("Chưa nộp được hồ sơ: %(list)s", list="; ".join(problems)), "dossier", 409
        )
        self.problems = problems

    @property
    def fields(self) -> dict[str, list[str]]:
        return {"dossier": list(self.problems)}


# -- who may see and change a dossier ---------------------------------------------------------


def can_view_dossier(user, d: Dossier) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if can_view_province(user, d.province_id) and not only_unit_officer(user):
        return True
    if d.block is not None:
        return can_view_block(user, d.block)
    return d.unit_id in user.unit_ids()


def can_manage_dossier(user, d: Dossier) -> bool:
    """The block leader's officers for a block dossier; the unit's officers for a unit dossier."""
    if not getattr(user, "is_authenticated", False):
        return False
    if d.block is not None:
        return is_block_leader(user, d.block)
    return d.unit_id in user.unit_ids()


def can_review(user, d: Dossier) -> bool:
    return can_manage_province(user, d.province_id)


def dossiers_visible_to(user, stmt=None):
    return rows_visible_to(user, Dossier, stmt)


def _require_manager(user, d: Dossier) -> None:
    if not can_manage_dossier(user, d):
        raise ServiceError(
            _(
                "Chỉ khối trưởng (hồ sơ khối) hoặc cán bộ của đơn vị (hồ sơ đơn vị) được thực hiện thao tác này."
            ),
            "dossier",
            403,
        )


def _require_editable(d: Dossier) -> None:
    if d.state not in EDITABLE:
        raise ServiceError(
            _("Hồ sơ đã nộp; chỉ sửa được khi đang soạn hoặc bị trả lại."), "state", 409
        )


def _event(d: Dossier, user, action: str, note: str = "", late: bool = False) -> DossierEvent:
    event = DossierEvent(
        dossier=d,
        action=action,
        note=note,
        late=late,
        actor_id=getattr(user, "id", None),
        at=utcnow(),
    )
    db.session.add(event)
    return event


# -- creating ----------------------------------------------------------------------------------


def free_nominations(
    *, block: Block | None = None, unit: Unit | None = None, year: int | None = None
) -> list[Nomination]:
    """Nominations not yet in a dossier: a block's of its year, or a unit's own of ``year``."""
    stmt = select(Nomination).where(Nomination.dossier_id.is_(None))
    if block is not None:
        stmt = stmt.where(Nomination.block_id == block.id, Nomination.year == block.year)
    else:
        stmt = stmt.where(
            Nomination.unit_id == unit.id, Nomination.block_id.is_(None), Nomination.year == year
        )
    return list(db.session.scalars(stmt.order_by(Nomination.id)))


def create_dossier(
    user,
    *,
    block: Block | None = None,
    unit: Unit | None = None,
    year: int | None = None,
    title: str | None = None,
) -> Dossier:
    if (block is None) == (unit is None):
        raise ServiceError(_("Cần chọn khối (hồ sơ khối) hoặc đơn vị (hồ sơ đơn vị)."), "block_id")
    if block is not None:
        if not is_block_leader(user, block):
            raise ServiceError(_("Chỉ khối trưởng được lập hồ sơ của khối."), "block_id", 403)
        year, province_id = block.year, block.province_id
        owner = block.name
        open_stmt = select(Dossier.id).where(Dossier.block_id == block.id, Dossier.year == year)
    else:
        if unit.id not in user.unit_ids():
            raise ServiceError(
                _("Chỉ cán bộ của đơn vị được lập hồ sơ của đơn vị."), "unit_id", 403
            )
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise ServiceError(_("Năm thi đua không hợp lệ."), "year")
        province_id, owner = unit.province_id, unit.name
        open_stmt = select(Dossier.id).where(
            Dossier.unit_id == unit.id, Dossier.block_id.is_(None), Dossier.year == year
        )
    if db.session.scalar(open_stmt.where(Dossier.state.in_(EDITABLE)).limit(1)) is not None:
        raise ServiceError(
            _("Đã có hồ sơ năm %(year)s đang soạn; hãy thêm đề nghị mới vào hồ sơ đó.", year=year),
            "dossier",
            409,
        )
    nominations = free_nominations(block=block, unit=unit, year=year)
    if not nominations:
        raise ServiceError(
            _(
                "Chưa có đề nghị khen thưởng năm %(year)s nào chưa vào hồ sơ; hãy lập đề nghị trước.",
                year=year,
            ),
            "nominations",
            409,
        )
    title = (title or "").strip() or _(
        "Hồ sơ đề nghị khen thưởng năm %(year)s của %(owner)s", year=year, owner=owner
    )
    d = Dossier(
        province_id=province_id,
        year=year,
        title=title[:300],
        block_id=block.id if block else None,
        unit_id=None if block else unit.id,
        state=S.DRAFT,
        created_by_id=user.id,
    )
    db.session.add(d)
    for n in nominations:
        n.dossier = d
    _event(d, user, "created", _("%(n)s đề nghị", n=len(nominations)))
    db.session.flush()
    return d


def add_free_nominations(user, d: Dossier) -> list[Nomination]:
    _require_manager(user, d)
    _require_editable(d)
    found = (
        free_nominations(block=d.block, unit=d.unit, year=d.year)
        if d.block
        else free_nominations(unit=d.unit, year=d.year)
    )
    if not found:
        raise ServiceError(_("Không có đề nghị mới nào để thêm."), "nominations", 409)
    for n in found:
        n.dossier = d
    _event(d, user, "nominations", ", ".join(n.nominee_name for n in found))
    db.session.flush()
    return found


def remove_nomination(user, d: Dossier, n: Nomination) -> list[DossierItem]:
    """Take a nomination out of the dossier (it stays, free for a later dossier); its own items
    go. Returns the removed items (the caller commits, then ``discard``s their files)."""
    _require_manager(user, d)
    _require_editable(d)
    if n.dossier_id != d.id:
        raise ServiceError(_("Đề nghị không thuộc hồ sơ này."), "nomination_id", 422)
    removed = [i for i in d.items if i.nomination_id == n.id]
    for item in removed:
        d.items.remove(item)
        db.session.delete(item)
    n.dossier = None
    _event(d, user, "removed", n.nominee_name)
    db.session.flush()
    return removed


# -- checklist ---------------------------------------------------------------------------------


def entry_key(code: str, nomination_id: int | None) -> str:
    return code if nomination_id is None else f"{code}:{nomination_id}"


@dataclass
class Entry:
    """One line of the checklist: a requirement, for the dossier or for one nomination."""

    key: str
    requirement: Requirement
    nomination: Nomination | None
    items: list[DossierItem] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.requirement.code

    @property
    def satisfied(self) -> bool:
        return bool(self.items)

    @property
    def can_generate(self) -> bool:
        return self.nomination is None and self.requirement.layout in GENERATED_LAYOUTS

    @property
    def missing(self) -> bool:
        return self.requirement.required and not self.items


def award_name(province: Province, code: str) -> str:
    award = award_types_for(province).get(code)
    return award.name if award else code


def checklist(d: Dossier) -> list[Entry]:
    """Dossier-level entries first, then each nomination's, in order."""
    province = db.session.get(Province, d.province_id)
    types = award_types_for(province)
    once: dict[str, Entry] = {}
    each: dict[str, Entry] = {}
    for n in d.nominations:
        award = types.get(n.award_code)
        if award is None:
            continue  # a finding says so
        for req in requirements_for(province, n, award):
            level = req.code in DOSSIER_LEVEL
            target = once if level else each
            key = entry_key(req.code, None if level else n.id)
            if key in target:
                if req.required and not target[key].requirement.required:
                    target[key].requirement = req
                continue
            target[key] = Entry(key, req, None if level else n)
    entries = {**once, **each}
    for item in d.items:
        entry = entries.get(entry_key(item.requirement_code, item.nomination_id))
        if entry is not None:
            entry.items.append(item)
    for e in entries.values():
        e.items.sort(key=lambda i: i.id or 0)
    return list(entries.values())


def other_items(d: Dossier, entries: list[Entry]) -> list[DossierItem]:
    """Items no requirement asks for any more (a nomination withdrawn, a plugin changed)."""
    keys = {e.key for e in entries}
    return [i for i in d.items if entry_key(i.requirement_code, i.nomination_id) not in keys]


# -- findings ----------------------------------------------------------------------------------


@dataclass
class FindingRow:
    nomination: Nomination
    finding: Finding
    acknowledgement: Acknowledgement | None = None

    @property
    def blocking(self) -> bool:
        return self.finding.severity == "error" or self.acknowledgement is None


def findings(d: Dossier) -> list[FindingRow]:
    province = db.session.get(Province, d.province_id)
    types = award_types_for(province)
    ids = [n.id for n in d.nominations]
    acks = {
        (a.nomination_id, a.finding_code): a
        for a in db.session.scalars(
            select(Acknowledgement).where(Acknowledgement.nomination_id.in_(ids or [-1]))
        )
    }
    rows = []
    for n in d.nominations:
        award = types.get(n.award_code)
        if award is None:
            found = [
                Finding(
                    "unknown_award",
                    "error",
                    f"Danh hiệu, hình thức “{n.award_code}” không có trong danh mục khen thưởng của tỉnh.",
                    "Danh mục khen thưởng của tỉnh (plugin đang bật)",
                )
            ]
        else:
            found = findings_for(province, n, award)
        for f in found:
            rows.append(
                FindingRow(n, f, acks.get((n.id, f.code)) if f.severity == "warning" else None)
            )
    return rows


def problems(
    d: Dossier, entries: list[Entry] | None = None, rows: list[FindingRow] | None = None
) -> list[str]:
    """Everything that blocks submission, in words."""
    entries = checklist(d) if entries is None else entries
    rows = findings(d) if rows is None else rows
    out = []
    if not d.nominations:
        out.append(_("Hồ sơ chưa có đề nghị khen thưởng nào."))
    for e in entries:
        if e.missing:
            out.append(
                _(
                    "Thiếu %(item)s (%(who)s)",
                    item=e.requirement.title,
                    who=e.nomination.nominee_name,
                )
                if e.nomination is not None
                else _("Thiếu %(item)s", item=e.requirement.title)
            )
    for r in rows:
        if r.finding.severity == "error":
            out.append(
                _("%(who)s: %(message)s", who=r.nomination.nominee_name, message=r.finding.message)
            )
        elif r.acknowledgement is None:
            out.append(
                _(
                    "Chưa xác nhận đã xem cảnh báo về %(who)s: %(message)s",
                    who=r.nomination.nominee_name,
                    message=r.finding.message,
                )
            )
    return out


def acknowledge(user, d: Dossier, nomination_id: int, finding_code: str) -> Acknowledgement:
    _require_manager(user, d)
    _require_editable(d)
    row = next(
        (
            r
            for r in findings(d)
            if r.nomination.id == nomination_id
            and r.finding.code == finding_code
            and r.finding.severity == "warning"
        ),
        None,
    )
    if row is None:
        raise ServiceError(_("Không có cảnh báo này trong hồ sơ."), "finding_code", 422)
    if row.acknowledgement is not None:
        return row.acknowledgement
    ack = Acknowledgement(
        nomination_id=nomination_id,
        finding_code=finding_code,
        message=row.finding.message,
        acknowledged_by_id=user.id,
        at=utcnow(),
    )
    db.session.add(ack)
    _event(d, user, "acknowledged", f"{row.nomination.nominee_name}: {row.finding.message}")
    db.session.flush()
    return ack


# -- deadlines ---------------------------------------------------------------------------------


@dataclass
class DueRow:
    deadline: Deadline
    overdue: bool
    days_left: int


def deadlines(province: Province, year: int, on: dt.date | None = None) -> list[DueRow]:
    on = on or today()
    return [DueRow(d, on > d.due, (d.due - on).days) for d in calendar_for(province, year)]


def dossier_deadline(province: Province, year: int) -> Deadline | None:
    return next((d for d in calendar_for(province, year) if d.code == DEADLINE_CODE), None)


def set_allow_late(user, province: Province, allow: bool) -> Province:
    if not can_manage_province(user, province.id):
        raise ServiceError(
            _("Chỉ cán bộ của tỉnh được đổi thiết lập này."), "allow_late_submissions", 403
        )
    province.allow_late_submissions = bool(allow)
    db.session.flush()
    return province


# -- generated documents and uploads -----------------------------------------------------------


def _entry(d: Dossier, code: str, nomination_id: int | None) -> Entry:
    key = entry_key(code, None if code in DOSSIER_LEVEL else nomination_id)
    entry = next((e for e in checklist(d) if e.key == key), None)
    if entry is None:
        raise ServiceError(_("Hồ sơ không có mục này."), "requirement_code", 422)
    return entry


def _header(d: Dossier, day: dt.date):
    from portal.ballot_pages.common import block_header
    from portal.documents.data import DocumentHeader

    if d.block is not None:
        return block_header(d.block, day)
    province = db.session.get(Province, d.province_id)
    parent = (
        province.committee_name
        if d.unit.kind.value in ("department", "district", "commune")
        else ""
    )
    return DocumentHeader(
        issuing_body=d.unit.name, parent_body=parent, place=province.place_name, date=day
    )


def _issuer(d: Dossier) -> str:
    return d.block.name if d.block is not None else d.unit.name


def _nominees(d: Dossier):
    from portal.documents.data import Nominee

    province = db.session.get(Province, d.province_id)
    return tuple(
        Nominee(
            name=n.nominee_name,
            award_name=award_name(province, n.award_code),
            recipient=n.recipient,
            position=n.position or "",
            unit=n.unit.name if n.recipient == "individual" and n.unit else "",
        )
        for n in d.nominations
    )


def _signer(d: Dossier, user, title: str | None, name: str | None):
    from portal.ballot_pages.common import person_name
    from portal.documents.data import Signature

    title = (title or "").strip() or "THỦ TRƯỞNG ĐƠN VỊ"
    name = (name or "").strip() or person_name(user.full_name)
    if len(title) > 120 or len(name) > 120:
        raise ServiceError(_("Chức danh và họ tên người ký tối đa 120 ký tự."), "signer_name")
    authority = ("TM. ĐƠN VỊ KHỐI TRƯỞNG",) if d.block is not None else ()
    return Signature(title=title, name=name, authority=authority)


def submission_letter_data(
    d: Dossier, user, *, day: dt.date | None = None, signer_title=None, signer_name=None
):
    from portal.documents.data import Distribution, SubmissionLetterData

    day = day or today()
    province = db.session.get(Province, d.province_id)
    nominees = _nominees(d)
    awards = list(dict.fromkeys(n.award_name for n in nominees))
    council = f"Hội đồng Thi đua - Khen thưởng {province.name_in_sentence}"
    law = (
        "Căn cứ Luật Thi đua, khen thưởng ngày 15/6/2022"
        if day >= dt.date(2024, 1, 1)
        else "Căn cứ Luật Thi đua, khen thưởng ngày 26/11/2003 và các Luật sửa đổi, bổ sung"
    )
    bases = [law]
    ballots = _ballots(d)
    if d.block is not None and ballots:
        held = local(ballots[0].published_at or ballots[0].closed_at)
        when = f" ngày {held:%d/%m/%Y}" if held else ""
        bases.append(f"Căn cứ Biên bản họp Khối{when} và kết quả bỏ phiếu kín")
    types = award_types_for(province)
    state_level = any(
        getattr(types.get(n.award_code), "level", "") == "state" for n in d.nominations
    )
    # Provincial awards are decided by the chair of the province; state-level ones go further up.
    authority = "cấp có thẩm quyền" if state_level else "Chủ tịch Ủy ban nhân dân tỉnh"
    competent, decides = f"trình {authority} khen thưởng", f"trình {authority} quyết định"
    who = f"các đơn vị trong {d.block.name}" if d.block is not None else d.unit.name
    body = (
        f"Năm {d.year}, {who} đã tích cực hưởng ứng phong trào thi đua yêu nước, hoàn thành tốt nhiệm vụ "
        f"được giao. Căn cứ kết quả bình xét, {_issuer(d)} kính trình {council} xem xét, {competent} "
        "cho các tập thể, cá nhân sau:",
    )
    return SubmissionLetterData(
        header=_header(d, day),
        summary=f"Về việc đề nghị tặng {' và '.join(awards)} năm {d.year}",
        addressees=(council,),
        legal_bases=tuple(bases),
        body=body,
        nominees=nominees,
        closing=(
            "(Có hồ sơ đề nghị khen thưởng kèm theo).",
            f"Kính đề nghị {council} xem xét, {decides}./.",
        ),
        signer=_signer(d, user, signer_title, signer_name),
        distribution=Distribution(("Như trên", "Sở Nội vụ (Phòng Thi đua, khen thưởng)"), "VT"),
    )


def nominee_summary_data(
    d: Dossier,
    user,
    achievements: dict[int, str],
    *,
    day: dt.date | None = None,
    signer_title=None,
    signer_name=None,
):
    from portal.documents.data import NomineeSummaryData, NomineeSummaryRow

    day = day or today()
    province = db.session.get(Province, d.province_id)
    missing = [n.nominee_name for n in d.nominations if not (achievements.get(n.id) or "").strip()]
    if missing:
        raise ServiceError(
            _("Cần ghi tóm tắt thành tích của: %(names)s.", names=", ".join(missing)),
            "achievements",
        )
    too_long = [n.nominee_name for n in d.nominations if len(achievements[n.id]) > 3000]
    if too_long:
        raise ServiceError(_("Tóm tắt thành tích tối đa 3000 ký tự."), "achievements")
    letter = _latest_document(d, "submission_letter")
    attached = ""
    if letter is not None:
        number = f"số {letter.symbol} " if letter.symbol else ""
        issued = local(letter.created_at) or dt.datetime.now(VN_TIME)
        attached = f"Kèm theo Tờ trình {number}ngày {issued:%d/%m/%Y} của {_issuer(d)}"
    rows = tuple(
        NomineeSummaryRow(
            name=n.nominee_name,
            award_name=award_name(province, n.award_code),
            achievements=achievements[n.id].strip(),
            position=(
                ", ".join(x for x in (n.position, n.unit.name if n.unit else "") if x)
                if n.recipient == "individual"
                else (n.position or "")
            ),
        )
        for n in d.nominations
    )
    return NomineeSummaryData(
        header=dataclasses.replace(_header(d, day), number=None),
        summary=f"Tóm tắt thành tích của tập thể, cá nhân đề nghị khen thưởng năm {d.year}",
        rows=rows,
        attached_to=attached,
        signer=_signer(d, user, signer_title, signer_name),
    )


def previous_signer(d: Dossier, user) -> dict[str, str]:
    """Who signed the last generated letter (to prefill the form), else the defaults."""
    from portal.ballot_pages.common import person_name

    doc = _latest_document(d, "submission_letter")
    signer = (doc.data or {}).get("signer", {}) if doc is not None else {}
    return {
        "title": signer.get("title") or "THỦ TRƯỞNG ĐƠN VỊ",
        "name": signer.get("name") or person_name(user.full_name),
    }


def previous_achievements(d: Dossier) -> dict[int, str]:
    """What the last summary sheet said for each nominee (to prefill the form)."""
    doc = _latest_document(d, "nominee_summary")
    if doc is None:
        return {}
    by_name = {}
    for row in (doc.data or {}).get("rows", []):
        by_name.setdefault(row.get("name"), row.get("achievements", ""))
    return {n.id: by_name.get(n.nominee_name, "") for n in d.nominations}


def _latest_document(d: Dossier, code: str) -> Document | None:
    docs = [i.document for i in d.items if i.requirement_code == code and i.document is not None]
    return max(docs, key=lambda x: x.id) if docs else None


def _ballots(d: Dossier) -> list[Ballot]:
    ids = list(dict.fromkeys(n.ballot_id for n in d.nominations if n.ballot_id))
    return [db.session.get(Ballot, i) for i in ids]


class _Unnumbered:
    """A layout that prints its number line blank: a unit numbers its letter in its own register,
    not in the province's or a block's series (``issue_document`` numbers only when the layout
    has a ``type_code``)."""

    type_code = None

    def __init__(self, layout):
        self._layout = layout

    def __getattr__(self, name):
        return getattr(self._layout, name)


def _issue(d: Dossier, user, layout_code: str, data) -> Document:
    from portal.services.documents import issue_document

    province = db.session.get(Province, d.province_id)
    layout = report_layouts_for(province).get(layout_code)
    if layout is None:
        raise ServiceError(_("Tỉnh chưa có mẫu văn bản này."), "requirement_code", 409)
    if d.block is None:
        layout = _Unnumbered(layout)
    return issue_document(layout, data, province=province, block=d.block, actor=user)


def _parse_minutes(options: dict) -> dict | None:
    given = {k: options.get(k) for k in MINUTES_FIELDS if options.get(k) not in (None, "")}
    if not given:
        return None
    missing = [k for k in MINUTES_FIELDS if k not in given and k != "attendees"]
    if missing:
        raise ServiceError(_("Cần ghi đủ thông tin biên bản họp khối."), missing[0])
    out = dict(given)
    out.setdefault("attendees", "")
    for k in ("started_at", "ended_at"):
        value = out[k]
        if isinstance(value, str):  # dd/mm/yyyy hh:mm as people type it, or ISO (the API)
            try:
                value = parse_vn_datetime(value)
            except ValueError:
                try:
                    value = dt.datetime.fromisoformat(value.strip())
                except ValueError:
                    value = None
        if not isinstance(value, dt.datetime):
            raise ServiceError(
                _("Thời gian không hợp lệ; hãy viết ngày/tháng/năm giờ:phút, ví dụ 08/01/2024 08:00."), k
            )
        out[k] = value.replace(tzinfo=None)
    if out["ended_at"] <= out["started_at"]:
        raise ServiceError(_("Giờ kết thúc phải sau giờ bắt đầu."), "ended_at")
    for k in ("venue", "chair", "secretary"):
        if not isinstance(out[k], str) or len(out[k]) > 300:
            raise ServiceError(_("Tối đa 300 ký tự."), k)
    for k in ("attendees", "content"):
        if not isinstance(out[k], str) or len(out[k]) > 20000:
            raise ServiceError(_("Nội dung quá dài."), k)
    return out


def generate(user, d: Dossier, code: str, **options) -> list[DossierItem]:
    """Generate (or link) the document of a dossier-level item that has a layout, replacing the
    previously generated one; uploads of the same item are kept (a signed scan, for example)."""
    _require_manager(user, d)
    _require_editable(d)
    entry = _entry(d, code, None)
    if not entry.can_generate:
        raise ServiceError(
            _("Mục này không tạo tự động được; hãy tải tệp lên."), "requirement_code", 422
        )
    layout = entry.requirement.layout
    if layout == "vote_count_record":
        ballots = _ballots(d)
        docs = [b.document for b in ballots if b.document_id]
        if not docs:
            raise ServiceError(
                _(
                    "Chưa có biên bản kiểm phiếu: các đề nghị không đến từ cuộc bỏ phiếu đã công bố; hãy tải tệp lên."
                ),
                "requirement_code",
                409,
            )
    elif layout == "block_minutes":
        if d.block is None:
            raise ServiceError(
                _("Biên bản họp khối chỉ có trong hồ sơ khối."), "requirement_code", 422
            )
        fields = _parse_minutes(options)
        if fields is not None:
            from portal.ballot_pages.common import issue_minutes

            docs = [issue_minutes(user, d.block, **fields)]
        else:
            existing = db.session.scalar(
                select(Document)
                .where(Document.block_id == d.block_id, Document.layout_code == "block_minutes")
                .order_by(Document.id.desc())
                .limit(1)
            )
            if existing is None:
                raise ServiceError(
                    _("Khối chưa lập biên bản họp; hãy ghi thông tin cuộc họp để lập biên bản."),
                    "started_at",
                    422,
                )
            docs = [existing]
    elif layout == "submission_letter":
        data = submission_letter_data(
            d,
            user,
            signer_title=options.get("signer_title"),
            signer_name=options.get("signer_name"),
        )
        docs = [_issue(d, user, layout, data)]
    else:  # nominee_summary
        raw = options.get("achievements") or {}
        if not isinstance(raw, dict):
            raise ServiceError(_("Dữ liệu chưa hợp lệ."), "achievements")
        achievements = {}
        for k, v in raw.items():
            try:
                achievements[int(k)] = v if isinstance(v, str) else ""
            except (TypeError, ValueError):
                continue
        data = nominee_summary_data(
            d,
            user,
            achievements,
            signer_title=options.get("signer_title"),
            signer_name=options.get("signer_name"),
        )
        docs = [_issue(d, user, layout, data)]
    for old in [i for i in entry.items if i.document_id is not None]:
        d.items.remove(old)
        db.session.delete(old)
    items = []
    for doc in docs:
        item = DossierItem(
            dossier=d,
            requirement_code=entry.code,
            nomination_id=None,
            title=entry.requirement.title,
            document_id=doc.id,
            uploaded_by_id=user.id,
            created_at=utcnow(),
        )
        db.session.add(item)
        items.append(item)
    _event(d, user, "generated", entry.requirement.title)
    db.session.flush()
    return items


def upload(
    user, d: Dossier, code: str, nomination_id: int | None, filename: str | None, data: bytes
) -> DossierItem:
    """Check and store one file for a checklist item (the caller commits; on failure ``discard``)."""
    _require_manager(user, d)
    _require_editable(d)
    entry = _entry(d, code, nomination_id)
    content_type = files.check_file(filename, data)
    key = secrets.token_hex(32)
    folder = files.storage_dir()
    target, partial = folder / key, folder / f"{key}.part"
    try:
        files._write(folder, partial, target, data)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        current_app.logger.error("dossier file write failed: %s", exc.__class__.__name__)
        raise files.StorageError(exc) from None
    item = DossierItem(
        dossier=d,
        requirement_code=entry.code,
        nomination_id=entry.nomination.id if entry.nomination else None,
        title=entry.requirement.title,
        file_name=files.clean_name(filename, content_type),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by_id=user.id,
        created_at=utcnow(),
    )
    try:
        db.session.add(item)
        who = f" ({entry.nomination.nominee_name})" if entry.nomination else ""
        _event(d, user, "uploaded", f"{entry.requirement.title}{who}: {item.file_name}")
        db.session.flush()
    except Exception:
        target.unlink(missing_ok=True)  # the row failed (the database went away): no orphan file
        raise
    return item


def delete_item(user, d: Dossier, item: DossierItem) -> None:
    """Remove an item (the caller commits, then ``discard``s an uploaded file)."""
    _require_manager(user, d)
    _require_editable(d)
    d.items.remove(item)
    db.session.delete(item)
    _event(d, user, "item_deleted", item.file_name or item.title)
    db.session.flush()


def discard(item: DossierItem) -> None:
    if item.storage_key:
        files.discard(item)


def item_name(item: DossierItem) -> str:
    if item.document is not None:
        base = item.document.title + (f" {item.document.symbol}" if item.document.symbol else "")
        return base.replace("/", "-") + ".pdf"
    return item.file_name or "tep"


# -- submission and review ---------------------------------------------------------------------


def submit(user, d: Dossier, *, on: dt.date | None = None) -> Dossier:
    _require_manager(user, d)
    if d.state not in EDITABLE:
        raise ServiceError(_("Hồ sơ đã nộp."), "state", 409)
    entries, rows = checklist(d), findings(d)
    found = problems(d, entries, rows)
    if found:
        raise Incomplete(found)
    province = db.session.get(Province, d.province_id)
    day = on or today()
    deadline = dossier_deadline(province, d.year)
    late = deadline is not None and day > deadline.due
    first = d.state == S.DRAFT
    if late and first and not province.allow_late_submissions:
        raise ServiceError(
            _(
                "Đã quá hạn nộp hồ sơ (%(due)s); %(province)s không nhận hồ sơ nộp muộn. Hãy liên hệ Sở Nội vụ.",
                due=deadline.due.strftime("%d/%m/%Y"),
                province=province.name,
            ),
            "deadline",
            409,
        )
    d.state = S.SUBMITTED if first else S.RESUBMITTED
    if first:
        d.submitted_at = utcnow()
        d.late = late
    note = _("Nộp muộn (hạn %(due)s)", due=deadline.due.strftime("%d/%m/%Y")) if late else ""
    label_change(d, "submit" if first else "resubmit")
    _event(d, user, "submitted" if first else "resubmitted", note, late=late)
    db.session.flush()
    return d


def return_dossier(user, d: Dossier, reason: str) -> Dossier:
    if not can_review(user, d):
        raise ServiceError(_("Chỉ cán bộ của tỉnh được trả lại hồ sơ."), "reason", 403)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ServiceError(_("Cần ghi lý do trả lại hồ sơ."), "reason")
    if len(reason) > 2000:
        raise ServiceError(_("Lý do tối đa 2000 ký tự."), "reason")
    if d.state not in UNDER_REVIEW:
        raise ServiceError(_("Chỉ trả lại được hồ sơ đã nộp, chưa có quyết định."), "state", 409)
    d.state = S.RETURNED
    d.returned_reason = reason
    label_change(d, "return")
    _event(d, user, "returned", reason)
    db.session.flush()
    return d


def decide(
    user, d: Dossier, *, number: str, date: dt.date | None, signer: str, category: str | None = None
) -> list[AwardRecord]:
    """Record the decision and create one award record per nomination."""
    if not can_review(user, d):
        raise ServiceError(
            _("Chỉ cán bộ của tỉnh được ghi quyết định khen thưởng."), "decision_number", 403
        )
    number = (number or "").strip() if isinstance(number, str) else ""
    signer = (signer or "").strip() if isinstance(signer, str) else ""
    if not number:
        raise ServiceError(_("Cần ghi số quyết định."), "decision_number")
    if len(number) > 60:
        raise ServiceError(_("Số quyết định tối đa 60 ký tự."), "decision_number")
    if not isinstance(date, dt.date):
        raise ServiceError(_("Cần ghi ngày quyết định (dd/mm/yyyy)."), "decision_date")
    if not signer:
        raise ServiceError(_("Cần ghi người ký quyết định."), "decision_signer")
    if len(signer) > 200:
        raise ServiceError(_("Người ký tối đa 200 ký tự."), "decision_signer")
    if d.state not in UNDER_REVIEW:
        raise ServiceError(
            _("Chỉ ghi quyết định cho hồ sơ đã nộp, chưa có quyết định."), "state", 409
        )
    province = db.session.get(Province, d.province_id)
    categories = award_categories_for(province)
    if category:
        if category not in categories:
            raise ServiceError(_("Loại khen thưởng không hợp lệ."), "category")
    else:
        category = "ktxh" if "ktxh" in categories else next(iter(categories), None)
    types = award_types_for(province)
    submitted = local(d.submitted_at).date() if d.submitted_at else None
    records = []
    for n in d.nominations:
        award = types.get(n.award_code)
        record = AwardRecord(
            province_id=d.province_id,
            year=d.year,
            award_code=n.award_code,
            level=award.level if award else "provincial",
            recipient=n.recipient,
            recipient_name=n.nominee_name[:300],
            unit_id=n.unit_id,
            person_group=n.person_group if n.recipient == "individual" else None,
            position=n.position or "",
            category=category,
            status=RecordStatus.DECIDED,
            decision_number=number,
            decision_date=date,
            decided_by=signer,
            submitted_on=submitted,
            nomination_id=n.id,
        )
        db.session.add(record)
        records.append(record)
    d.state = S.DECIDED
    d.decision_number, d.decision_date, d.decision_signer = number, date, signer
    label_change(d, "decide")
    _event(
        d,
        user,
        "decided",
        _(
            "Quyết định số %(number)s ngày %(date)s, người ký: %(signer)s",
            number=number,
            date=date.strftime("%d/%m/%Y"),
            signer=signer,
        ),
    )
    db.session.flush()
    return records


def event_label(action: str) -> str:
    return {
        "created": _("Lập hồ sơ"),
        "nominations": _("Thêm đề nghị"),
        "removed": _("Bỏ đề nghị khỏi hồ sơ"),
        "generated": _("Tạo văn bản"),
        "uploaded": _("Tải tệp lên"),
        "item_deleted": _("Xóa tài liệu"),
        "acknowledged": _("Xác nhận cảnh báo"),
        "submitted": _("Nộp hồ sơ"),
        "resubmitted": _("Nộp lại hồ sơ"),
        "returned": _("Trả lại hồ sơ"),
        "decided": _("Quyết định khen thưởng"),
    }.get(action, action)


def state_label(state: DossierState) -> str:
    return {
        S.DRAFT: _("Đang soạn"),
        S.SUBMITTED: _("Đã nộp"),
        S.RETURNED: _("Bị trả lại"),
        S.RESUBMITTED: _("Đã nộp lại"),
        S.DECIDED: _("Đã có quyết định"),
    }[S(state)]
