"""API for criteria tables: list, read, create (rows, a plugin's template, a copy), replace the
rows (a new version when the table is locked), import a spreadsheet, export, list templates."""

from __future__ import annotations

from datetime import date

from flask import Response, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from portal.access import can_manage_province, can_view_province, provinces_visible_to
from portal.apiv1 import bp
from portal.apiv1.resources import (
    PAGING,
    SCHEMAS,
    _managed_province,
    actor,
    commit_or_error,
    int_arg,
    is_id,
    json_body,
    load,
    paged,
)
from portal.apiv1.spec import api_route, import_refused, list_of, ref
from portal.catalogue import criteria_templates_for
from portal.errors import ApiError
from portal.extensions import db
from portal.models import Block, CriteriaTable, Province
from portal.services import criteria as svc
from portal.services.criteria_io import export_file, plan_criteria_import
from portal.types import CRITERION_KINDS, CriterionSpec

MAX_ROWS = 2000


def _points(value) -> str | None:
    return None if value is None else str(svc.tidy(value))


def row_json(spec: CriterionSpec, ident: int | None = None, position: int | None = None) -> dict:
    body = {
        "code": spec.code,
        "title": spec.title,
        "kind": spec.kind,
        "max_points": _points(spec.max_points),
        "parent": spec.parent,
        "guidance": spec.guidance,
    }
    if ident is not None:
        body = {"id": ident, "position": position, **body}
    return body


def table_json(t: CriteriaTable, *, rows: bool = False) -> dict:
    specs = svc.specs_of(t)
    totals = svc.maxima(specs)
    body = {
        "id": t.id,
        "province_id": t.province_id,
        "year": t.year,
        "name": t.name,
        "version": t.version,
        "previous_id": t.previous_id,
        "locked": bool(t.locked),
        "source": t.source or "",
        "created_at": t.created_at.isoformat() if t.created_at else None,
        "round_block_ids": [r.block_id for r in svc.rounds_using([t.id]).get(t.id, [])],
        "totals": {k: _points(v) for k, v in totals.items()},
        "row_count": len(specs),
    }
    if rows:
        ordered = sorted(t.criteria, key=lambda c: c.position)
        body["rows"] = [row_json(s, c.id, c.position) for s, c in zip(specs, ordered, strict=True)]
        body["problems"] = [
            {"code": code, "message": message} for code, message in svc.spec_problems(specs)
        ]
    return body


