"""Criteria tables: build one from rows (a template, an import, last year's table), check it,
edit it (in place while unlocked, as a new version once a started round uses it)."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.documents.formatting import format_decimal
from portal.extensions import db
from portal.models import CriteriaTable, Criterion, CriterionKind, Province, ScoringRound
from portal.services import ServiceError
from portal.text import fold, nfc, strip_tones
from portal.types import CRITERION_KINDS, CriterionSpec

MAX_POINTS = Decimal("999999.99")  # the column is Numeric(8, 2)
CODE_LENGTH = 30


def _points(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return format_decimal(value, 2).rstrip("0").rstrip(",")


def spec_problems(specs: list[CriterionSpec]) -> list[tuple[str, str]]:
    """(code, problem) for repeated codes, unknown or later parents, children of another kind
    than their group, and group maxima that do not match the sum of their children's."""
    problems, seen = [], set()
    for s in specs:
        if s.code in seen:
            problems.append((s.code, _("Mã tiêu chí %(code)s bị trùng.", code=s.code)))
        if len(s.code) > CODE_LENGTH:
            problems.append(
                (s.code, _("Mã tiêu chí %(code)s dài quá %(n)s ký tự.", code=s.code, n=CODE_LENGTH))
            )
        if s.max_points is not None and s.max_points > MAX_POINTS:
            problems.append((s.code, _("Tiêu chí %(code)s: điểm tối đa quá lớn.", code=s.code)))
        if s.parent is not None and s.parent not in seen:
            if any(o.code == s.parent for o in specs):
                problems.append(
                    (
                        s.code,
                        _(
                            "Tiêu chí cha %(parent)s phải đứng trước tiêu chí %(code)s.",
                            parent=s.parent,
                            code=s.code,
                        ),
                    )
                )
            else:
                problems.append(
                    (s.code, _("Tiêu chí cha %(parent)s không có trong bảng.", parent=s.parent))
                )
        seen.add(s.code)
    children: dict[str, list[CriterionSpec]] = {}
    for s in specs:
        if s.parent is not None:
            children.setdefault(s.parent, []).append(s)
    for s in specs:
        kids = children.get(s.code)
        if not kids or s.kind == "info":
            continue
        counted = [k for k in kids if k.kind != "info"]
        for k in counted:
            if k.kind != s.kind:
                problems.append(
                    (
                        k.code,
                        _(
                            "Tiêu chí %(code)s là “%(kind)s” nhưng nằm trong nhóm %(group)s là “%(group_kind)s”.",
                            code=k.code,
                            kind=kind_label(k.kind),
                            group=s.code,
                            group_kind=kind_label(s.kind),
                        ),
                    )
                )
        total = sum((k.max_points or Decimal(0) for k in counted), Decimal(0))
        if s.max_points is not None and total != s.max_points:
            problems.append(
                (
                    s.code,
                    _(
                        "Nhóm %(code)s có điểm tối đa %(max)s nhưng tổng điểm tối đa của các tiêu chí con là %(sum)s.",
                        code=s.code,
                        max=_points(s.max_points),
                        sum=_points(total),
                    ),
                )
            )
    return problems


def kind_label(kind) -> str:
    value = kind.value if isinstance(kind, CriterionKind) else kind
    return {
        "scored": _("Chấm điểm"),
        "bonus": _("Điểm cộng"),
        "penalty": _("Điểm trừ"),
        "info": _("Thông tin"),
    }.get(value, value)


# How officials write the kind in their spreadsheets (compared folded and without tones).
KIND_ALIASES = {
    "scored": ("chấm điểm", "điểm chấm", "tiêu chí", "chấm", "điểm", "scored", "score"),
    "bonus": (
        "điểm cộng",
        "cộng",
        "điểm thưởng",
        "thưởng",
        "cộng điểm",
        "điểm khuyến khích",
        "bonus",
    ),
    "penalty": ("điểm trừ", "trừ", "trừ điểm", "penalty"),
    "info": ("thông tin", "tham khảo", "không chấm", "không chấm điểm", "ghi chú", "info"),
}
_KIND_INDEX = {
    strip_tones(fold(alias)): kind for kind, aliases in KIND_ALIASES.items() for alias in aliases
}


