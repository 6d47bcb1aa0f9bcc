"""Request-level security: who is asking (session or API token), whether the route allows them,
and the response headers every page carries."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, abort, g, has_request_context, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, update

from portal.access import rule_for
from portal.errors import api_error_response
from portal.extensions import db, login_manager
from portal.models import ApiToken, User
from portal.models.base import utcnow

TOKEN_PREFIX = "tdp_"  # noqa: S105 - a marker that makes leaked tokens greppable, not a secret

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; the plain token is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=hash_token(plain), prefix=plain[:10])
    db.session.add(token)
    return token, plain


@login_manager.user_loader
def _load_user(user_id: str):
    ident, _sep, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def _bearer_user():
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, False
    found = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token.strip()))
    )
    if found is None or not found.is_active or not found.user.is_active:
        return None, True
    _stamp_use(found)
    return found.user, True


def _stamp_use(token: ApiToken) -> None:
    """Record when a token was last used, at most once a minute, on reads as well as writes.

    A plain UPDATE, committed at once: a usage stamp is not a change made through the portal, so
    it neither waits for the request's own commit nor fills the audit log.
    """
    now = utcnow()
    last = token.last_used_at
    if last is not None and now - last < timedelta(minutes=1):
        return
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    db.session.commit()


class PortalSessionInterface(SecureCookieSessionInterface):
    """Session cookies get ``Secure`` whenever the request came over HTTPS (directly or through a
    proxy with ProxyFix), so the same deployment works on plain-HTTP intranets and over TLS."""

    def get_cookie_secure(self, app):
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    app.session_interface = PortalSessionInterface()
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @app.before_request
    def _authorise():
        g.api_user = None
        rule = rule_for(request.endpoint)
        if request.path.startswith("/api/"):
            user, presented = _bearer_user()
            if presented and user is None:
                return api_error_response(401, "invalid_token", _("Mã truy cập API không hợp lệ hoặc đã bị thu hồi."))
            g.api_user = user
            if rule is None:
                # Unknown endpoint (404) or a route without a rule: say nothing about it.
                return None if request.endpoint is None else api_error_response(403)
            if rule.public:
                return None
            if user is None:
                return api_error_response(401)
            if not rule.allows(user):
                return api_error_response(403)
            return None
        if request.endpoint is None:
            return None  # 404 handled by Flask
        if rule is None:
            app.logger.error("route %s has no access rule; refused", request.endpoint)
            abort(403)
        if rule.public:
            return None
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if current_user.must_change_password and request.endpoint not in (
            "auth.change_password",
            "auth.logout",
            "static",
        ):
            return redirect(url_for("auth.change_password"))
        if not rule.allows(current_user):
            abort(403)
        return None

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/api/") or response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response


