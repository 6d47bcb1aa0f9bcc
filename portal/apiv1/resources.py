"""API resources: tokens, provinces (with plugins), units, blocks, users, award catalogue."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flask import g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import SelectMultipleField
from wtforms.fields.core import UnboundField

from portal import jobs, pending
from portal.access import (
    blocks_visible_to,
    can_manage_province,
    can_manage_user,
    can_view_block,
    can_view_province,
    provinces_visible_to,
    units_visible_to,
)
from portal.admin.forms import BlockForm, CopyBlocksForm, ProvinceForm, UnitForm, UserForm
from portal.admin.users import users_in_scope
from portal.apiv1 import bp
from portal.apiv1.spec import (
    api_route,
    build_document,
    form_schema,
    import_refused,
    list_of,
    ref,
    with_province,
)
from portal.catalogue import award_types_for
from portal.errors import ApiError
from portal.extensions import db
from portal.imports import plan_unit_import
from portal.models import ApiToken, Block, Province, Unit, UnitKind, User
from portal.models.base import utcnow
from portal.plugins import get_registry
from portal.security import new_api_token
from portal.services import ServiceError
from portal.services.blocks import copy_blocks, save_block
from portal.services.provinces import save_province, set_enabled_plugins
from portal.services.units import apply_unit_import, save_unit
from portal.services.users import check_role, save_user, set_roles
from portal.text import search_text

# -- representations -------------------------------------------------------------------------


def province_json(p: Province) -> dict:
    return {
        "id": p.id,
        "code": p.code,
        "name": p.name,
        "is_active": p.is_active,
        "successor_id": p.successor_id,
        "merged_on": p.merged_on.isoformat() if p.merged_on else None,
        "enabled_plugins": p.enabled_plugin_names,
    }


def unit_json(u: Unit) -> dict:
    return {
        "id": u.id,
        "province_id": u.province_id,
        "code": u.code,
        "name": u.name,
        "kind": u.kind.value,
        "staff_count": u.staff_count,
        "is_active": u.is_active,
        "successor_id": u.successor_id,
    }


def block_json(b: Block) -> dict:
    return {
        "id": b.id,
        "province_id": b.province_id,
        "year": b.year,
        "code": b.code,
        "name": b.name,
        "leader_unit_id": b.leader_unit_id,
        "deputy_unit_id": b.deputy_unit_id,
        "member_ids": [u.id for u in b.members],
    }


def user_json(u: User) -> dict:
    return {
        "id": u.id,
        "username": u.username,
        "full_name": u.full_name,
        "email": u.email,
        "locale": u.locale,
        "is_active": u.is_active,
        "roles": [
            {"role": r.role.value, "province_id": r.province_id, "unit_id": r.unit_id} for r in u.roles
        ],
    }


def token_json(t: ApiToken) -> dict:
    return {
        "id": t.id,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at.isoformat(),
        "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
        "revoked": t.revoked_at is not None,
    }


NULLABLE_INT = {"type": ["integer", "null"]}
SCHEMAS = {
    "Province": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "is_active": {"type": "boolean"},
            "successor_id": NULLABLE_INT,
            "merged_on": {"type": ["string", "null"], "format": "date"},
            "enabled_plugins": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["id", "code", "name", "enabled_plugins"],
    },
    "Unit": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "province_id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": [k.value for k in UnitKind]},
            "staff_count": NULLABLE_INT,
            "is_active": {"type": "boolean"},
            "successor_id": NULLABLE_INT,
        },
        "required": ["id", "province_id", "code", "name", "kind", "is_active"],
    },
    "Block": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "province_id": {"type": "integer"},
            "year": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "leader_unit_id": NULLABLE_INT,
            "deputy_unit_id": NULLABLE_INT,
            "member_ids": {"type": "array", "items": {"type": "integer"}},
        },
        "required": ["id", "province_id", "year", "code", "name", "member_ids"],
    },
    "RoleAssignment": {
        "type": "object",
        "properties": {
            "role": {"type": "string", "enum": ["admin", "province_officer", "unit_officer", "observer"]},
            "province_id": NULLABLE_INT,
            "unit_id": NULLABLE_INT,
        },
        "required": ["role"],
    },
    "User": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "full_name": {"type": "string"},
            "email": {"type": ["string", "null"]},
            "locale": {"type": "string"},
            "is_active": {"type": "boolean"},
            "roles": {"type": "array", "items": ref("RoleAssignment")},
        },
        "required": ["id", "username", "full_name", "roles"],
    },
    "Token": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "prefix": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "last_used_at": {"type": ["string", "null"], "format": "date-time"},
            "revoked": {"type": "boolean"},
            "token": {"type": "string", "description": "Chỉ trả về một lần, khi tạo."},
        },
        "required": ["id", "name", "prefix"],
    },
    "Plugin": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "kind": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "version": {"type": "string"},
            "required": {"type": "boolean"},
            "hooks": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["name", "kind", "title"],
    },
    "AwardType": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "level": {"type": "string", "enum": ["state", "provincial", "grassroots"]},
            "recipients": {"type": "array", "items": {"type": "string"}},
            "kind": {"type": "string"},
            "report_years": NULLABLE_INT,
            "family": {"type": ["string", "null"]},
            "source": {"type": "string"},
        },
        "required": ["code", "name", "level", "recipients"],
    },
    "ImportResult": {
        "type": "object",
        "properties": {
            "applied": {"type": "boolean"},
            "creates": {"type": "integer"},
            "updates": {"type": "integer"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"row": {"type": "integer"}, "field": {"type": ["string", "null"]}, "message": {"type": "string"}},
                },
            },
        },
        "required": ["applied", "creates", "updates", "errors"],
    },
}

# -- request helpers ---------------------------------------------------------------------------


def actor() -> User:
    return g.api_user


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", _("Nội dung yêu cầu phải là một đối tượng JSON."))
    return data


MAX_ID = 2**63 - 1  # the largest id or number a database column (or SQLite) can hold


def is_id(value) -> bool:
    """A JSON value usable as a row id (``true`` is not 1; ``1e30`` overflows the database)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def bind(form_cls, data: dict, obj=None):
    """Validate JSON with the page's form: the same rules for both.

    Only the form's fields are read. A value must be a JSON scalar, or a list of scalars for a
    multi-choice field: an object or a list elsewhere is refused rather than turned into text.
    """
    formdata = MultiDict()
    bad = {}
    for key, value in data.items():
        unbound = getattr(form_cls, key, None)
        if not isinstance(unbound, UnboundField):
            continue
        multi = issubclass(unbound.field_class, SelectMultipleField)
        items = value if multi and isinstance(value, list) else [value]
        if any(isinstance(v, dict | list) for v in items):
            bad[key] = [_("Dữ liệu chưa hợp lệ.")]
            continue
        if isinstance(value, list):
            for item in value:
                formdata.add(key, "" if item is None else str(item))
        elif isinstance(value, bool):
            if value:
                formdata.add(key, "y")
        elif value is None:
            formdata.add(key, "")
        else:
            formdata.add(key, str(value))
    if bad:
        raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), bad)
    form = form_cls(formdata=formdata, obj=obj, meta={"csrf": False})
    return form


