"""The audit log, read-only, filtered to the provinces the reader manages."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from portal.access import managed_province_ids
from portal.admin import bp
from portal.extensions import db
from portal.models import AuditLog
from portal.templating import paginate


@bp.route("/audit")
def audit_log():
    stmt = select(AuditLog).order_by(AuditLog.id.desc())
    managed = managed_province_ids(current_user)
    if managed is not None:
        stmt = stmt.where(AuditLog.province_id.in_(managed or {-1}))
    object_type = request.args.get("type", "").strip()
    if object_type:
        stmt = stmt.where(AuditLog.object_type == object_type)
    return render_template("admin/audit.html", page=paginate(db.session, stmt), object_type=object_type)
