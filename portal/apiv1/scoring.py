"""API for scoring rounds and self-scoring: a block's round (create, dates and settings,
transitions), members' progress, a unit's self scores (optimistic locking: a stale ``version`` is
a 409 ``conflict`` naming the value now stored), submission, and evidence files."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from portal.access import can_view_block
from portal.apiv1 import bp
from portal.apiv1.resources import SCHEMAS, actor, bind, is_id, json_body, load, validated
from portal.apiv1.spec import api_route, ref
from portal.errors import ApiError
from portal.extensions import db
from portal.models import Block, CriteriaTable, Evidence, RoundState, ScoringRound, SelfScore
from portal.scoring_pages.common import (
    can_manage_round,
    can_view_round,
    can_view_unit_scores,
    checked_score,
    input_value,
    progress,
    round_of,
    sheet,
)
from portal.scoring_pages.forms import RoundForm, RoundUpdateForm, TransitionForm
from portal.services import ServiceError
from portal.services import evidence as evidence_service
from portal.services.scoring import save_self_score, submit_self_scores
from portal.services.scoring_rounds import (
    TRANSITIONS,
    available,
    create_round,
    state_label,
    transition,
    update_round,
)

NOTE_MAX = 2000
CODES = {
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
}


def _fail(exc: ServiceError) -> ApiError:
    db.session.rollback()
    status = exc.status if exc.status in CODES else 422
    return ApiError(status, CODES.get(status, "validation_error"), exc.message, exc.fields)


def _run(fn):
    """Run a service call and commit; a ServiceError becomes the API's error body."""
    try:
        result = fn()
        db.session.commit()
        return result
    except ServiceError as exc:
        raise _fail(exc) from None


def _dec(value) -> str | None:
    return None if value is None else input_value(value)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def round_json(r: ScoringRound) -> dict:
    return {
        "id": r.id,
        "block_id": r.block_id,
        "province_id": r.province_id,
        "table_id": r.table_id,
        "table_name": r.table.name,
        "state": r.state.value,
        "state_label": state_label(r.state),
        "meeting_date": _iso(r.meeting_date),
        "conference_date": _iso(r.conference_date),
        "cross_scoring": bool(r.cross_scoring),
        "trim": r.trim or 0,
        "secretary_id": r.secretary_id,
        "returned_reason": r.returned_reason,
        "submitted_at": _iso(r.submitted_at),
        "transitions": [t.name for t in available(actor(), r)],
    }


def evidence_json(e: Evidence) -> dict:
    return {
        "id": e.id,
        "round_id": e.round_id,
        "unit_id": e.unit_id,
        "criterion_id": e.criterion_id,
        "file_name": e.file_name,
        "content_type": e.content_type,
        "size": e.size,
        "sha256": e.sha256,
        "created_at": _iso(e.created_at),
    }


