"""The dashboard answers "what do I do next" for each role the user holds."""

from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.access import provinces_visible_to
from portal.extensions import db
from portal.main import bp
from portal.models import Block, block_members
from portal.services import dashboard as dash
from portal.templating import query_args


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/health")
def health():
    """For the load balancer: 200 when the database answers, 503 otherwise. A real table is
    read: SQLite answers ``SELECT 1`` even while another process holds its lock."""
    try:
        db.session.execute(select(Block.id).limit(1))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    """Remember the language: on the user (every later login) or, before signing in, in the session
    (marked so that signing in next stores it on the user: the latest choice wins)."""
    if code in current_app.config["PORTAL_LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
        else:
            session["locale_chosen"] = True
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


class PagedList:
    """A dashboard list (``portal.services.dashboard.Listing``) as the ``pager`` macro reads it:
    each list pages with its own query parameter (``<prefix>page``), keeping the others."""

    def __init__(self, listing, prefix: str):
        self.listing, self.prefix = listing, prefix
        self.items, self.total = listing.items, listing.total
        self.page, self.pages = listing.page, listing.pages

    def url_args(self, page: int) -> dict:
        return {**query_args(), f"{self.prefix}page": page}


def _int_arg(name: str, low: int, high: int) -> int | None:
    """A whole number within bounds from the query string; anything else is ignored."""
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if low <= value <= high else None


def list_query(prefix: str) -> dash.ListQuery:
    """Search, sort and page of one dashboard list from ``?<prefix>q=&<prefix>sort=&<prefix>page=``."""
    return dash.ListQuery(
        q=request.args.get(f"{prefix}q", "")[:100],
        sort=request.args.get(f"{prefix}sort", "")[:20],
        page=_int_arg(f"{prefix}page", 1, 1_000_000) or 1,
        per_page=10,
    )


@bp.route("/dashboard")
def dashboard():
    """Each role's next tasks (portal.services.dashboard), with lists searchable and paged."""
    user = current_user._get_current_object()
    board = dash.for_user(
        user, year=_int_arg("year", 1900, 2200),
        members=list_query("m"), blocks=list_query("b"), users=list_query("u"),
    )
    provinces = []
    if user.is_admin:
        provinces = db.session.scalars(provinces_visible_to(user)).all()
    return render_template(
        "main/dashboard.html", board=board, provinces=provinces, paged=PagedList
    )


@bp.route("/my-block")
def my_block():
    """A unit officer's block for the latest year (the block page with members and leaders)."""
    user = current_user._get_current_object()
    return render_template("main/my_block.html", blocks=member_blocks(user), unit_ids=user.unit_ids())
