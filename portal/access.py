"""Who may do what: every route's rule and the scope checks, in one place.

``ENDPOINT_RULES`` names, for every endpoint, the roles that may reach it at all; the check runs
before every request, and an endpoint missing from the table is refused (fail closed) and caught
by ``tests/test_access_matrix.py``. Which *objects* a permitted user may see or change is decided
by the ``can_*`` functions and ``*_visible_to`` queries below, which views and the API share.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g, request
from flask_login import current_user
from sqlalchemy import select

from portal.models import Block, Province, Role, Unit, User, block_members

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Rule:
    """Roles that may reach an endpoint; ``ANONYMOUS`` in it makes the endpoint public."""

    roles: frozenset[str]

    @property
    def public(self) -> bool:
        return ANONYMOUS in self.roles

    def allows(self, user) -> bool:
        if self.public:
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        if "authenticated" in self.roles:
            return True
        return any(r.role.value in self.roles for r in user.roles)


def _rule(*roles: str) -> Rule:
    return Rule(frozenset(roles))


PUBLIC = _rule(ANONYMOUS)
SIGNED_IN = _rule("authenticated")
ADMIN = _rule(Role.ADMIN)
PROVINCE_STAFF = _rule(Role.ADMIN, Role.PROVINCE_OFFICER)
PROVINCE_READERS = _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.OBSERVER)

ENDPOINT_RULES: dict[str, Rule] = {
    "static": PUBLIC,
    "bootstrap.static": PUBLIC,
    "main.index": PUBLIC,
    "main.set_language": PUBLIC,
    "main.health": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.profile": SIGNED_IN,
    "auth.tokens": SIGNED_IN,
    "auth.revoke_token": SIGNED_IN,
    "main.dashboard": SIGNED_IN,
    "main.my_block": SIGNED_IN,
    # Admin pages
    "admin.plugins": ADMIN,
    "admin.audit_log": PROVINCE_STAFF,
    "admin.provinces": PROVINCE_READERS,
    "admin.province_new": ADMIN,
    "admin.province_edit": ADMIN,
    "admin.province_view": PROVINCE_READERS,
    "admin.province_plugins": PROVINCE_STAFF,
    "admin.units": PROVINCE_READERS,
    "admin.unit_new": PROVINCE_STAFF,
    "admin.unit_edit": PROVINCE_STAFF,
    "admin.unit_deactivate": PROVINCE_STAFF,
    "admin.units_import": PROVINCE_STAFF,
    "admin.units_template": PROVINCE_STAFF,
    "admin.blocks": PROVINCE_READERS,
    "admin.block_new": PROVINCE_STAFF,
    "admin.block_edit": PROVINCE_STAFF,
    "admin.block_view": SIGNED_IN,  # members see their block; can_view_block decides
    "admin.blocks_copy": PROVINCE_STAFF,
    "admin.users": PROVINCE_STAFF,
    "admin.user_new": PROVINCE_STAFF,
    "admin.user_edit": PROVINCE_STAFF,
    "admin.user_reset_password": PROVINCE_STAFF,
    "admin.users_import": PROVINCE_STAFF,
    "admin.users_template": PROVINCE_STAFF,
    # Documents (object scope: portal.document_pages.common.can_view_document)
    "documents.index": SIGNED_IN,
    "documents.view": SIGNED_IN,
    "documents.pdf": SIGNED_IN,
    "documents.verify": PUBLIC,
    "documents.layouts": PROVINCE_READERS,
    "documents.layout_preview": PROVINCE_READERS,
    # JSON API
    "api.openapi": PUBLIC,
    "api.me": SIGNED_IN,
    "api.tokens_list": SIGNED_IN,
    "api.tokens_create": SIGNED_IN,
    "api.tokens_revoke": SIGNED_IN,
    "api.provinces_list": SIGNED_IN,
    "api.provinces_create": ADMIN,
    "api.province_get": SIGNED_IN,
    "api.province_update": ADMIN,
    "api.province_plugins_set": PROVINCE_STAFF,
    "api.plugins_list": SIGNED_IN,
    "api.units_list": SIGNED_IN,
    "api.units_create": PROVINCE_STAFF,
    "api.units_import": PROVINCE_STAFF,
    "api.unit_get": SIGNED_IN,
    "api.unit_update": PROVINCE_STAFF,
    "api.blocks_list": SIGNED_IN,
    "api.blocks_create": PROVINCE_STAFF,
    "api.blocks_copy": PROVINCE_STAFF,
    "api.block_get": SIGNED_IN,
    "api.block_update": PROVINCE_STAFF,
    "api.users_list": PROVINCE_STAFF,
    "api.users_create": PROVINCE_STAFF,
    "api.user_get": PROVINCE_STAFF,
    "api.user_update": PROVINCE_STAFF,
    "api.award_types": SIGNED_IN,
    "api.documents_list": SIGNED_IN,
    "api.document_get": SIGNED_IN,
    "api.document_pdf": SIGNED_IN,
    "api.verify": PUBLIC,
    "api.layouts_list": PROVINCE_READERS,
}


def rule_for(endpoint: str | None) -> Rule | None:
    if endpoint is None:
        return None
    return ENDPOINT_RULES.get(endpoint)


def current_actor():
    """The user behind this request: an API token's owner, or the logged-in user."""
    return getattr(g, "api_user", None) or current_user