def validated(form, choices_ok=True):
    if not form.validate():
        fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
        raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), fields)
    return form


def service_error(exc: ServiceError):
    status = exc.status if exc.status in (403, 409, 422) else 422
    code = {403: "forbidden", 409: "conflict"}.get(status, "validation_error")
    return ApiError(status, code, exc.message, exc.fields)


def page_args():
    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = min(200, max(1, int(request.args.get("per_page", 50))))
    except ValueError:
        raise ApiError(400, "bad_request", _("Tham số phân trang không hợp lệ.")) from None
    if page > 1_000_000:  # the offset would overflow the database's integers
        raise ApiError(400, "bad_request", _("Tham số phân trang không hợp lệ."))
    return page, per_page


def int_arg(name: str) -> int | None:
    """An integer query filter; a value that is not one (or overflows the database) is a 400."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or abs(value) > MAX_ID:
        raise ApiError(400, "bad_request", _("Yêu cầu không hợp lệ."), {name: [_("Yêu cầu không hợp lệ.")]})
    return value


def paged(stmt, to_json):
    from sqlalchemy import func

    page, per_page = page_args()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return jsonify(items=[to_json(i) for i in items], total=total, page=page, per_page=per_page)


def load(model, ident: int, visible) -> object:
    obj = db.session.get(model, ident)
    if obj is None or not visible(obj):
        raise ApiError(404)
    return obj


def commit_or_error(fn):
    try:
        result = fn()
        db.session.commit()
        return result
    except ServiceError as exc:
        db.session.rollback()
        raise service_error(exc) from None


PAGING = (("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000}), ("per_page", {"type": "integer", "minimum": 1, "maximum": 200}))

# -- document ----------------------------------------------------------------------------------


@api_route(bp, "/openapi.json", summary="Tài liệu OpenAPI 3.1 của API", tag="meta", public=True, response={"type": "object"}, errors=())
def openapi():
    try:
        ver = version("thidua-portal")
    except PackageNotFoundError:
        ver = "0"
    return jsonify(build_document(SCHEMAS, ver))


@api_route(bp, "/me", summary="Tài khoản đang dùng mã truy cập", tag="accounts", response="User")
def me():
    return jsonify(user_json(actor()))


@api_route(bp, "/tokens", summary="Mã truy cập của tôi", tag="accounts", response={"type": "array", "items": ref("Token")}, endpoint="tokens_list")
def tokens_list():
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == actor().id).order_by(ApiToken.id)).all()
    return jsonify([token_json(t) for t in rows])


@api_route(
    bp, "/tokens", "POST", summary="Tạo mã truy cập (trả về mã một lần)", tag="accounts",
    body={"type": "object", "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100}}, "required": ["name"]},
    response="Token", status=201, endpoint="tokens_create",
)
def tokens_create():
    name = json_body().get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), {"name": [_("Cần tên từ 1 đến 100 ký tự.")]})
    token, plain = new_api_token(actor(), name.strip())
    db.session.commit()
    return jsonify({**token_json(token), "token": plain}), 201


@api_route(bp, "/tokens/<int:token_id>", "DELETE", summary="Thu hồi mã truy cập", tag="accounts", status=204, errors=(401, 403, 404), endpoint="tokens_revoke")
def tokens_revoke(token_id: int):
    token = load(ApiToken, token_id, lambda t: t.user_id == actor().id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return "", 204


# -- plugins and provinces ---------------------------------------------------------------------


def plugin_json(info) -> dict:
    return {
        "name": info.name, "kind": info.kind, "title": info.title, "description": info.description,
        "version": info.version, "required": info.required, "hooks": list(info.hooks),
    }


@api_route(bp, "/plugins", summary="Plugin đã cài đặt", tag="provinces", response={"type": "array", "items": ref("Plugin")}, endpoint="plugins_list")
def plugins_list():
    return jsonify([plugin_json(i) for i in get_registry().installed()])


@api_route(bp, "/provinces", summary="Các tỉnh trong phạm vi của tôi", tag="provinces", response=list_of("Province"), query=PAGING, endpoint="provinces_list")
def provinces_list():
    return paged(provinces_visible_to(actor()), province_json)


@api_route(bp, "/provinces", "POST", summary="Tạo tỉnh", tag="provinces", form=ProvinceForm, response="Province", status=201, errors=(401, 403, 409), endpoint="provinces_create")
def provinces_create():
    form = validated(_province_form(bind(ProvinceForm, json_body())))
    p = commit_or_error(lambda: save_province(None, code=form.code.data, name=form.name.data, successor_id=form.successor_id.data, merged_on=form.merged_on.data, is_active=form.is_active.data if "is_active" in request.get_json() else True))
    return jsonify(province_json(p)), 201


def _province_form(form):
    form.successor_id.choices = [("", "")] + [(p.id, p.name) for p in db.session.scalars(select(Province))]
    return form


@api_route(bp, "/provinces/<int:province_id>", summary="Một tỉnh", tag="provinces", response="Province", errors=(401, 403, 404), endpoint="province_get")
def province_get(province_id: int):
    p = load(Province, province_id, lambda p: can_view_province(actor(), p.id))
    return jsonify(province_json(p))


@api_route(bp, "/provinces/<int:province_id>", "PUT", summary="Sửa tỉnh", tag="provinces", form=ProvinceForm, response="Province", errors=(401, 403, 404, 409), endpoint="province_update")
def province_update(province_id: int):
    p = load(Province, province_id, lambda p: True)
    data = json_body()
    form = validated(_province_form(bind(ProvinceForm, data)))
    commit_or_error(lambda: save_province(p, code=form.code.data, name=form.name.data, successor_id=form.successor_id.data, merged_on=form.merged_on.data, is_active=form.is_active.data if "is_active" in data else p.is_active))
    return jsonify(province_json(p))


@api_route(
    bp, "/provinces/<int:province_id>/plugins", "PUT", summary="Đặt danh sách plugin được bật cho tỉnh", tag="provinces",
    body={"type": "object", "properties": {"plugins": {"type": "array", "items": {"type": "string"}}}, "required": ["plugins"]},
    response="Province", errors=(401, 403, 404), endpoint="province_plugins_set",
)
def province_plugins_set(province_id: int):
    p = load(Province, province_id, lambda p: can_view_province(actor(), p.id))
    if not can_manage_province(actor(), p.id):
        raise ApiError(403)
    names = json_body().get("plugins")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), {"plugins": [_("Cần một danh sách tên plugin.")]})
    commit_or_error(lambda: set_enabled_plugins(p, names))
    return jsonify(province_json(p))


@api_route(
    bp, "/provinces/<int:province_id>/award-types", summary="Danh mục khen thưởng áp dụng cho tỉnh (theo plugin được bật)",
    tag="provinces", response={"type": "array", "items": ref("AwardType")}, errors=(401, 403, 404), endpoint="award_types",
)
def award_types(province_id: int):
    p = load(Province, province_id, lambda p: can_view_province(actor(), p.id))
    return jsonify([
        {"code": a.code, "name": a.name, "level": a.level, "recipients": sorted(a.recipients), "kind": a.kind,
         "report_years": a.report_years, "family": a.family, "source": a.source}
        for a in award_types_for(p).values()
    ])


# -- units ---------------------------------------------------------------------------------------


@api_route(
    bp, "/units", summary="Đơn vị (lọc theo tỉnh, tìm kiếm không dấu)", tag="units", response=list_of("Unit"),
    query=(("province_id", {"type": "integer"}), ("q", {"type": "string"}), ("kind", {"type": "string"}), ("active", {"type": "boolean"}), *PAGING),
    endpoint="units_list",
)
def units_list():
    stmt = units_visible_to(actor())
    if (pid := int_arg("province_id")) is not None:
        stmt = stmt.where(Unit.province_id == pid)
    if q := request.args.get("q", "").strip():
        stmt = stmt.where(Unit.search_text.contains(search_text(q), autoescape=True))
    if (kind := request.args.get("kind")) in {k.value for k in UnitKind}:
        stmt = stmt.where(Unit.kind == UnitKind(kind))
    if request.args.get("active") in ("true", "1"):
        stmt = stmt.where(Unit.is_active)
    return paged(stmt.order_by(Unit.sort_key, Unit.id), unit_json)


def _unit_form(data, province_id):
    form = bind(UnitForm, data)
    form.successor_id.choices = [("", "")] + [(u.id, u.code) for u in db.session.scalars(select(Unit).where(Unit.province_id == province_id))]
    return validated(form)


def _managed_province(data) -> Province:
    pid = data.get("province_id")
    if not is_id(pid):
        raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), {"province_id": [_("Cần mã số tỉnh.")]})
    p = db.session.get(Province, pid)
    if p is None or not can_view_province(actor(), p.id):
        raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), {"province_id": [_("Không có tỉnh này.")]})
    if not can_manage_province(actor(), p.id):
        raise ApiError(403)
    return p


@api_route(bp, "/units", "POST", summary="Thêm đơn vị", tag="units", body=with_province(UnitForm), response="Unit", status=201, errors=(401, 403, 409), endpoint="units_create")
def units_create():
    data = json_body()
    p = _managed_province(data)
    form = _unit_form(data, p.id)
    u = commit_or_error(lambda: save_unit(None, p, code=form.code.data, name=form.name.data, kind=form.kind.data, staff_count=form.staff_count.data, is_active=form.is_active.data if "is_active" in data else True, successor_id=form.successor_id.data))
    return jsonify(unit_json(u)), 201


@api_route(bp, "/units/<int:unit_id>", summary="Một đơn vị", tag="units", response="Unit", errors=(401, 403, 404), endpoint="unit_get")
def unit_get(unit_id: int):
    u = load(Unit, unit_id, lambda u: db.session.scalar(units_visible_to(actor(), select(Unit.id)).where(Unit.id == u.id)) is not None)
    return jsonify(unit_json(u))


@api_route(bp, "/units/<int:unit_id>", "PUT", summary="Sửa đơn vị (gửi is_active=false để ngừng hoạt động)", tag="units", form=UnitForm, response="Unit", errors=(401, 403, 404, 409), endpoint="unit_update")
def unit_update(unit_id: int):
    u = load(Unit, unit_id, lambda u: can_view_province(actor(), u.province_id))
    if not can_manage_province(actor(), u.province_id):
        raise ApiError(403)
    data = json_body()
    form = _unit_form(data, u.province_id)
    commit_or_error(lambda: save_unit(u, u.province, code=form.code.data, name=form.name.data, kind=form.kind.data, staff_count=form.staff_count.data, is_active=form.is_active.data if "is_active" in data else u.is_active, successor_id=form.successor_id.data))
    return jsonify(unit_json(u))


@api_route(
    bp, "/provinces/<int:province_id>/units/import", "POST",
    summary="Nhập đơn vị từ tệp CSV/XLSX (tất cả hoặc không; dry_run=true để chỉ kiểm tra)", tag="units",
    body={"content": {"multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}}}},
    query=(("dry_run", {"type": "boolean"}),), response="ImportResult", errors=(401, 403, 404), endpoint="units_import",
    extra={"responses": {"202": {
        "description": "Tệp lớn (quá PORTAL_JOBS_IMPORT_THRESHOLD dòng): đang kiểm tra và ghi trong một công việc chạy nền; theo dõi ở Location.",
        "content": {"application/json": {"schema": ref("JobAccepted")}},
    }}},
)
def units_import(province_id: int):
    p = load(Province, province_id, lambda p: can_view_province(actor(), p.id))
    if not can_manage_province(actor(), p.id):
        raise ApiError(403)
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), {"file": [_("Hãy gửi tệp trong trường 'file'.")]})
    data, filename = upload.read(), upload.filename or "units.csv"
    dry_run = request.args.get("dry_run") in ("true", "1")
    if not dry_run and (rows := jobs.rows_for_background(data, filename)):
        # A large file: 202 with the job that checks and writes it (all or nothing).
        from portal.apiv1.jobs import accepted

        token = pending.save(actor().id, "units", filename, data)
        return accepted(jobs.submit_units_import(actor(), p, token, rows))
    plan, _preview = plan_unit_import(p, data, filename)
    result = {
        "applied": False,
        "creates": len(plan.creates),
        "updates": len(plan.updates),
        "errors": [],
    }
    if plan.errors:
        raise import_refused(plan.errors)
    if not dry_run:
        commit_or_error(lambda: apply_unit_import(p, plan))
        result["applied"] = True
    return jsonify(result)


# -- blocks ----------------------------------------------------------------------------------------


@api_route(
    bp, "/blocks", summary="Khối thi đua (lọc theo tỉnh, năm)", tag="blocks", response=list_of("Block"),
    query=(("province_id", {"type": "integer"}), ("year", {"type": "integer"}), *PAGING), endpoint="blocks_list",
)
def blocks_list():
    stmt = blocks_visible_to(actor())
    if (pid := int_arg("province_id")) is not None:
        stmt = stmt.where(Block.province_id == pid)
    if (year := int_arg("year")) is not None:
        stmt = stmt.where(Block.year == year)
    return paged(stmt.order_by(Block.year.desc(), Block.sort_key, Block.id), block_json)


def _block_form(data, province_id):
    form = bind(BlockForm, data)
    ids = [(u.id, u.code) for u in db.session.scalars(select(Unit).where(Unit.province_id == province_id))]
    form.member_ids.choices = ids
    form.leader_unit_id.choices = [("", "")] + ids
    form.deputy_unit_id.choices = [("", "")] + ids
    return validated(form)


def _save_block(block, p, form):
    return save_block(block, p, year=form.year.data, code=form.code.data, name=form.name.data, member_ids=form.member_ids.data or [], leader_unit_id=form.leader_unit_id.data, deputy_unit_id=form.deputy_unit_id.data)


@api_route(bp, "/blocks", "POST", summary="Tạo khối thi đua", tag="blocks", body=with_province(BlockForm), response="Block", status=201, errors=(401, 403, 409), endpoint="blocks_create")
def blocks_create():
    data = json_body()
    p = _managed_province(data)
    form = _block_form(data, p.id)
    b = commit_or_error(lambda: _save_block(None, p, form))
    return jsonify(block_json(b)), 201


@api_route(bp, "/blocks/<int:block_id>", summary="Một khối thi đua", tag="blocks", response="Block", errors=(401, 403, 404), endpoint="block_get")
def block_get(block_id: int):
    b = load(Block, block_id, lambda b: can_view_block(actor(), b))
    return jsonify(block_json(b))


@api_route(bp, "/blocks/<int:block_id>", "PUT", summary="Sửa khối thi đua", tag="blocks", form=BlockForm, response="Block", errors=(401, 403, 404, 409), endpoint="block_update")
def block_update(block_id: int):
    b = load(Block, block_id, lambda b: can_view_block(actor(), b))
    if not can_manage_province(actor(), b.province_id):
        raise ApiError(403)
    form = _block_form(json_body(), b.province_id)
    commit_or_error(lambda: _save_block(b, b.province, form))
    return jsonify(block_json(b))


@api_route(
    bp, "/provinces/<int:province_id>/blocks/copy", "POST", summary="Sao chép các khối của một năm sang năm mới (khối phó thành khối trưởng)",
    tag="blocks", form=CopyBlocksForm, response={"type": "array", "items": ref("Block")}, status=201, errors=(401, 403, 404, 409), endpoint="blocks_copy",
)
def blocks_copy(province_id: int):
    p = load(Province, province_id, lambda p: can_view_province(actor(), p.id))
    if not can_manage_province(actor(), p.id):
        raise ApiError(403)
    form = validated(bind(CopyBlocksForm, json_body()))
    created = commit_or_error(lambda: copy_blocks(p, form.from_year.data, form.to_year.data))
    return jsonify([block_json(b) for b in created]), 201


# -- users -----------------------------------------------------------------------------------------

def _roles(data):
    raw = data.get("roles")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), {"roles": [_("Cần danh sách vai trò.")]})
    out = []
    for r in raw:
        ids_ok = all(r.get(k) is None or is_id(r.get(k)) for k in ("province_id", "unit_id"))
        if not isinstance(r.get("role"), str) or not ids_ok:
            raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), {"roles": [_("Cần danh sách vai trò.")]})
        try:
            out.append(check_role(actor(), r.get("role"), r.get("province_id"), r.get("unit_id")))
        except ServiceError as exc:
            raise service_error(exc) from None
    return out


@api_route(bp, "/users", summary="Tài khoản trong phạm vi quản lý", tag="users", response=list_of("User"), query=(("q", {"type": "string"}), *PAGING), endpoint="users_list")
def users_list():
    stmt = users_in_scope(actor())
    if q := request.args.get("q", "").strip():
        stmt = stmt.where(User.search_text.contains(search_text(q), autoescape=True))
    return paged(stmt.order_by(User.sort_key, User.id), user_json)


def _user_body():
    schema = form_schema(UserForm)
    schema["properties"]["roles"] = {"type": "array", "items": ref("RoleAssignment")}
    schema["properties"]["password"] = {"type": "string", "minLength": 8, "description": "Không bắt buộc; nếu bỏ trống, mật khẩu tạm thời được tạo và trả về một lần."}
    return schema


@api_route(bp, "/users", "POST", summary="Tạo tài khoản (cần ít nhất một vai trò)", tag="users", body=_user_body, response="User", status=201, errors=(401, 403, 409), endpoint="users_create")
def users_create():
    data = json_body()
    form = validated(bind(UserForm, data))
    roles = _roles(data) or []
    if not roles:
        raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), {"roles": [_("Tài khoản mới cần ít nhất một vai trò.")]})
    password = data.get("password") if isinstance(data.get("password"), str) else None
    user, issued = commit_or_error(lambda: save_user(actor(), None, username=form.username.data, full_name=form.full_name.data, email=form.email.data, locale=form.locale.data or "vi", is_active=form.is_active.data if "is_active" in data else True, password=password, roles=roles))
    body = user_json(user)
    if issued:
        body["temporary_password"] = issued
    return jsonify(body), 201


@api_route(bp, "/users/<int:user_id>", summary="Một tài khoản", tag="users", response="User", errors=(401, 403, 404), endpoint="user_get")
def user_get(user_id: int):
    u = load(User, user_id, lambda u: can_manage_user(actor(), u))
    return jsonify(user_json(u))


@api_route(bp, "/users/<int:user_id>", "PUT", summary="Sửa tài khoản và vai trò", tag="users", body=_user_body, response="User", errors=(401, 403, 404, 409), endpoint="user_update")
def user_update(user_id: int):
    u = load(User, user_id, lambda u: can_manage_user(actor(), u))
    data = json_body()
    form = validated(bind(UserForm, data))
    roles = _roles(data)

    def change():
        save_user(actor(), u, username=form.username.data, full_name=form.full_name.data, email=form.email.data, locale=form.locale.data or u.locale, is_active=form.is_active.data if "is_active" in data else u.is_active)
        if roles is not None:
            set_roles(actor(), u, roles)

    commit_or_error(change)
    return jsonify(user_json(u))



# -- plugin settings ---------------------------------------------------------------------------

SCHEMAS["PluginSettings"] = {
    "type": "object",
    "properties": {
        "plugin": {"type": "string"},
        "settings": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "key": {"type": "string"},
                    "label": {"type": "string"},
                    "kind": {"type": "string"},
                    "value": {},
                    "default": {},
                    "help": {"type": "string"},
                    "source": {"type": "string"},
                },
            },
        },
    },
    "required": ["plugin", "settings"],
}


def _settings_json(province, plugin_name):
    from portal import settings as store

    declared, current = store.declared(plugin_name), store.values(province, plugin_name)
    return {
        "plugin": plugin_name,
        "settings": [
            {"key": k, "label": s.label, "kind": s.kind, "value": store.to_json(s, current[k]),
             "default": store.to_json(s, s.default), "help": s.help, "source": s.source}
            for k, s in declared.items()
        ],
    }


def _plugin_of(province_id: int, plugin_name: str):
    p = load(Province, province_id, lambda p: can_view_province(actor(), p.id))
    if not can_manage_province(actor(), p.id):
        raise ApiError(403)
    if plugin_name not in p.enabled_plugin_names:
        raise ApiError(404, "not_found", _("Plugin không được bật cho tỉnh này."))
    return p


@api_route(bp, "/provinces/<int:province_id>/plugins/<plugin_name>/settings", summary="Thiết lập của một plugin cho tỉnh",
           tag="provinces", response="PluginSettings", errors=(401, 403, 404), endpoint="plugin_settings_get")
def plugin_settings_get(province_id: int, plugin_name: str):
    return jsonify(_settings_json(_plugin_of(province_id, plugin_name), plugin_name))


@api_route(
    bp, "/provinces/<int:province_id>/plugins/<plugin_name>/settings", "PUT",
    summary="Đổi thiết lập của plugin (giá trị dạng chữ như trên trang: 4/5, 80%, dd/mm/yyyy, true)", tag="provinces",
    body={"type": "object", "additionalProperties": {"type": ["string", "boolean", "integer", "null"]}},
    response="PluginSettings", errors=(401, 403, 404), endpoint="plugin_settings_put",
)
def plugin_settings_put(province_id: int, plugin_name: str):
    from portal import settings as store

    p = _plugin_of(province_id, plugin_name)
    declared = store.declared(plugin_name)
    data = json_body()
    changes, fields = {}, {}
    for key, raw in data.items():
        if key not in declared:
            fields[key] = [_("Plugin không có thiết lập này.")]
            continue
        if isinstance(raw, bool):
            raw = "1" if raw else ""
        elif raw is None:
            raw = ""
        elif not isinstance(raw, str | int):
            fields[key] = [_("Giá trị không hợp lệ.")]
            continue
        try:
            changes[key] = store.parse(declared[key], str(raw))
        except ServiceError as exc:
            fields[key] = [exc.message]
    if fields:
        raise ApiError(422, "validation_error", _("Dữ liệu chưa hợp lệ."), fields)
    commit_or_error(lambda: store.save(p, plugin_name, changes))
    return jsonify(_settings_json(p, plugin_name))