DECIMAL = {
    "type": ["string", "null"],
    "pattern": r"^\d+(\.\d{1,2})?$",
    "description": 'Số thập phân dạng chuỗi, ví dụ "2.5"',
}
ROW_IN = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "maxLength": 30, "description": "Mã tiêu chí, ví dụ I.2.a"},
        "title": {"type": "string", "maxLength": 4000},
        "kind": {
            "type": "string",
            "enum": list(CRITERION_KINDS),
            "default": "scored",
            "description": "Cũng nhận cách ghi tiếng Việt: Chấm điểm, Điểm cộng/thưởng, Điểm trừ, Thông tin",
        },
        "max_points": {
            "type": ["number", "string", "null"],
            "description": "Bắt buộc trừ loại info; tối đa 2 chữ số thập phân",
        },
        "parent": {
            "type": ["string", "null"],
            "description": "Mã tiêu chí cha; bỏ trường này để suy từ mã (I.2.a thuộc I.2), null là nhóm cấp cao nhất",
        },
        "guidance": {"type": "string", "maxLength": 4000},
    },
    "required": ["code", "title"],
}
SCHEMAS.update(
    {
        "CriterionRow": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "position": {"type": "integer"},
                "code": {"type": "string"},
                "title": {"type": "string"},
                "kind": {"type": "string", "enum": list(CRITERION_KINDS)},
                "max_points": DECIMAL,
                "parent": {"type": ["string", "null"]},
                "guidance": {"type": "string"},
            },
            "required": ["code", "title", "kind", "max_points", "parent"],
        },
        "CriteriaTable": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "province_id": {"type": "integer"},
                "year": {"type": "integer"},
                "name": {"type": "string"},
                "version": {"type": "integer"},
                "previous_id": {"type": ["integer", "null"]},
                "locked": {
                    "type": "boolean",
                    "description": "Đang được dùng cho đợt chấm điểm đã bắt đầu; sửa sẽ tạo phiên bản mới",
                },
                "source": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "round_block_ids": {"type": "array", "items": {"type": "integer"}},
                "totals": {
                    "type": "object",
                    "properties": {k: DECIMAL for k in ("scored", "bonus", "penalty")},
                },
                "row_count": {"type": "integer"},
                "rows": {"type": "array", "items": ref("CriterionRow")},
                "problems": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
                "new_version": {
                    "type": "boolean",
                    "description": "Chỉ khi thay các dòng: true nếu đã tạo phiên bản mới",
                },
            },
            "required": ["id", "province_id", "year", "name", "version", "locked"],
        },
        "CriteriaTemplate": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "name": {"type": "string"},
                "note": {"type": "string"},
                "source": {"type": "string"},
                "rows": {"type": "array", "items": ref("CriterionRow")},
            },
            "required": ["code", "name", "rows"],
        },
        "CriteriaImportResult": {
            "type": "object",
            "properties": {
                "applied": {"type": "boolean"},
                "criteria": {"type": "integer"},
                "table": {"oneOf": [ref("CriteriaTable"), {"type": "null"}]},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "row": {"type": ["integer", "null"]},
                            "field": {"type": ["string", "null"]},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
            "required": ["applied", "criteria", "errors"],
        },
    }
)


def _invalid(fields: dict):
    return ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), fields)


def _text(item: dict, key: str, required: bool, limit: int) -> str | None:
    value = item.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise ValueError(_("Cần chuỗi ký tự (tối đa %(n)s ký tự).", n=limit))
    return value.strip()


def specs_from_json(raw) -> list[CriterionSpec]:
    """The ``rows`` of a request as specs; every problem is reported under ``rows[i].field``,
    then the table as a whole is checked (parents, group maxima)."""
    if not isinstance(raw, list):
        raise _invalid({"rows": [_("Cần danh sách các tiêu chí.")]})
    if len(raw) > MAX_ROWS:
        raise _invalid({"rows": [_("Tối đa %(n)s tiêu chí.", n=MAX_ROWS)]})
    fields: dict[str, list[str]] = {}
    specs: list[CriterionSpec] = []
    known: set[str] = set()
    for i, item in enumerate(raw):
        key = f"rows[{i}]"
        if not isinstance(item, dict):
            fields[key] = [_("Mỗi tiêu chí là một đối tượng JSON.")]
            continue
        values, bad = {}, {}
        for name, required, limit in (
            ("code", True, 60),
            ("title", True, 4000),
            ("guidance", False, 4000),
        ):
            try:
                values[name] = _text(item, name, required, limit)
            except ValueError as exc:
                bad[name] = str(exc)
        if "code" in values:
            values["code"] = svc.normalise_code(values["code"])
            if not values["code"] or len(values["code"]) > svc.CODE_LENGTH:
                bad["code"] = _("Mã tiêu chí từ 1 đến %(n)s ký tự.", n=svc.CODE_LENGTH)
        try:
            kind = item.get("kind", "scored")
            values["kind"] = (
                kind
                if kind in CRITERION_KINDS
                else svc.parse_kind(kind if isinstance(kind, str) else "?")
            )
        except ValueError as exc:
            bad["kind"] = str(exc)
        raw_points = item.get("max_points")
        if isinstance(raw_points, dict | list | bool):
            bad["max_points"] = _("Điểm tối đa phải là một số.")
        else:
            try:
                values["max_points"] = svc.parse_points(raw_points)
            except ValueError as exc:
                bad["max_points"] = str(exc)
        parent = item.get("parent", ...)
        if parent is not ... and parent is not None and not isinstance(parent, str):
            bad["parent"] = _("Mã tiêu chí cha phải là chuỗi hoặc null.")
        if not bad:
            if parent is ...:
                parent = svc.derive_parent(values["code"], known)
            elif parent is not None:
                parent = svc.normalise_code(parent) or None
            try:
                specs.append(
                    CriterionSpec(
                        code=values["code"],
                        title=values["title"],
                        kind=values["kind"],
                        max_points=values["max_points"],
                        parent=parent,
                        guidance=values["guidance"],
                    )
                )
            except ValueError:
                bad["max_points"] = _(
                    "Tiêu chí chấm điểm, điểm cộng hoặc điểm trừ cần điểm tối đa."
                )
        if bad:
            for name, message in bad.items():
                fields[f"{key}.{name}"] = [message]
        else:
            known.add(values["code"])
    if fields:
        raise _invalid(fields)
    problems = svc.spec_problems(specs)
    if problems:
        raise ApiError(
            422,
            "validation_error",
            " ".join(m for _c, m in problems),
            {"rows": [m for _c, m in problems]},
        )
    return specs


