"""Every registered route, every role: the rule in ``ENDPOINT_RULES`` decides, and nothing leaks.

The walk builds one app and one world per (role, database) and loops over ``app.url_map`` inside
it, so a new route is covered the moment it is registered, and a route without a rule fails.
"""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.access import ENDPOINT_RULES, rule_for
from portal.extensions import db
from portal.models import AuditLog, Role
from portal.security import new_api_token
from tests.conftest import login, make_user

ROLES = ["anonymous", "admin", "province_officer", "unit_officer", "observer"]
IGNORED_METHODS = {"HEAD", "OPTIONS"}
WRITE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}
# Requests that end the walker's own session or token: sent last.
SESSION_ENDING = {"auth.logout"}


def _walker(world, role):
    return {
        "anonymous": None,
        "admin": world.admin,
        "province_officer": world.officer,
        "unit_officer": world.member,
        "observer": world.observer,
    }[role]


def _routes(app):
    """(endpoint, method, rule) for every registered route, writes after reads, logout last."""
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - IGNORED_METHODS):
            out.append((rule.endpoint, method, rule))
    return sorted(
        out,
        key=lambda r: (r[0] in SESSION_ENDING, r[1] in WRITE_METHODS, r[2].rule, r[1]),
    )


def _audit_count() -> int:
    return db.session.scalar(select(func.count(AuditLog.id)))


def _settle():
    """What the end of a real request does: uncommitted work of the request is dropped.

    (The fixtures keep one app context, so requests share the test's session.)"""
    db.session.rollback()


def _url(app, rule, values: dict) -> str:
    args = {name: values[name] for name in rule.arguments}
    with app.test_request_context():
        return url_for(rule.endpoint, **args)


def _path_values(world, spare_token_id, *, foreign=False):
    if foreign:
        return {
            "province_id": world.travinh.id,
            "unit_id": world.tv_units["SNV"].id,
            "block_id": world.tv_block.id,
            "user_id": world.tv_unit_officer.id,
            "token_id": world.tv_token_id,
            "document_id": world.tv_document.id,
            "fingerprint": world.tv_document.fingerprint,
            "table_id": world.tv_table.id,
            "criterion_id": world.tv_table.criteria[-1].id,
            "round_id": world.tv_round.id,
            "evidence_id": world.tv_evidence.id,
            "ballot_id": world.tv_ballot.id,
            "record_id": world.tv_award_record.id,
            "nomination_id": world.tv_nomination.id,
            "dossier_id": world.tv_dossier.id,
            "item_id": world.tv_dossier_item.id,
            "layout_code": "ballot_paper",
            "code": "vi",
            "plugin_name": "province.laichau",  # not enabled for Trà Vinh: 404/403
            "filename": "portal.css",
            "job_id": world.job_id,
        }
    return {
        "province_id": world.laichau.id,
        # The unit officer's own unit, in the block it belongs to: in scope for every reader.
        "unit_id": world.lc_units["STC"].id,
        "block_id": world.block.id,
        # A unit officer of Lai Châu: managed by the admin and the Lai Châu officer.
        "user_id": world.leader.id,
        "token_id": spare_token_id,
        # The block's vote-count record: its members and the province may read it.
        "document_id": world.document.id,
        "fingerprint": world.document.fingerprint,
        # A Lai Châu criteria table and its last row (readable by every Lai Châu user).
        "table_id": world.table.id,
        "criterion_id": world.table.criteria[-1].id,
        # The block's round, open for self-scoring, and an evidence file of the walker's unit STC.
        "round_id": world.round.id,
        "evidence_id": world.evidence.id,
        # The block's draft ballot: its members and the province see it, its leader manages it.
        "ballot_id": world.ballot.id,
        # A decided award record of Lai Châu (the province's staff and observers read it).
        "record_id": world.award_record.id,
        # STC's own nomination and unit dossier (draft) with an uploaded file: the walker unit
        # officer manages them, the province reads and reviews them.
        "nomination_id": world.nomination.id,
        "dossier_id": world.dossier.id,
        "item_id": world.dossier_item.id,
        "layout_code": "vote_count_record",
        "code": "vi",
        "plugin_name": "province.laichau",
        "filename": "portal.css",
        # The Lai Châu officer's finished print job: only its owner and the admin see it.
        "job_id": world.job_id,
    }


def _bootstrap_filename(endpoint: str, values: dict) -> dict:
    if endpoint == "bootstrap.static":
        return {**values, "filename": "bootstrap5/css/bootstrap.min.css"}
    return values


def _send(client, method, url, headers=None):
    kwargs = {"headers": headers or {}}
    if method in WRITE_METHODS:
        kwargs["data"] = {}
    response = client.open(url, method=method, **kwargs)
    response.get_data()  # buffer the body, then release file-backed responses (static files)
    response.close()
    return response