DECIMAL = {"type": ["string", "null"], "description": 'Số thập phân dạng chuỗi, ví dụ "8.5"'}
SCHEMAS.update(
    {
        "ScoringRound": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "block_id": {"type": "integer"},
                "province_id": {"type": "integer"},
                "table_id": {"type": "integer"},
                "table_name": {"type": "string"},
                "state": {"type": "string", "enum": [s.value for s in RoundState]},
                "state_label": {"type": "string"},
                "meeting_date": {"type": ["string", "null"], "format": "date"},
                "conference_date": {"type": ["string", "null"], "format": "date"},
                "cross_scoring": {"type": "boolean"},
                "trim": {"type": "integer"},
                "secretary_id": {"type": ["integer", "null"]},
                "returned_reason": {"type": ["string", "null"]},
                "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                "transitions": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(TRANSITIONS)},
                    "description": "Thao tác người gọi được thực hiện lúc này.",
                },
            },
            "required": ["id", "block_id", "table_id", "state", "transitions"],
        },
        "RoundMemberProgress": {
            "type": "object",
            "properties": {
                "unit_id": {"type": "integer"},
                "unit_name": {"type": "string"},
                "filled": {"type": "integer", "description": "Số tiêu chí tính điểm đã chấm."},
                "total": {"type": "integer", "description": "Số tiêu chí tính điểm của bảng."},
                "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                "present": {"type": "boolean"},
                "evidence": {"type": "integer"},
            },
            "required": ["unit_id", "filled", "total", "submitted_at", "present"],
        },
        "SelfScoreCell": {
            "type": "object",
            "properties": {
                "criterion_id": {"type": "integer"},
                "code": {"type": "string"},
                "title": {"type": "string"},
                "kind": {"type": "string", "enum": ["scored", "bonus", "penalty"]},
                "max_points": DECIMAL,
                "value": DECIMAL,
                "note": {"type": "string"},
                "version": {
                    "type": ["integer", "null"],
                    "description": "Gửi lại khi sửa ô; null nếu ô chưa có.",
                },
                "evidence_ids": {"type": "array", "items": {"type": "integer"}},
            },
            "required": ["criterion_id", "code", "value", "version"],
        },
        "SelfScores": {
            "type": "object",
            "properties": {
                "round_id": {"type": "integer"},
                "unit_id": {"type": "integer"},
                "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                "editable": {"type": "boolean"},
                "cells": {"type": "array", "items": ref("SelfScoreCell")},
            },
            "required": ["round_id", "unit_id", "cells"],
        },
        "Evidence": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "round_id": {"type": "integer"},
                "unit_id": {"type": "integer"},
                "criterion_id": {"type": ["integer", "null"]},
                "file_name": {"type": "string"},
                "content_type": {"type": "string", "enum": sorted(evidence_service.SERVED_TYPES)},
                "size": {"type": "integer"},
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "created_at": {"type": "string", "format": "date-time"},
            },
            "required": ["id", "unit_id", "file_name", "content_type", "size", "sha256"],
        },
    }
)

# -- loading within scope ------------------------------------------------------------------------


def _block(block_id: int) -> Block:
    return load(Block, block_id, lambda b: can_view_block(actor(), b))


def _round(round_id: int) -> ScoringRound:
    return load(ScoringRound, round_id, lambda r: can_view_round(actor(), r))


def _unit_scope(round_: ScoringRound, unit_id: int) -> None:
    if unit_id not in {m.unit_id for m in round_.members}:
        raise ApiError(404, "not_found", _("Đơn vị không thuộc khối."))
    if not can_view_unit_scores(actor(), round_, unit_id):
        raise ApiError(403)


def _own_unit(round_: ScoringRound, unit_id: int) -> None:
    _unit_scope(round_, unit_id)
    if unit_id not in actor().unit_ids():
        raise ApiError(
            403, "forbidden", _("Chỉ cán bộ của đơn vị được tự chấm điểm cho đơn vị mình.")
        )


def _tables(form):
    form.table_id.validate_choice = False  # any table id; create_round/update_round check it
    return form


def _table(form) -> CriteriaTable | None:
    if not form.table_id.data:
        return None
    table = db.session.get(CriteriaTable, form.table_id.data)
    if table is None:
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"table_id": [_("Không có bảng tiêu chí này.")]},
        )
    return table


# -- rounds --------------------------------------------------------------------------------------


@api_route(
    bp,
    "/blocks/<int:block_id>/round",
    summary="Đợt chấm điểm của khối",
    tag="scoring",
    response="ScoringRound",
    errors=(401, 403, 404),
    endpoint="block_round_get",
)
def block_round_get(block_id: int):
    round_ = round_of(_block(block_id))
    if round_ is None:
        raise ApiError(404, "not_found", _("Khối chưa có đợt chấm điểm."))
    return jsonify(round_json(round_))