def _year(value) -> int:
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 4:
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 2000 <= value <= 2100:
        raise _invalid({"year": [_("Năm thi đua phải từ 2000 đến 2100.")]})
    return value


def _name(value, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > 300:
        raise _invalid({"name": [_("Cần tên bảng tiêu chí (tối đa 300 ký tự).")]})
    return value.strip()


def _visible(t: CriteriaTable) -> bool:
    return can_view_province(actor(), t.province_id)


def _managed_table(table_id: int) -> CriteriaTable:
    t = load(CriteriaTable, table_id, _visible)
    if not can_manage_province(actor(), t.province_id):
        raise ApiError(403)
    return t


@api_route(
    bp,
    "/criteria-tables",
    summary="Bảng tiêu chí chấm điểm (lọc theo tỉnh, năm)",
    tag="criteria",
    response=list_of("CriteriaTable"),
    query=(("province_id", {"type": "integer"}), ("year", {"type": "integer"}), *PAGING),
    errors=(400, 401, 403),
    endpoint="criteria_tables_list",
)
def criteria_tables_list():
    visible = provinces_visible_to(actor()).with_only_columns(Province.id).order_by(None)
    stmt = select(CriteriaTable).where(CriteriaTable.province_id.in_(visible))
    if (pid := int_arg("province_id")) is not None:
        stmt = stmt.where(CriteriaTable.province_id == pid)
    if (year := int_arg("year")) is not None:
        stmt = stmt.where(CriteriaTable.year == year)
    return paged(
        stmt.order_by(CriteriaTable.year.desc(), CriteriaTable.name, CriteriaTable.version.desc()),
        table_json,
    )


@api_route(
    bp,
    "/criteria-tables/<int:table_id>",
    summary="Một bảng tiêu chí, với các dòng và các vấn đề của bảng",
    tag="criteria",
    response="CriteriaTable",
    errors=(401, 403, 404),
    endpoint="criteria_table_get",
)
def criteria_table_get(table_id: int):
    return jsonify(table_json(load(CriteriaTable, table_id, _visible), rows=True))


CREATE_BODY = {
    "type": "object",
    "properties": {
        "province_id": {"type": "integer"},
        "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
        "name": {
            "type": "string",
            "maxLength": 300,
            "description": "Bắt buộc, trừ khi tạo từ mẫu hoặc sao chép (khi đó mặc định là tên mẫu / tên bảng gốc)",
        },
        "rows": {"type": "array", "items": ROW_IN, "description": "Các dòng của bảng"},
        "template": {
            "type": "string",
            "description": "Mã mẫu của plugin (xem /provinces/{id}/criteria-templates)",
        },
        "block_id": {"type": "integer", "description": "Khối để chọn mẫu (không bắt buộc)"},
        "copy_from": {
            "type": "integer",
            "description": "Mã số bảng tiêu chí cần sao chép (cùng tỉnh)",
        },
    },
    "required": ["province_id", "year"],
    "description": "Chỉ một trong rows, template, copy_from; không có cái nào thì tạo bảng trống.",
}


@api_route(
    bp,
    "/criteria-tables",
    "POST",
    summary="Tạo bảng tiêu chí: từ các dòng, từ mẫu của plugin, sao chép, hoặc bảng trống",
    tag="criteria",
    body=CREATE_BODY,
    response="CriteriaTable",
    status=201,
    errors=(401, 403, 409),
    endpoint="criteria_tables_create",
)
def criteria_tables_create():
    data = json_body()
    p = _managed_province(data)
    year = _year(data.get("year"))
    given = [k for k in ("rows", "template", "copy_from") if data.get(k) is not None]
    if len(given) > 1:
        raise _invalid({k: [_("Chỉ dùng một trong rows, template, copy_from.")] for k in given})
    how = given[0] if given else None
    if how == "rows":
        specs = specs_from_json(data["rows"])
        name = _name(data.get("name"))
        table = commit_or_error(
            lambda: svc.create_table(
                p, year, name, specs, source=_("Tạo qua API"), allow_empty=True
            )
        )
    elif how == "template":
        block = None
        if data.get("block_id") is not None:
            block = db.session.get(Block, data["block_id"]) if is_id(data["block_id"]) else None
            if block is None or block.province_id != p.id:
                raise _invalid({"block_id": [_("Không có khối này trong tỉnh.")]})
        templates = criteria_templates_for(p, block, year)
        chosen = templates.get(data["template"]) if isinstance(data["template"], str) else None
        if chosen is None:
            raise _invalid(
                {
                    "template": [
                        _(
                            "Không có mẫu này cho tỉnh; các mẫu: %(list)s.",
                            list=", ".join(templates) or "—",
                        )
                    ]
                }
            )
        name = _name(data.get("name"), required=False) or chosen.name
        source = f"{chosen.name} — {chosen.source}" if chosen.source else chosen.name
        table = commit_or_error(
            lambda: svc.create_table(p, year, name, list(chosen.criteria), source=source)
        )
    elif how == "copy_from":
        src = db.session.get(CriteriaTable, data["copy_from"]) if is_id(data["copy_from"]) else None
        if src is None or src.province_id != p.id:
            raise _invalid({"copy_from": [_("Không có bảng tiêu chí này trong tỉnh.")]})
        name = _name(data.get("name"), required=False) or src.name
        table = commit_or_error(lambda: svc.copy_table(src, p, year, name))
    else:
        name = _name(data.get("name"))
        table = commit_or_error(
            lambda: svc.create_table(p, year, name, [], source=_("Tạo qua API"), allow_empty=True)
        )
    return jsonify(table_json(table, rows=True)), 201


@api_route(
    bp,
    "/criteria-tables/<int:table_id>/rows",
    "PUT",
    summary="Thay toàn bộ các dòng của bảng (bảng đã khóa thì giữ nguyên và tạo phiên bản mới)",
    tag="criteria",
    body={
        "type": "object",
        "properties": {"rows": {"type": "array", "items": ROW_IN}},
        "required": ["rows"],
    },
    response="CriteriaTable",
    errors=(401, 403, 404, 409),
    endpoint="criteria_table_rows_replace",
)
def criteria_table_rows_replace(table_id: int):
    table = _managed_table(table_id)
    specs = specs_from_json(json_body().get("rows"))
    result, is_new = commit_or_error(lambda: svc.replace_criteria(table, specs, allow_empty=True))
    return jsonify({**table_json(result, rows=True), "new_version": is_new})


@api_route(
    bp,
    "/criteria-tables/<int:table_id>/export",
    summary="Tải bảng tiêu chí dạng Excel (xlsx) hoặc CSV",
    tag="criteria",
    query=(("format", {"type": "string", "enum": ["xlsx", "csv"], "default": "xlsx"}),),
    response={
        "content": {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
            "text/csv": {"schema": {"type": "string"}},
        }
    },
    errors=(400, 401, 403, 404),
    endpoint="criteria_table_export",
)
def criteria_table_export(table_id: int):
    table = load(CriteriaTable, table_id, _visible)
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise ApiError(
            400,
            "bad_request",
            _("Định dạng phải là xlsx hoặc csv."),
            {"format": [_("Định dạng phải là xlsx hoặc csv.")]},
        )
    data, mimetype, name = export_file(table, fmt)
    return Response(
        data, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"}
    )


@api_route(
    bp,
    "/provinces/<int:province_id>/criteria-tables/import",
    "POST",
    summary="Nhập bảng tiêu chí từ tệp CSV/XLSX (tất cả hoặc không; dry_run=true để chỉ kiểm tra)",
    tag="criteria",
    body={
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "year": {"type": "integer"},
                        "name": {"type": "string"},
                    },
                    "required": ["file", "year", "name"],
                }
            }
        }
    },
    query=(("dry_run", {"type": "boolean"}),),
    response="CriteriaImportResult",
    errors=(401, 403, 404, 409),
    endpoint="criteria_tables_import",
)
def criteria_tables_import(province_id: int):
    p = load(Province, province_id, lambda p: can_view_province(actor(), p.id))
    if not can_manage_province(actor(), p.id):
        raise ApiError(403)
    upload = request.files.get("file")
    if upload is None:
        raise _invalid({"file": [_("Hãy gửi tệp trong trường 'file'.")]})
    year = _year(request.form.get("year"))
    name = _name(request.form.get("name"))
    plan = plan_criteria_import(upload.read(), upload.filename or "criteria.csv")
    result = {
        "applied": False,
        "criteria": len(plan.specs),
        "table": None,
        "errors": [],
    }
    if not plan.ok:
        from portal.tabular import RowError

        raise import_refused(plan.errors or [RowError(None, None, _("Bảng tiêu chí chưa có tiêu chí nào."))])
    if request.args.get("dry_run") not in ("true", "1"):
        table = commit_or_error(
            lambda: svc.create_table(
                p, year, name, plan.specs, source=_("Nhập từ tệp %(f)s", f=upload.filename or "")
            )
        )
        result["applied"] = True
        result["table"] = table_json(table)
    return jsonify(result)


