"""Criteria tables in spreadsheets: the import (all or nothing, problems by row) and the export.

Officials keep their scoring grids in Excel: "Mã tiêu chí", "Nội dung tiêu chí", "Loại",
"Điểm tối đa", optionally "Mã tiêu chí cha", "Hướng dẫn". Without a parent column (or with the
cell blank) the parent comes from the code: "I.2.a" → "I.2" → "I". The export writes the same
columns, so an exported table imports back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from portal import tabular
from portal.models import CriteriaTable
from portal.services.criteria import (
    derive_parent,
    kind_label,
    normalise_code,
    parse_kind,
    parse_points,
    spec_problems,
    specs_of,
    tidy,
)
from portal.types import CriterionSpec


def _code(value) -> str:
    code = normalise_code(value)
    if not code:
        raise ValueError(_l("Chưa nhập giá trị (cột bắt buộc)."))
    if len(code) > 30:
        raise ValueError(_l("Mã tiêu chí dài quá 30 ký tự."))
    return code


def _parent(value) -> str | None:
    return normalise_code(value) or None


CRITERIA_COLUMNS = (
    tabular.Column(
        "code",
        (str(_l("Mã tiêu chí")), "Mã", "Số TT", "STT", "TT", "code"),
        required=True,
        parse=_code,
    ),
    tabular.Column(
        "title",
        (str(_l("Nội dung tiêu chí")), "Tiêu chí", "Nội dung", "Tên tiêu chí", "title"),
        required=True,
        parse=tabular.text(4000, multiline=True),
    ),
    tabular.Column(
        "kind",
        (str(_l("Loại")), "Loại tiêu chí", "Loại điểm", "kind"),
        parse=parse_kind,
        default="scored",
    ),
    tabular.Column(
        "max_points",
        (str(_l("Điểm tối đa")), "Điểm chuẩn", "Thang điểm", "Điểm tối đa (điểm)", "max_points"),
        parse=parse_points,
    ),
    tabular.Column(
        "parent", (str(_l("Mã tiêu chí cha")), "Tiêu chí cha", "Mã cha", "parent"), parse=_parent
    ),
    tabular.Column(
        "guidance",
        (str(_l("Hướng dẫn")), "Hướng dẫn chấm", "Hướng dẫn chấm điểm", "Cách chấm", "guidance"),
        parse=tabular.text(4000, multiline=True),
        default="",
    ),
)


@dataclass
class CriteriaImportPlan:
    """What an import would create: the rows as specs, or every problem by spreadsheet row."""

    specs: list[CriterionSpec] = field(default_factory=list)
    errors: list[tabular.RowError] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # code -> spreadsheet row

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.specs)


def _validate(values: dict):
    if values["kind"] != "info" and values["max_points"] is None:
        return [("max_points", _l("Tiêu chí chấm điểm, điểm cộng hoặc điểm trừ cần điểm tối đa."))]
    return None


def plan_criteria_import(data: bytes, filename: str) -> CriteriaImportPlan:
    """Parse and check a whole file; ``plan.ok`` only when every row is clean and the table as
    a whole is consistent (parents exist, group maxima equal their children's sum)."""
    plan = CriteriaImportPlan()
    try:
        table = tabular.read_table(data, filename, max_rows=2000)
        preview = tabular.parse_rows(table, CRITERIA_COLUMNS, _validate, unique=("code",))
    except tabular.TableError as exc:
        plan.errors.append(tabular.RowError(None, None, exc.message))
        return plan
    plan.errors.extend(preview.errors)
    if not preview.ok:
        return plan
    known: set[str] = set()
    for row in preview.rows:
        v = row.values
        parent = v["parent"] or derive_parent(v["code"], known)
        known.add(v["code"])
        plan.rows[v["code"]] = row.number
        try:
            plan.specs.append(
                CriterionSpec(
                    code=v["code"],
                    title=v["title"],
                    kind=v["kind"],
                    max_points=v["max_points"]
                    if v["kind"] != "info" or v["max_points"] is not None
                    else None,
                    parent=parent,
                    guidance=v["guidance"] or "",
                )
            )
        except ValueError as exc:
            plan.errors.append(tabular.RowError(row.number, None, str(exc)))
    if plan.errors:
        return plan
    for code, message in spec_problems(plan.specs):
        plan.errors.append(
            tabular.RowError(plan.rows.get(code), "code", message, str(CRITERIA_COLUMNS[0].label))
        )
    plan.errors.sort(key=lambda e: e.row or 0)
    return plan


def export_headers() -> list[str]:
    return [str(c.label) for c in CRITERIA_COLUMNS]


def export_rows(table: CriteriaTable) -> list[list]:
    return [
        [s.code, s.title, kind_label(s.kind), tidy(s.max_points), s.parent or "", s.guidance]
        for s in specs_of(table)
    ]


def export_file(table: CriteriaTable, fmt: str) -> tuple[bytes, str, str]:
    """(bytes, mimetype, file name) of the table as ``csv`` or ``xlsx``."""
    from portal.text import strip_tones

    stem = "-".join(strip_tones(table.name).lower().split())
    stem = (
        "".join(ch for ch in stem if ch.isascii() and (ch.isalnum() or ch == "-"))[:60]
        or "bang-tieu-chi"
    )
    name = f"{stem}-{table.year}-v{table.version}.{fmt}"
    if fmt == "csv":
        return (
            tabular.write_csv(export_headers(), export_rows(table)),
            "text/csv; charset=utf-8",
            name,
        )
    data = tabular.write_xlsx(
        export_headers(), export_rows(table), sheet_title=f"Bảng tiêu chí {table.year}"
    )
    return data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name