@api_route(
    bp,
    "/blocks/<int:block_id>/round",
    "POST",
    summary="Tạo đợt chấm điểm của khối (khối trưởng hoặc cán bộ thi đua của tỉnh)",
    tag="scoring",
    form=RoundForm,
    response="ScoringRound",
    status=201,
    errors=(400, 401, 403, 404, 409),
    endpoint="block_round_create",
)
def block_round_create(block_id: int):
    block = _block(block_id)
    form = validated(_tables(bind(RoundForm, json_body())))
    if not can_manage_round(actor(), block):
        raise ApiError(
            403,
            "forbidden",
            _("Chỉ khối trưởng hoặc cán bộ thi đua của tỉnh được tạo đợt chấm điểm."),
        )
    table = _table(form)
    round_ = _run(
        lambda: create_round(
            block,
            table,
            meeting_date=form.meeting_date.data,
            conference_date=form.conference_date.data,
            cross_scoring=bool(form.cross_scoring.data),
            trim=form.trim.data or 0,
        )
    )
    return jsonify(round_json(round_)), 201


@api_route(
    bp,
    "/rounds/<int:round_id>",
    summary="Một đợt chấm điểm",
    tag="scoring",
    response="ScoringRound",
    errors=(401, 403, 404),
    endpoint="round_get",
)
def round_get(round_id: int):
    return jsonify(round_json(_round(round_id)))


@api_route(
    bp,
    "/rounds/<int:round_id>",
    "PUT",
    summary="Sửa ngày họp và thiết lập (bảng tiêu chí, chấm chéo chỉ đổi khi còn dự thảo)",
    tag="scoring",
    form=RoundUpdateForm,
    response="ScoringRound",
    errors=(400, 401, 403, 404, 409),
    endpoint="round_update",
)
def round_update(round_id: int):
    round_ = _round(round_id)
    data = json_body()
    form = validated(_tables(bind(RoundUpdateForm, data)))
    if not can_manage_round(actor(), round_.block):
        raise ApiError(
            403,
            "forbidden",
            _("Chỉ khối trưởng hoặc cán bộ thi đua của tỉnh được sửa đợt chấm điểm."),
        )
    table = _table(form)
    _run(
        lambda: update_round(
            round_,
            meeting_date=form.meeting_date.data,
            conference_date=form.conference_date.data,
            cross_scoring=bool(form.cross_scoring.data) if "cross_scoring" in data else None,
            trim=(form.trim.data or 0) if "trim" in data else None,
            table=table,
        )
    )
    return jsonify(round_json(round_))


@api_route(
    bp,
    "/rounds/<int:round_id>/transitions",
    "POST",
    summary="Chuyển trạng thái đợt chấm điểm (action; reason khi trả lại kết quả)",
    tag="scoring",
    form=TransitionForm,
    response="ScoringRound",
    errors=(400, 401, 403, 404, 409),
    endpoint="round_transition",
)
def round_transition(round_id: int):
    round_ = _round(round_id)
    form = validated(bind(TransitionForm, json_body()))
    _run(lambda: transition(actor(), round_, form.action.data, reason=form.reason.data))
    return jsonify(round_json(round_))


@api_route(
    bp,
    "/rounds/<int:round_id>/members",
    summary="Tiến độ tự chấm điểm của các đơn vị thành viên",
    tag="scoring",
    response={"type": "array", "items": ref("RoundMemberProgress")},
    errors=(401, 403, 404),
    endpoint="round_members",
)
def round_members(round_id: int):
    round_ = _round(round_id)
    return jsonify(
        [
            {
                "unit_id": p.unit.id,
                "unit_name": p.unit.name,
                "filled": p.filled,
                "total": p.total,
                "submitted_at": _iso(p.submitted_at),
                "present": bool(p.present),
                "evidence": p.evidence,
            }
            for p in progress(round_)
        ]
    )


# -- self scores ---------------------------------------------------------------------------------


def _self_scores(round_: ScoringRound, unit_id: int) -> dict:
    from portal.scoring_pages.common import can_edit_self

    rows, _general = sheet(round_, unit_id)
    member = next(m for m in round_.members if m.unit_id == unit_id)
    return {
        "round_id": round_.id,
        "unit_id": unit_id,
        "submitted_at": _iso(member.self_submitted_at),
        "editable": can_edit_self(actor(), round_, unit_id),
        "cells": [
            {
                "criterion_id": r.criterion.id,
                "code": r.criterion.code,
                "title": r.criterion.title,
                "kind": r.criterion.kind.value,
                "max_points": _dec(r.criterion.max_points),
                "value": _dec(r.cell.value) if r.cell else None,
                "note": r.cell.note if r.cell else "",
                "version": r.cell.version if r.cell else None,
                "evidence_ids": [e.id for e in r.evidence],
            }
            for r in rows
            if r.scorable
        ],
    }


