"""Units: create, edit, deactivate, and the all-or-nothing spreadsheet import."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import Province, Unit, UnitKind
from portal.services import ServiceError
from portal.text import nfc, search_text, sort_key


def _check_code(province_id: int, code: str, unit: Unit | None) -> None:
    clash = db.session.scalar(
        select(Unit).where(Unit.province_id == province_id, Unit.code == code)
    )
    if clash is not None and clash is not unit:
        raise ServiceError(_("Mã đơn vị %(code)s đã có trong tỉnh.", code=code), "code", 409)


def save_unit(
    unit: Unit | None,
    province: Province,
    *,
    code: str,
    name: str,
    kind: str,
    staff_count: int | None = None,
    is_active: bool = True,
    successor_id: int | None = None,
) -> Unit:
    code = (nfc(code) or "").upper()
    _check_code(province.id, code, unit)
    try:
        kind = UnitKind(kind)
    except ValueError:
        raise ServiceError(_("Loại đơn vị không hợp lệ."), "kind") from None
    if staff_count is not None and staff_count < 0:
        raise ServiceError(_("Số biên chế không được âm."), "staff_count")
    if successor_id is not None:
        successor = db.session.get(Unit, successor_id)
        if successor is None or successor.province_id != province.id:
            raise ServiceError(_("Đơn vị kế thừa phải thuộc cùng tỉnh."), "successor_id")
        if unit is not None and successor.id == unit.id:
            raise ServiceError(_("Một đơn vị không thể kế thừa chính nó."), "successor_id")
    if unit is None:
        unit = Unit(province_id=province.id)
        db.session.add(unit)
    unit.code = code
    unit.name = nfc(name)
    unit.sort_key = sort_key(unit.name)
    unit.search_text = search_text(unit.code, unit.name)
    unit.kind = kind
    unit.staff_count = staff_count
    unit.is_active = is_active
    unit.successor_id = successor_id
    db.session.flush()
    return unit


@dataclass
class UnitImportPlan:
    """What an import will do, shown as the preview; applied only when it has no errors."""

    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[Unit, dict]] = field(default_factory=list)
    errors: list = field(default_factory=list)  # tabular.RowError

    @property
    def ok(self) -> bool:
        return not self.errors


def apply_unit_import(province: Province, plan: UnitImportPlan, progress=None) -> int:
    """Write the plan in the caller's transaction; nothing is written if the plan has errors.
    ``progress(count)``, when given, hears after each row (a background job's progress bar)."""
    if not plan.ok:
        raise ServiceError(_("Tệp còn lỗi nên chưa ghi dữ liệu nào."))
    count = 0
    for values in plan.creates:
        save_unit(None, province, **values)
        count += 1
        if progress is not None:
            progress(count)
    for unit, values in plan.updates:
        save_unit(unit, province, successor_id=unit.successor_id, **values)
        count += 1
        if progress is not None:
            progress(count)
    return count


def existing_units_by_code(province: Province) -> dict[str, Unit]:
    rows = db.session.scalars(select(Unit).where(Unit.province_id == province.id)).all()
    return {u.code: u for u in rows}
