"""Accounts: list, create with a role, edit and change roles, reset password, import."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal import pending, tabular
from portal.access import assignable_roles, can_manage_user, managed_province_ids
from portal.admin import bp
from portal.admin.common import apply_service_error, none_label, visible_provinces
from portal.admin.forms import ImportForm, RoleForm, UserForm
from portal.extensions import db
from portal.labels import ROLE_LABELS, role_label
from portal.models import RoleAssignment, Unit, User
from portal.services import ServiceError
from portal.services.users import check_role, reset_password, save_user, set_roles
from portal.templating import paginate
from portal.text import search_text
from portal.user_import import USER_COLUMNS, apply_user_import, plan_user_import


def users_in_scope(actor, stmt=None):
    """Admins see every account; a province officer sees accounts holding a role in their provinces."""
    stmt = stmt if stmt is not None else select(User)
    managed = managed_province_ids(actor)
    if managed is None:
        return stmt
    in_province = select(RoleAssignment.user_id).where(RoleAssignment.province_id.in_(managed or {-1}))
    in_units = (
        select(RoleAssignment.user_id)
        .join(Unit, Unit.id == RoleAssignment.unit_id)
        .where(Unit.province_id.in_(managed or {-1}))
    )
    return stmt.where(User.id.in_(in_province) | User.id.in_(in_units))


def _role_form():
    form = RoleForm(prefix="role")
    allowed = assignable_roles(current_user)
    form.role.choices = [(r.value, ROLE_LABELS[r]) for r in allowed]
    provinces = visible_provinces(manage=True)
    form.province_id.choices = [("", none_label())] + [(p.id, p.name) for p in provinces]
    units = db.session.scalars(
        select(Unit)
        .where(Unit.province_id.in_([p.id for p in provinces] or [-1]), Unit.is_active)
        .order_by(Unit.sort_key)
    ).all()
    by_id = {p.id: p for p in provinces}
    form.unit_id.choices = [("", none_label())] + [
        (u.id, f"{u.name} — {by_id[u.province_id].name}") for u in units
    ]
    return form


def _target_or_403(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if not can_manage_user(current_user, user):
        abort(403)
    return user


@bp.route("/users")
def users():
    q = request.args.get("q", "").strip()
    stmt = users_in_scope(current_user)
    if q:
        stmt = stmt.where(User.search_text.contains(search_text(q), autoescape=True))
    page = paginate(db.session, stmt.order_by(User.sort_key, User.username))
    return render_template("admin/users.html", page=page, q=q, role_label=role_label)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserForm()
    role_form = _role_form()
    issued = None
    if form.validate_on_submit() and role_form.validate():
        try:
            role = check_role(
                current_user, role_form.role.data, role_form.province_id.data, role_form.unit_id.data
            )
            user, issued = save_user(
                current_user,
                None,
                username=form.username.data,
                full_name=form.full_name.data,
                email=form.email.data,
                locale=form.locale.data,
                is_active=form.is_active.data,
                roles=[role],
            )
            db.session.commit()
            flash(_("Đã tạo tài khoản %(u)s.", u=user.username), "success")
            return render_template("admin/user_created.html", target=user, issued=issued)
        except ServiceError as exc:
            db.session.rollback()
            target_form = role_form if exc.field in ("role", "province_id", "unit_id") else form
            apply_service_error(target_form, exc)
    status = 422 if form.errors or form.form_errors or role_form.errors else 200
    return render_template("admin/user_form.html", form=form, role_form=role_form, target=None), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    target = _target_or_403(user_id)
    form = UserForm(obj=target, is_active=target.is_active_flag) if request.method == "GET" else UserForm()
    role_form = _role_form()
    action = request.form.get("action")
    if request.method == "POST" and action in ("add_role", "remove_role"):
        # CSRFProtect has already checked this POST (as every POST), when CSRF is enabled.
        try:
            current = [
                RoleAssignment(role=r.role, province_id=r.province_id, unit_id=r.unit_id) for r in target.roles
            ]
            if action == "add_role":
                current.append(
                    check_role(current_user, role_form.role.data, role_form.province_id.data, role_form.unit_id.data)
                )
            else:
                remove_id = request.form.get("role_id", type=int)
                current = [
                    RoleAssignment(role=r.role, province_id=r.province_id, unit_id=r.unit_id)
                    for r in target.roles
                    if r.id != remove_id
                ]
            set_roles(current_user, target, current)
            db.session.commit()
            flash(_("Đã cập nhật vai trò."), "success")
            return redirect(url_for("admin.user_edit", user_id=target.id))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(role_form, exc)
            form = UserForm(obj=target, formdata=None)
    elif form.validate_on_submit():
        try:
            save_user(
                current_user,
                target,
                username=form.username.data,
                full_name=form.full_name.data,
                email=form.email.data,
                locale=form.locale.data,
                is_active=form.is_active.data,
            )
            db.session.commit()
            flash(_("Đã lưu tài khoản."), "success")
            return redirect(url_for("admin.users"))
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
    status = 422 if form.errors or form.form_errors or role_form.errors or role_form.form_errors else 200
    return render_template(
        "admin/user_form.html", form=form, role_form=role_form, target=target, role_label=role_label
    ), status


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
def user_reset_password(user_id: int):
    target = _target_or_403(user_id)
    issued = reset_password(target)
    db.session.commit()
    flash(_("Đã đặt lại mật khẩu; các phiên đăng nhập cũ của tài khoản đã kết thúc."), "success")
    return render_template("admin/user_created.html", target=target, issued=issued)


@bp.route("/users/template.xlsx")
def users_template():
    return Response(
        tabular.template_xlsx(USER_COLUMNS),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=mau-nhap-tai-khoan.xlsx"},
    )


@bp.route("/users/import", methods=["GET", "POST"])
def users_import():
    form = ImportForm()
    token = request.form.get("token")
    if request.method == "POST" and token:
        stored = pending.load(current_user.id, "users", token)
        if stored is None:
            flash(_("Phiên nhập dữ liệu đã hết hạn. Hãy tải tệp lên lại."), "warning")
            return redirect(url_for("admin.users_import"))
        filename, data = stored
        plan = plan_user_import(current_user, data, filename)
        try:
            issued = apply_user_import(current_user, plan)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return render_template("admin/users_import.html", form=form, plan=plan, token=None, issued=None), 422
        pending.discard(token)
        flash(_("Đã tạo %(n)s tài khoản.", n=len(issued)), "success")
        return render_template("admin/users_import.html", form=ImportForm(formdata=None), plan=None, token=None, issued=issued)
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or "users.csv"
        plan = plan_user_import(current_user, data, filename)
        token = pending.save(current_user.id, "users", filename, data) if plan.ok else None
        return render_template("admin/users_import.html", form=form, plan=plan, token=token, issued=None), (
            200 if plan.ok else 422
        )
    return render_template("admin/users_import.html", form=form, plan=None, token=None, issued=None), (
        422 if form.errors else 200
    )

