"""API for nominations and dossiers: nominations (list, by hand, from a published ballot, hold),
dossiers (create, read with checklist, findings and history, generate, upload, acknowledge,
submit, return, decide), the province's calendar and its late-submission setting.

Same services and scope as the pages (portal/dossier_pages); refusals are ``{"error": …}``.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from portal.access import can_view_block, can_view_province
from portal.apiv1 import bp
from portal.apiv1.resources import (
    PAGING,
    SCHEMAS,
    actor,
    bind,
    commit_or_error,
    int_arg,
    is_id,
    json_body,
    load,
    paged,
    service_error,
    validated,
)
from portal.apiv1.spec import api_route, form_schema, list_of, ref
from portal.document_pages.common import pdf_response
from portal.dossier_pages.forms import DecideForm, ReturnForm
from portal.errors import ApiError
from portal.extensions import db
from portal.models import (
    Ballot,
    Block,
    Dossier,
    DossierItem,
    Nomination,
    PersonGroup,
    Province,
    Unit,
)
from portal.models.awards import DossierState
from portal.services import ServiceError
from portal.services import dossiers as svc
from portal.services import evidence as files
from portal.services import nominations as nom

TAG_N, TAG_D = "nominations", "dossiers"
NULL_STR = {"type": ["string", "null"]}
NULL_INT = {"type": ["integer", "null"]}

SCHEMAS.update(
    {
        "Nomination": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "province_id": {"type": "integer"},
                "year": {"type": "integer"},
                "award_code": {"type": "string"},
                "award_name": {"type": "string"},
                "recipient": {"type": "string", "enum": ["collective", "individual"]},
                "nominee_name": {"type": "string"},
                "unit_id": NULL_INT,
                "person_name": NULL_STR,
                "person_group": {"type": ["string", "null"], "enum": ["leader", "worker", None]},
                "position": {"type": "string"},
                "hold_reason": {
                    **NULL_STR,
                    "description": "Đang xem xét kỷ luật, điều tra, khiếu nại… (chặn việc nộp).",
                },
                "block_id": NULL_INT,
                "ballot_id": NULL_INT,
                "dossier_id": NULL_INT,
            },
            "required": ["id", "province_id", "year", "award_code", "recipient", "nominee_name"],
        },
        "DossierSummary": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "province_id": {"type": "integer"},
                "year": {"type": "integer"},
                "title": {"type": "string"},
                "block_id": NULL_INT,
                "unit_id": NULL_INT,
                "state": {"type": "string", "enum": [s.value for s in DossierState]},
                "late": {"type": "boolean"},
                "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                "returned_reason": NULL_STR,
                "decision_number": NULL_STR,
                "decision_date": {"type": ["string", "null"], "format": "date"},
                "decision_signer": NULL_STR,
            },
            "required": ["id", "province_id", "year", "title", "state", "late"],
        },
        "Dossier": {
            "allOf": [ref("DossierSummary")],
            "type": "object",
            "properties": {
                "nominations": {"type": "array", "items": ref("Nomination")},
                "checklist": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "key": {
                                "type": "string",
                                "description": "mã mục, hoặc mã:nomination_id cho mục riêng của một đề nghị",
                            },
                            "requirement_code": {"type": "string"},
                            "title": {"type": "string"},
                            "required": {"type": "boolean"},
                            "source": {"type": "string"},
                            "nomination_id": NULL_INT,
                            "can_generate": {"type": "boolean"},
                            "satisfied": {"type": "boolean"},
                            "items": {"type": "array", "items": ref("DossierItem")},
                        },
                    },
                },
                "findings": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "nomination_id": {"type": "integer"},
                            "code": {"type": "string"},
                            "severity": {"type": "string", "enum": ["error", "warning"]},
                            "message": {"type": "string"},
                            "source": {"type": "string"},
                            "acknowledged_by_id": NULL_INT,
                            "acknowledged_at": {"type": ["string", "null"], "format": "date-time"},
                        },
                    },
                },
                "problems": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Những gì còn chặn việc nộp.",
                },
                "deadline": {"type": ["object", "null"]},
                "history": {"type": "array", "items": {"type": "object"}},
            },
        },
        "DossierItem": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "requirement_code": {"type": "string"},
                "nomination_id": NULL_INT,
                "title": {"type": "string"},
                "document_id": {
                    **NULL_INT,
                    "description": "Văn bản do cổng tạo (xem /documents/{id}).",
                },
                "file_name": NULL_STR,
                "content_type": NULL_STR,
                "size": NULL_INT,
                "sha256": NULL_STR,
            },
            "required": ["id", "requirement_code", "title"],
        },
        "Deadline": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "title": {"type": "string"},
                "due": {"type": "string", "format": "date"},
                "applies_to": {"type": "string", "enum": ["unit", "block", "province"]},
                "note": {"type": "string"},
                "source": {"type": "string"},
                "overdue": {"type": "boolean"},
                "days_left": {"type": "integer"},
            },
        },
    }
)


# -- representations ----------------------------------------------------------------------------


def nomination_json(n: Nomination) -> dict:
    province = db.session.get(Province, n.province_id)
    return {
        "id": n.id,
        "province_id": n.province_id,
        "year": n.year,
        "award_code": n.award_code,
        "award_name": svc.award_name(province, n.award_code),
        "recipient": n.recipient,
        "nominee_name": n.nominee_name,
        "unit_id": n.unit_id,
        "person_name": n.person_name,
        "person_group": n.person_group.value if n.person_group else None,
        "position": n.position or "",
        "hold_reason": n.hold_reason,
        "block_id": n.block_id,
        "ballot_id": n.ballot_id,
        "dossier_id": n.dossier_id,
    }


def item_json(i: DossierItem) -> dict:
    return {
        "id": i.id,
        "requirement_code": i.requirement_code,
        "nomination_id": i.nomination_id,
        "title": i.title,
        "document_id": i.document_id,
        "file_name": i.file_name,
        "content_type": i.content_type,
        "size": i.size,
        "sha256": i.sha256,
    }


def deadline_json(row) -> dict:
    d = row.deadline
    return {
        "code": d.code,
        "title": d.title,
        "due": d.due.isoformat(),
        "applies_to": d.applies_to,
        "note": d.note,
        "source": d.source,
        "overdue": row.overdue,
        "days_left": row.days_left,
    }


def dossier_summary(d: Dossier) -> dict:
    return {
        "id": d.id,
        "province_id": d.province_id,
        "year": d.year,
        "title": d.title,
        "block_id": d.block_id,
        "unit_id": d.unit_id,
        "state": d.state.value,
        "late": bool(d.late),
        "submitted_at": d.submitted_at.isoformat() if d.submitted_at else None,
        "returned_reason": d.returned_reason,
        "decision_number": d.decision_number,
        "decision_date": d.decision_date.isoformat() if d.decision_date else None,
        "decision_signer": d.decision_signer,
    }


def dossier_json(d: Dossier) -> dict:
    entries, rows = svc.checklist(d), svc.findings(d)
    province = db.session.get(Province, d.province_id)
    deadline = svc.dossier_deadline(province, d.year)
    return {
        **dossier_summary(d),
        "nominations": [nomination_json(n) for n in d.nominations],
        "checklist": [
            {
                "key": e.key,
                "requirement_code": e.code,
                "title": e.requirement.title,
                "required": e.requirement.required,
                "source": e.requirement.source,
                "nomination_id": e.nomination.id if e.nomination else None,
                "can_generate": e.can_generate,
                "satisfied": e.satisfied,
                "items": [item_json(i) for i in e.items],
            }
            for e in entries
        ],
        "findings": [
            {
                "nomination_id": r.nomination.id,
                "code": r.finding.code,
                "severity": r.finding.severity,
                "message": r.finding.message,
                "source": r.finding.source,
                "acknowledged_by_id": r.acknowledgement.acknowledged_by_id
                if r.acknowledgement
                else None,
                "acknowledged_at": r.acknowledgement.at.isoformat() if r.acknowledgement else None,
            }
            for r in rows
        ],
        "problems": svc.problems(d, entries, rows) if d.state in svc.EDITABLE else [],
        "deadline": {
            "code": deadline.code,
            "title": deadline.title,
            "due": deadline.due.isoformat(),
        }
        if deadline
        else None,
        "history": [
            {
                "action": e.action,
                "label": svc.event_label(e.action),
                "note": e.note,
                "late": e.late,
                "actor_id": e.actor_id,
                "at": e.at.isoformat() if e.at else None,
            }
            for e in d.events
        ],
    }


def _fail(exc: ServiceError) -> ApiError:
    db.session.rollback()
    return service_error(exc)


def _nomination(nomination_id: int) -> Nomination:
    return load(Nomination, nomination_id, lambda n: nom.can_view_nomination(actor(), n))


def _dossier(dossier_id: int) -> Dossier:
    return load(Dossier, dossier_id, lambda d: svc.can_view_dossier(actor(), d))


def _year_arg() -> int | None:
    year = int_arg("year")
    if year is not None and not 2000 <= year <= 2100:
        raise ApiError(
            400,
            "bad_request",
            _("Yêu cầu không hợp lệ."),
            {"year": [_("Năm thi đua không hợp lệ.")]},
        )
    return year


# -- nominations ---------------------------------------------------------------------------------

NOMINATION_BODY = {
    "type": "object",
    "properties": {
        "province_id": {"type": "integer"},
        "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
        "award_code": {"type": "string"},
        "recipient": {"type": "string", "enum": ["collective", "individual"]},
        "unit_id": {
            "type": "integer",
            "description": "Tập thể được đề nghị, hoặc đơn vị công tác của cá nhân.",
        },
        "person_name": NULL_STR,
        "person_group": {
            "type": ["string", "null"],
            "enum": [g.value for g in PersonGroup] + [None],
        },
        "position": {"type": "string", "maxLength": 200},
        "block_id": {
            **NULL_INT,
            "description": "Đề nghị qua khối (khối trưởng); bỏ trống: đơn vị tự đề nghị.",
        },
        "hold_reason": NULL_STR,
    },
    "required": ["province_id", "year", "award_code", "recipient", "unit_id"],
}


@api_route(
    bp,
    "/nominations",
    summary="Đề nghị khen thưởng trong phạm vi của tôi (lọc theo tỉnh, năm, khối, hồ sơ)",
    tag=TAG_N,
    response=list_of("Nomination"),
    errors=(400, 401, 403),
    query=(
        ("province_id", {"type": "integer"}),
        ("year", {"type": "integer"}),
        ("block_id", {"type": "integer"}),
        ("dossier_id", {"type": "integer"}),
        *PAGING,
    ),
    endpoint="nominations_list",
)
def nominations_list():
    stmt = nom.nominations_visible_to(actor())
    for name, column in (
        ("province_id", Nomination.province_id),
        ("block_id", Nomination.block_id),
        ("dossier_id", Nomination.dossier_id),
    ):
        value = int_arg(name)
        if value is not None:
            stmt = stmt.where(column == value)
    year = _year_arg()
    if year is not None:
        stmt = stmt.where(Nomination.year == year)
    return paged(stmt.order_by(Nomination.id), nomination_json)


def _str(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(
            422, "validation_error", _("Dữ liệu chưa hợp lệ."), {key: [_("Cần một chuỗi ký tự.")]}
        )
    return value


def _id(data: dict, key: str, required: bool = False) -> int | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not is_id(value):
        raise ApiError(
            422, "validation_error", _("Dữ liệu chưa hợp lệ."), {key: [_("Cần một mã số.")]}
        )
    return value


@api_route(
    bp,
    "/nominations",
    "POST",
    summary="Lập đề nghị bằng tay cho một tập thể hoặc cá nhân",
    tag=TAG_N,
    body=NOMINATION_BODY,
    response="Nomination",
    status=201,
    errors=(400, 401, 403, 404, 409),
    endpoint="nominations_create",
)
def nominations_create():
    data = json_body()
    province_id = _id(data, "province_id", required=True)
    province = db.session.get(Province, province_id)
    if province is None or not can_view_province(actor(), province.id):
        raise ApiError(404)
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"year": [_("Năm thi đua không hợp lệ.")]},
        )
    unit_id, block_id = _id(data, "unit_id", required=True), _id(data, "block_id")
    fields = {
        k: _str(data, k)
        for k in (
            "award_code",
            "recipient",
            "person_name",
            "person_group",
            "position",
            "hold_reason",
        )
    }
    n = commit_or_error(
        lambda: nom.create_nomination(
            actor(),
            province,
            year=year,
            award_code=fields["award_code"] or "",
            recipient=fields["recipient"] or "",
            unit_id=unit_id,
            person_name=fields["person_name"],
            person_group=fields["person_group"],
            position=fields["position"] or "",
            block_id=block_id,
            hold_reason=fields["hold_reason"],
        )
    )
    return jsonify(nomination_json(n)), 201


@api_route(
    bp,
    "/nominations/<int:nomination_id>",
    summary="Một đề nghị",
    tag=TAG_N,
    response="Nomination",
    errors=(401, 403, 404),
    endpoint="nomination_get",
)
def nomination_get(nomination_id: int):
    return jsonify(nomination_json(_nomination(nomination_id)))


@api_route(
    bp,
    "/nominations/<int:nomination_id>/hold",
    "PUT",
    summary="Ghi (hoặc bỏ, với reason rỗng/null) lý do tạm dừng xét: kỷ luật, điều tra, khiếu nại, tố cáo",
    tag=TAG_N,
    body={"type": "object", "properties": {"reason": NULL_STR}, "required": ["reason"]},
    response="Nomination",
    errors=(400, 401, 403, 404, 409),
    endpoint="nomination_hold",
)
def nomination_hold(nomination_id: int):
    n = _nomination(nomination_id)
    data = json_body()
    if "reason" not in data:
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"reason": [_("Cần trường reason.")]},
        )
    reason = _str(data, "reason")
    commit_or_error(lambda: nom.set_hold(actor(), n, reason))
    return jsonify(nomination_json(n))


@api_route(
    bp,
    "/nominations/<int:nomination_id>",
    "DELETE",
    summary="Xóa đề nghị chưa nằm trong hồ sơ đã nộp",
    tag=TAG_N,
    status=204,
    errors=(401, 403, 404, 409),
    endpoint="nomination_delete",
)
def nomination_delete(nomination_id: int):
    n = _nomination(nomination_id)
    commit_or_error(lambda: nom.delete_nomination(actor(), n))
    return "", 204


@api_route(
    bp,
    "/ballots/<int:ballot_id>/nominations",
    "POST",
    summary="Lập đề nghị cho các đơn vị trúng cử của một cuộc bỏ phiếu đã công bố (khối trưởng)",
    tag=TAG_N,
    response={"type": "array", "items": ref("Nomination")},
    status=201,
    errors=(401, 403, 404, 409),
    endpoint="nominations_from_ballot",
)
def nominations_from_ballot(ballot_id: int):
    ballot = load(Ballot, ballot_id, lambda b: can_view_block(actor(), b.block))
    made = commit_or_error(lambda: nom.from_ballot(actor(), ballot))
    return jsonify([nomination_json(n) for n in made]), 201


# -- dossiers --------------------------------------------------------------------------------------


@api_route(
    bp,
    "/dossiers",
    summary="Hồ sơ trong phạm vi của tôi (lọc theo tỉnh, năm, trạng thái)",
    tag=TAG_D,
    response=list_of("DossierSummary"),
    errors=(400, 401, 403),
    query=(
        ("province_id", {"type": "integer"}),
        ("year", {"type": "integer"}),
        ("state", {"type": "string", "enum": [s.value for s in DossierState]}),
        *PAGING,
    ),
    endpoint="dossiers_list",
)
def dossiers_list():
    stmt = svc.dossiers_visible_to(actor())
    province_id = int_arg("province_id")
    if province_id is not None:
        stmt = stmt.where(Dossier.province_id == province_id)
    year = _year_arg()
    if year is not None:
        stmt = stmt.where(Dossier.year == year)
    state = request.args.get("state")
    if state:
        if state not in {s.value for s in DossierState}:
            raise ApiError(
                400,
                "bad_request",
                _("Yêu cầu không hợp lệ."),
                {"state": [_("Trạng thái không hợp lệ.")]},
            )
        stmt = stmt.where(Dossier.state == DossierState(state))
    return paged(stmt.order_by(Dossier.id), dossier_summary)


@api_route(
    bp,
    "/dossiers",
    "POST",
    summary="Lập hồ sơ khối (block_id, khối trưởng) hoặc hồ sơ đơn vị (unit_id và year) từ các đề nghị chưa vào hồ sơ",
    tag=TAG_D,
    body={
        "type": "object",
        "properties": {
            "block_id": NULL_INT,
            "unit_id": NULL_INT,
            "year": NULL_INT,
            "title": NULL_STR,
        },
    },
    response="Dossier",
    status=201,
    errors=(400, 401, 403, 404, 409),
    endpoint="dossiers_create",
)
def dossiers_create():
    data = json_body()
    block_id, unit_id = _id(data, "block_id"), _id(data, "unit_id")
    if (block_id is None) == (unit_id is None):
        raise ApiError(
            422,
            "validation_error",
            _("Cần chọn khối (hồ sơ khối) hoặc đơn vị (hồ sơ đơn vị)."),
            {"block_id": [_("Cần block_id hoặc unit_id.")]},
        )
    title = _str(data, "title")
    block = unit = None
    if block_id is not None:
        block = load(Block, block_id, lambda b: can_view_block(actor(), b))
    else:
        unit = db.session.get(Unit, unit_id)
        if unit is None or not can_view_province(actor(), unit.province_id):
            raise ApiError(404)
    year = data.get("year")
    if unit is not None and (not isinstance(year, int) or isinstance(year, bool)):
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"year": [_("Năm thi đua không hợp lệ.")]},
        )
    d = commit_or_error(
        lambda: svc.create_dossier(actor(), block=block, unit=unit, year=year, title=title)
    )
    return jsonify(dossier_json(d)), 201


@api_route(
    bp,
    "/dossiers/<int:dossier_id>",
    summary="Một hồ sơ: đề nghị, thành phần, kết quả kiểm tra, lịch sử",
    tag=TAG_D,
    response="Dossier",
    errors=(401, 403, 404),
    endpoint="dossier_get",
)
def dossier_get(dossier_id: int):
    return jsonify(dossier_json(_dossier(dossier_id)))


GENERATE_BODY = {
    "type": "object",
    "properties": {
        "requirement_code": {"type": "string", "enum": sorted(svc.GENERATED_LAYOUTS)},
        "signer_title": {"type": "string", "maxLength": 120},
        "signer_name": {"type": "string", "maxLength": 120},
        "achievements": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Biểu tổng hợp: tóm tắt thành tích theo nomination_id.",
        },
        **{k: {"type": "string"} for k in svc.MINUTES_FIELDS},
    },
    "required": ["requirement_code"],
}


@api_route(
    bp,
    "/dossiers/<int:dossier_id>/generate",
    "POST",
    summary="Tạo văn bản của hồ sơ: tờ trình, biên bản họp khối (kèm kết quả bỏ phiếu), biên bản kiểm phiếu, biểu tổng hợp",
    tag=TAG_D,
    body=GENERATE_BODY,
    response={"type": "array", "items": ref("DossierItem")},
    status=201,
    errors=(400, 401, 403, 404, 409),
    endpoint="dossier_generate",
)
def dossier_generate(dossier_id: int):
    d = _dossier(dossier_id)
    data = json_body()
    code = _str(data, "requirement_code")
    if not code:
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"requirement_code": [_("Cần mã mục hồ sơ.")]},
        )
    options = {}
    for key in (*svc.MINUTES_FIELDS, "signer_title", "signer_name"):
        options[key] = _str(data, key)
    achievements = data.get("achievements")
    if achievements is not None:
        if not isinstance(achievements, dict) or not all(
            isinstance(v, str) for v in achievements.values()
        ):
            raise ApiError(
                422,
                "validation_error",
                _("Dữ liệu chưa hợp lệ."),
                {"achievements": [_("Cần một đối tượng: nomination_id → nội dung.")]},
            )
        options["achievements"] = achievements
    items = commit_or_error(lambda: svc.generate(actor(), d, code, **options))
    return jsonify([item_json(i) for i in items]), 201


UPLOAD_BODY = {
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "requirement_code": {"type": "string"},
                    "nomination_id": {
                        "type": "integer",
                        "description": "Cho mục riêng của một đề nghị.",
                    },
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "PDF, PNG hoặc JPEG",
                    },
                },
                "required": ["requirement_code", "file"],
            }
        }
    }
}


@api_route(
    bp,
    "/dossiers/<int:dossier_id>/items",
    "POST",
    summary="Tải lên một tài liệu của hồ sơ (multipart)",
    tag=TAG_D,
    body=UPLOAD_BODY,
    response="DossierItem",
    status=201,
    errors=(401, 403, 404, 409, 413, 415, 503, 507),
    endpoint="dossier_upload",
)
def dossier_upload(dossier_id: int):
    d = _dossier(dossier_id)
    code = (request.form.get("requirement_code") or "").strip()
    raw = (request.form.get("nomination_id") or "").strip()
    nomination_id = None
    if raw:
        if not raw.isdigit() or len(raw) > 18:
            raise ApiError(
                422,
                "validation_error",
                _("Dữ liệu chưa hợp lệ."),
                {"nomination_id": [_("Cần một mã số.")]},
            )
        nomination_id = int(raw)
    upload = request.files.get("file")
    if not code or upload is None or not upload.filename:
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"file": [_("Hãy gửi requirement_code và tệp trong trường 'file'.")]},
        )
    data = files.read_limited(upload.stream, files.max_bytes())
    try:
        item = svc.upload(actor(), d, code, nomination_id, upload.filename, data)
    except ServiceError as exc:
        db.session.rollback()
        status = exc.status if exc.status in (403, 409, 413, 415, 422) else 422
        code_name = {
            403: "forbidden",
            409: "conflict",
            413: "payload_too_large",
            415: "unsupported_media_type",
        }
        raise ApiError(
            status, code_name.get(status, "validation_error"), exc.message, exc.fields
        ) from None
    except files.StorageError as exc:
        db.session.rollback()
        raise ApiError(exc.status, exc.code, exc.message) from None
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        svc.discard(item)
        raise
    return jsonify(item_json(item)), 201


def _item(d: Dossier, item_id: int) -> DossierItem:
    item = db.session.get(DossierItem, item_id)
    if item is None or item.dossier_id != d.id:
        raise ApiError(404)
    return item


@api_route(
    bp,
    "/dossiers/<int:dossier_id>/items/<int:item_id>",
    summary="Tải về một tài liệu của hồ sơ (PDF do cổng tạo, hoặc tệp)",
    tag=TAG_D,
    response={"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
    errors=(401, 403, 404, 503),
    endpoint="dossier_item_download",
)
def dossier_item_download(dossier_id: int, item_id: int):
    d = _dossier(dossier_id)
    item = _item(d, item_id)
    if item.document is not None:
        return pdf_response(item.document.pdf, svc.item_name(item), inline=False)
    try:
        return files.download(item)
    except ServiceError as exc:
        raise ApiError(404, "not_found", exc.message) from None
    except files.StorageError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None


@api_route(
    bp,
    "/dossiers/<int:dossier_id>/items/<int:item_id>",
    "DELETE",
    summary="Xóa một tài liệu của hồ sơ",
    tag=TAG_D,
    status=204,
    errors=(401, 403, 404, 409),
    endpoint="dossier_item_delete",
)
def dossier_item_delete(dossier_id: int, item_id: int):
    d = _dossier(dossier_id)
    item = _item(d, item_id)
    commit_or_error(lambda: svc.delete_item(actor(), d, item))
    svc.discard(item)
    return "", 204


@api_route(
    bp,
    "/dossiers/<int:dossier_id>/nominations/<int:nomination_id>",
    "DELETE",
    summary="Bỏ một đề nghị khỏi hồ sơ (đề nghị vẫn được giữ; tài liệu riêng của nó bị xóa)",
    tag=TAG_D,
    status=204,
    errors=(401, 403, 404, 409),
    endpoint="dossier_nomination_remove",
)
def dossier_nomination_remove(dossier_id: int, nomination_id: int):
    d = _dossier(dossier_id)
    n = db.session.get(Nomination, nomination_id)
    if n is None or n.dossier_id != d.id:
        raise ApiError(404)
    removed = commit_or_error(lambda: svc.remove_nomination(actor(), d, n))
    for item in removed:
        svc.discard(item)
    return "", 204


@api_route(
    bp,
    "/dossiers/<int:dossier_id>/acknowledgements",
    "POST",
    summary="Xác nhận đã xem một cảnh báo (ghi người, thời gian)",
    tag=TAG_D,
    body={
        "type": "object",
        "properties": {"nomination_id": {"type": "integer"}, "finding_code": {"type": "string"}},
        "required": ["nomination_id", "finding_code"],
    },
    response="Dossier",
    status=201,
    errors=(400, 401, 403, 404, 409),
    endpoint="dossier_acknowledge",
)
def dossier_acknowledge(dossier_id: int):
    d = _dossier(dossier_id)
    data = json_body()
    nomination_id = _id(data, "nomination_id", required=True)
    code = _str(data, "finding_code")
    if not code:
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"finding_code": [_("Cần mã cảnh báo.")]},
        )
    commit_or_error(lambda: svc.acknowledge(actor(), d, nomination_id, code))
    return jsonify(dossier_json(d)), 201


@api_route(
    bp,
    "/dossiers/<int:dossier_id>/submit",
    "POST",
    summary="Nộp (hoặc nộp lại) hồ sơ; bị từ chối kèm danh sách những gì còn thiếu (error.fields.dossier)",
    tag=TAG_D,
    response="Dossier",
    errors=(401, 403, 404, 409),
    endpoint="dossier_submit",
)
def dossier_submit(dossier_id: int):
    d = _dossier(dossier_id)
    commit_or_error(lambda: svc.submit(actor(), d))
    return jsonify(dossier_json(d))


@api_route(
    bp,
    "/dossiers/<int:dossier_id>/return",
    "POST",
    summary="Trả lại hồ sơ kèm lý do (cán bộ tỉnh)",
    tag=TAG_D,
    form=ReturnForm,
    response="Dossier",
    errors=(400, 401, 403, 404, 409),
    endpoint="dossier_return",
)
def dossier_return(dossier_id: int):
    d = _dossier(dossier_id)
    form = validated(bind(ReturnForm, json_body()))
    commit_or_error(lambda: svc.return_dossier(actor(), d, form.reason.data))
    return jsonify(dossier_json(d))


def _decide_schema():
    schema = form_schema(DecideForm)
    schema["properties"]["decision_date"]["description"] = "dd/mm/yyyy hoặc YYYY-MM-DD"
    return schema


@api_route(
    bp,
    "/dossiers/<int:dossier_id>/decide",
    "POST",
    summary="Ghi quyết định khen thưởng (số, ngày, người ký); tạo bản ghi khen thưởng cho mỗi đề nghị (cán bộ tỉnh)",
    tag=TAG_D,
    body=_decide_schema,
    response="Dossier",
    errors=(400, 401, 403, 404, 409),
    endpoint="dossier_decide",
)
def dossier_decide(dossier_id: int):
    d = _dossier(dossier_id)
    form = validated(bind(DecideForm, json_body()))
    commit_or_error(
        lambda: svc.decide(
            actor(),
            d,
            number=form.decision_number.data,
            date=form.decision_date.data,
            signer=form.decision_signer.data,
            category=form.category.data or None,
        )
    )
    return jsonify(dossier_json(d))


# -- the province's calendar and setting ----------------------------------------------------------


def _province(province_id: int) -> Province:
    return load(Province, province_id, lambda p: can_view_province(actor(), p.id))


@api_route(
    bp,
    "/provinces/<int:province_id>/calendar",
    summary="Lịch nộp của năm thi đua (year; mặc định năm trước)",
    tag=TAG_D,
    response={
        "type": "object",
        "properties": {
            "year": {"type": "integer"},
            "allow_late_submissions": {"type": "boolean"},
            "deadlines": {"type": "array", "items": ref("Deadline")},
        },
    },
    query=(("year", {"type": "integer"}),),
    errors=(400, 401, 403, 404),
    endpoint="province_calendar",
)
def province_calendar(province_id: int):
    province = _province(province_id)
    year = _year_arg() or svc.today().year - 1
    return jsonify(
        year=year,
        allow_late_submissions=bool(province.allow_late_submissions),
        deadlines=[deadline_json(r) for r in svc.deadlines(province, year)],
    )


@api_route(
    bp,
    "/provinces/<int:province_id>/late-submissions",
    "PUT",
    summary="Cho phép (hoặc không) nộp hồ sơ muộn",
    tag=TAG_D,
    body={"type": "object", "properties": {"allow": {"type": "boolean"}}, "required": ["allow"]},
    response={"type": "object", "properties": {"allow_late_submissions": {"type": "boolean"}}},
    errors=(400, 401, 403, 404),
    endpoint="province_late_submissions",
)
def province_late_submissions(province_id: int):
    province = _province(province_id)
    data = json_body()
    allow = data.get("allow")
    if not isinstance(allow, bool):
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"allow": [_("Cần true hoặc false.")]},
        )
    commit_or_error(lambda: svc.set_allow_late(actor(), province, allow))
    return jsonify(allow_late_submissions=province.allow_late_submissions)
