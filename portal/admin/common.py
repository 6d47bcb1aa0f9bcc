"""Helpers the admin pages share: loading objects within the user's scope, choice lists."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.access import (
    can_manage_province,
    can_view_province,
    managed_province_ids,
    provinces_visible_to,
)
from portal.extensions import db
from portal.models import Province, Unit
from portal.services import ServiceError


def province_or_404(province_id: int, manage: bool = False) -> Province:
    province = db.get_or_404(Province, province_id)
    allowed = can_manage_province if manage else can_view_province
    if not allowed(current_user, province.id):
        abort(403)
    return province


def selected_province(manage: bool = False) -> Province | None:
    """The province chosen in ``?province=``, else the user's first one."""
    raw = request.values.get("province", type=int)
    if raw:
        return province_or_404(raw, manage)
    stmt = provinces_visible_to(current_user)
    managed = managed_province_ids(current_user)
    if manage and managed is not None:
        stmt = stmt.where(Province.id.in_(managed or {-1}))
    return db.session.scalars(stmt.limit(1)).first()


def visible_provinces(manage: bool = False) -> list[Province]:
    stmt = provinces_visible_to(current_user)
    managed = managed_province_ids(current_user)
    if manage and managed is not None:
        stmt = stmt.where(Province.id.in_(managed or {-1}))
    return db.session.scalars(stmt).all()


def unit_choices(province: Province, *, blank: str | None = None, active_only=True):
    stmt = select(Unit).where(Unit.province_id == province.id).order_by(Unit.sort_key)
    if active_only:
        stmt = stmt.where(Unit.is_active)
    choices = [(u.id, f"{u.name} ({u.code})") for u in db.session.scalars(stmt)]
    return ([("", blank)] if blank is not None else []) + choices


def apply_service_error(form, exc: ServiceError) -> None:
    """Show a service's complaint next to its field (or at the top of the form)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        form.form_errors.append(exc.message)


def none_label() -> str:
    return _("— Không —")
