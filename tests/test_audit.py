"""The audit log: a row for every change made through the pages and the API (who, what, which
object, before and after, from where), no secrets in it, and no way to change or delete a row:
neither through the ORM nor with raw SQL (database triggers), on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal.audit import AuditLogIsAppendOnly
from portal.extensions import db
from portal.models import ApiToken, AuditLog, Block, ProvincePlugin, RoleAssignment, Unit, User
from tests.conftest import PASSWORD, login

ADDRESS = "203.0.113.7"
ENVIRON = {"REMOTE_ADDR": ADDRESS}


def rows_after(last_id: int, **where) -> list[AuditLog]:
    stmt = select(AuditLog).where(AuditLog.id > last_id).order_by(AuditLog.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditLog, key) == value)
    return list(db.session.scalars(stmt))


def last_id() -> int:
    return db.session.scalar(select(func.coalesce(func.max(AuditLog.id), 0)))


def settle():
    """Drop what a request left uncommitted, as the end of a real request does."""
    db.session.rollback()


def one(rows, **match) -> AuditLog:
    found = [r for r in rows if all(getattr(r, k) == v for k, v in match.items())]
    assert len(found) == 1, (match, [(r.action, r.object_type, r.object_id) for r in rows])
    return found[0]


def assert_from(row: AuditLog, user: User):
    assert row.actor_id == user.id
    assert row.actor_name == user.username
    assert row.remote_addr == ADDRESS
    assert row.created_at is not None


@pytest.fixture
def page(app, world):
    """A browser signed in as the Lai Châu province officer, from a known address."""
    client = app.test_client()
    client.environ_base.update(ENVIRON)
    assert login(client, world.officer).status_code == 302
    settle()
    return client


@pytest.fixture
def api(app, world, api_headers):
    """``api(method, path, json=...)`` as the Lai Châu officer, from a known address."""
    client = app.test_client()
    client.environ_base.update(ENVIRON)
    headers = api_headers(world.officer)

    def call(method, path, **kw):
        response = client.open("/api/v1" + path, method=method, headers=headers, **kw)
        settle()
        return response

    return call


# -- pages ----------------------------------------------------------------------------------------


def test_page_changes_are_audited(page, world):
    lc = world.laichau
    start = last_id()
    response = page.post(
        f"/admin/provinces/{lc.id}/units/new",
        data={
            "code": "SXD",
            "name": "Sở Xây dựng",
            "kind": "department",
            "staff_count": "20",
            "is_active": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    settle()
    unit = db.session.scalar(select(Unit).where(Unit.province_id == lc.id, Unit.code == "SXD"))
    created = one(rows_after(start), object_type="Unit", object_id=str(unit.id))
    assert created.action == "create"
    assert_from(created, world.officer)
    assert created.province_id == lc.id
    assert created.before is None
    assert created.after["code"] == "SXD" and created.after["name"] == "Sở Xây dựng"
    assert created.after["kind"] == "department" and created.after["staff_count"] == 20

    start = last_id()
    response = page.post(
        f"/admin/units/{unit.id}/edit",
        data={
            "code": "SXD",
            "name": "Sở Xây dựng tỉnh",
            "kind": "department",
            "staff_count": "25",
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    settle()
    updated = one(rows_after(start), object_type="Unit")
    assert updated.action == "update" and updated.object_id == str(unit.id)
    assert_from(updated, world.officer)
    assert updated.before == {"name": "Sở Xây dựng", "staff_count": 20}
    assert updated.after == {"name": "Sở Xây dựng tỉnh", "staff_count": 25}

    start = last_id()
    assert page.post(f"/admin/units/{unit.id}/deactivate").status_code == 302
    settle()
    off = one(rows_after(start), object_type="Unit")
    assert (off.action, off.before, off.after) == (
        "update",
        {"is_active": True},
        {"is_active": False},
    )
    assert_from(off, world.officer)

    # Block membership is a change of the block, with the members before and after.
    block = world.block
    u = world.lc_units
    start = last_id()
    response = page.post(
        f"/admin/blocks/{block.id}/edit",
        data={
            "year": "2023",
            "code": "KTH",
            "name": block.name,
            "member_ids": [
                str(u["SNV"].id),
                str(u["STC"].id),
                str(u["SYT"].id),
                str(u["SGDDT"].id),
            ],
            "leader_unit_id": str(u["SNV"].id),
            "deputy_unit_id": str(u["STC"].id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    settle()
    changed = one(rows_after(start), object_type="Block")
    assert changed.action == "update" and changed.object_id == str(block.id)
    assert_from(changed, world.officer)
    assert changed.before["members"] == ["SNV", "STC", "SYT"]
    assert changed.after["members"] == ["SGDDT", "SNV", "STC", "SYT"]


def test_page_deletes_are_audited(page, world):
    """Removing a role (a row deleted) leaves the deleted row's content in the log."""
    target = world.leader
    role = target.roles[0]
    role_id = role.id
    # Give a second role first, then remove the first one.
    response = page.post(
        f"/admin/users/{target.id}/edit",
        data={
            "action": "add_role",
            "role-role": "observer",
            "role-province_id": str(world.laichau.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    settle()
    start = last_id()
    response = page.post(
        f"/admin/users/{target.id}/edit", data={"action": "remove_role", "role_id": str(role_id)}
    )
    assert response.status_code == 302
    settle()
    assert db.session.get(RoleAssignment, role_id) is None
    deleted = one(rows_after(start), action="delete")
    assert deleted.object_type == "RoleAssignment" and deleted.object_id == str(role_id)
    assert_from(deleted, world.officer)
    assert deleted.after is None
    assert (
        deleted.before["role"] == "unit_officer"
        and deleted.before["unit_id"] == world.lc_units["SNV"].id
    )


def test_login_and_password_changes_are_audited_without_hashes(app, world):
    client = app.test_client()
    client.environ_base.update(ENVIRON)
    start = last_id()
    assert login(client, world.member).status_code == 302
    settle()
    signed_in = one(rows_after(start), object_type="User", action="login")
    assert_from(signed_in, world.member)

    start = last_id()
    response = client.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": "Mot-mat-khau-moi-9",
            "confirm": "Mot-mat-khau-moi-9",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    settle()
    changed = one(rows_after(start), object_type="User")
    assert changed.action == "change_password"
    assert_from(changed, world.member)
    assert changed.before["password_hash"] == changed.after["password_hash"] == "***"
    assert_no_secrets()


# -- API ------------------------------------------------------------------------------------------


def test_api_changes_are_audited(api, world):
    lc = world.laichau.id
    start = last_id()
    created = api(
        "POST",
        "/units",
        json={"province_id": lc, "code": "SCT", "name": "Sở Công Thương", "kind": "department"},
    )
    assert created.status_code == 201
    unit_id = created.get_json()["id"]
    row = one(rows_after(start), object_type="Unit")
    assert (row.action, row.object_id, row.province_id) == ("create", str(unit_id), lc)
    assert_from(row, world.officer)
    assert row.after["code"] == "SCT"

    start = last_id()
    assert (
        api(
            "PUT",
            f"/units/{unit_id}",
            json={
                "code": "SCT",
                "name": "Sở Công Thương",
                "kind": "department",
                "is_active": False,
            },
        ).status_code
        == 200
    )
    row = one(rows_after(start), object_type="Unit")
    assert (row.action, row.before, row.after) == (
        "update",
        {"is_active": True},
        {"is_active": False},
    )
    assert_from(row, world.officer)

    # Switching a plugin off deletes its row: logged with what was deleted.
    start = last_id()
    assert api("PUT", f"/provinces/{lc}/plugins", json={"plugins": []}).status_code == 200
    row = one(rows_after(start), object_type="ProvincePlugin")
    assert row.action == "delete" and row.after is None
    assert row.before["plugin_name"] == "province.laichau" and row.province_id == lc
    assert_from(row, world.officer)
    assert db.session.scalar(select(func.count()).select_from(ProvincePlugin)) == 0

    start = last_id()
    response = api(
        "POST",
        "/blocks",
        json={
            "province_id": lc,
            "year": 2024,
            "code": "KKT",
            "name": "Khối Kinh tế",
            "member_ids": [world.lc_units["DLLC"].id, world.lc_units["SGDDT"].id],
        },
    )
    assert response.status_code == 201
    row = one(rows_after(start), object_type="Block")
    assert row.action == "create" and row.object_id == str(response.get_json()["id"])
    assert_from(row, world.officer)


def test_api_user_creation_keeps_passwords_out_of_the_log(api, world, api_headers, client):
    start = last_id()
    response = api(
        "POST",
        "/users",
        json={
            "username": "donvi.syt",
            "full_name": "Cán bộ Sở Y tế",
            "roles": [{"role": "unit_officer", "unit_id": world.lc_units["SYT"].id}],
        },
    )
    assert response.status_code == 201
    temporary = response.get_json()["temporary_password"]
    user = db.session.get(User, response.get_json()["id"])
    rows = rows_after(start)
    created = one(rows, object_type="User")
    assert created.action == "create" and created.object_id == str(user.id)
    assert_from(created, world.officer)
    assert created.after["password_hash"] == "***"
    assert created.after["username"] == "donvi.syt"
    one(rows, object_type="RoleAssignment", action="create")

    # An admin's reset and a chosen password: still no hash and no password in the log.
    headers = {**api_headers(world.admin)}
    made = client.post(
        "/api/v1/users",
        headers=headers,
        json={
            "username": "quantri.hai",
            "full_name": "Quản trị hai",
            "password": "Mat-khau-rat-manh-7",
            "roles": [{"role": "admin"}],
        },
    )
    assert made.status_code == 201
    settle()
    admin_page = client
    login(admin_page, world.admin)
    assert admin_page.post(f"/admin/users/{user.id}/reset-password").status_code == 200
    settle()
    reset = one(rows_after(start), object_type="User", action="reset_password")
    assert reset.before["password_hash"] == reset.after["password_hash"] == "***"
    assert_no_secrets(temporary, "Mat-khau-rat-manh-7")


def test_tokens_are_audited_without_the_token(api, world):
    start = last_id()
    response = api("POST", "/tokens", json={"name": "báo cáo"})
    plain = response.get_json()["token"]
    row = one(rows_after(start), object_type="ApiToken", action="create")
    assert_from(row, world.officer)
    assert row.after["token_hash"] == "***"
    assert_no_secrets(plain)


def test_refused_requests_write_nothing(app, world, api_headers):
    client = app.test_client()
    headers = api_headers(world.member)
    login(client, world.member)
    settle()
    start = last_id()
    body = {"province_id": world.laichau.id, "code": "X", "name": "X", "kind": "department"}
    assert client.post("/api/v1/units", headers=headers, json=body).status_code == 403
    settle()
    assert (
        client.put(
            f"/api/v1/provinces/{world.laichau.id}/plugins", headers=headers, json={"plugins": []}
        ).status_code
        == 403
    )
    settle()
    assert client.post(f"/admin/units/{world.lc_units['STC'].id}/deactivate").status_code == 403
    settle()
    assert rows_after(start) == []


def assert_no_secrets(*plain: str):
    """No password hash, token hash, password or token text in any audit row."""
    hashes = set(db.session.scalars(select(User.password_hash))) | set(
        db.session.scalars(select(ApiToken.token_hash))
    )
    secrets = hashes | set(plain)
    for row in db.session.scalars(select(AuditLog)):
        dumped = json.dumps(
            [row.before, row.after, row.actor_name, row.object_id], ensure_ascii=False
        )
        assert "$argon2" not in dumped, row.id
        for secret in secrets:
            assert secret not in dumped, (row.id, row.object_type, row.action)
        for state in (row.before or {}, row.after or {}):
            for key in ("password_hash", "token_hash"):
                assert state.get(key, "***") == "***"


def test_no_audit_row_holds_a_secret(world):
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) > 10
    assert_no_secrets("Mat-khau-1")


# -- append-only ----------------------------------------------------------------------------------


def _a_row(world) -> AuditLog:
    return db.session.scalars(select(AuditLog).order_by(AuditLog.id)).first()


def test_orm_refuses_to_update_audit_rows(world):
    row = _a_row(world)
    original = (row.id, row.action, row.actor_name)
    row.action = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    again = db.session.get(AuditLog, original[0])
    assert (again.id, again.action, again.actor_name) == original


def test_orm_refuses_to_delete_audit_rows(world):
    row = _a_row(world)
    total = db.session.scalar(select(func.count()).select_from(AuditLog))
    db.session.delete(row)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == total


def test_orm_refuses_changes_hidden_among_other_changes(world):
    """A forged row does not slip through with a legitimate change in the same flush."""
    unit = world.lc_units["SYT"]
    unit.staff_count = 99
    _a_row(world).after = {"forged": True}
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Unit, unit.id).staff_count == 40


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'forged'",
        "UPDATE audit_log SET actor_name = NULL WHERE id = :id",
        "DELETE FROM audit_log WHERE id = :id",
        "DELETE FROM audit_log",
    ],
)
def test_database_refuses_raw_sql_changes(world, statement):
    row = _a_row(world)
    ident, action, actor = row.id, row.action, row.actor_name
    total = db.session.scalar(select(func.count()).select_from(AuditLog))
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement), {"id": ident})
    db.session.rollback()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == total
    again = db.session.get(AuditLog, ident)
    assert (again.action, again.actor_name) == (action, actor)


