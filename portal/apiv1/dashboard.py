"""The dashboard as JSON: the same tasks, per role, as the page (portal/services/dashboard.py).

Lists the page pages (a block's units not self-scored yet, a province's blocks not sent, accounts
without roles) come whole here, up to ``LIST_LIMIT`` items, with their ``total``."""

from __future__ import annotations

from flask import jsonify, url_for
from flask_babel import gettext as _

from portal.apiv1 import bp
from portal.apiv1.resources import SCHEMAS, actor, int_arg
from portal.apiv1.spec import api_route, ref
from portal.errors import ApiError
from portal.services import dashboard as dash

LIST_LIMIT = 200
DATE = {"type": ["string", "null"], "format": "date"}
TASK = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "description": "self_score, vote, vote_paper, dossier_draft, dossier_returned, "
                 "dossier_review, round_create, round_step, round_waiting, round_returned, results_review, "
                 "dossiers_review, blocks_pending, deadline, plugin_missing, users_without_roles"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "due": DATE,
        "urgency": {"type": "string", "enum": list(dash.URGENCY_ORDER)},
        "count": {"type": ["integer", "null"]},
        "endpoint": {"type": ["string", "null"]},
        "args": {"type": "object"},
        "url": {"type": ["string", "null"]},
    },
    "required": ["kind", "title", "due", "urgency", "url"],
}
NAMED = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    "required": ["id", "name"],
}
CHECK = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "label": {"type": "string"},
        "done": {"type": "boolean"},
        "detail": {"type": "string"},
        "url": {"type": "string"},
    },
    "required": ["code", "done"],
}
TASKS = {"type": "array", "items": ref("DashboardTask")}
BLOCK_STATUS = {
    "type": "object",
    "properties": {
        "block": ref("DashboardNamed"),
        "round_id": {"type": ["integer", "null"]},
        "state": {"type": ["string", "null"]},
        "state_label": {"type": ["string", "null"]},
        "submitted": {"type": "boolean"},
        "dossier_state": {"type": ["string", "null"]},
    },
}
PROVINCE = {
    "type": "object",
    "properties": {
        "province": ref("DashboardNamed"),
        "year": {"type": ["integer", "null"]},
        "years": {"type": "array", "items": {"type": "integer"}},
        "read_only": {"type": "boolean"},
        "blocks_total": {"type": "integer"},
        "submitted": {"type": "array", "items": BLOCK_STATUS},
        "not_submitted": {"type": "array", "items": BLOCK_STATUS},
        "not_submitted_total": {"type": "integer"},
        "returned_rounds": {"type": "integer"},
        "review": TASKS,
        "review_total": {"type": "integer"},
        "returned": TASKS,
        "returned_total": {"type": "integer"},
        "tasks": TASKS,
        "deadlines": TASKS,
    },
}
DASHBOARD = {
    "type": "object",
    "properties": {
        "today": {"type": "string", "format": "date"},
        "tasks": {**TASKS, "description": "Mọi việc của mọi vai trò, việc gấp trước."},
        "secretary": {**TASKS, "description": "Thư ký hội nghị chấm điểm: điểm thống nhất cần nhập."},
        "units": {"type": "array", "items": {"type": "object", "properties": {
            "unit": ref("DashboardNamed"), "year": {"type": "integer"}, "tasks": TASKS, "deadlines": TASKS}}},
        "blocks": {"type": "array", "items": {"type": "object", "properties": {
            "block": ref("DashboardNamed"), "year": {"type": "integer"}, "is_leader": {"type": "boolean"},
            "round_id": {"type": ["integer", "null"]}, "state": {"type": ["string", "null"]},
            "state_label": {"type": ["string", "null"]}, "next_steps": TASKS, "tasks": TASKS,
            "members": {"type": "integer"}, "self_submitted": {"type": "integer"},
            "not_self_scored": {"type": "array", "items": ref("DashboardNamed")},
            "checklist": {"type": "array", "items": ref("DashboardCheck")}}}},
        "provinces": {"type": "array", "items": PROVINCE},
        "observed": {"type": "array", "items": PROVINCE},
        "admin": {"type": ["object", "null"], "properties": {
            "plugins": {"type": "array", "items": {"type": "string"}},
            "problems": {"type": "array", "items": {"type": "object", "properties": {
                "province": ref("DashboardNamed"), "message": {"type": "string"}}}},
            "users_total": {"type": "integer"}, "users_inactive": {"type": "integer"},
            "users_must_change": {"type": "integer"},
            "without_roles": {"type": "array", "items": ref("DashboardNamed")},
            "without_roles_total": {"type": "integer"},
            "recent": {"type": "array", "items": {"type": "object"}}, "tasks": TASKS}},
    },
    "required": ["today", "tasks", "units", "blocks", "provinces", "observed", "admin"],
}


