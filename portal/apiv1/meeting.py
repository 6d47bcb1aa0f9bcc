"""API of the scoring meeting and its results: agreed scores (optimistic locking: a stale
``version`` is a 409 ``conflict`` naming the value now stored), attendance, the secretary,
cross scores and their proposals, the ranking, exports, and the province's overview."""

from __future__ import annotations

from io import BytesIO

from flask import jsonify, request, send_file
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import can_view_province, is_block_leader
from portal.apiv1 import bp
from portal.apiv1.resources import SCHEMAS, actor, int_arg, is_id, json_body, load
from portal.apiv1.spec import api_route, ref
from portal.errors import ApiError
from portal.extensions import db
from portal.models import AgreedScore, CrossScore, Province, ScoringRound, SelfScore
from portal.services import ServiceError
from portal.services import meeting as svc
from portal.services.blocks import block_years
from portal.services.scoring import (
    ScoreConflict,
    can_enter_agreed,
    save_agreed_score,
    save_cross_score,
    scorable,
    self_value,
)
from portal.services.scoring_rounds import state_label

DECIMAL = {
    "type": ["string", "null"],
    "pattern": r"^-?\d+\.\d{2}$",
    "description": "Điểm, hai chữ số thập phân.",
}
SCORE_IN = {"type": ["number", "string"], "description": 'Điểm: 8.5 hoặc "8,5".'}
SCHEMAS.update(
    {
        "AgreedCell": {
            "type": "object",
            "properties": {
                "unit_id": {"type": "integer"},
                "criterion_id": {"type": "integer"},
                "code": {"type": "string"},
                "value": DECIMAL,
                "reason": {"type": "string"},
                "version": {"type": "integer", "description": "0: ô chưa có điểm."},
                "self_value": DECIMAL,
                "differs": {"type": "boolean"},
            },
            "required": ["unit_id", "criterion_id", "value", "version"],
        },
        "CrossCell": {
            "type": "object",
            "properties": {
                "scorer_unit_id": {"type": "integer"},
                "unit_id": {"type": "integer"},
                "criterion_id": {"type": "integer"},
                "value": DECIMAL,
                "version": {"type": "integer"},
            },
            "required": ["scorer_unit_id", "unit_id", "criterion_id", "value", "version"],
        },
        "RankingRow": {
            "type": "object",
            "properties": {
                "rank": {
                    "type": ["integer", "null"],
                    "description": "null khi đơn vị chưa có ô điểm thống nhất nào (chưa xếp hạng).",
                },
                "unit_id": {"type": "integer"},
                "unit_name": {"type": "string"},
                "self_total": DECIMAL,
                "scored": DECIMAL,
                "bonus": DECIMAL,
                "penalty": DECIMAL,
                "total": DECIMAL,
                "band": {"type": ["string", "null"]},
                "shared": {
                    "type": "boolean",
                    "description": "Đồng hạng mà quy tắc không phân định: hội nghị cần thống nhất.",
                },
                "present": {"type": "boolean"},
            },
            "required": ["rank", "unit_id", "total", "shared"],
        },
        "Ranking": {
            "type": "object",
            "properties": {
                "round_id": {"type": "integer"},
                "state": {"type": "string"},
                "state_label": {"type": "string"},
                "document_id": {"type": ["integer", "null"]},
                "rows": {"type": "array", "items": ref("RankingRow")},
            },
            "required": ["round_id", "state", "rows"],
        },
        "ScoringOverviewRow": {
            "type": "object",
            "properties": {
                "block_id": {"type": "integer"},
                "block_name": {"type": "string"},
                "leader_unit": {"type": ["string", "null"]},
                "round_id": {"type": ["integer", "null"]},
                "state": {"type": ["string", "null"]},
                "state_label": {"type": ["string", "null"]},
                "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                "returned_reason": {"type": ["string", "null"]},
                "top_units": {"type": "array", "items": {"type": "string"}},
                "top_total": DECIMAL,
                "document_id": {"type": ["integer", "null"]},
            },
            "required": ["block_id", "block_name", "round_id", "state"],
        },
    }
)
AGREED_IN = {
    "type": "object",
    "properties": {
        "value": SCORE_IN,
        "reason": {"type": "string", "description": "Bắt buộc khi điểm khác điểm tự chấm."},
        "version": {
            "type": ["integer", "null"],
            "description": "Phiên bản ô đã đọc; 0 hoặc null cho ô mới.",
        },
    },
    "required": ["value"],
}
CROSS_IN = {
    "type": "object",
    "properties": {
        "value": SCORE_IN,
        "version": {"type": ["integer", "null"]},
        "scorer_unit_id": {
            "type": "integer",
            "description": "Đơn vị chấm (khi bạn là cán bộ của nhiều đơn vị).",
        },
    },
    "required": ["value"],
}
FILE = {
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        },
    }
}


