"""Nominations (đề nghị khen thưởng): from a published ballot, or by hand for a unit or a person.

A nomination proposes one collective or one individual for one award of the province's catalogue.
The block leader turns the elected units of a published ballot into nominations for the ballot's
award; the block leader, a unit's officers or the province office add others by hand. A hold
(discipline, investigation or a complaint being verified, RULES.md D6) is recorded on the
nomination with its reason; the national rules then report it as an error that blocks submission.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.access import (
    can_manage_province,
    can_view_province,
    is_block_leader,
    only_unit_officer,
    rows_visible_to,
)
from portal.audit import label_change
from portal.catalogue import award_types_for
from portal.extensions import db
from portal.models import Ballot, BallotState, Block, Nomination, PersonGroup, Province, Unit
from portal.models.awards import DossierState
from portal.services import ServiceError
from portal.text import search_text

RECIPIENTS = ("collective", "individual")
EDITABLE_DOSSIER_STATES = (DossierState.DRAFT, DossierState.RETURNED)


# -- who may see and change a nomination ------------------------------------------------------


def can_view_nomination(user, n: Nomination) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if can_view_province(user, n.province_id) and not only_unit_officer(user):
        return True
    units = user.unit_ids()
    if n.unit_id in units:
        return True
    return n.block is not None and bool(units & {u.id for u in n.block.members})


def can_manage_nomination(user, n: Nomination) -> bool:
    """The province office; the block leader for the block's nominations; the unit's officers for
    the unit's own (not made through a block)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if can_manage_province(user, n.province_id):
        return True
    if n.block is not None:
        return is_block_leader(user, n.block)
    return n.unit_id in user.unit_ids()


def nominations_visible_to(user, stmt=None):
    return rows_visible_to(user, Nomination, stmt)


def _locked(n: Nomination) -> bool:
    return n.dossier is not None and n.dossier.state not in EDITABLE_DOSSIER_STATES


# -- from a published ballot --------------------------------------------------------------------


def _duplicate(
    province_id: int,
    year: int,
    award_code: str,
    recipient: str,
    unit_id: int | None,
    person_name: str | None,
    exclude_id: int | None = None,
) -> Nomination | None:
    stmt = select(Nomination).where(
        Nomination.province_id == province_id,
        Nomination.year == year,
        Nomination.award_code == award_code,
        Nomination.recipient == recipient,
        Nomination.unit_id == unit_id if unit_id is not None else Nomination.unit_id.is_(None),
    )
    for other in db.session.scalars(stmt):
        if other.id == exclude_id:
            continue
        if recipient == "collective" or search_text(other.person_name or "") == search_text(
            person_name or ""
        ):
            return other
    return None


def from_ballot(user, ballot: Ballot) -> list[Nomination]:
    """One nomination per elected candidate of a published ballot, for the ballot's award, linked
    to the block and the ballot. Refused when the ballot's nominations exist already."""
    block = ballot.block
    if not is_block_leader(user, block):
        raise ServiceError(
            _("Chỉ khối trưởng được lập đề nghị từ kết quả bỏ phiếu."), "ballot_id", 403
        )
    if ballot.state != BallotState.PUBLISHED or not ballot.result:
        raise ServiceError(_("Cuộc bỏ phiếu chưa công bố kết quả."), "ballot_id", 409)
    elected = ballot.result.get("elected") or []
    if not elected:
        raise ServiceError(_("Cuộc bỏ phiếu không có đơn vị nào trúng cử."), "ballot_id", 409)
    if db.session.scalar(select(Nomination.id).where(Nomination.ballot_id == ballot.id).limit(1)):
        raise ServiceError(_("Đã lập đề nghị từ kết quả của cuộc bỏ phiếu này."), "ballot_id", 409)
    award = award_types_for(block.province).get(ballot.award_code)
    if award is None:
        raise ServiceError(
            _("Danh hiệu của cuộc bỏ phiếu không còn trong danh mục của tỉnh."), "ballot_id", 409
        )
    by_id = {c.id: c for c in ballot.candidates}
    out = []
    for candidate_id in elected:
        candidate = by_id.get(candidate_id)
        if candidate is None:
            continue
        existing = _duplicate(
            block.province_id, block.year, award.code, "collective", candidate.unit_id, None
        )
        if existing is not None:
            raise ServiceError(
                _(
                    "%(unit)s đã được đề nghị tặng %(award)s năm %(year)s.",
                    unit=candidate.unit.name,
                    award=award.name,
                    year=block.year,
                ),
                "ballot_id",
                409,
            )
        n = Nomination(
            province_id=block.province_id,
            year=block.year,
            award_code=award.code,
            recipient="collective",
            unit_id=candidate.unit_id,
            block_id=block.id,
            ballot_id=ballot.id,
            position="",
        )
        db.session.add(n)
        out.append(n)
    db.session.flush()
    return out


