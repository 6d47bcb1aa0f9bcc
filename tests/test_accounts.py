"""Accounts: login, logout, passwords, sessions, rate limits, CSRF, roles within scope."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, User
from tests.conftest import PASSWORD, login, make_app


def test_wrong_password_and_inactive_user_refused(client, world):
    response = login(client, world.member, "sai-mat-khau-1")
    assert response.status_code == 200
    assert "không đúng" in response.get_data(as_text=True)
    world.member.is_active_flag = False
    db.session.commit()
    assert login(client, world.member).status_code == 200
    assert client.get("/dashboard").status_code == 302


def test_login_redirects_only_to_local_paths(client, world):
    response = client.post("/auth/login?next=https://evil.example/x", data={"username": "donvi", "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"
    client.post("/auth/logout")
    response = client.post("/auth/login?next=/my-block", data={"username": "DONVI", "password": PASSWORD})
    assert response.headers["Location"] == "/my-block"


def test_session_cookie_flags_and_fixation(client, world):
    client.get("/auth/login")
    response = login(client, world.member)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    client.post("/auth/logout")
    https = client.post("/auth/login", data={"username": "donvi", "password": PASSWORD}, base_url="https://localhost")
    assert "Secure" in https.headers.get("Set-Cookie", "")


def test_password_change_ends_other_sessions(app, world):
    first, second = app.test_client(), app.test_client()
    login(first, world.member)
    login(second, world.member)
    assert second.get("/dashboard").status_code == 200
    response = first.post(
        "/auth/password",
        data={"current_password": PASSWORD, "new_password": "Mat-khau-moi-2", "confirm": "Mat-khau-moi-2"},
    )
    assert response.status_code == 302
    assert first.get("/dashboard").status_code == 200
    assert second.get("/dashboard").status_code == 302  # signed out


def test_weak_password_refused_with_reason(client, world):
    login(client, world.member)
    response = client.post("/auth/password", data={"current_password": PASSWORD, "new_password": "12345678", "confirm": "12345678"})
    assert response.status_code == 200
    assert "cả chữ và số" in response.get_data(as_text=True)


def test_admin_reset_forces_change(client, app, world):
    login(client, world.officer)
    response = client.post(f"/admin/users/{world.member.id}/reset-password")
    text = response.get_data(as_text=True)
    temporary = text.split('id="issued-password">')[1].split("<")[0].strip()
    other = app.test_client()
    assert login(other, world.member, temporary).status_code == 302
    assert other.get("/dashboard").headers["Location"].startswith("/auth/password")


def test_province_officer_creates_unit_officer_only_in_scope(client, world):
    login(client, world.officer)
    response = client.post(
        "/admin/users/new",
        data={"username": "moi.donvi", "full_name": "Lò Văn Mới", "locale": "vi", "is_active": "y",
              "role-role": "unit_officer", "role-unit_id": world.lc_units["SYT"].id},
    )
    assert response.status_code == 200
    assert 'id="issued-password"' in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.username == "moi.donvi"))
    assert user.must_change_password and user.roles[0].unit_id == world.lc_units["SYT"].id
    # Another province's unit, or an admin role, is refused and nothing is created.
    for data in (
        {"role-role": "unit_officer", "role-unit_id": world.tv_units["SNV"].id},
        {"role-role": "admin"},
    ):
        response = client.post("/admin/users/new", data={"username": "xau", "full_name": "X", "locale": "vi", **data})
        assert response.status_code == 422
        assert db.session.scalar(select(User).where(User.username == "xau")) is None
    # Accounts of another province are not theirs to edit.
    assert client.get(f"/admin/users/{world.tv_officer.id}/edit").status_code == 403
    assert client.get(f"/admin/users/{world.admin.id}/edit").status_code == 403


def test_user_import_all_or_nothing(client, world):
    import io

    login(client, world.officer)
    body = "Tên đăng nhập,Họ và tên,Vai trò,Mã tỉnh,Mã đơn vị\nyte.1,Nguyễn Y Tế,Cán bộ thi đua đơn vị,laichau,SYT\nsai.1,Sai Đơn Vị,Cán bộ thi đua đơn vị,laichau,KHONGCO\n"
    response = client.post("/admin/users/import", data={"file": (io.BytesIO(body.encode()), "tk.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Dòng 3" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "yte.1")) is None


@pytest.mark.parametrize("database_url", ["sqlite://"], indirect=False)
def test_login_is_rate_limited(tmp_path, database_url):
    from portal.audit import install_triggers

    app = make_app(database_url, tmp_path, PORTAL_LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            install_triggers(conn)
        client = app.test_client()
        codes = [client.post("/auth/login", data={"username": "x", "password": "y"}).status_code for _ in range(4)]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        db.drop_all()


@pytest.mark.parametrize("database_url", ["sqlite://"], indirect=False)
def test_csrf_is_enforced_on_forms(tmp_path, database_url):
    from tests.conftest import make_user

    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        make_user("admin", Role.ADMIN)
        db.session.commit()
        client = app.test_client()
        assert client.post("/auth/login", data={"username": "admin", "password": PASSWORD}).status_code == 400
        page = client.get("/auth/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        assert client.post("/auth/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}).status_code == 302
        # Signed in, a state-changing POST without the token is still refused.
        assert client.post("/admin/provinces/new", data={"code": "x", "name": "X"}).status_code == 400
        db.session.remove()
        db.drop_all()


def test_security_headers(client, world):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)