def _round(round_id: int) -> ScoringRound:
    """The round (404 unless the actor may see it), its block joined in the same query: every
    endpoint here checks the block's membership or leader."""
    round_ = db.session.get(ScoringRound, round_id, options=(joinedload(ScoringRound.block),))
    if round_ is None or not svc.can_view_round(actor(), round_):
        raise ApiError(404)
    return round_


def _version(data: dict) -> int | None:
    version = data.get("version")
    if version is None or version == 0:
        return None
    if not isinstance(version, int) or isinstance(version, bool) or not 0 < version < 2**31:
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"version": [_("Phiên bản phải là số nguyên.")]},
        )
    return version


def _score(data: dict):
    value = data.get("value")
    if value is None or isinstance(value, bool | dict | list):
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"value": [_("Điểm phải là một số.")]},
        )
    return value


def _conflict(exc: ScoreConflict) -> ApiError:
    return ApiError(409, "conflict", exc.message, {"value": [exc.message]})


def _service_call(fn):
    """Commit ``fn``'s work; a conflict is a 409 naming the stored value; a 404 stays a 404."""
    try:
        result = fn()
        db.session.commit()
        return result
    except ScoreConflict as exc:
        db.session.rollback()
        raise _conflict(exc) from None
    except ServiceError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise ApiError(404, "not_found", exc.message, exc.fields) from None
        status = exc.status if exc.status in (403, 409) else 422
        code = {403: "forbidden", 409: "conflict"}.get(status, "validation_error")
        raise ApiError(status, code, exc.message, exc.fields) from None


def agreed_json(unit_id: int, criterion_id: int, cell: AgreedScore | None, own) -> dict:
    value = cell.value if cell is not None else None
    return {
        "unit_id": unit_id,
        "criterion_id": criterion_id,
        "value": svc.raw(value),
        "reason": cell.reason if cell is not None else "",
        "version": cell.version if cell is not None else 0,
        "self_value": svc.raw(own),
        "differs": own is not None and value is not None and own != value,
    }


@api_route(
    bp,
    "/rounds/<int:round_id>/agreed-scores",
    summary="Mọi ô điểm thống nhất của đợt chấm điểm (kèm phiên bản)",
    tag="meeting",
    response={
        "type": "object",
        "properties": {"items": {"type": "array", "items": ref("AgreedCell")}},
    },
    query=(("unit_id", {"type": "integer"}, "Chỉ một đơn vị"),),
    errors=(400, 401, 403, 404),
    endpoint="agreed_scores_list",
)
def agreed_scores_list(round_id: int):
    round_ = _round(round_id)
    unit_filter = int_arg("unit_id")
    user = actor()
    # Other units' self scores are shown beside the agreed ones to the meeting's editors and the province.
    with_self = can_enter_agreed(user, round_) or svc.is_round_reader(user, round_)
    own_units = user.unit_ids()
    criteria = scorable(round_)
    agreed = {
        (a.unit_id, a.criterion_id): a
        for a in db.session.scalars(select(AgreedScore).where(AgreedScore.round_id == round_.id))
    }
    own = {
        (s.unit_id, s.criterion_id): s.value
        for s in db.session.scalars(select(SelfScore).where(SelfScore.round_id == round_.id))
    }
    items = []
    for m in svc.load_members(round_):
        if unit_filter is not None and m.unit_id != unit_filter:
            continue
        show_self = with_self or m.unit_id in own_units
        for c in criteria:
            key = (m.unit_id, c.id)
            body = agreed_json(
                m.unit_id, c.id, agreed.get(key), own.get(key) if show_self else None
            )
            body["code"] = c.code
            items.append(body)
    return jsonify(items=items, total=len(items), round_id=round_.id, state=round_.state.value)


