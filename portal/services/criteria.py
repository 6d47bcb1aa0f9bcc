"""Criteria tables: build one from rows (a template, an import, last year's table), check it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.logic import scoring as logic
from portal.models import CriteriaTable, Criterion, CriterionKind, Province
from portal.services import ServiceError
from portal.text import nfc
from portal.types import CriterionSpec


def spec_problems(specs: list[CriterionSpec]) -> list[tuple[str, str]]:
    """(code, problem) for repeated codes, unknown parents, and group maxima that do not match
    the sum of their children's."""
    problems, seen = [], set()
    for s in specs:
        if s.code in seen:
            problems.append((s.code, _("Mã tiêu chí %(code)s bị trùng.", code=s.code)))
        seen.add(s.code)
    for s in specs:
        if s.parent is not None and s.parent not in seen:
            problems.append((s.code, _("Tiêu chí cha %(parent)s không có trong bảng.", parent=s.parent)))
    rows = [logic.Row(s.code, s.code, s.kind, s.max_points, s.parent) for s in specs]
    for code, problem in logic.table_problems(rows):
        problems.append((code, _("Tiêu chí %(code)s: %(problem)s.", code=code, problem=problem)))
    return problems


def create_table(province: Province, year: int, name: str, specs: list[CriterionSpec], *,
                 source: str = "", previous: CriteriaTable | None = None) -> CriteriaTable:
    """A new table (or a new version of ``previous``) with ``specs`` in order; all or nothing."""
    name = nfc(name) or ""
    if not name:
        raise ServiceError(_("Cần tên bảng tiêu chí."), "name")
    if not specs:
        raise ServiceError(_("Bảng tiêu chí chưa có tiêu chí nào."), "criteria")
    problems = spec_problems(specs)
    if problems:
        raise ServiceError("; ".join(p for _c, p in problems), "criteria")
    version = 1
    if previous is not None:
        version = (db.session.scalar(
            select(func.max(CriteriaTable.version)).where(
                CriteriaTable.province_id == province.id, CriteriaTable.year == year, CriteriaTable.name == name
            )
        ) or 0) + 1
    elif db.session.scalar(select(CriteriaTable.id).where(
        CriteriaTable.province_id == province.id, CriteriaTable.year == year, CriteriaTable.name == name
    )) is not None:
        raise ServiceError(_("Năm %(y)s đã có bảng tiêu chí tên “%(n)s”.", y=year, n=name), "name", 409)
    table = CriteriaTable(province_id=province.id, year=year, name=name, version=version,
                          previous_id=previous.id if previous else None, source=source)
    db.session.add(table)
    by_code: dict[str, Criterion] = {}
    for position, s in enumerate(specs):
        row = Criterion(
            position=position, code=s.code, title=nfc(s.title), guidance=nfc(s.guidance) or "",
            kind=CriterionKind(s.kind), max_points=s.max_points, parent=by_code.get(s.parent),
        )
        table.criteria.append(row)  # through the parent: SQLAlchemy 2 does not cascade backrefs
        by_code[s.code] = row
    db.session.flush()
    return table


def specs_of(table: CriteriaTable) -> list[CriterionSpec]:
    """A table's rows as specs (to copy it to another year or make a new version)."""
    by_id = {c.id: c for c in table.criteria}
    return [
        CriterionSpec(
            code=c.code, title=c.title, kind=c.kind.value, max_points=c.max_points,
            parent=by_id[c.parent_id].code if c.parent_id else None, guidance=c.guidance or "",
        )
        for c in table.criteria
    ]