@api_route(
    bp,
    "/rounds/<int:round_id>/units/<int:unit_id>/self-scores",
    summary="Điểm tự chấm của một đơn vị, mỗi ô kèm phiên bản (version)",
    tag="scoring",
    response="SelfScores",
    errors=(401, 403, 404),
    endpoint="self_scores_get",
)
def self_scores_get(round_id: int, unit_id: int):
    round_ = _round(round_id)
    _unit_scope(round_, unit_id)
    return jsonify(_self_scores(round_, unit_id))


SELF_SCORE_IN = {
    "type": "object",
    "properties": {
        "value": {
            "type": ["string", "number", "null"],
            "description": "Từ 0 đến điểm tối đa của tiêu chí; tối đa 2 chữ số thập phân; null để xóa.",
        },
        "note": {"type": "string", "maxLength": NOTE_MAX},
        "version": {
            "type": ["integer", "null"],
            "description": "Phiên bản đã đọc; null khi ô chưa có.",
        },
    },
    "required": ["value"],
}


@api_route(
    bp,
    "/rounds/<int:round_id>/units/<int:unit_id>/self-scores/<int:criterion_id>",
    "PUT",
    summary="Lưu một ô điểm tự chấm (409 conflict nếu người khác đã lưu phiên bản mới hơn)",
    tag="scoring",
    body=SELF_SCORE_IN,
    response="SelfScoreCell",
    errors=(400, 401, 403, 404, 409),
    endpoint="self_score_put",
)
def self_score_put(round_id: int, unit_id: int, criterion_id: int):
    round_ = _round(round_id)
    _own_unit(round_, unit_id)
    data = json_body()
    value, note, version = data.get("value"), data.get("note", ""), data.get("version")
    bad = {}
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int | float)):
        bad["value"] = [_("Điểm phải là một số.")]
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        bad["note"] = [_("Ghi chú tối đa %(n)s ký tự.", n=NOTE_MAX)]
    if version is not None and not (is_id(version) and version < 2**31):
        bad["version"] = [_("Phiên bản không hợp lệ.")]
    if bad:
        raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), bad)
    try:
        raw = checked_score(value)
    except ServiceError as exc:
        raise _fail(exc) from None
    cell: SelfScore = _run(
        lambda: save_self_score(
            actor(), round_, unit_id, criterion_id, raw, note=note, version=version
        )
    )
    criterion = next(c for c in round_.table.criteria if c.id == criterion_id)
    return jsonify(
        {
            "criterion_id": criterion.id,
            "code": criterion.code,
            "title": criterion.title,
            "kind": criterion.kind.value,
            "max_points": _dec(criterion.max_points),
            "value": _dec(cell.value),
            "note": cell.note,
            "version": cell.version,
            "evidence_ids": [
                e.id
                for e in db.session.scalars(
                    select(Evidence.id).where(
                        Evidence.round_id == round_id,
                        Evidence.unit_id == unit_id,
                        Evidence.criterion_id == criterion_id,
                    )
                )
            ],
        }
    )


@api_route(
    bp,
    "/rounds/<int:round_id>/units/<int:unit_id>/self-scores/submit",
    "POST",
    summary="Nộp điểm tự chấm (cần chấm đủ mọi tiêu chí tính điểm)",
    tag="scoring",
    response="SelfScores",
    errors=(401, 403, 404, 409),
    endpoint="self_scores_submit",
)
def self_scores_submit(round_id: int, unit_id: int):
    round_ = _round(round_id)
    _own_unit(round_, unit_id)
    _run(lambda: submit_self_scores(actor(), round_, unit_id))
    return jsonify(_self_scores(round_, unit_id))


# -- evidence ------------------------------------------------------------------------------------