@api_route(
    bp,
    "/rounds/<int:round_id>/agreed-scores/<int:unit_id>/<int:criterion_id>",
    "PUT",
    summary="Lưu một ô điểm thống nhất (khóa lạc quan: phiên bản cũ → 409 conflict kèm giá trị hiện tại)",
    tag="meeting",
    body=AGREED_IN,
    response="AgreedCell",
    errors=(400, 401, 403, 404, 409),
    endpoint="agreed_score_put",
)
def agreed_score_put(round_id: int, unit_id: int, criterion_id: int):
    round_ = _round(round_id)
    user = actor()
    if not can_enter_agreed(user, round_):
        raise ApiError(
            403, "forbidden", _("Chỉ khối trưởng hoặc thư ký được nhập điểm thống nhất.")
        )
    data = json_body()
    value, version = _score(data), _version(data)
    reason = data.get("reason") or ""
    if not isinstance(reason, str):
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"reason": [_("Lý do phải là chuỗi ký tự.")]},
        )

    def save() -> dict:
        # The answer is built before the commit, from what the save read and wrote: after it the
        # session is expired and reading the cell, the round or the self score would query again.
        own = self_value(round_id, unit_id, criterion_id)
        cell = save_agreed_score(
            user, round_, unit_id, criterion_id, svc.checked(value), reason=reason, version=version, own=own
        )
        return agreed_json(unit_id, criterion_id, cell, own)

    return jsonify(_service_call(save))


@api_route(
    bp,
    "/rounds/<int:round_id>/attendance",
    "PUT",
    summary="Danh sách đơn vị có mặt tại hội nghị chấm điểm",
    tag="meeting",
    body={
        "type": "object",
        "properties": {"present": {"type": "array", "items": {"type": "integer"}}},
        "required": ["present"],
    },
    response={
        "type": "object",
        "properties": {
            "present": {"type": "array", "items": {"type": "integer"}},
            "absent": {"type": "array", "items": {"type": "integer"}},
        },
    },
    errors=(400, 401, 403, 404, 409),
    endpoint="attendance_put",
)
def attendance_put(round_id: int):
    round_ = _round(round_id)
    user = actor()
    if not can_enter_agreed(user, round_):
        raise ApiError(
            403, "forbidden", _("Chỉ khối trưởng hoặc thư ký được ghi danh sách có mặt.")
        )
    data = json_body()
    present = data.get("present")
    if not isinstance(present, list) or not all(is_id(v) for v in present):
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"present": [_("Cần danh sách mã số đơn vị.")]},
        )
    members = _service_call(lambda: svc.set_attendance(user, round_, set(present)))
    return jsonify(
        present=sorted(m.unit_id for m in members if m.present),
        absent=sorted(m.unit_id for m in members if not m.present),
    )


@api_route(
    bp,
    "/rounds/<int:round_id>/secretary",
    "PUT",
    summary="Khối trưởng chỉ định (hoặc bỏ) thư ký nhập điểm thống nhất",
    tag="meeting",
    body={
        "type": "object",
        "properties": {"user_id": {"type": ["integer", "null"]}},
        "required": ["user_id"],
    },
    response={
        "type": "object",
        "properties": {
            "secretary_id": {"type": ["integer", "null"]},
            "secretary_name": {"type": ["string", "null"]},
        },
    },
    errors=(400, 401, 403, 404, 409),
    endpoint="secretary_put",
)
def secretary_put(round_id: int):
    round_ = _round(round_id)
    user = actor()
    data = json_body()
    if not is_block_leader(user, round_.block):
        raise ApiError(403, "forbidden", _("Chỉ khối trưởng được chỉ định thư ký."))
    if "user_id" not in data or not (data["user_id"] is None or is_id(data["user_id"])):
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"user_id": [_("Cần mã số tài khoản hoặc null.")]},
        )
    _service_call(lambda: svc.set_secretary(user, round_, data["user_id"]))
    return jsonify(
        secretary_id=round_.secretary_id,
        secretary_name=round_.secretary.full_name if round_.secretary else None,
    )