def _url(endpoint, args) -> str | None:
    return url_for(endpoint, **args) if endpoint else None


def task_json(t: dash.Task) -> dict:
    return {
        "kind": t.kind, "title": t.title, "detail": t.detail, "due": t.due.isoformat() if t.due else None,
        "urgency": t.urgency, "count": t.count, "endpoint": t.endpoint, "args": t.args,
        "url": _url(t.endpoint, t.args),
    }


def named(obj, name: str | None = None) -> dict:
    return {"id": obj.id, "name": name or obj.name}


def status_json(s: dash.BlockStatus) -> dict:
    return {
        "block": named(s.block), "round_id": s.round.id if s.round else None,
        "state": s.round.state.value if s.round else None, "state_label": s.state_label,
        "submitted": s.submitted, "dossier_state": s.dossier_state,
    }


def province_json(p: dash.ProvinceDashboard) -> dict:
    return {
        "province": named(p.province), "year": p.year, "years": p.years, "read_only": p.read_only,
        "blocks_total": p.blocks_total, "submitted": [status_json(s) for s in p.submitted],
        "not_submitted": [status_json(s) for s in p.not_submitted.items],
        "not_submitted_total": p.not_submitted.total, "returned_rounds": p.returned_rounds,
        "review": [task_json(t) for t in p.review], "review_total": p.review_total,
        "returned": [task_json(t) for t in p.returned], "returned_total": p.returned_total,
        "tasks": [task_json(t) for t in p.tasks], "deadlines": [task_json(t) for t in p.deadlines],
    }


def dashboard_json(board: dash.Dashboard) -> dict:
    a = board.admin
    return {
        "today": board.on.isoformat(),
        "tasks": [task_json(t) for t in board.tasks],
        "secretary": [task_json(t) for t in board.secretary],
        "units": [
            {"unit": named(u.unit), "year": u.year, "tasks": [task_json(t) for t in u.tasks],
             "deadlines": [task_json(t) for t in u.deadlines]}
            for u in board.units
        ],
        "blocks": [
            {
                "block": named(b.block), "year": b.block.year, "is_leader": b.is_leader,
                "round_id": b.round.id if b.round else None,
                "state": b.round.state.value if b.round else None, "state_label": b.state_label,
                "next_steps": [task_json(t) for t in b.next_steps], "tasks": [task_json(t) for t in b.tasks],
                "members": b.members, "self_submitted": b.self_submitted,
                "not_self_scored": [named(u) for u in b.not_self_scored.items],
                "checklist": [
                    {"code": c.code, "label": c.label, "done": c.done, "detail": c.detail,
                     "url": _url(c.endpoint, c.args)}
                    for c in b.checklist
                ],
            }
            for b in board.blocks
        ],
        "provinces": [province_json(p) for p in board.provinces],
        "observed": [province_json(p) for p in board.observed],
        "admin": None if a is None else {
            "plugins": [p.name for p in a.plugins],
            "problems": [{"province": named(x.province), "message": x.message} for x in a.problems],
            "users_total": a.users_total, "users_inactive": a.users_inactive,
            "users_must_change": a.users_must_change,
            "without_roles": [named(u, u.full_name) | {"username": u.username} for u in a.without_roles.items],
            "without_roles_total": a.without_roles.total,
            "recent": [
                {"id": e.id, "at": e.created_at.isoformat(), "actor": e.actor_name, "action": e.action,
                 "object_type": e.object_type, "object_id": e.object_id}
                for e in a.recent
            ],
            "tasks": [task_json(t) for t in a.tasks],
        },
    }


@api_route(
    bp,
    "/me/dashboard",
    summary="Việc cần làm tiếp của tôi (theo từng vai trò)",
    tag="accounts",
    query=(("year", {"type": "integer"}, "Năm thi đua của phần tỉnh; mặc định năm gần nhất"),),
    response=ref("Dashboard"),
    errors=(400, 401, 403),
    endpoint="me_dashboard",
)
def me_dashboard():
    year = int_arg("year")
    if year is not None and not 1900 <= year <= 2200:
        raise ApiError(400, "bad_request", _("Năm không hợp lệ."), {"year": [_("Năm không hợp lệ.")]})
    whole = dash.ListQuery(per_page=LIST_LIMIT)
    board = dash.for_user(actor(), year=year, members=whole, blocks=whole, users=whole)
    return jsonify(dashboard_json(board))


SCHEMAS.update({"DashboardTask": TASK, "DashboardNamed": NAMED, "DashboardCheck": CHECK, "Dashboard": DASHBOARD})