def parse_kind(value) -> str:
    """ "Điểm thưởng", "cộng", "DIEM TRU", "bonus"… -> a kind name; ``ValueError`` otherwise."""
    key = " ".join(strip_tones(fold(str(value))).replace("-", " ").split())
    if key in _KIND_INDEX:
        return _KIND_INDEX[key]
    raise ValueError(
        _(
            "«%(value)s» không phải loại tiêu chí; ghi một trong: Chấm điểm, Điểm cộng, Điểm trừ, Thông tin.",
            value=str(value)[:40],
        )
    )


def parse_points(value) -> Decimal | None:
    """8, 8.5, "8,5", "8.50" -> Decimal; blank -> None; anything else -> ``ValueError``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(_("Điểm tối đa phải là một số."))
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValueError(_("«%(value)s» không phải là số điểm.", value=str(value)[:40])) from None
    if not number.is_finite():
        raise ValueError(_("«%(value)s» không phải là số điểm.", value=str(value)[:40]))
    if number < 0:
        raise ValueError(_("Điểm tối đa không được âm."))
    number = abs(number)  # "-0" is 0
    if number > MAX_POINTS:
        raise ValueError(_("Điểm tối đa quá lớn."))
    if number != number.quantize(Decimal("0.01")):
        raise ValueError(_("Điểm tối đa chỉ có tối đa hai chữ số thập phân."))
    return tidy(number)


def tidy(value: Decimal | None) -> Decimal | None:
    """10.00 -> 10, 2.50 -> 2.5 (and never 1E+2)."""
    if value is None:
        return None
    value = Decimal(value).quantize(Decimal("0.01"))
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def normalise_code(value) -> str:
    """ "I." -> "I", " 1 . 2 " -> "1.2": how officials number rows, as one comparable code."""
    text = nfc(str(value)) or ""
    text = re.sub(r"\s*\.\s*", ".", " ".join(text.split()))
    return text.strip(" .")


def derive_parent(code: str, known) -> str | None:
    """The nearest known ancestor by code: "I.2.a" -> "I.2" if present, else "I", else none."""
    parts = code.split(".")
    while len(parts) > 1:
        parts.pop()
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
    return None


def _check(specs: list[CriterionSpec], *, allow_empty: bool) -> None:
    if not specs and not allow_empty:
        raise ServiceError(_("Bảng tiêu chí chưa có tiêu chí nào."), "criteria")
    problems = spec_problems(specs)
    if problems:
        raise ServiceError(" ".join(p for _c, p in problems), "criteria")


def create_table(
    province: Province,
    year: int,
    name: str,
    specs: list[CriterionSpec],
    *,
    source: str = "",
    previous: CriteriaTable | None = None,
    allow_empty: bool = False,
) -> CriteriaTable:
    """A new table (or a new version of ``previous``) with ``specs`` in order; all or nothing.
    ``allow_empty`` makes a blank table whose rows are added afterwards."""
    name = " ".join((nfc(name) or "").split())
    if not name:
        raise ServiceError(_("Cần tên bảng tiêu chí."), "name")
    if len(name) > 300:
        raise ServiceError(_("Tên bảng tiêu chí dài quá 300 ký tự."), "name")
    if not 2000 <= year <= 2100:
        raise ServiceError(_("Năm thi đua phải từ 2000 đến 2100."), "year")
    _check(specs, allow_empty=allow_empty)
    version = 1
    if previous is not None:
        version = (
            db.session.scalar(
                select(func.max(CriteriaTable.version)).where(
                    CriteriaTable.province_id == province.id,
                    CriteriaTable.year == year,
                    CriteriaTable.name == name,
                )
            )
            or 0
        ) + 1
    elif (
        db.session.scalar(
            select(CriteriaTable.id).where(
                CriteriaTable.province_id == province.id,
                CriteriaTable.year == year,
                CriteriaTable.name == name,
            )
        )
        is not None
    ):
        raise ServiceError(
            _("Năm %(y)s đã có bảng tiêu chí tên “%(n)s”.", y=year, n=name), "name", 409
        )
    table = CriteriaTable(
        province_id=province.id,
        year=year,
        name=name,
        version=version,
        previous_id=previous.id if previous else None,
        source=source[:300],
    )
    db.session.add(table)
    _write_rows(table, specs)
    db.session.flush()
    return table


def _write_rows(table: CriteriaTable, specs: list[CriterionSpec]) -> None:
    """Make ``table.criteria`` equal ``specs``: rows keep their id when their code stays."""
    existing = {c.code: c for c in table.criteria}
    wanted = {s.code for s in specs}
    gone = [c for code, c in existing.items() if code not in wanted]
    if gone:
        for c in table.criteria:  # nothing may point at a row about to go
            c.parent = None
        db.session.flush()
        for c in gone:
            table.criteria.remove(c)
        db.session.flush()
    by_code: dict[str, Criterion] = {}
    for position, s in enumerate(specs):
        row = existing.get(s.code)
        if row is None:
            row = Criterion(code=s.code)
            table.criteria.append(row)  # through the parent: SQLAlchemy 2 does not cascade backrefs
        row.position = position
        row.title = nfc(s.title)
        row.guidance = nfc(s.guidance) or ""
        row.kind = CriterionKind(s.kind)
        row.max_points = s.max_points
        row.parent = by_code.get(s.parent)
        by_code[s.code] = row
    table.criteria.sort(key=lambda c: c.position)


def specs_of(table: CriteriaTable) -> list[CriterionSpec]:
    """A table's rows as specs (to copy it to another year or make a new version)."""
    by_id = {c.id: c for c in table.criteria}
    return [
        CriterionSpec(
            code=c.code,
            title=c.title,
            kind=c.kind.value,
            max_points=c.max_points,
            parent=by_id[c.parent_id].code if c.parent_id else None,
            guidance=c.guidance or "",
        )
        for c in sorted(table.criteria, key=lambda c: c.position)
    ]