def cross_json(c: CrossScore) -> dict:
    return {
        "scorer_unit_id": c.scorer_unit_id,
        "unit_id": c.unit_id,
        "criterion_id": c.criterion_id,
        "value": svc.raw(c.value),
        "version": c.version,
    }


@api_route(
    bp,
    "/rounds/<int:round_id>/cross-scores",
    summary="Điểm chấm chéo (của đơn vị mình; khối trưởng và tỉnh xem tất cả)",
    tag="meeting",
    response={
        "type": "object",
        "properties": {"items": {"type": "array", "items": ref("CrossCell")}},
    },
    query=(("scorer_unit_id", {"type": "integer"}, "Chỉ một đơn vị chấm"),),
    errors=(400, 401, 403, 404),
    endpoint="cross_scores_list",
)
def cross_scores_list(round_id: int):
    round_ = _round(round_id)
    user = actor()
    scorer = int_arg("scorer_unit_id")
    stmt = select(CrossScore).where(CrossScore.round_id == round_.id)
    if not (can_enter_agreed(user, round_) or svc.is_round_reader(user, round_)):
        stmt = stmt.where(CrossScore.scorer_unit_id.in_(user.unit_ids() or {-1}))
    if scorer is not None:
        stmt = stmt.where(CrossScore.scorer_unit_id == scorer)
    cells = db.session.scalars(
        stmt.order_by(CrossScore.scorer_unit_id, CrossScore.unit_id, CrossScore.criterion_id)
    )
    items = [cross_json(c) for c in cells]
    return jsonify(
        items=items, total=len(items), cross_scoring=round_.cross_scoring, trim=round_.trim
    )


@api_route(
    bp,
    "/rounds/<int:round_id>/cross-scores/<int:unit_id>/<int:criterion_id>",
    "PUT",
    summary="Lưu một ô điểm chấm chéo cho đơn vị khác",
    tag="meeting",
    body=CROSS_IN,
    response="CrossCell",
    errors=(400, 401, 403, 404, 409),
    endpoint="cross_score_put",
)
def cross_score_put(round_id: int, unit_id: int, criterion_id: int):
    round_ = _round(round_id)
    user = actor()
    mine = [u.id for u in svc.member_units_of(user, round_)]
    if not mine:
        raise ApiError(403, "forbidden", _("Chỉ cán bộ của đơn vị thành viên được chấm chéo."))
    data = json_body()
    scorer = data.get("scorer_unit_id", mine[0] if len(mine) == 1 else None)
    if not is_id(scorer):
        raise ApiError(
            422,
            "validation_error",
            _("Dữ liệu chưa hợp lệ."),
            {"scorer_unit_id": [_("Cần đơn vị chấm.")]},
        )
    value, version = _score(data), _version(data)
    cell = _service_call(
        lambda: save_cross_score(
            user, round_, scorer, unit_id, criterion_id, svc.checked(value), version=version
        )
    )
    return jsonify(cross_json(cell))


