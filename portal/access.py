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
from sqlalchemy import exists, false, inspect, or_, select

from portal.extensions import db
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


@dataclass(frozen=True)
class LeaderRule(Rule):
    """Officers of a unit that leads a block (Khối trưởng), whatever the year; which block they
    may act on is checked on the object (``is_block_leader``)."""

    def allows(self, user) -> bool:
        if not super().allows(user):
            return False
        from portal.extensions import db

        units = user.unit_ids()
        return bool(units) and db.session.scalar(
            select(Block.id).where(Block.leader_unit_id.in_(units)).limit(1)
        ) is not None


BLOCK_LEADERS = LeaderRule(frozenset({Role.UNIT_OFFICER}))

ENDPOINT_RULES: dict[str, Rule] = {
    "static": PUBLIC,
    "bootstrap.static": PUBLIC,
    "main.index": PUBLIC,
    "main.set_language": PUBLIC,
    "main.health": PUBLIC,
    "bench.insert": PUBLIC,  # 404 unless PORTAL_BENCHMARK_FLOOR is set (portal/bench.py)
    "bench.sheet": PUBLIC,  # 404 unless PORTAL_BENCHMARK_FLOOR is set (portal/bench.py)
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
    "admin.plugin_settings": PROVINCE_STAFF,
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
    "documents.print_all": PROVINCE_STAFF,  # every block's documents of a year, as a background job
    # Background jobs (portal/job_pages, portal/apiv1/jobs.py): the owner and admins (job_for)
    "jobs.view": SIGNED_IN,
    "jobs.status": SIGNED_IN,
    "jobs.download": SIGNED_IN,
    "api.job_get": SIGNED_IN,
    "api.job_download": SIGNED_IN,
    "api.documents_print_all": PROVINCE_STAFF,
    # Scoring meeting and results (portal/meeting_pages; object scope: can_enter_agreed,
    # is_block_leader, can_view_block, can_manage_province in the views)
    "meeting.sheet": _rule(Role.UNIT_OFFICER),  # the leader's officers or the delegated secretary
    "meeting.sheet_save": _rule(Role.UNIT_OFFICER),
    "meeting.save_cell": _rule(Role.UNIT_OFFICER),
    "meeting.attendance": _rule(Role.UNIT_OFFICER),
    "meeting.secretary": _rule(Role.UNIT_OFFICER),  # the leader only
    "meeting.action": _rule(Role.UNIT_OFFICER),  # the leader only
    "meeting.cross": _rule(Role.UNIT_OFFICER),  # officers of member units
    "meeting.cross_save": _rule(Role.UNIT_OFFICER),
    "meeting.ranking": SIGNED_IN,  # members of the block and the province
    "meeting.ranking_json": SIGNED_IN,
    "meeting.export": SIGNED_IN,
    "meeting.province_overview": PROVINCE_READERS,
    "meeting.return_results": PROVINCE_STAFF,
    # Criteria tables (object scope: can_view_province / can_manage_province on the table's province)
    "criteria.index": SIGNED_IN,
    "criteria.view": SIGNED_IN,
    "criteria.export": SIGNED_IN,
    "criteria.new": PROVINCE_STAFF,
    "criteria.import_file": PROVINCE_STAFF,
    "criteria.import_template": PROVINCE_STAFF,
    "criteria.row_new": PROVINCE_STAFF,
    "criteria.row_edit": PROVINCE_STAFF,
    "criteria.row_delete": PROVINCE_STAFF,
    "criteria.delete": PROVINCE_STAFF,
    # Scoring rounds and self-scoring (portal/scoring_pages; object scope in
    # portal/scoring_pages/common.py: can_view_block, can_manage_round, can_view_unit_scores;
    # writes check the body first, then whether this user may do what it asks)
    "scoring.round_view": SIGNED_IN,
    "scoring.round_create": _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.UNIT_OFFICER),  # leader or province
    "scoring.round_update": _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.UNIT_OFFICER),  # leader or province
    "scoring.round_transition": _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.UNIT_OFFICER),  # per transition
    "scoring.self_view": SIGNED_IN,  # the unit's officers, the leader, the secretary, the province
    "scoring.self_save": _rule(Role.UNIT_OFFICER),  # the unit's own officers
    "scoring.self_autosave": _rule(Role.UNIT_OFFICER),
    "scoring.evidence_upload": _rule(Role.UNIT_OFFICER),
    "scoring.evidence_download": SIGNED_IN,  # as scoring.self_view
    "scoring.evidence_delete": _rule(Role.UNIT_OFFICER),
    # Secret ballots (portal/ballot_pages; object scope in portal/ballot_pages/common.py:
    # can_view_ballot, is_leader for the block's leader, is_counter for the tally committee)
    "ballots.index": SIGNED_IN,  # can_view_block
    "ballots.create": BLOCK_LEADERS,
    "ballots.view": SIGNED_IN,  # members and the province; the leader also manages it there
    "ballots.settings": BLOCK_LEADERS,
    "ballots.attendance": BLOCK_LEADERS,
    "ballots.committee": BLOCK_LEADERS,
    "ballots.lifecycle": BLOCK_LEADERS,
    "ballots.slips": BLOCK_LEADERS,  # issues the codes and shows them once
    "ballots.papers": BLOCK_LEADERS,
    "ballots.count": _rule(Role.UNIT_OFFICER),  # tally-committee members enter; others see the status
    "ballots.results": SIGNED_IN,
    "ballots.results_csv": SIGNED_IN,
    "ballots.turnout_csv": SIGNED_IN,
    "ballots.minutes": BLOCK_LEADERS,
    "ballots.vote": PUBLIC,  # the one-time code is the credential (or a unit officer's login)
    "ballots.projector": SIGNED_IN,  # can_view_block: members and the province
    "ballots.progress": SIGNED_IN,
    # Award records and statistics (portal/award_pages; object scope: can_read_awards — the
    # province's staff and observers — and can_manage_province for changes)
    "awards.index": PROVINCE_READERS,
    "awards.records": PROVINCE_READERS,
    "awards.records_export": PROVINCE_READERS,
    "awards.record_new": PROVINCE_STAFF,
    "awards.record_edit": PROVINCE_STAFF,
    "awards.record_delete": PROVINCE_STAFF,
    "awards.records_import": PROVINCE_STAFF,
    "awards.records_template": PROVINCE_STAFF,
    "awards.statistics": PROVINCE_READERS,
    "awards.statistics_pdf": PROVINCE_READERS,
    "awards.statistics_xlsx": PROVINCE_READERS,
    # Nominations and dossiers (portal/dossier_pages; object scope in portal/services/dossiers.py and
    # nominations.py: can_view_dossier, can_manage_dossier — the block leader or the unit's officers —,
    # can_review for the province office, can_manage_nomination; writes check the body first)
    "dossiers.index": SIGNED_IN,
    "dossiers.create": _rule(Role.UNIT_OFFICER),  # the block leader, or the unit's officers
    "dossiers.view": SIGNED_IN,
    "dossiers.generate": _rule(Role.UNIT_OFFICER),
    "dossiers.upload": _rule(Role.UNIT_OFFICER),
    "dossiers.item": SIGNED_IN,
    "dossiers.item_delete": _rule(Role.UNIT_OFFICER),
    "dossiers.acknowledge": _rule(Role.UNIT_OFFICER),
    "dossiers.add_nominations": _rule(Role.UNIT_OFFICER),
    "dossiers.remove_nomination": _rule(Role.UNIT_OFFICER),
    "dossiers.submit": _rule(Role.UNIT_OFFICER),
    "dossiers.return_": PROVINCE_STAFF,
    "dossiers.decide": PROVINCE_STAFF,
    "dossiers.inbox": PROVINCE_READERS,
    "dossiers.late_setting": PROVINCE_STAFF,
    "dossiers.nominations": SIGNED_IN,
    "dossiers.nomination_new": _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.UNIT_OFFICER),
    "dossiers.from_ballot": BLOCK_LEADERS,
    "dossiers.nomination_hold": _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.UNIT_OFFICER),
    "dossiers.nomination_delete": _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.UNIT_OFFICER),
    # JSON API
    "api.openapi": PUBLIC,
    "api.me": SIGNED_IN,
    "api.me_dashboard": SIGNED_IN,  # each role's tasks, within that role's scope
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
    "api.plugin_settings_get": PROVINCE_STAFF,
    "api.plugin_settings_put": PROVINCE_STAFF,
    "api.documents_list": SIGNED_IN,
    "api.document_get": SIGNED_IN,
    "api.document_pdf": SIGNED_IN,
    "api.verify": PUBLIC,
    "api.layouts_list": PROVINCE_READERS,
    # Scoring meeting and results API (portal/apiv1/meeting.py)
    "api.agreed_scores_list": SIGNED_IN,  # can_view_block
    "api.agreed_score_put": _rule(Role.UNIT_OFFICER),  # the leader's officers or the secretary
    "api.attendance_put": _rule(Role.UNIT_OFFICER),
    "api.secretary_put": _rule(Role.UNIT_OFFICER),  # the leader only
    "api.cross_scores_list": SIGNED_IN,  # own units' scores; everything for the leader and the province
    "api.cross_score_put": _rule(Role.UNIT_OFFICER),
    "api.proposals_list": SIGNED_IN,  # the leader, the secretary and the province
    "api.ranking_get": SIGNED_IN,
    "api.round_export": SIGNED_IN,
    "api.province_scoring_overview": PROVINCE_READERS,
    # Criteria tables (API)
    "api.criteria_tables_list": SIGNED_IN,
    "api.criteria_table_get": SIGNED_IN,
    "api.criteria_table_export": SIGNED_IN,
    "api.criteria_templates_list": SIGNED_IN,
    "api.criteria_tables_create": PROVINCE_STAFF,
    "api.criteria_table_rows_replace": PROVINCE_STAFF,
    "api.criteria_tables_import": PROVINCE_STAFF,
    # Scoring rounds and self-scoring (API, portal/apiv1/scoring.py; same scope as the pages)
    "api.block_round_get": SIGNED_IN,
    "api.block_round_create": _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.UNIT_OFFICER),
    "api.round_get": SIGNED_IN,
    "api.round_update": _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.UNIT_OFFICER),
    "api.round_transition": _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.UNIT_OFFICER),
    "api.round_members": SIGNED_IN,
    "api.self_scores_get": SIGNED_IN,
    "api.self_score_put": _rule(Role.UNIT_OFFICER),
    "api.self_scores_submit": _rule(Role.UNIT_OFFICER),
    "api.evidence_list": SIGNED_IN,
    "api.evidence_upload": _rule(Role.UNIT_OFFICER),
    "api.evidence_download": SIGNED_IN,
    "api.evidence_delete": _rule(Role.UNIT_OFFICER),
    # Secret ballots (API, portal/apiv1/ballots.py; same scope as the pages)
    "api.ballots_list": SIGNED_IN,
    "api.ballots_create": BLOCK_LEADERS,
    "api.ballot_get": SIGNED_IN,
    "api.ballot_update": BLOCK_LEADERS,
    "api.ballot_attendance": BLOCK_LEADERS,
    "api.ballot_committee": BLOCK_LEADERS,
    "api.ballot_codes": BLOCK_LEADERS,
    "api.ballot_open": BLOCK_LEADERS,
    "api.ballot_close": BLOCK_LEADERS,
    "api.ballot_publish": BLOCK_LEADERS,
    "api.ballot_cancel": BLOCK_LEADERS,
    "api.ballot_runoff": BLOCK_LEADERS,
    "api.ballot_progress": SIGNED_IN,
    "api.ballot_results": SIGNED_IN,
    "api.ballot_receipts": SIGNED_IN,
    "api.ballot_results_csv": SIGNED_IN,
    "api.ballot_turnout_csv": SIGNED_IN,
    "api.ballot_paper_counts": SIGNED_IN,
    "api.ballot_paper_count_enter": _rule(Role.UNIT_OFFICER),  # tally-committee members
    "api.ballot_cast": PUBLIC,  # authenticated by the voting code, or a unit officer's token
    # Award records and statistics (API, portal/apiv1/awards.py; same scope as the pages)
    "api.award_records_list": PROVINCE_READERS,
    "api.award_records_create": PROVINCE_STAFF,
    "api.award_record_get": PROVINCE_READERS,
    "api.award_record_update": PROVINCE_STAFF,
    "api.award_record_delete": PROVINCE_STAFF,
    "api.award_records_import": PROVINCE_STAFF,
    "api.award_records_export": PROVINCE_READERS,
    "api.award_statistics": PROVINCE_READERS,
    "api.award_statistics_pdf": PROVINCE_READERS,
    "api.award_statistics_xlsx": PROVINCE_READERS,
    # Nominations and dossiers (API, portal/apiv1/dossiers.py; same scope as the pages)
    "api.nominations_list": SIGNED_IN,
    "api.nominations_create": _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.UNIT_OFFICER),
    "api.nomination_get": SIGNED_IN,
    "api.nomination_hold": _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.UNIT_OFFICER),
    "api.nomination_delete": _rule(Role.ADMIN, Role.PROVINCE_OFFICER, Role.UNIT_OFFICER),
    "api.nominations_from_ballot": BLOCK_LEADERS,
    "api.dossiers_list": SIGNED_IN,
    "api.dossiers_create": _rule(Role.UNIT_OFFICER),
    "api.dossier_get": SIGNED_IN,
    "api.dossier_generate": _rule(Role.UNIT_OFFICER),
    "api.dossier_upload": _rule(Role.UNIT_OFFICER),
    "api.dossier_item_download": SIGNED_IN,
    "api.dossier_item_delete": _rule(Role.UNIT_OFFICER),
    "api.dossier_acknowledge": _rule(Role.UNIT_OFFICER),
    "api.dossier_nomination_remove": _rule(Role.UNIT_OFFICER),
    "api.dossier_submit": _rule(Role.UNIT_OFFICER),
    "api.dossier_return": PROVINCE_STAFF,
    "api.dossier_decide": PROVINCE_STAFF,
    "api.province_calendar": SIGNED_IN,
    "api.province_late_submissions": PROVINCE_STAFF,
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
    return _holds_member(user.unit_ids(), block)