def replace_criteria(
    table: CriteriaTable, specs: list[CriterionSpec], *, allow_empty: bool = False
) -> tuple[CriteriaTable, bool]:
    """Give ``table`` these rows. An unlocked table is rewritten in place; a locked one (in use
    by a started round) is left as it is and a new version carries the rows. Returns the table
    that now holds them and whether it is a new version."""
    _check(specs, allow_empty=allow_empty)
    if table.locked:
        new = create_table(
            table.province,
            table.year,
            table.name,
            specs,
            source=table.source,
            previous=table,
            allow_empty=allow_empty,
        )
        return new, True
    _write_rows(table, specs)
    db.session.flush()
    return table, False


def with_group_sums(specs: list[CriterionSpec], groups) -> list[CriterionSpec]:
    """Set the maximum of each group in ``groups`` (codes; ``None`` ignored) and of every group
    above it to the sum of its counted children's, deepest first. Informational groups and
    groups left without children keep theirs."""
    out = list(specs)
    index = {s.code: i for i, s in enumerate(out)}
    todo = set()
    for code in groups:
        while code is not None and code in index and code not in todo:
            todo.add(code)
            code = out[index[code]].parent
    for code in sorted(todo, key=lambda c: -_depth(out, index, c)):
        group = out[index[code]]
        kids = [s for s in out if s.parent == code and s.kind != "info"]
        if group.kind != "info" and kids:
            total = sum((k.max_points or Decimal(0) for k in kids), Decimal(0))
            out[index[code]] = replace(group, max_points=tidy(total))
    return out


def _depth(specs, index, code) -> int:
    depth = 0
    parent = specs[index[code]].parent
    while parent is not None and parent in index and depth < len(specs):
        depth += 1
        parent = specs[index[parent]].parent
    return depth


def subtree(specs: list[CriterionSpec], code: str) -> set[str]:
    """``code`` and every row below it."""
    out = {code}
    grew = True
    while grew:
        grew = False
        for s in specs:
            if s.parent in out and s.code not in out:
                out.add(s.code)
                grew = True
    return out


def copy_table(source: CriteriaTable, province: Province, year: int, name: str) -> CriteriaTable:
    """Last year's table (or any other) as the start of a new one."""
    if source.province_id != province.id:
        raise ServiceError(_("Chỉ sao chép được bảng tiêu chí của cùng tỉnh."), "source_id", 422)
    label = _(
        "Sao chép từ “%(n)s” năm %(y)s (phiên bản %(v)s)",
        n=source.name,
        y=source.year,
        v=source.version,
    )
    return create_table(province, year, name, specs_of(source), source=label, allow_empty=True)


def tree(table: CriteriaTable) -> list[tuple[Criterion, int, bool]]:
    """(row, depth, has children) in table order, for indented display."""
    depth: dict[int, int] = {}
    parents = {c.parent_id for c in table.criteria if c.parent_id}
    out = []
    for c in sorted(table.criteria, key=lambda c: c.position):
        depth[c.id] = depth.get(c.parent_id, -1) + 1 if c.parent_id else 0
        out.append((c, depth[c.id], c.id in parents))
    return out


