"""API for secret ballots: the whole lifecycle, voting codes, casting with a code (public) or a unit
officer's token, progress, results, the published receipts, paper counts and the exports.

Nothing answers with a count while a ballot is open; results come once it is closed.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from portal.access import blocks_visible_to, can_view_block
from portal.apiv1 import bp
from portal.apiv1.resources import SCHEMAS, actor, commit_or_error, is_id, load, service_error
from portal.apiv1.spec import api_route, ref
from portal.ballot_pages import common as c
from portal.ballot_pages.voting import CODE_LIMIT_SCOPE, code_failed, code_limit, failed_attempt
from portal.errors import ApiError
from portal.extensions import db, limiter
from portal.models import Ballot, BallotMode, BallotState, Block, PaperCount
from portal.services import ServiceError
from portal.services import ballots as svc

S = BallotState
TAG = "ballots"
IDS = {"type": "array", "items": {"type": "integer"}}
CSV = {"content": {"text/csv": {"schema": {"type": "string"}}}}

SCHEMAS.update(
    {
        "Ballot": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "block_id": {"type": "integer"},
                "province_id": {"type": "integer"},
                "title": {"type": "string"},
                "award_code": {"type": "string"},
                "award_name": {"type": "string"},
                "seats": {"type": "integer"},
                "method": {"type": "string", "enum": ["tick", "strike"]},
                "mode": {"type": "string", "enum": ["electronic", "paper"]},
                "state": {"type": "string", "enum": [s.value for s in BallotState]},
                "rule": {
                    "type": "object",
                    "properties": {
                        "basis": {"type": "string", "enum": ["members", "present", "valid"]},
                        "threshold": {
                            "type": "string",
                            "description": "Phân số chính xác, ví dụ 1/2.",
                        },
                        "strict": {"type": "boolean"},
                        "tie": {"type": "string", "enum": ["runoff", "refer"]},
                        "source": {"type": "string"},
                    },
                },
                "candidates": {"type": "array", "items": {"type": "object"}},
                "roll": {"type": "array", "items": {"type": "object"}},
                "committee": {"type": "array", "items": {"type": "object"}},
                "runoff_of_id": {"type": ["integer", "null"]},
                "cancel_reason": {"type": ["string", "null"]},
                "document_id": {
                    "type": ["integer", "null"],
                    "description": "Biên bản kiểm phiếu (sau khi công bố).",
                },
            },
            "required": ["id", "block_id", "title", "state", "seats", "candidates"],
        },
        "BallotProgress": {
            "type": "object",
            "description": "Số đơn vị đã bỏ phiếu và đơn vị nào (không bao giờ có nội dung phiếu).",
            "properties": {
                "id": {"type": "integer"},
                "state": {"type": "string"},
                "present": {"type": "integer"},
                "voted": {"type": "integer"},
                "units": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "voted": {"type": "boolean"}},
                    },
                },
            },
            "required": ["id", "state"],
        },
        "BallotResult": {
            "type": "object",
            "properties": {
                "published": {"type": "boolean"},
                "counts": {"type": "object"},
                "candidates": {"type": "array", "items": {"type": "object"}},
                "elected": IDS,
                "tied": IDS,
                "seats_left": {"type": "integer"},
                "tie_outcome": {"type": ["string", "null"]},
                "rule": {"type": "string", "description": "Nguyên tắc xác định kết quả, bằng lời."},
                "document_id": {"type": ["integer", "null"]},
            },
            "required": ["published", "counts", "candidates", "rule"],
        },
    }
)

BALLOT_BODY = {
    "type": "object",
    "properties": {
        "block_id": {"type": "integer"},
        "award_code": {"type": "string"},
        "title": {"type": "string", "maxLength": 300},
        "seats": {"type": "integer", "minimum": 1, "maximum": 100},
        "method": {"type": "string", "enum": ["tick", "strike"]},
        "mode": {"type": "string", "enum": ["electronic", "paper"]},
        "candidate_unit_ids": {
            **IDS,
            "description": "Thứ tự trên phiếu; bỏ trống: đầu bảng xếp hạng.",
        },
    },
    "required": ["block_id", "award_code"],
}


def _body(required: bool = True) -> dict:
    data = request.get_json(silent=True)
    if data is None and not required and not request.get_data():
        return {}
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", _("Nội dung yêu cầu phải là một đối tượng JSON."))
    return data


def _bad(field: str, message: str):
    return ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), {field: [message]})


def _ids(data: dict, field: str, *, optional: bool = True) -> list[int] | None:
    value = data.get(field)
    if value is None and optional:
        return None
    if not isinstance(value, list) or not all(is_id(v) for v in value) or len(value) > 1000:
        raise _bad(field, _("Cần một danh sách mã số."))
    return value


def _text(data: dict, field: str, max_len: int, *, required: bool = False) -> str | None:
    value = data.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > max_len or (required and not value.strip()):
        raise _bad(field, _("Cần nội dung từ 1 đến %(n)s ký tự.", n=max_len))
    return value


def _int(data: dict, field: str, lo: int, hi: int) -> int | None:
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise _bad(field, _("Cần một số nguyên từ %(lo)s đến %(hi)s.", lo=lo, hi=hi))
    return value


def _choice(data: dict, field: str, values: tuple[str, ...]) -> str | None:
    value = data.get(field)
    if value is not None and value not in values:
        raise _bad(field, _("Giá trị không hợp lệ."))
    return value


def _ballot(ballot_id: int) -> Ballot:
    return load(Ballot, ballot_id, lambda b: c.can_view_ballot(actor(), b))


def _leader(ballot: Ballot) -> None:
    if not c.is_leader(actor(), ballot):
        raise ApiError(403, "forbidden", _("Chỉ khối trưởng được thực hiện thao tác này."))


def _json(ballot: Ballot, status: int = 200):
    return jsonify(c.ballot_json(ballot)), status


# -- ballots ---------------------------------------------------------------------------------------


@api_route(
    bp,
    "/ballots",
    summary="Các cuộc bỏ phiếu kín trong phạm vi của tôi",
    tag=TAG,
    response={"type": "array", "items": ref("Ballot")},
    query=(("block_id", {"type": "integer"}, "Lọc theo khối"),),
    errors=(400, 401, 403),
    endpoint="ballots_list",
)
def ballots_list():
    blocks = blocks_visible_to(actor(), select(Block.id))
    stmt = select(Ballot).where(Ballot.block_id.in_(blocks)).order_by(Ballot.id)
    raw = request.args.get("block_id", "").strip()
    if raw:
        if not raw.isdigit() or len(raw) > 18:
            raise ApiError(400, "bad_request")
        stmt = stmt.where(Ballot.block_id == int(raw))
    return jsonify([c.ballot_json(b) for b in db.session.scalars(stmt)])


@api_route(
    bp,
    "/ballots",
    "POST",
    summary="Tạo cuộc bỏ phiếu (khối trưởng)",
    tag=TAG,
    body=BALLOT_BODY,
    response="Ballot",
    status=201,
    errors=(401, 403, 404, 409),
    endpoint="ballots_create",
)
def ballots_create():
    data = _body()
    block_id = data.get("block_id")
    if not is_id(block_id):
        raise _bad("block_id", _("Cần mã số khối."))
    block = load(Block, block_id, lambda b: can_view_block(actor(), b))
    award = _text(data, "award_code", 60, required=True)
    kwargs = {
        "title": _text(data, "title", 300),
        "seats": _int(data, "seats", 1, 100) or 1,
        "method": _choice(data, "method", ("tick", "strike")) or "tick",
        "mode": _choice(data, "mode", ("electronic", "paper")) or "electronic",
        "candidate_unit_ids": _ids(data, "candidate_unit_ids"),
    }
    ballot = commit_or_error(lambda: svc.create_ballot(actor(), block, award_code=award, **kwargs))
    return _json(ballot, 201)


@api_route(
    bp,
    "/ballots/<int:ballot_id>",
    summary="Một cuộc bỏ phiếu",
    tag=TAG,
    response="Ballot",
    errors=(401, 403, 404),
    endpoint="ballot_get",
)
def ballot_get(ballot_id: int):
    return _json(_ballot(ballot_id))


@api_route(
    bp,
    "/ballots/<int:ballot_id>",
    "PUT",
    summary="Sửa thiết lập và ứng viên (chỉ khi chưa mở)",
    tag=TAG,
    body={**BALLOT_BODY, "required": []},
    response="Ballot",
    errors=(401, 403, 404, 409),
    endpoint="ballot_update",
)
def ballot_update(ballot_id: int):
    ballot = _ballot(ballot_id)
    data = _body()
    _leader(ballot)
    kwargs = {
        "title": _text(data, "title", 300),
        "seats": _int(data, "seats", 1, 100),
        "method": _choice(data, "method", ("tick", "strike")),
        "mode": _choice(data, "mode", ("electronic", "paper")),
        "candidate_unit_ids": _ids(data, "candidate_unit_ids"),
    }
    commit_or_error(lambda: svc.update_ballot(actor(), ballot, **kwargs))
    return _json(ballot)


@api_route(
    bp,
    "/ballots/<int:ballot_id>/attendance",
    "PUT",
    summary="Điểm danh: các đơn vị có mặt (chỉ khi chưa mở)",
    tag=TAG,
    body={"type": "object", "properties": {"present": IDS}, "required": ["present"]},
    response="Ballot",
    errors=(401, 403, 404, 409),
    endpoint="ballot_attendance",
)
def ballot_attendance(ballot_id: int):
    ballot = _ballot(ballot_id)
    present = set(_ids(_body(), "present", optional=False))
    _leader(ballot)

    def apply():
        if ballot.state != S.DRAFT:
            raise ServiceError(_("Điểm danh đã bị khóa khi mở bỏ phiếu."), "state", 409)
        roll = {v.unit_id for v in ballot.roll}
        if present - roll:
            raise ServiceError(_("Đơn vị không thuộc khối."), "present")
        for v in ballot.roll:
            if v.present != (v.unit_id in present):
                svc.set_present(actor(), ballot, v.unit_id, v.unit_id in present)

    commit_or_error(apply)
    return _json(ballot)


@api_route(
    bp,
    "/ballots/<int:ballot_id>/committee",
    "PUT",
    summary="Ban kiểm phiếu (cán bộ của đơn vị thành viên; Trưởng ban/Thành viên)",
    tag=TAG,
    body={
        "type": "object",
        "properties": {
            "members": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "user_id": {"type": "integer"},
                        "role": {"type": "string", "enum": list(c.COMMITTEE_ROLES)},
                    },
                    "required": ["user_id", "role"],
                },
            }
        },
        "required": ["members"],
    },
    response="Ballot",
    errors=(401, 403, 404, 409),
    endpoint="ballot_committee",
)
def ballot_committee(ballot_id: int):
    ballot = _ballot(ballot_id)
    raw = _body().get("members")
    if (
        not isinstance(raw, list)
        or len(raw) > 50
        or not all(
            isinstance(m, dict) and is_id(m.get("user_id")) and isinstance(m.get("role"), str)
            for m in raw
        )
    ):
        raise _bad("members", _("Cần danh sách {user_id, role}."))
    _leader(ballot)
    commit_or_error(
        lambda: c.set_committee(actor(), ballot, [(m["user_id"], m["role"]) for m in raw])
    )
    return _json(ballot)


@api_route(
    bp,
    "/ballots/<int:ballot_id>/codes",
    "POST",
    summary="Cấp mã bỏ phiếu (trả về mã một lần; cấp lại thì mã cũ hết hiệu lực)",
    tag=TAG,
    body={
        "type": "object",
        "properties": {
            "unit_ids": {**IDS, "description": "Bỏ trống: mọi đơn vị có mặt chưa có mã."}
        },
    },
    response={
        "type": "object",
        "properties": {
            "vote_url": {"type": "string"},
            "codes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "unit_id": {"type": "integer"},
                        "unit_name": {"type": "string"},
                        "code": {"type": "string"},
                    },
                },
            },
        },
    },
    status=201,
    errors=(401, 403, 404, 409),
    endpoint="ballot_codes",
)
def ballot_codes(ballot_id: int):
    ballot = _ballot(ballot_id)
    unit_ids = _ids(_body(required=False), "unit_ids")
    _leader(ballot)
    issued = commit_or_error(lambda: c.issue_codes(actor(), ballot, unit_ids))
    from portal.ballot_pages.voting import vote_url

    return jsonify(
        vote_url=vote_url(ballot),
        codes=[
            {"unit_id": v.unit_id, "unit_name": v.unit.name, "code": code} for v, code in issued
        ],
    ), 201


def _action(name: str, summary: str, fn, body: dict | None = None):
    def view(ballot_id: int):
        ballot = _ballot(ballot_id)
        data = _body(required=body is not None)
        _leader(ballot)
        result = commit_or_error(lambda: fn(actor(), ballot, data))
        return _json(
            result if isinstance(result, Ballot) else ballot, 201 if name == "runoff" else 200
        )

    view.__name__ = f"ballot_{name}"
    api_route(
        bp,
        f"/ballots/<int:ballot_id>/{name}",
        "POST",
        summary=summary,
        tag=TAG,
        body=body,
        response="Ballot",
        status=201 if name == "runoff" else 200,
        errors=(401, 403, 404, 409),
        endpoint=f"ballot_{name}",
    )(view)


_action("open", "Mở bỏ phiếu (khóa thiết lập và điểm danh)", lambda u, b, d: svc.open_ballot(u, b))
_action(
    "close", "Kết thúc bỏ phiếu (chốt danh sách tham gia)", lambda u, b, d: svc.close_ballot(u, b)
)
_action(
    "publish",
    "Công bố kết quả và lập biên bản kiểm phiếu (cần Ban kiểm phiếu)",
    lambda u, b, d: c.publish_with_record(u, b, _text(d, "venue", 300, required=True)),
    {
        "type": "object",
        "properties": {
            "venue": {"type": "string", "maxLength": 300, "description": "Địa điểm kiểm phiếu."}
        },
        "required": ["venue"],
    },
)
_action(
    "cancel",
    "Hủy cuộc bỏ phiếu (cần lý do)",
    lambda u, b, d: svc.cancel(u, b, _text(d, "reason", 1000, required=True)),
    {
        "type": "object",
        "properties": {"reason": {"type": "string", "maxLength": 1000}},
        "required": ["reason"],
    },
)
_action(
    "runoff",
    "Tạo cuộc bầu lại giữa các đơn vị bằng phiếu (trả về cuộc bầu lại)",
    lambda u, b, d: svc.create_runoff(u, b),
)


# -- progress, results, receipts, exports ---------------------------------------------------------------


@api_route(
    bp,
    "/ballots/<int:ballot_id>/progress",
    summary="Tiến độ: bao nhiêu và đơn vị nào đã bỏ phiếu (không có nội dung phiếu)",
    tag=TAG,
    response="BallotProgress",
    errors=(401, 403, 404),
    endpoint="ballot_progress",
)
def ballot_progress(ballot_id: int):
    return jsonify(c.progress_json(_ballot(ballot_id)))


def _result(ballot: Ballot) -> dict:
    result, problem = c.result_for_display(ballot)
    if result is None:
        raise ApiError(
            409, "conflict", problem or _("Chưa có kết quả: cuộc bỏ phiếu chưa kết thúc.")
        )
    return result


@api_route(
    bp,
    "/ballots/<int:ballot_id>/results",
    summary="Kết quả (khi đã kết thúc hoặc đã công bố)",
    tag=TAG,
    response="BallotResult",
    errors=(401, 403, 404, 409),
    endpoint="ballot_results",
)
def ballot_results(ballot_id: int):
    ballot = _ballot(ballot_id)
    result = _result(ballot)
    rows = {r["candidate_id"]: r for r in c.result_rows(ballot, result)}
    candidates = [
        {
            **r,
            "name": rows[r["candidate_id"]]["name"],
            "percent": rows[r["candidate_id"]]["percent"],
        }
        for r in result["candidates"]
    ]
    return jsonify(
        {
            **result,
            "candidates": candidates,
            "published": ballot.state == S.PUBLISHED,
            "document_id": ballot.document_id,
        }
    )


@api_route(
    bp,
    "/ballots/<int:ballot_id>/receipts",
    summary="Các phiếu đã công bố: mã biên nhận và lựa chọn (không có đơn vị)",
    tag=TAG,
    response={
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "receipt": {"type": "string"},
                "valid": {"type": "boolean"},
                "agree": {"type": "array", "items": {"type": "string"}},
                "disagree": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
    errors=(401, 403, 404, 409),
    endpoint="ballot_receipts",
)
def ballot_receipts(ballot_id: int):
    ballot = _ballot(ballot_id)
    if ballot.state != S.PUBLISHED:
        raise ApiError(409, "conflict", _("Danh sách phiếu chỉ có sau khi công bố kết quả."))
    return jsonify(c.receipts(ballot))


def _csv_response(ballot: Ballot, make, what: str):
    try:
        data = make(ballot)
    except ServiceError as exc:
        raise service_error(exc) from None
    from portal.ballot_pages.views import _csv

    return _csv(data, c.csv_name(ballot, what))


@api_route(
    bp,
    "/ballots/<int:ballot_id>/results.csv",
    summary="Kết quả (CSV)",
    tag=TAG,
    response=CSV,
    errors=(401, 403, 404, 409),
    endpoint="ballot_results_csv",
)
def ballot_results_csv(ballot_id: int):
    return _csv_response(_ballot(ballot_id), c.results_csv, "Kết quả bỏ phiếu")


@api_route(
    bp,
    "/ballots/<int:ballot_id>/turnout.csv",
    summary="Đơn vị tham gia: thành viên, có mặt, đã bỏ phiếu (CSV, không có lựa chọn)",
    tag=TAG,
    response=CSV,
    errors=(401, 403, 404, 409),
    endpoint="ballot_turnout_csv",
)
def ballot_turnout_csv(ballot_id: int):
    return _csv_response(_ballot(ballot_id), c.turnout_csv, "Đơn vị tham gia bỏ phiếu")


# -- paper counts ------------------------------------------------------------------------------------


@api_route(
    bp,
    "/ballots/<int:ballot_id>/paper-counts",
    summary="Các lần nhập kết quả kiểm phiếu giấy và việc chúng có khớp nhau",
    tag=TAG,
    response={
        "type": "object",
        "properties": {
            "agreed": {"type": "boolean"},
            "message": {"type": ["string", "null"]},
            "entries": {"type": "array", "items": {"type": "object"}},
        },
    },
    errors=(401, 403, 404, 409),
    endpoint="ballot_paper_counts",
)
def ballot_paper_counts(ballot_id: int):
    ballot = _ballot(ballot_id)
    if ballot.mode != BallotMode.PAPER:
        raise ApiError(
            409, "conflict", _("Chỉ nhập kết quả kiểm phiếu cho cuộc bỏ phiếu trên giấy.")
        )
    agreed, message = svc.paper_count_status(ballot)
    entries = []
    for e in db.session.scalars(
        select(PaperCount).where(PaperCount.ballot_id == ballot.id).order_by(PaperCount.id)
    ):
        row = {"user_id": e.entered_by_id, "name": e.entered_by.full_name}
        if (
            ballot.state != S.CLOSED or e.entered_by_id == actor().id
        ):  # independent counts until published
            row.update(
                issued=e.issued,
                returned=e.returned,
                invalid=e.invalid,
                votes={int(k): v for k, v in e.votes.items()},
            )
        entries.append(row)
    return jsonify(agreed=agreed is not None, message=message, entries=entries)


@api_route(
    bp,
    "/ballots/<int:ballot_id>/paper-counts",
    "POST",
    summary="Nhập kết quả kiểm phiếu giấy của tôi (thành viên Ban kiểm phiếu)",
    tag=TAG,
    body={
        "type": "object",
        "properties": {
            "issued": {"type": "integer", "minimum": 0},
            "returned": {"type": "integer", "minimum": 0},
            "invalid": {"type": "integer", "minimum": 0},
            "votes": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "description": "Mã ứng viên -> số phiếu đồng ý.",
            },
        },
        "required": ["issued", "returned", "invalid", "votes"],
    },
    response={"type": "object"},
    status=201,
    errors=(401, 403, 404, 409),
    endpoint="ballot_paper_count_enter",
)
def ballot_paper_count_enter(ballot_id: int):
    ballot = _ballot(ballot_id)
    data = _body()
    figures = {k: _int(data, k, 0, 100000) for k in ("issued", "returned", "invalid")}
    missing = [k for k, v in figures.items() if v is None]
    if missing:
        raise _bad(missing[0], _("Cần một số nguyên từ %(lo)s đến %(hi)s.", lo=0, hi=100000))
    raw = data.get("votes")
    if not isinstance(raw, dict) or not all(
        str(k).isdigit()
        and len(str(k)) < 19
        and isinstance(v, int)
        and not isinstance(v, bool)
        and 0 <= v <= 100000
        for k, v in raw.items()
    ):
        raise _bad("votes", _("Cần số phiếu đồng ý (số nguyên) của từng ứng viên."))
    votes = {int(k): v for k, v in raw.items()}
    entry = commit_or_error(lambda: svc.enter_paper_count(actor(), ballot, votes=votes, **figures))
    agreed, message = svc.paper_count_status(ballot)
    return jsonify(id=entry.id, agreed=agreed is not None, message=message), 201


# -- casting --------------------------------------------------------------------------------------------


@api_route(
    bp,
    "/ballots/<int:ballot_id>/cast",
    "POST",
    summary="Bỏ phiếu bằng mã bỏ phiếu (không cần đăng nhập) hoặc mã truy cập của cán bộ đơn vị",
    tag=TAG,
    public=True,
    body={
        "type": "object",
        "properties": {
            "code": {"type": "string", "maxLength": 20},
            "agree": {**IDS, "description": "Mã ứng viên đồng ý / giữ lại."},
            "disagree": {**IDS, "description": "Mã ứng viên không đồng ý / gạch tên."},
        },
        "required": ["agree"],
    },
    response={
        "type": "object",
        "properties": {"receipt": {"type": "string"}},
        "required": ["receipt"],
    },
    status=201,
    errors=(401, 403, 404, 409, 429),
    endpoint="ballot_cast",
)
@limiter.shared_limit(code_limit, scope=CODE_LIMIT_SCOPE, deduct_when=failed_attempt)
def ballot_cast(ballot_id: int):
    data = _body()
    code = data.get("code")
    if code is not None and (not isinstance(code, str) or len(code) > 20):
        raise _bad("code", _("Mã bỏ phiếu không hợp lệ."))
    agree = _ids(data, "agree") or []
    disagree = _ids(data, "disagree") or []
    user = actor()
    if not (code or "").strip() and user is None:
        raise ApiError(
            401, "unauthorized", _("Cần mã bỏ phiếu hoặc mã truy cập của cán bộ đơn vị.")
        )
    try:
        receipt = svc.cast(
            ballot_id,
            agree,
            disagree,
            code=(code or "").strip() or None,
            user=None if (code or "").strip() else user,
        )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        if exc.field == "code":
            code_failed()
        if exc.status == 404:
            raise ApiError(404, "not_found", exc.message) from None
        if exc.status == 401:
            raise ApiError(401, "unauthorized", exc.message) from None
        raise service_error(exc) from None
    return jsonify(receipt=receipt), 201