def _assert_error_shape(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert isinstance(body, dict), response.get_data(as_text=True)[:300]
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)


@pytest.fixture
def ballot_world(award_world):
    """``award_world`` plus a draft secret ballot in each block: ``world.ballot`` (Lai Châu)
    and ``world.tv_ballot`` (Trà Vinh, foreign to Lai Châu users)."""
    from portal.audit import audit_actor
    from portal.services import ballots

    world = award_world
    u = world.lc_units
    with audit_actor("fixture"):
        world.ballot = ballots.create_ballot(
            world.leader, world.block, award_code="co_thi_dua_tinh", candidate_unit_ids=[u["SNV"].id, u["STC"].id]
        )
        world.tv_ballot = ballots.create_ballot(
            world.tv_leader, world.tv_block, award_code="co_thi_dua_tinh",
            candidate_unit_ids=[x.id for x in world.tv_units.values()],
        )
        db.session.commit()
    return world


@pytest.fixture
def dossier_world(ballot_world):
    """``ballot_world`` plus a nomination and a unit dossier in each province: ``world.nomination``
    and ``world.dossier`` (STC's own, managed by the walker unit officer) with one uploaded item
    ``world.dossier_item``; ``world.tv_nomination``, ``world.tv_dossier``, ``world.tv_dossier_item``
    (Trà Vinh, foreign to Lai Châu users)."""
    from portal.audit import audit_actor
    from portal.services import dossiers, nominations
    from tests.conftest import PDF_BYTES

    world = ballot_world
    with audit_actor("fixture"):
        for prefix, officer, province, unit in (
            ("", world.member, world.laichau, world.lc_units["STC"]),
            ("tv_", world.tv_leader, world.travinh, world.tv_units["SNV"]),
        ):
            n = nominations.create_nomination(
                officer, province, year=2023, award_code="tap_the_lao_dong_xuat_sac", recipient="collective",
                unit_id=unit.id,
            )
            d = dossiers.create_dossier(officer, unit=unit, year=2023)
            item = dossiers.upload(officer, d, "achievement_report", n.id, "Báo cáo thành tích.pdf", PDF_BYTES)
            setattr(world, f"{prefix}nomination", n)
            setattr(world, f"{prefix}dossier", d)
            setattr(world, f"{prefix}dossier_item", item)
        db.session.commit()
    from portal.models import Job, JobState

    job = Job(owner_id=world.officer.id, province_id=world.laichau.id, kind="documents_print", state=JobState.DONE, params={})
    db.session.add(job)
    db.session.commit()
    world.job_id = job.id
    return world


@pytest.fixture
def foreign(dossier_world):
    """Objects of Trà Vinh that Lai Châu users must not reach."""
    world = dossier_world
    world.tv_unit_officer = make_user(
        "donvi.travinh", Role.UNIT_OFFICER, unit=world.tv_units["SNV"]
    )
    token, _plain = new_api_token(world.tv_officer, "tv")
    db.session.commit()
    world.tv_token_id = token.id
    return world


def test_every_endpoint_has_an_access_rule(app):
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(ENDPOINT_RULES))
    assert not missing, f"endpoints without an entry in ENDPOINT_RULES: {missing}"


def test_no_stale_access_rules(app):
    """A rule for an endpoint that no longer exists hides a renamed route's missing rule."""
    stale = sorted(set(ENDPOINT_RULES) - {rule.endpoint for rule in app.url_map.iter_rules()})
    assert not stale, f"ENDPOINT_RULES names endpoints that are not registered: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_with_every_role(app, dossier_world, role):
    world = dossier_world
    user = _walker(world, role)
    client = app.test_client()
    api_headers = {}
    spare_token_id = None
    if user is not None:
        assert login(client, user).status_code == 302
        _token, plain = new_api_token(user, "walk")
        spare, _spare_plain = new_api_token(user, "spare")
        db.session.commit()
        api_headers = {"Authorization": f"Bearer {plain}"}
        spare_token_id = spare.id
    else:
        spare, _spare_plain = new_api_token(world.admin, "spare")
        db.session.commit()
        spare_token_id = spare.id
    values = _path_values(world, spare_token_id)

    problems = []
    walked = 0
    for endpoint, method, rule in _routes(app):
        url = _url(app, rule, _bootstrap_filename(endpoint, values))
        is_api = url.startswith("/api/")
        access = rule_for(endpoint)
        assert access is not None, f"{endpoint} has no access rule"
        allowed = access.public or (user is not None and access.allows(user))
        before = _audit_count()
        response = _send(client, method, url, api_headers if is_api else None)
        status = response.status_code
        _settle()
        after = _audit_count()
        walked += 1
        where = f"{role} {method} {url} ({endpoint})"
        if status >= 500:
            problems.append(f"{where}: {status}")
            continue
        if not allowed:
            if is_api:
                expected = 401 if user is None else 403
                if status != expected:
                    problems.append(f"{where}: expected {expected}, got {status}")
                    continue
                _assert_error_shape(response, expected)
            elif user is None:
                if status != 302 or "/auth/login" not in response.headers.get("Location", ""):
                    problems.append(f"{where}: expected a redirect to the login page, got {status}")
            elif status != 403:
                problems.append(f"{where}: expected 403, got {status}")
            if after != before:
                problems.append(f"{where}: refused, yet {after - before} audit row(s) were written")
        elif status in (401, 403):
            problems.append(f"{where}: allowed by the rule but answered {status}")
        elif is_api and status >= 400:
            _assert_error_shape(response, status)
    assert walked >= len(ENDPOINT_RULES)
    assert not problems, "\n".join(problems)


