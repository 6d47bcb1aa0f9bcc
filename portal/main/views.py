"""The dashboard answers "what do I do next" for each role the user holds."""

from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select, text

from portal.access import provinces_visible_to
from portal.extensions import db
from portal.main import bp
from portal.models import Block, Province, Role, Unit, User, block_members


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


def member_blocks(user):
    """Blocks in which one of the user's units is a member, newest year first (one query)."""
    unit_ids = user.unit_ids()
    if not unit_ids:
        return []
    mine = select(block_members.c.block_id).where(block_members.c.unit_id.in_(unit_ids))
    return db.session.scalars(
        select(Block).where(Block.id.in_(mine)).order_by(Block.year.desc(), Block.sort_key)
    ).all()


@bp.route("/dashboard")
def dashboard():
    user = current_user._get_current_object()
    provinces = db.session.scalars(provinces_visible_to(user)).all()
    ids = [p.id for p in provinces] or [-1]
    units = dict(
        db.session.execute(
            select(Unit.province_id, func.count())
            .where(Unit.province_id.in_(ids), Unit.is_active)
            .group_by(Unit.province_id)
        ).all()
    )
    blocks = {
        pid: (count, year)
        for pid, count, year in db.session.execute(
            select(Block.province_id, func.count(), func.max(Block.year))
            .where(Block.province_id.in_(ids))
            .group_by(Block.province_id)
        )
    }
    stats = {
        p.id: {
            "units": units.get(p.id, 0),
            "blocks": blocks.get(p.id, (0, None))[0],
            "latest_year": blocks.get(p.id, (0, None))[1],
        }
        for p in provinces
    }
    unit_roles = [r for r in user.roles if r.role == Role.UNIT_OFFICER]
    my_blocks = member_blocks(user)
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
    return render_template("main/my_block.html", blocks=member_blocks(user), unit_ids=user.unit_ids())
