"""Accounts and their roles, within what the acting user may grant."""

from __future__ import annotations

import re
import secrets
import string

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.access import assignable_roles, role_in_provinces
from portal.audit import label_change
from portal.extensions import db
from portal.models import Province, Role, RoleAssignment, Unit, User
from portal.passwords import hash_password, policy_problem
from portal.services import ServiceError
from portal.text import nfc, search_text, sort_key

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")


def temporary_password() -> str:
    """A readable one-time password (no look-alike characters); the user must change it."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0OIl1")
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(12))
        if any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw):
            return pw


def check_role(actor: User, role: str, province_id: int | None, unit_id: int | None) -> RoleAssignment:
    """Build a role assignment after checking its scope and that ``actor`` may grant it."""
    try:
        role = Role(role)
    except ValueError:
        raise ServiceError(_("Vai trò không hợp lệ."), "role") from None
    if role not in assignable_roles(actor):
        raise ServiceError(_("Bạn không được cấp vai trò này."), "role", 403)
    unit = None
    if role.scope == "unit":
        unit = db.session.get(Unit, unit_id) if unit_id else None
        if unit is None:
            raise ServiceError(_("Vai trò cán bộ đơn vị cần chọn đơn vị."), "unit_id")
        province_id = unit.province_id
    elif role.scope == "province":
        if not province_id or db.session.get(Province, province_id) is None:
            raise ServiceError(_("Vai trò này cần chọn tỉnh."), "province_id")
        unit_id = None
    else:
        province_id = unit_id = None
    if not actor.is_admin:
        managed = actor.province_ids(Role.PROVINCE_OFFICER)
        if not role_in_provinces(role, province_id, unit, managed):
            raise ServiceError(_("Bạn chỉ được cấp quyền trong tỉnh mình phụ trách."), "province_id", 403)
    return RoleAssignment(
        role=role,
        province_id=province_id if role.scope == "province" else None,
        unit_id=unit_id if role.scope == "unit" else None,
    )


def save_user(
    actor: User,
    user: User | None,
    *,
    username: str,
    full_name: str,
    email: str | None = None,
    locale: str = "vi",
    is_active: bool = True,
    password: str | None = None,
    roles: list[RoleAssignment] | None = None,
) -> tuple[User, str | None]:
    """Create or update an account. Returns the user and, for a new account without a chosen
    password, the temporary password to hand over (shown once)."""
    username = (nfc(username) or "").lower()
    if not USERNAME.match(username):
        raise ServiceError(
            _("Tên đăng nhập chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang; 3–80 ký tự."), "username"
        )
    clash = db.session.scalar(select(User).where(func.lower(User.username) == username))
    if clash is not None and clash is not user:
        raise ServiceError(_("Tên đăng nhập %(u)s đã có.", u=username), "username", 409)
    if locale not in ("vi", "en"):
        raise ServiceError(_("Ngôn ngữ không hợp lệ."), "locale")
    issued = None
    if user is None:
        if roles is not None and not roles and not actor.is_admin:
            raise ServiceError(_("Tài khoản mới cần ít nhất một vai trò."), "role")
        user = User(session_version=1)
        if password:
            if problem := policy_problem(password, username):
                raise ServiceError(problem, "password")
            user.password_hash = hash_password(password)
            user.must_change_password = False
        else:
            issued = temporary_password()
            user.password_hash = hash_password(issued)
            user.must_change_password = True
        db.session.add(user)
    if user.id == getattr(actor, "id", None) and not is_active:
        raise ServiceError(_("Không thể tự khóa tài khoản của mình."), "is_active")
    user.username = username
    user.full_name = nfc(full_name)
    user.sort_key = sort_key(user.full_name)
    user.search_text = search_text(user.username, user.full_name, user.email)
    user.email = nfc(email) or None
    user.locale = locale
    if user.is_active_flag != is_active and not is_active:
        user.session_version = (user.session_version or 1) + 1
    user.is_active_flag = is_active
    if roles is not None:
        set_roles(actor, user, roles)
    db.session.flush()
    return user, issued


def set_roles(actor: User, user: User, roles: list[RoleAssignment]) -> None:
    """Replace the roles ``actor`` may manage; roles outside the actor's reach are kept."""
    keys = set()
    unique = []
    for r in roles:
        key = (r.role, r.province_id, r.unit_id)
        if key not in keys:
            keys.add(key)
            unique.append(r)
    kept = []
    for existing in list(user.roles):
        key = (existing.role, existing.province_id, existing.unit_id)
        if key in keys:
            keys.discard(key)
            kept.append(existing)
        elif actor.is_admin or role_in_provinces(
            existing.role, existing.province_id, existing.unit, actor.province_ids(Role.PROVINCE_OFFICER)
        ):
            user.roles.remove(existing)
        else:
            kept.append(existing)
    for r in unique:
        if (r.role, r.province_id, r.unit_id) in keys:
            user.roles.append(r)
    if user.id == getattr(actor, "id", None) and actor.is_admin and not user.is_admin:
        raise ServiceError(_("Không thể tự bỏ quyền quản trị của mình."), "role")


def reset_password(user: User) -> str:
    """Admin reset: a temporary password, other sessions ended, change forced at next login."""
    issued = temporary_password()
    user.password_hash = hash_password(issued)
    user.must_change_password = True
    user.session_version = (user.session_version or 1) + 1
    label_change(user, "reset_password")
    db.session.flush()
    return issued