@api_route(
    bp,
    "/rounds/<int:round_id>/units/<int:unit_id>/evidence",
    summary="Tài liệu minh chứng của một đơn vị",
    tag="scoring",
    response={"type": "array", "items": ref("Evidence")},
    errors=(401, 403, 404),
    endpoint="evidence_list",
)
def evidence_list(round_id: int, unit_id: int):
    round_ = _round(round_id)
    _unit_scope(round_, unit_id)
    files = db.session.scalars(
        select(Evidence)
        .where(Evidence.round_id == round_.id, Evidence.unit_id == unit_id)
        .order_by(Evidence.id)
    )
    return jsonify([evidence_json(e) for e in files])


UPLOAD = {
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "PDF, PNG hoặc JPEG (kiểm tra theo nội dung tệp).",
                    },
                    "criterion_id": {
                        "type": "integer",
                        "description": "Tiêu chí được minh chứng (không bắt buộc).",
                    },
                },
                "required": ["file"],
            }
        }
    }
}


@api_route(
    bp,
    "/rounds/<int:round_id>/units/<int:unit_id>/evidence",
    "POST",
    summary="Tải lên tài liệu minh chứng (multipart, trường 'file')",
    tag="scoring",
    body=UPLOAD,
    response="Evidence",
    status=201,
    errors=(401, 403, 404, 409, 413, 415, 503, 507),
    endpoint="evidence_upload",
)
def evidence_upload(round_id: int, unit_id: int):
    round_ = _round(round_id)
    _own_unit(round_, unit_id)
    raw_criterion = (request.form.get("criterion_id") or "").strip()
    criterion_id = None
    if raw_criterion:
        if not raw_criterion.isdigit() or len(raw_criterion) > 18:
            raise ApiError(
                422,
                "validation_error",
                _("Dữ liệu chưa hợp lệ."),
                {"criterion_id": [_("Cần mã số tiêu chí.")]},
            )
        criterion_id = int(raw_criterion)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"file": [_("Hãy gửi tệp trong trường 'file'.")]},
        )
    data = evidence_service.read_limited(upload.stream, evidence_service.max_bytes())
    try:
        evidence = evidence_service.add_evidence(
            actor(), round_, unit_id, criterion_id, upload.filename, data
        )
    except ServiceError as exc:
        raise _fail(exc) from None
    except evidence_service.StorageError as exc:
        db.session.rollback()
        raise ApiError(exc.status, exc.code, exc.message) from None
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        evidence_service.discard(evidence)
        raise
    return jsonify(evidence_json(evidence)), 201


def _evidence(evidence_id: int) -> Evidence:
    def visible(e):
        round_ = db.session.get(ScoringRound, e.round_id)
        return can_view_round(actor(), round_) and can_view_unit_scores(actor(), round_, e.unit_id)

    return load(Evidence, evidence_id, visible)


FILE = {
    "content": {
        t: {"schema": {"type": "string", "format": "binary"}}
        for t in sorted(evidence_service.SERVED_TYPES)
    }
}


@api_route(
    bp,
    "/evidence/<int:evidence_id>",
    summary="Tải về tệp minh chứng (luôn là tệp đính kèm)",
    tag="scoring",
    response=FILE,
    errors=(401, 403, 404, 503, 507),
    endpoint="evidence_download",
)
def evidence_download(evidence_id: int):
    evidence = _evidence(evidence_id)
    try:
        return evidence_service.download(evidence)
    except ServiceError as exc:
        raise _fail(exc) from None
    except evidence_service.StorageError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None


@api_route(
    bp,
    "/evidence/<int:evidence_id>",
    "DELETE",
    summary="Xóa tệp minh chứng của đơn vị mình (khi đang tự chấm)",
    tag="scoring",
    status=204,
    errors=(401, 403, 404, 409),
    endpoint="evidence_delete",
)
def evidence_delete(evidence_id: int):
    evidence = _evidence(evidence_id)
    _run(lambda: evidence_service.delete_evidence(actor(), evidence))
    evidence_service.discard(evidence)
    return "", 204