# -- by hand --------------------------------------------------------------------------------------


def nominable_units(user, province: Province, year: int) -> list[Unit]:
    """Units this user may propose: every active unit for the province office; their own units and
    the members of the blocks they lead that year for a unit officer."""
    if can_manage_province(user, province.id):
        return list(
            db.session.scalars(
                select(Unit)
                .where(Unit.province_id == province.id, Unit.is_active.is_(True))
                .order_by(Unit.sort_key)
            )
        )
    ids = set(user.unit_ids())
    for block in led_blocks(user, province, year):
        ids |= {u.id for u in block.members}
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Unit)
            .where(Unit.id.in_(ids), Unit.province_id == province.id)
            .order_by(Unit.sort_key)
        )
    )


def led_blocks(user, province: Province | None, year: int | None) -> list[Block]:
    units = user.unit_ids()
    if not units:
        return []
    stmt = select(Block).where(Block.leader_unit_id.in_(units))
    if province is not None:
        stmt = stmt.where(Block.province_id == province.id)
    if year is not None:
        stmt = stmt.where(Block.year == year)
    return list(db.session.scalars(stmt.order_by(Block.year.desc(), Block.sort_key)))


def create_nomination(
    user,
    province: Province,
    *,
    year: int,
    award_code: str,
    recipient: str,
    unit_id: int | None,
    person_name: str | None = None,
    person_group: str | None = None,
    position: str = "",
    block_id: int | None = None,
    hold_reason: str | None = None,
) -> Nomination:
    award = award_types_for(province).get(award_code or "")
    if award is None:
        raise ServiceError(
            _("Danh hiệu hoặc hình thức khen thưởng không có trong danh mục của tỉnh."),
            "award_code",
        )
    if award.level == "grassroots":
        raise ServiceError(
            _(
                "%(award)s là khen thưởng cấp cơ sở, do thủ trưởng đơn vị quyết định; không lập đề nghị gửi tỉnh.",
                award=award.name,
            ),
            "award_code",
        )
    if recipient not in RECIPIENTS:
        raise ServiceError(_("Cần chọn tập thể hoặc cá nhân."), "recipient")
    if recipient not in award.recipients:
        raise ServiceError(
            _(
                "%(award)s không dành cho %(who)s.",
                award=award.name,
                who=_("tập thể") if recipient == "collective" else _("cá nhân"),
            ),
            "award_code",
        )
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ServiceError(_("Năm thi đua không hợp lệ."), "year")
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or unit.province_id != province.id:
        raise ServiceError(
            _("Cần chọn đơn vị được đề nghị.")
            if recipient == "collective"
            else _("Cần chọn đơn vị công tác của cá nhân."),
            "unit_id",
        )
    block = None
    if block_id:
        block = db.session.get(Block, block_id)
        if block is None or block.province_id != province.id or block.year != year:
            raise ServiceError(_("Khối thi đua không hợp lệ cho năm đã chọn."), "block_id")
        if unit.id not in {u.id for u in block.members}:
            raise ServiceError(
                _(
                    "%(unit)s không phải thành viên của %(block)s.",
                    unit=unit.name,
                    block=block.name,
                ),
                "unit_id",
            )
    # Permission: the province office; the block's leader; the unit's own officers (no block).
    allowed = can_manage_province(user, province.id) or (
        is_block_leader(user, block) if block is not None else unit.id in user.unit_ids()
    )
    if not allowed:
        raise ServiceError(
            _(
                "Bạn chỉ được đề nghị cho đơn vị của mình, hoặc qua khối do đơn vị mình làm khối trưởng."
            ),
            "unit_id",
            403,
        )
    name = (person_name or "").strip()
    group = None
    if recipient == "individual":
        if not name:
            raise ServiceError(_("Cần ghi họ và tên cá nhân."), "person_name")
        if len(name) > 200:
            raise ServiceError(_("Họ và tên tối đa 200 ký tự."), "person_name")
        if person_group not in {g.value for g in PersonGroup}:
            raise ServiceError(
                _("Cần chọn lãnh đạo, quản lý hoặc người lao động trực tiếp."), "person_group"
            )
        group = PersonGroup(person_group)
    else:
        name = None
    position = (position or "").strip()
    if len(position) > 200:
        raise ServiceError(_("Chức vụ tối đa 200 ký tự."), "position")
    if _duplicate(province.id, year, award.code, recipient, unit.id, name) is not None:
        raise ServiceError(
            _(
                "%(who)s đã được đề nghị tặng %(award)s năm %(year)s.",
                who=name or unit.name,
                award=award.name,
                year=year,
            ),
            "award_code",
            409,
        )
    n = Nomination(
        province_id=province.id,
        year=year,
        award_code=award.code,
        recipient=recipient,
        unit_id=unit.id,
        person_name=name,
        person_group=group,
        position=position,
        block_id=block.id if block else None,
        hold_reason=(hold_reason or "").strip() or None,
    )
    db.session.add(n)
    db.session.flush()
    return n


