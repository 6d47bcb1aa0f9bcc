"""Template helpers: Vietnamese dates and numbers, paging, and Bootstrap served locally."""

from __future__ import annotations

import math
from datetime import date, datetime

from flask import Flask, current_app, request
from flask_bootstrap import Bootstrap5
from flask_login import current_user

bootstrap = Bootstrap5()


def format_date(value) -> str:
    """dd/mm/yyyy, as every Vietnamese form writes dates."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        from flask_babel import to_user_timezone

        value = to_user_timezone(value)
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def format_number(value) -> str:
    """3.831 (thousands with dots)."""
    if value is None:
        return ""
    return f"{int(value):,}".replace(",", ".")


class Page:
    """One page of a list: the items, and what the pager needs."""

    def __init__(self, items, total: int, page: int, per_page: int):
        self.items = items
        self.total = total
        self.page = page
        self.per_page = per_page
        self.pages = max(1, math.ceil(total / per_page))

    def url_args(self, page: int) -> dict:
        """The current URL's path parameters and query, with another page number."""
        return {**(request.view_args or {}), **query_args(), "page": page}


def query_args() -> dict:
    """The query string as url_for arguments, without what url_for takes as its own options
    (``endpoint``, ``_scheme``, ``_external``, ``_anchor``…): those never come from a visitor."""
    return {k: v for k, v in request.args.to_dict().items() if k != "endpoint" and not k.startswith("_")}


def paginate(session, stmt, count_stmt=None, per_page: int | None = None) -> Page:
    from sqlalchemy import func, select

    per_page = per_page or current_app.config["PORTAL_PAGE_SIZE"]
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    total = session.scalar(
        count_stmt
        if count_stmt is not None
        else select(func.count()).select_from(stmt.order_by(None).subquery())
    )
    items = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items, total or 0, page, per_page)


def init_app(app: Flask) -> None:
    app.config.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    bootstrap.init_app(app)
    app.jinja_env.filters["vndate"] = format_date
    app.jinja_env.filters["vnnumber"] = format_number
    from portal.labels import audit_action_label, audit_object_label

    app.jinja_env.filters["audit_action"] = audit_action_label
    app.jinja_env.filters["audit_object"] = audit_object_label

    @app.context_processor
    def _globals():
        from flask_babel import get_locale

        from portal.labels import role_label, tally_roles, unit_kind_label

        return {
            "role_label": role_label,
            "unit_kind_label": unit_kind_label,
            "tally_roles": tally_roles,
            "current_locale": str(get_locale() or "vi"),
            "languages": current_app.config["PORTAL_LANGUAGES"],
            "user": current_user,
        }
