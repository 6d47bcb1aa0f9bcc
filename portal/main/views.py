"""The dashboard answers "what do I do next" for each role the user holds."""

from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select, text

from portal.access import blocks_visible_to, provinces_visible_to
from portal.extensions import db
from portal.main import bp
from portal.models import Block, Province, Role, Unit, User


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/health")
def health():
    """For the load balancer: 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    if code in current_app.config["PORTAL_LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    target = request.referrer or url_for("main.index")
    if not target.startswith(request.host_url):
        target = url_for("main.index")
    return redirect(target)


def _my_blocks(user, year: int | None = None):
    stmt = blocks_visible_to(user).order_by(Block.year.desc(), Block.sort_key)
    if not user.is_admin and not user.province_ids():
        pass
    if year:
        stmt = stmt.where(Block.year == year)
    return db.session.scalars(stmt).all()


@bp.route("/dashboard")
def dashboard():
    user = current_user._get_current_object()
    provinces = db.session.scalars(provinces_visible_to(user)).all()
    stats = {}
    for p in provinces:
        stats[p.id] = {
            "units": db.session.scalar(
                select(func.count()).select_from(Unit).where(Unit.province_id == p.id, Unit.is_active)
            ),
            "blocks": db.session.scalar(
                select(func.count()).select_from(Block).where(Block.province_id == p.id)
            ),
            "latest_year": db.session.scalar(
                select(func.max(Block.year)).where(Block.province_id == p.id)
            ),
        }
    unit_roles = [r for r in user.roles if r.role == Role.UNIT_OFFICER]
    my_blocks = []
    if unit_roles:
        unit_ids = user.unit_ids()
        my_blocks = [
            b
            for b in db.session.scalars(
                blocks_visible_to(user).order_by(Block.year.desc(), Block.sort_key)
            ).all()
            if unit_ids & {m.id for m in b.members}
        ]
    admin_info = None
    if user.is_admin:
        admin_info = {
            "users": db.session.scalar(select(func.count()).select_from(User)),
            "provinces": db.session.scalar(select(func.count()).select_from(Province)),
        }
    return render_template(
        "main/dashboard.html",
        provinces=provinces,
        stats=stats,
        unit_roles=unit_roles,
        my_blocks=my_blocks,
        admin_info=admin_info,
    )


@bp.route("/my-block")
def my_block():
    """A unit officer's block for the latest year (the block page with members and leaders)."""
    user = current_user._get_current_object()
    unit_ids = user.unit_ids()
    blocks = [
        b
        for b in db.session.scalars(
            blocks_visible_to(user).order_by(Block.year.desc(), Block.sort_key)
        ).all()
        if unit_ids & {m.id for m in b.members}
    ]
    return render_template("main/my_block.html", blocks=blocks, unit_ids=unit_ids)