def test_audit_log_page_shows_only_managed_provinces(page, world):
    """The officer reads their province's rows; Trà Vinh's rows stay out of the page."""
    world.tv_units["STC"].staff_count = 31
    block = db.session.get(Block, world.tv_block.id)
    block.name = "Khối Tổng hợp Trà Vinh (sửa)"
    db.session.commit()
    page.post(f"/admin/units/{world.lc_units['SYT'].id}/deactivate")
    settle()
    body = page.get("/admin/audit").get_data(as_text=True)
    assert "Sở Y tế" in body or "SYT" in body or f">{world.lc_units['SYT'].id}<" in body
    assert "(sửa)" not in body and "Trà Vinh" not in body


def test_action_label_applies_to_one_change_only(client, world):
    """A login is logged as "login"; a later change to the same user in the same session is an
    ordinary "update", not a second "login"."""
    from portal.audit import label_change

    user = world.member
    label_change(user, "login")
    user.last_login_at = user.created_at
    db.session.commit()
    user.full_name = "Trần Thị Mai (đổi tên)"
    db.session.commit()
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.object_type == "User", AuditLog.object_id == str(user.id)).order_by(AuditLog.id)
    ).all()
    assert [r.action for r in rows[-2:]] == ["login", "update"]


def test_token_last_used_is_saved_on_read_only_calls(client, world, api_headers):
    from portal.models import ApiToken

    headers = api_headers(world.officer)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    db.session.expire_all()
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.officer.id))
    assert token.last_used_at is not None


def test_audit_log_page_reads_actions_in_the_readers_language(page, world):
    """Actions and objects are stored as stable English names; the page shows words."""
    page.post(f"/admin/units/{world.lc_units['SYT'].id}/deactivate")
    settle()
    body = page.get("/admin/audit").get_data(as_text=True)
    assert "<td>Sửa</td>" in body and "Đơn vị #" in body
    assert "<td>update</td>" not in body and "Unit #" not in body
