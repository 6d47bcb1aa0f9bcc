"""Blocks for one emulation year: members, leader and deputy, and copying a year forward."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import Block, Province, Unit, block_members
from portal.services import ServiceError
from portal.text import nfc, sort_key

MIN_YEAR, MAX_YEAR = 2000, 2100


def block_years(province_id: int) -> list[int]:
    """The years in which the province has blocks, newest first (year pickers, dashboards)."""
    return list(
        db.session.scalars(
            select(Block.year).where(Block.province_id == province_id).distinct().order_by(Block.year.desc())
        )
    )


def save_block(
    block: Block | None,
    province: Province,
    *,
    year: int,
    code: str,
    name: str,
    member_ids: list[int],
    leader_unit_id: int | None,
    deputy_unit_id: int | None,
) -> Block:
    code = (nfc(code) or "").upper()
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ServiceError(_("Năm thi đua phải từ %(a)s đến %(b)s.", a=MIN_YEAR, b=MAX_YEAR), "year")
    clash = db.session.scalar(
        select(Block).where(Block.province_id == province.id, Block.year == year, Block.code == code)
    )
    if clash is not None and clash is not block:
        raise ServiceError(_("Mã khối %(code)s đã có trong năm %(year)s.", code=code, year=year), "code", 409)
    member_ids = list(dict.fromkeys(int(i) for i in member_ids))
    members = db.session.scalars(select(Unit).where(Unit.id.in_(member_ids or [-1]))).all()
    if len(members) != len(member_ids) or any(u.province_id != province.id for u in members):
        raise ServiceError(_("Đơn vị thành viên phải thuộc tỉnh này."), "member_ids")
    inactive = [u.name for u in members if not u.is_active]
    if inactive:
        raise ServiceError(
            _("Đơn vị đã ngừng hoạt động không thể là thành viên: %(names)s.", names=", ".join(inactive)),
            "member_ids",
        )
    # A unit competes in one block per year.
    taken = db.session.execute(
        select(Unit.name, Block.name)
        .join(block_members, block_members.c.unit_id == Unit.id)
        .join(Block, Block.id == block_members.c.block_id)
        .where(
            Block.province_id == province.id,
            Block.year == year,
            Unit.id.in_(member_ids or [-1]),
            Block.id != (block.id if block is not None and block.id else -1),
        )
    ).all()
    if taken:
        listing = "; ".join(f"{u} ({b})" for u, b in taken)
        raise ServiceError(
            _("Đơn vị đã thuộc khối khác trong năm %(year)s: %(list)s.", year=year, list=listing),
            "member_ids",
        )
    for field_name, unit_id, label in (
        ("leader_unit_id", leader_unit_id, _("Khối trưởng")),
        ("deputy_unit_id", deputy_unit_id, _("Khối phó")),
    ):
        if unit_id is not None and unit_id not in member_ids:
            raise ServiceError(_("%(role)s phải là đơn vị thành viên của khối.", role=label), field_name)
    if leader_unit_id is not None and leader_unit_id == deputy_unit_id:
        raise ServiceError(_("Khối trưởng và khối phó phải là hai đơn vị khác nhau."), "deputy_unit_id")
    if block is None:
        block = Block(province_id=province.id)
        db.session.add(block)
    block.year = year
    block.code = code
    block.name = nfc(name)
    block.sort_key = sort_key(block.name)
    block.members = sorted(members, key=lambda u: u.sort_key)
    block.leader_unit_id = leader_unit_id
    block.deputy_unit_id = deputy_unit_id
    db.session.flush()
    return block


def copy_blocks(province: Province, from_year: int, to_year: int) -> list[Block]:
    """Copy ``from_year``'s blocks into ``to_year``: same members (a dissolved unit replaced by its
    successor), last year's deputy becomes the leader, and the new deputy is left to the block's
    election at its summary conference (RULES.md B3, BLK-2)."""
    if from_year == to_year:
        raise ServiceError(_("Năm nguồn và năm đích phải khác nhau."), "to_year")
    existing = db.session.scalar(
        select(Block.id).where(Block.province_id == province.id, Block.year == to_year).limit(1)
    )
    if existing is not None:
        raise ServiceError(
            _("Năm %(year)s đã có khối thi đua; không sao chép để tránh trùng lặp.", year=to_year),
            "to_year",
            409,
        )
    sources = db.session.scalars(
        select(Block).where(Block.province_id == province.id, Block.year == from_year).order_by(Block.sort_key)
    ).all()
    if not sources:
        raise ServiceError(_("Năm %(year)s chưa có khối thi đua nào để sao chép.", year=from_year), "from_year")
    created = []
    for src in sources:
        members = []
        for unit in src.members:
            current = unit
            seen = set()
            while not current.is_active and current.successor is not None and current.id not in seen:
                seen.add(current.id)
                current = current.successor
            if current.is_active and current not in members:
                members.append(current)
        ids = [u.id for u in members]
        leader = src.deputy_unit_id if src.deputy_unit_id in ids else None
        created.append(
            save_block(
                None,
                province,
                year=to_year,
                code=src.code,
                name=src.name,
                member_ids=ids,
                leader_unit_id=leader,
                deputy_unit_id=None,
            )
        )
    return created