@api_route(
    bp,
    "/provinces/<int:province_id>/criteria-templates",
    summary="Mẫu bảng tiêu chí do các plugin được bật của tỉnh cung cấp",
    tag="criteria",
    query=(("year", {"type": "integer"}), ("block_id", {"type": "integer"})),
    response={"type": "array", "items": ref("CriteriaTemplate")},
    errors=(400, 401, 403, 404),
    endpoint="criteria_templates_list",
)
def criteria_templates_list(province_id: int):
    p = load(Province, province_id, lambda p: can_view_province(actor(), p.id))
    year = int_arg("year") or date.today().year
    if not 2000 <= year <= 2100:
        raise ApiError(
            400,
            "bad_request",
            _("Năm thi đua phải từ 2000 đến 2100."),
            {"year": [_("Năm thi đua phải từ 2000 đến 2100.")]},
        )
    block = None
    if (block_id := int_arg("block_id")) is not None:
        block = db.session.get(Block, block_id)
        if block is None or block.province_id != p.id:
            raise ApiError(
                400,
                "bad_request",
                _("Không có khối này trong tỉnh."),
                {"block_id": [_("Không có khối này trong tỉnh.")]},
            )
    return jsonify(
        [
            {
                "code": t.code,
                "name": t.name,
                "note": t.note,
                "source": t.source,
                "rows": [row_json(s) for s in t.criteria],
            }
            for t in criteria_templates_for(p, block, year).values()
        ]
    )