def maxima(specs: list[CriterionSpec]) -> dict[str, Decimal]:
    """The table's possible totals by kind: top-level rows' maxima (a top-level row without
    children counts for itself)."""
    out = {k: Decimal(0) for k in CRITERION_KINDS if k != "info"}
    for s in specs:
        if s.parent is None and s.kind in out and s.max_points is not None:
            out[s.kind] += s.max_points
    return out


def rounds_using(table_ids) -> dict[int, list[ScoringRound]]:
    ids = list(table_ids)
    if not ids:
        return {}
    out: dict[int, list[ScoringRound]] = {}
    for r in db.session.scalars(select(ScoringRound).where(ScoringRound.table_id.in_(ids))):
        out.setdefault(r.table_id, []).append(r)
    return out


def versions_of(table: CriteriaTable) -> list[CriteriaTable]:
    return list(
        db.session.scalars(
            select(CriteriaTable)
            .where(
                CriteriaTable.province_id == table.province_id,
                CriteriaTable.year == table.year,
                CriteriaTable.name == table.name,
            )
            .order_by(CriteriaTable.version)
        )
    )


# -- one row at a time (the pages' add / edit / delete) ------------------------------------------


def _move(specs: list[CriterionSpec], codes: set[str], parent: str | None) -> list[CriterionSpec]:
    """Put the rows ``codes`` (in their order) after the last row under ``parent``."""
    moving = [s for s in specs if s.code in codes]
    rest = [s for s in specs if s.code not in codes]
    if parent is None:
        return rest + moving
    under = subtree(rest, parent)
    last = max(i for i, s in enumerate(rest) if s.code in under)
    return rest[: last + 1] + moving + rest[last + 1 :]


def put_row(
    specs: list[CriterionSpec], old_code: str | None, row: CriterionSpec, *, sum_groups: bool
) -> list[CriterionSpec]:
    """``specs`` with ``row`` added (``old_code`` None) or replacing the row ``old_code``; a
    renamed row's children follow it, a row given another parent moves with its subtree under
    it. With ``sum_groups`` the groups above the old and new places get their children's sum."""
    out = list(specs)
    if old_code is None:
        if any(s.code == row.code for s in out):
            raise ServiceError(_("Mã tiêu chí %(code)s bị trùng.", code=row.code), "code")
        out = _move(out + [row], {row.code}, row.parent)
        touched = {row.parent}
    else:
        index = next((i for i, s in enumerate(out) if s.code == old_code), None)
        if index is None:
            raise ServiceError(_("Không tìm thấy tiêu chí %(code)s.", code=old_code), "code", 404)
        if row.code != old_code and any(s.code == row.code for s in out):
            raise ServiceError(_("Mã tiêu chí %(code)s bị trùng.", code=row.code), "code")
        below = subtree(out, old_code)
        if row.parent in below:
            raise ServiceError(
                _("Không thể đặt tiêu chí vào trong chính nó hoặc tiêu chí con của nó."), "parent"
            )
        old_parent = out[index].parent
        out[index] = row
        if row.code != old_code:
            out = [replace(s, parent=row.code) if s.parent == old_code else s for s in out]
            below = (below - {old_code}) | {row.code}
        if row.parent != old_parent:
            out = _move(out, below, row.parent)
        touched = {old_parent, row.parent}
    return with_group_sums(out, touched) if sum_groups else out


def drop_row(specs: list[CriterionSpec], code: str) -> list[CriterionSpec]:
    """``specs`` without the row ``code`` and the rows under it; the groups above it get the
    sum of their remaining children."""
    parent = next((s.parent for s in specs if s.code == code), None)
    gone = subtree(specs, code)
    return with_group_sums([s for s in specs if s.code not in gone], {parent})


def group_changes(
    before: list[CriterionSpec], after: list[CriterionSpec]
) -> list[tuple[str, Decimal, Decimal]]:
    """(code, old maximum, new maximum) of the rows present in both whose maximum changed."""
    old = {s.code: s.max_points for s in before}
    return [
        (s.code, old[s.code], s.max_points)
        for s in after
        if s.code in old
        and old[s.code] != s.max_points
        and s.max_points is not None
        and old[s.code] is not None
    ]
