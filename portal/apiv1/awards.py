"""API for award records (list, create, read, update, delete, import, export) and the
province's award statistics (JSON, and the summary table as PDF and XLSX). Same rules and scope
as the pages: the province's staff and observers read, its officers change."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import gettext as _

from portal.access import can_manage_province
from portal.admin.common import unit_choices
from portal.apiv1 import bp
from portal.apiv1.resources import (
    PAGING,
    SCHEMAS,
    actor,
    bind,
    commit_or_error,
    json_body,
    load,
    paged,
    validated,
)
from portal.apiv1.spec import api_route, form_schema, import_refused, list_of, ref
from portal.award_pages.common import (
    EXPORT_FORMATS,
    XLSX,
    BadFilter,
    RecordFilters,
    can_read_awards,
    clean_attached_to,
    export_file,
    period_from_args,
    records_stmt,
    summary_pdf,
    summary_xlsx,
)
from portal.award_pages.forms import RecordForm
from portal.catalogue import award_categories_for, award_types_for
from portal.document_pages.common import pdf_response
from portal.errors import ApiError
from portal.extensions import db
from portal.models import Province
from portal.models.awards import AwardRecord, PersonGroup, RecordStatus
from portal.services import ServiceError
from portal.services import award_records as svc
from portal.services import award_statistics as stats_svc


def record_json(r: AwardRecord) -> dict:
    return {
        "id": r.id,
        "province_id": r.province_id,
        "year": r.year,
        "award_code": r.award_code,
        "level": r.level,
        "recipient": r.recipient,
        "recipient_name": r.recipient_name,
        "unit_id": r.unit_id,
        "person_group": r.person_group.value if r.person_group else None,
        "position": r.position or "",
        "category": r.category,
        "status": r.status.value,
        "returned_reason": r.returned_reason,
        "decision_number": r.decision_number,
        "decision_date": r.decision_date.isoformat() if r.decision_date else None,
        "decided_by": r.decided_by,
        "submitted_on": r.submitted_on.isoformat() if r.submitted_on else None,
        "nomination_id": r.nomination_id,
    }


_NULL_STR = {"type": ["string", "null"]}
_NULL_DATE = {"type": ["string", "null"], "format": "date"}
_COUNTS = {
    "type": "object",
    "properties": {
        "total": {"type": "integer"},
        "collectives": {"type": "integer"},
        "individuals": {"type": "integer"},
        "workers": {"type": "integer"},
        "workers_percent": {**_NULL_STR, "description": 'Phần trăm của số cá nhân, một chữ số thập phân, làm tròn nửa lên, dạng chuỗi ("23.8"); null khi không có cá nhân'},
        "leaders": {"type": "integer"},
        "leaders_percent": _NULL_STR,
        "unclassified_individuals": {"type": "integer"},
    },
    "required": ["total", "collectives", "individuals", "workers", "leaders"],
}
SCHEMAS.update({
    "AwardRecord": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "province_id": {"type": "integer"},
            "year": {"type": "integer"},
            "award_code": {"type": "string"},
            "level": {"type": "string", "enum": ["state", "provincial", "grassroots"]},
            "recipient": {"type": "string", "enum": ["collective", "individual"]},
            "recipient_name": {"type": "string"},
            "unit_id": {"type": ["integer", "null"]},
            "person_group": {"type": ["string", "null"], "enum": [g.value for g in PersonGroup] + [None]},
            "position": {"type": "string"},
            "category": _NULL_STR,
            "status": {"type": "string", "enum": [s.value for s in RecordStatus]},
            "returned_reason": _NULL_STR,
            "decision_number": _NULL_STR,
            "decision_date": _NULL_DATE,
            "decided_by": _NULL_STR,
            "submitted_on": _NULL_DATE,
            "nomination_id": {"type": ["integer", "null"]},
        },
        "required": ["id", "province_id", "year", "award_code", "level", "recipient", "recipient_name", "status"],
    },
    "AwardCounts": _COUNTS,
    "AwardStatistics": {
        "type": "object",
        "description": "Khen cấp Nhà nước: các trường hợp đã trình trong kỳ (theo submitted_on); khen cấp tỉnh: "
                       "các trường hợp đã quyết định trong kỳ (theo decision_date). previous: cùng kỳ năm trước.",
        "properties": {
            "province_id": {"type": "integer"},
            "start": {"type": "string", "format": "date"},
            "end": {"type": "string", "format": "date"},
            "previous_start": {"type": "string", "format": "date"},
            "previous_end": {"type": "string", "format": "date"},
            "categories": {"type": "object", "additionalProperties": {"type": "string"}},
            "levels": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "level": {"type": "string"},
                        "heading": {"type": "string"},
                        "counted_by": {"type": "string", "enum": ["submitted_on", "decision_date"]},
                        "statuses_counted": {"type": "array", "items": {"type": "string"}},
                        "rows": {"type": "array", "items": {"allOf": [ref("AwardCounts"), {"type": "object", "properties": {
                            "key": {"type": "string"}, "label": {"type": "string"}, "previous": ref("AwardCounts"),
                            "by_status": {"type": "object", "additionalProperties": {"type": "integer"}},
                            "by_category": {"type": "object", "description": 'Theo loại khen thưởng ("" = chưa phân loại)'},
                        }}]}},
                        "total": ref("AwardCounts"),
                        "headline": {"type": "object", "description": "Tỷ lệ lãnh đạo, quản lý trên các hình thức nêu trong rows (RULES.md R4)"},
                        "by_status": {"type": "object", "additionalProperties": {"type": "integer"}},
                        "returned_reasons": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
            "unknown_award_codes": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
        "required": ["province_id", "start", "end", "levels"],
    },
    "AwardImportResult": {
        "type": "object",
        "properties": {
            "applied": {"type": "boolean"},
            "rows": {"type": "integer", "description": "Số dòng dữ liệu của tệp"},
            "creates": {"type": "integer"},
            "errors": {"type": "array", "items": {"type": "object", "properties": {
                "row": {"type": ["integer", "null"]}, "field": _NULL_STR, "message": {"type": "string"}}}},
        },
        "required": ["applied", "creates", "errors"],
    },
})


def _record_body():
    schema = form_schema(RecordForm)
    schema["properties"]["award_code"]["description"] = "Mã trong danh mục của tỉnh (GET /provinces/{id}/award-types)"
    schema["properties"]["nomination_id"] = {"type": ["integer", "null"]}
    return schema


def _province(province_id: int, *, manage: bool = False) -> Province:
    p = load(Province, province_id, lambda p: can_read_awards(actor(), p.id))
    if manage and not can_manage_province(actor(), p.id):
        raise ApiError(403)
    return p


def _record(record_id: int, *, manage: bool = False) -> AwardRecord:
    r = load(AwardRecord, record_id, lambda r: can_read_awards(actor(), r.province_id))
    if manage and not can_manage_province(actor(), r.province_id):
        raise ApiError(403)
    return r


def _bad_filter(exc: BadFilter):
    return ApiError(400, "bad_request", exc.message, {exc.name: [exc.message]})


def _form(province: Province, data: dict) -> RecordForm:
    form = bind(RecordForm, data)
    form.set_choices(award_types_for(province), award_categories_for(province), unit_choices(province, active_only=False))
    return validated(form)


def _save(record, province, data):
    form = _form(province, data)
    values = form.values()
    nomination = data.get("nomination_id")
    if nomination is not None:
        from portal.apiv1.resources import is_id
        from portal.models import Nomination

        n = db.session.get(Nomination, nomination) if is_id(nomination) else None
        if n is None or n.province_id != province.id:
            raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), {"nomination_id": [_("Không có đề nghị này.")]})
        values["nomination_id"] = n.id
    return commit_or_error(lambda: svc.save_record(record, province, **values))


FILTERS = (
    ("year", {"type": "integer"}), ("level", {"type": "string", "enum": ["state", "provincial", "grassroots"]}),
    ("award", {"type": "string", "description": "Mã hình thức hoặc mã nhóm (huan_chuong_lao_dong)"}),
    ("status", {"type": "string", "enum": [s.value for s in RecordStatus]}),
    ("category", {"type": "string", "description": 'Mã loại, hoặc "none" (chưa phân loại)'}),
    ("recipient", {"type": "string", "enum": ["collective", "individual"]}),
    ("q", {"type": "string", "description": "Tìm theo tên, chức vụ, số quyết định (không dấu cũng được)"}),
)
PERIOD = (
    ("year", {"type": "integer"}, "Cả năm; mặc định là năm gần nhất có dữ liệu"),
    ("start", {"type": "string", "format": "date"}, "Ngày bắt đầu (cùng với end; kỳ dài tối đa một năm)"),
    ("end", {"type": "string", "format": "date"}),
)


@api_route(bp, "/provinces/<int:province_id>/award-records", summary="Danh sách khen thưởng của tỉnh (lọc, tìm kiếm)",
           tag="awards", response=list_of("AwardRecord"), query=(*FILTERS, *PAGING), errors=(400, 401, 403, 404),
           endpoint="award_records_list")
def award_records_list(province_id: int):
    p = _province(province_id)
    try:
        filters = RecordFilters.from_args(request.args, p, strict=True)
    except BadFilter as exc:
        raise _bad_filter(exc) from None
    return paged(records_stmt(p, filters), record_json)


@api_route(bp, "/provinces/<int:province_id>/award-records", "POST", summary="Thêm một khen thưởng", tag="awards",
           body=_record_body, response="AwardRecord", status=201, errors=(400, 401, 403, 404), endpoint="award_records_create")
def award_records_create(province_id: int):
    p = _province(province_id, manage=True)
    return jsonify(record_json(_save(None, p, json_body()))), 201


@api_route(bp, "/award-records/<int:record_id>", summary="Một khen thưởng", tag="awards", response="AwardRecord",
           errors=(401, 403, 404), endpoint="award_record_get")
def award_record_get(record_id: int):
    return jsonify(record_json(_record(record_id)))


@api_route(bp, "/award-records/<int:record_id>", "PUT",
           summary="Sửa khen thưởng (kể cả chuyển trạng thái; bị trả lại cần lý do)", tag="awards", body=_record_body,
           response="AwardRecord", errors=(400, 401, 403, 404, 409), endpoint="award_record_update")
def award_record_update(record_id: int):
    r = _record(record_id, manage=True)
    p = db.session.get(Province, r.province_id)
    return jsonify(record_json(_save(r, p, json_body())))


@api_route(bp, "/award-records/<int:record_id>", "DELETE", summary="Xóa khen thưởng", tag="awards", status=204,
           errors=(401, 403, 404), endpoint="award_record_delete")
def award_record_delete(record_id: int):
    r = _record(record_id, manage=True)
    commit_or_error(lambda: svc.delete_record(r))
    return "", 204


@api_route(
    bp, "/provinces/<int:province_id>/award-records/import", "POST",
    summary="Nhập khen thưởng từ tệp CSV/XLSX (tiêu đề, tên hình thức như thường viết hoặc mã; tất cả hoặc không; "
            "dry_run=true để chỉ kiểm tra)", tag="awards",
    body={"content": {"multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}}}},
    query=(("dry_run", {"type": "boolean"}),), response="AwardImportResult", errors=(401, 403, 404),
    endpoint="award_records_import",
)
def award_records_import(province_id: int):
    p = _province(province_id, manage=True)
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), {"file": [_("Hãy gửi tệp trong trường 'file'.")]})
    data = upload.read()
    filename = upload.filename or "khen-thuong.csv"
    plan = svc.plan_record_import(p, data, filename)
    result = {
        "applied": False,
        "rows": plan.row_count,
        "creates": len(plan.rows),
        "errors": [],
    }
    if not plan.ok:
        from portal.tabular import RowError

        raise import_refused(plan.errors or [RowError(None, None, _("Tệp không có dòng dữ liệu nào."))])
    if request.args.get("dry_run") not in ("true", "1"):
        commit_or_error(lambda: svc.apply_record_import(p, plan, actor=actor(), filename=filename, data=data))
        result["applied"] = True
    return jsonify(result)


@api_route(
    bp, "/provinces/<int:province_id>/award-records/export", summary="Xuất khen thưởng (cùng cột với tệp nhập)", tag="awards",
    query=(("format", {"type": "string", "enum": list(EXPORT_FORMATS)}), *FILTERS),
    response={"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}, "text/csv": {"schema": {"type": "string"}}}},
    errors=(400, 401, 403, 404), endpoint="award_records_export",
)
def award_records_export(province_id: int):
    p = _province(province_id)
    fmt = request.args.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise ApiError(400, "bad_request", _("Định dạng không hợp lệ."), {"format": [_("Chọn xlsx hoặc csv.")]})
    try:
        filters = RecordFilters.from_args(request.args, p, strict=True)
    except BadFilter as exc:
        raise _bad_filter(exc) from None
    data, mimetype, name = export_file(p, filters, fmt)
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


def _statistics(province_id: int):
    p = _province(province_id)
    try:
        start, end = period_from_args(request.args, p)
    except BadFilter as exc:
        raise _bad_filter(exc) from None
    return p, stats_svc.compute(p, start, end, bases=stats_svc.bases_for(stats_svc.summary_layout(p)))


@api_route(
    bp, "/provinces/<int:province_id>/award-statistics",
    summary="Thống kê khen thưởng của tỉnh trong kỳ: theo cấp, hình thức, tập thể/cá nhân, lãnh đạo/người lao động "
            "(tỷ lệ dạng chuỗi), cùng kỳ năm trước, theo loại và trạng thái",
    tag="awards", query=PERIOD, response="AwardStatistics", errors=(400, 401, 403, 404), endpoint="award_statistics",
)
def award_statistics(province_id: int):
    _p, stats = _statistics(province_id)
    return jsonify(stats_svc.to_json(stats))


@api_route(
    bp, "/provinces/<int:province_id>/award-statistics.pdf",
    summary="Bảng tổng hợp kết quả khen thưởng (PDF, theo mẫu award_summary của tỉnh; được lưu thành văn bản)",
    tag="awards", query=(*PERIOD, ("attached_to", {"type": "string", "maxLength": 300}, "Dòng «Kèm theo …»")),
    response={"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
    errors=(400, 401, 403, 404), endpoint="award_statistics_pdf",
)
def award_statistics_pdf(province_id: int):
    p, stats = _statistics(province_id)
    try:
        pdf, name = summary_pdf(p, stats, attached_to=clean_attached_to(request.args.get("attached_to")), actor=actor())
    except ServiceError as exc:
        raise ApiError(422, "validation_error", exc.message) from None
    return pdf_response(pdf, name, inline=False)


@api_route(
    bp, "/provinces/<int:province_id>/award-statistics.xlsx", summary="Bảng tổng hợp kết quả khen thưởng (XLSX)",
    tag="awards", query=PERIOD, response={"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
    errors=(400, 401, 403, 404), endpoint="award_statistics_xlsx",
)
def award_statistics_xlsx(province_id: int):
    _p, stats = _statistics(province_id)
    data, name = summary_xlsx(stats)
    from urllib.parse import quote

    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"tong-hop-khen-thuong.xlsx\"; filename*=UTF-8''{quote(name)}"})