# -- scope checks shared by pages and API ----------------------------------------------------


def can_manage_province(user, province_id: int | None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_admin or province_id in user.province_ids(Role.PROVINCE_OFFICER)


def can_view_province(user, province_id: int | None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin or province_id in user.province_ids():
        return True
    return any(r.unit and r.unit.province_id == province_id for r in user.roles)


def can_view_block(user, block: Block) -> bool:
    if can_view_province(user, block.province_id) and not only_unit_officer(user):
        return True
    return bool(user.unit_ids() & {u.id for u in block.members})


def is_block_leader(user, block: Block) -> bool:
    """The block leader's powers belong to the officers of the leader unit for that year."""
    return block.leader_unit_id is not None and block.leader_unit_id in user.unit_ids()


def only_unit_officer(user) -> bool:
    """Holds unit roles only: sees their blocks, not the whole province."""
    return not user.is_admin and not user.province_ids()


def provinces_visible_to(user):
    stmt = select(Province).order_by(Province.sort_key)
    if user.is_admin:
        return stmt
    ids = user.province_ids() | {r.unit.province_id for r in user.roles if r.unit}
    return stmt.where(Province.id.in_(ids or {-1}))


def managed_province_ids(user) -> set[int] | None:
    """Province ids the user manages; ``None`` means all (admin)."""
    if user.is_admin:
        return None
    return user.province_ids(Role.PROVINCE_OFFICER)


def units_visible_to(user, stmt=None):
    stmt = stmt if stmt is not None else select(Unit)
    if user.is_admin:
        return stmt
    readable = user.province_ids()
    own = user.unit_ids()
    if readable:
        return stmt.where((Unit.province_id.in_(readable)) | (Unit.id.in_(own or {-1})))
    # A unit officer sees their own units and the other members of their blocks.
    fellow = select(block_members.c.unit_id).where(
        block_members.c.block_id.in_(
            select(block_members.c.block_id).where(block_members.c.unit_id.in_(own or {-1}))
        )
    )
    return stmt.where(Unit.id.in_(own or {-1}) | Unit.id.in_(fellow))


def blocks_visible_to(user, stmt=None):
    stmt = stmt if stmt is not None else select(Block)
    if user.is_admin:
        return stmt
    readable = user.province_ids()
    own = user.unit_ids() or {-1}
    mine = select(block_members.c.block_id).where(block_members.c.unit_id.in_(own))
    if readable:
        return stmt.where(Block.province_id.in_(readable) | Block.id.in_(mine))
    return stmt.where(Block.id.in_(mine))


def can_manage_user(actor, target: User) -> bool:
    """Admins manage everyone; a province officer manages accounts whose roles all lie in the
    provinces they manage (unit officers of its units and its observers), never admins."""
    if actor.is_admin:
        return True
    managed = actor.province_ids(Role.PROVINCE_OFFICER)
    if not managed or not target.roles:
        return False
    return all(role_in_provinces(r.role, r.province_id, r.unit, managed) for r in target.roles)


def role_in_provinces(role: Role, province_id, unit, managed: set[int]) -> bool:
    if role == Role.ADMIN:
        return False
    if role == Role.UNIT_OFFICER:
        return unit is not None and unit.province_id in managed
    return province_id in managed


def assignable_roles(actor) -> list[Role]:
    if actor.is_admin:
        return list(Role)
    return [Role.UNIT_OFFICER, Role.OBSERVER]


def require(condition: bool) -> None:
    """Abort with 403 unless ``condition``; use after loading an object."""
    if not condition:
        abort(403)


def is_api_request() -> bool:
    return request.path.startswith("/api/")
