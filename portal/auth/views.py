"""Account pages. Login clears the session first (no fixation) and is rate-limited."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from portal.audit import audit_actor, label_change
from portal.auth import bp
from portal.auth.forms import ChangePasswordForm, LoginForm, ProfileForm, TokenForm
from portal.extensions import db, limiter
from portal.models import ApiToken, User
from portal.models.base import utcnow
from portal.passwords import hash_password, needs_rehash, policy_problem, verify_password
from portal.security import new_api_token
from portal.text import nfc, search_text, sort_key


def _safe_next(target: str | None) -> str:
    """Only redirect to paths on this site."""
    if not target:
        return url_for("main.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.dashboard")
    return target


def _login_limit() -> str:
    return current_app.config["PORTAL_LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message="login")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        username = (nfc(form.username.data) or "").lower()
        user = db.session.scalar(select(User).where(func.lower(User.username) == username))
        ok = verify_password(user.password_hash if user else None, form.password.data)
        if user is not None and ok and user.is_active:
            next_url = _safe_next(request.args.get("next"))
            locale = session.get("locale")
            chosen_here = session.get("locale_chosen")
            session.clear()  # a fresh session for the signed-in user (no session fixation)
            if chosen_here and locale in current_app.config["PORTAL_LANGUAGES"]:
                user.locale = locale  # picked on the login page just now: the latest choice wins
            # The session follows the user's language, so the login page after logout keeps it.
            session["locale"] = user.locale or locale or current_app.config["BABEL_DEFAULT_LOCALE"]
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            user.last_login_at = utcnow()
            label_change(user, "login")
            with audit_actor(user.username, user.id):  # not signed in yet: name who it is
                db.session.commit()
            login_user(user)
            session.permanent = True
            return redirect(next_url)
        flash(_("Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đã bị khóa."), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("Đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("Mật khẩu hiện tại không đúng."))
        elif problem := policy_problem(form.new_password.data, user.username):
            form.new_password.errors.append(problem)
        else:
            user.password_hash = hash_password(form.new_password.data)
            user.must_change_password = False
            user.session_version += 1  # ends the user's other sessions
            label_change(user, "change_password")
            db.session.commit()
            login_user(user)  # this session continues with the new version
            flash(_("Đã đổi mật khẩu."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        user.full_name = nfc(form.full_name.data)
        user.sort_key = sort_key(user.full_name)
        user.search_text = search_text(user.username, user.full_name, user.email)
        user.locale = form.locale.data
        session["locale"] = user.locale
        db.session.commit()
        flash(_("Đã lưu thông tin cá nhân."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)


@bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    user = current_user._get_current_object()
    form = TokenForm()
    plain = None
    if form.validate_on_submit():
        _token, plain = new_api_token(user, nfc(form.name.data))
        db.session.commit()
        flash(_("Đã tạo mã truy cập. Hãy sao chép ngay: mã chỉ hiển thị một lần."), "warning")
        form = TokenForm(formdata=None)
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("auth/tokens.html", form=form, tokens=rows, plain=plain)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        from flask import abort

        abort(404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
        flash(_("Đã thu hồi mã truy cập."), "success")
    return redirect(url_for("auth.tokens"))