FOREIGN_ROLES = ["province_officer", "unit_officer", "observer"]


@pytest.mark.parametrize("role", FOREIGN_ROLES)
def test_other_province_is_out_of_reach(app, foreign, role):
    """Every route naming a Trà Vinh object refuses Lai Châu users (403/404, nothing written), and
    lists never include Trà Vinh's objects."""
    world = foreign
    user = _walker(world, role)
    client = app.test_client()
    assert login(client, user).status_code == 302
    _token, plain = new_api_token(user, "walk")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    values = _path_values(world, None, foreign=True)
    object_params = {"province_id", "unit_id", "block_id", "user_id", "token_id", "table_id", "round_id", "evidence_id", "ballot_id", "record_id", "nomination_id", "dossier_id", "item_id"}

    problems = []
    checked = set()
    for endpoint, method, rule in _routes(app):
        if endpoint in SESSION_ENDING or not (rule.arguments & object_params):
            continue
        if rule_for(endpoint).public:
            continue  # public by design (a ballot's voter page answers anyone holding a code)
        url = _url(app, rule, values)
        is_api = url.startswith("/api/")
        before = _audit_count()
        response = _send(client, method, url, headers if is_api else None)
        _settle()
        checked.add(url.startswith("/api/"))
        where = f"{role} {method} {url} ({endpoint})"
        if response.status_code not in (403, 404):
            problems.append(f"{where}: expected 403 or 404, got {response.status_code}")
        elif is_api:
            _assert_error_shape(response, response.status_code)
        if _audit_count() != before:
            problems.append(f"{where}: refused, yet audit rows were written")
    assert checked == {True, False}  # pages and API both walked
    assert not problems, "\n".join(problems)

    # Lists: filtered to Trà Vinh they are empty (or refused), unfiltered they hold Lai Châu only.
    tv = world.travinh.id
    provinces = client.get("/api/v1/provinces", headers=headers).get_json()
    assert [p["code"] for p in provinces["items"]] == ["laichau"]
    for path in (
        f"/api/v1/units?province_id={tv}",
        f"/api/v1/blocks?province_id={tv}",
        f"/api/v1/criteria-tables?province_id={tv}",
    ):
        body = client.get(path, headers=headers).get_json()
        assert body["items"] == [] and body["total"] == 0, path
    units = client.get("/api/v1/units?per_page=200", headers=headers).get_json()["items"]
    assert units and all(u["province_id"] == world.laichau.id for u in units)
    blocks = client.get("/api/v1/blocks", headers=headers).get_json()["items"]
    assert [b["id"] for b in blocks] == [world.block.id]
    users = client.get("/api/v1/users?per_page=200", headers=headers)
    if role == "province_officer":
        names = {u["username"] for u in users.get_json()["items"]}
        assert "donvi" in names
        assert not names & {"canbo.travinh", "donvi.travinh", "admin"}
    else:
        _assert_error_shape(users, 403)
    for path in (f"/admin/units?province={tv}", f"/admin/blocks?province={tv}"):
        assert client.get(path).status_code == 403, path
    for path in (
        "/dashboard",
        "/my-block",
        "/admin/provinces",
        "/admin/units",
        "/admin/blocks",
        "/admin/users",
        "/admin/audit",
    ):
        page = client.get(path)
        assert page.status_code in (200, 403), path
        assert "Trà Vinh" not in page.get_data(as_text=True), path


def test_page_posts_need_a_csrf_token_when_enabled(app, world):
    """CSRF is off in the other tests; on, a POST without the token changes nothing, the role
    buttons of the account page included."""
    client = app.test_client()
    assert login(client, world.officer).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True
    role_id = world.leader.roles[0].id
    before = _audit_count()
    for url, data in (
        (
            f"/admin/users/{world.leader.id}/edit",
            {"action": "remove_role", "role_id": str(role_id)},
        ),
        (f"/admin/units/{world.lc_units['SYT'].id}/deactivate", {}),
        (f"/admin/provinces/{world.laichau.id}/plugins", {}),
    ):
        assert client.post(url, data=data).status_code == 400, url
        _settle()
    assert _audit_count() == before
    assert world.leader.roles[0].id == role_id