def _holds_member(unit_ids: set[int], block: Block) -> bool:
    """Whether one of ``unit_ids`` is a member of ``block``.

    From the roll when it is already in memory; otherwise one EXISTS on ``block_members`` rather
    than loading every member unit, so that the check (run on every agreed-score save and sheet
    load) costs the same for a block of 10 or of 1,000 units (issue 9's benchmark)."""
    if not unit_ids:
        return False
    if block.id is None or "members" not in inspect(block).unloaded:
        return bool(unit_ids & {u.id for u in block.members})
    found = exists().where(block_members.c.block_id == block.id, block_members.c.unit_id.in_(unit_ids))
    return bool(db.session.scalar(select(found)))


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


def rows_visible_to(user, model, stmt=None):
    """Rows of ``model`` (with ``province_id``, and ``unit_id`` and/or ``block_id``) the user may
    see: all rows of the provinces they read, and the rows of their units and of their blocks.
    Dossiers, nominations and issued documents are scoped this way."""
    stmt = stmt if stmt is not None else select(model)
    if user.is_admin:
        return stmt
    units = user.unit_ids() or {-1}
    conds = []
    if hasattr(model, "unit_id"):
        conds.append(model.unit_id.in_(units))
    if hasattr(model, "block_id"):
        conds.append(model.block_id.in_(select(block_members.c.block_id).where(block_members.c.unit_id.in_(units))))
    provinces = user.province_ids()
    if provinces:
        conds.append(model.province_id.in_(provinces))
    return stmt.where(or_(*conds)) if conds else stmt.where(false())


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