@api_route(
    bp,
    "/rounds/<int:round_id>/proposals",
    summary="Đề xuất điểm từ chấm chéo (trung bình, bỏ điểm cao nhất và thấp nhất)",
    tag="meeting",
    response={
        "type": "object",
        "properties": {
            "trim": {"type": "integer"},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "unit_id": {"type": "integer"},
                        "criterion_id": {"type": "integer"},
                        "proposal": DECIMAL,
                    },
                },
            },
        },
    },
    errors=(401, 403, 404),
    endpoint="proposals_list",
)
def proposals_list(round_id: int):
    round_ = _round(round_id)
    user = actor()
    if not (can_enter_agreed(user, round_) or svc.is_round_reader(user, round_)):
        raise ApiError(
            403, "forbidden", _("Chỉ khối trưởng, thư ký và cán bộ của tỉnh xem được đề xuất điểm.")
        )
    items = [
        {"unit_id": u, "criterion_id": c, "proposal": svc.raw(v)}
        for (u, c), v in sorted(svc.proposals(round_).items())
    ]
    return jsonify(items=items, total=len(items), trim=round_.trim)


@api_route(
    bp,
    "/rounds/<int:round_id>/ranking",
    summary="Xếp hạng theo tổng điểm thống nhất (đồng hạng được đánh dấu)",
    tag="meeting",
    response="Ranking",
    errors=(401, 403, 404),
    endpoint="ranking_get",
)
def ranking_get(round_id: int):
    round_ = _round(round_id)
    return jsonify(
        round_id=round_.id,
        state=round_.state.value,
        state_label=state_label(round_.state),
        document_id=round_.document_id,
        rows=[
            svc.ranking_json(r)
            for r in svc.ranking_rows(round_, hide_self=not svc.shows_self_totals(actor(), round_))
        ],
    )


@api_route(
    bp,
    "/rounds/<int:round_id>/export",
    summary="Xuất bảng xếp hạng hoặc mọi ô điểm thống nhất (CSV, XLSX)",
    tag="meeting",
    response=FILE,
    query=(
        ("what", {"type": "string", "enum": ["ranking", "cells"]}, "ranking (mặc định) hoặc cells"),
        ("format", {"type": "string", "enum": ["csv", "xlsx"]}, "xlsx (mặc định) hoặc csv"),
    ),
    errors=(400, 401, 403, 404),
    endpoint="round_export",
)
def round_export(round_id: int):
    round_ = _round(round_id)
    try:
        content, mimetype, name = svc.export(
            round_, request.args.get("what", "ranking"), request.args.get("format", "xlsx"), actor()
        )
    except ServiceError as exc:
        raise ApiError(400, "bad_request", exc.message, exc.fields) from None
    return send_file(
        BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0
    )


@api_route(
    bp,
    "/provinces/<int:province_id>/scoring",
    summary="Kết quả chấm điểm của mọi khối trong năm (tỉnh)",
    tag="meeting",
    query=(("year", {"type": "integer"}, "Năm thi đua; mặc định năm gần nhất"),),
    response={
        "type": "object",
        "properties": {
            "year": {"type": ["integer", "null"]},
            "items": {"type": "array", "items": ref("ScoringOverviewRow")},
        },
    },
    errors=(400, 401, 403, 404),
    endpoint="province_scoring_overview",
)
def province_scoring_overview(province_id: int):
    province = load(Province, province_id, lambda p: can_view_province(actor(), p.id))
    year = int_arg("year")
    if year is not None and not 1900 <= year <= 2200:
        raise ApiError(
            400, "bad_request", _("Năm không hợp lệ."), {"year": [_("Năm không hợp lệ.")]}
        )
    if year is None:
        years = block_years(province.id)
        year = years[0] if years else None
    rows = svc.province_overview(province, year) if year else []
    items = [
        {
            "block_id": row.block.id,
            "block_name": row.block.name,
            "leader_unit": row.block.leader_unit.name if row.block.leader_unit else None,
            "round_id": row.round.id if row.round else None,
            "state": row.round.state.value if row.round else None,
            "state_label": state_label(row.round.state) if row.round else None,
            "submitted_at": row.round.submitted_at.isoformat()
            if row.round and row.round.submitted_at
            else None,
            "returned_reason": row.round.returned_reason if row.round else None,
            "top_units": row.top,
            "top_total": svc.raw(row.top_total),
            "document_id": row.round.document_id if row.round else None,
        }
        for row in rows
    ]
    return jsonify(year=year, items=items)