def set_hold(user, n: Nomination, reason: str | None) -> Nomination:
    """Record (or clear, with an empty reason) a hold on the nominee (RULES.md D6)."""
    if not can_manage_nomination(user, n):
        raise ServiceError(_("Bạn không có quyền sửa đề nghị này."), "hold_reason", 403)
    if _locked(n):
        raise ServiceError(_("Hồ sơ đã nộp; không sửa được đề nghị."), "state", 409)
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ServiceError(_("Lý do tối đa 2000 ký tự."), "hold_reason")
    n.hold_reason = reason or None
    label_change(n, "hold" if reason else "release")
    db.session.flush()
    return n


def delete_nomination(user, n: Nomination) -> None:
    """Withdraw a nomination that no submitted dossier holds (its dossier items go with it)."""
    from portal.models import Acknowledgement, DossierItem

    if not can_manage_nomination(user, n):
        raise ServiceError(_("Bạn không có quyền xóa đề nghị này."), "nomination", 403)
    if n.dossier is not None and n.dossier.state != DossierState.DRAFT:
        raise ServiceError(_("Đề nghị đã nằm trong hồ sơ đã nộp; không xóa được."), "state", 409)
    for item in db.session.scalars(select(DossierItem).where(DossierItem.nomination_id == n.id)):
        db.session.delete(item)
    for ack in db.session.scalars(
        select(Acknowledgement).where(Acknowledgement.nomination_id == n.id)
    ):
        db.session.delete(ack)
    db.session.delete(n)
    db.session.flush()


def published_ballots_for(
    user, province: Province | None = None, year: int | None = None
) -> list[Ballot]:
    """Published ballots of the blocks this user leads, with whether nominations exist."""
    blocks = led_blocks(user, province, year)
    if not blocks:
        return []
    return list(
        db.session.scalars(
            select(Ballot)
            .where(
                Ballot.block_id.in_([b.id for b in blocks]), Ballot.state == BallotState.PUBLISHED
            )
            .order_by(Ballot.published_at.desc(), Ballot.id.desc())
        )
    )


def has_nominations(ballot: Ballot) -> bool:
    return (
        db.session.scalar(select(Nomination.id).where(Nomination.ballot_id == ballot.id).limit(1))
        is not None
    )
