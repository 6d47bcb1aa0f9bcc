"""The JSON API: tokens, the OpenAPI document, CRUD for provinces, plugins, units, blocks and users,
and errors that are always ``{"error": {code, message, fields}}`` with a 4xx status."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ApiToken, AuditLog, Block, Province, Unit, User
from portal.security import hash_token
from tests.conftest import login

API = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


# -- helpers ------------------------------------------------------------------------------------


def assert_error(response, status, code=None):
    """A 4xx with the documented error shape; returns the ``error`` object."""
    assert response.status_code == status, (
        response.status_code,
        response.get_data(as_text=True)[:500],
    )
    assert 400 <= status < 500
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code
    return error


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def settle():
    """Drop what a request left uncommitted, as the end of a real request does."""
    db.session.rollback()


def database_text() -> str:
    """Every row of every table, as text: for "this secret is stored nowhere" checks."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            parts.append(repr(tuple(row)))
    return "\n".join(parts)


@pytest.fixture
def as_user(client, api_headers):
    """``as_user(user)`` -> a function ``call(method, path, **kw)`` with that user's Bearer token."""

    def _for(user):
        headers = api_headers(user)

        def call(method, path, **kw):
            response = client.open(API + path, method=method, headers=headers, **kw)
            settle()
            return response

        return call

    return _for


# -- tokens ---------------------------------------------------------------------------------------


def test_token_created_through_the_api(client, world, as_user):
    api = as_user(world.member)
    response = api("POST", "/tokens", json={"name": "Bảng tính tổng hợp"})
    assert response.status_code == 201
    body = response.get_json()
    plain = body["token"]
    assert plain.startswith("tdp_") and body["prefix"] == plain[:10] and body["revoked"] is False

    stored = db.session.get(ApiToken, body["id"])
    assert stored.token_hash == hash_token(plain) and stored.user_id == world.member.id
    assert plain not in database_text()

    listed = api("GET", "/tokens").get_json()
    assert body["id"] in [t["id"] for t in listed]
    assert all("token" not in t for t in listed)

    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.status_code == 200 and me.get_json()["username"] == world.member.username

    assert api("DELETE", f"/tokens/{body['id']}").status_code == 204
    assert_error(
        client.get(f"{API}/me", headers={"Authorization": f"Bearer {plain}"}), 401, "invalid_token"
    )
    assert api("GET", "/tokens").get_json()[-1]["revoked"] is True
    # Revoking again is harmless; the token used to do it still works.
    assert api("DELETE", f"/tokens/{body['id']}").status_code == 204
    assert api("GET", "/me").status_code == 200


def test_token_names_are_validated(world, as_user):
    api = as_user(world.member)
    for body in (
        {},
        {"name": ""},
        {"name": "   "},
        {"name": 5},
        {"name": "x" * 101},
        {"name": ["a"]},
    ):
        assert (
            "name"
            in assert_error(api("POST", "/tokens", json=body), 422, "validation_error")["fields"]
        )
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1  # the fixture's own


def test_other_users_tokens_cannot_be_revoked(client, world, as_user):
    owner = as_user(world.member)
    created = owner("POST", "/tokens", json={"name": "mine"}).get_json()
    other = as_user(world.officer)
    assert_error(other("DELETE", f"/tokens/{created['id']}"), 404)
    login(client, world.officer)
    assert client.post(f"/auth/tokens/{created['id']}/revoke").status_code == 404
    settle()
    assert db.session.get(ApiToken, created["id"]).revoked_at is None


def test_token_created_and_revoked_through_the_page(client, world):
    login(client, world.leader)
    page = client.post("/auth/tokens", data={"name": "Máy chủ báo cáo"})
    assert page.status_code == 200
    plain = re.search(r"tdp_[A-Za-z0-9_-]{20,}", page.get_data(as_text=True)).group(0)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.leader.id))
    assert token.token_hash == hash_token(plain)
    assert unicodedata.is_normalized("NFC", token.name)
    assert plain not in database_text()
    # Shown once only.
    assert plain not in client.get("/auth/tokens").get_data(as_text=True)

    bearer = {"Authorization": f"Bearer {plain}"}
    assert client.get(f"{API}/me", headers=bearer).get_json()["username"] == world.leader.username
    assert client.post(f"/auth/tokens/{token.id}/revoke").status_code == 302
    settle()
    assert_error(client.get(f"{API}/me", headers=bearer), 401, "invalid_token")


def test_bearer_problems_are_401(client, world, api_headers):
    assert_error(client.get(f"{API}/me"), 401, "unauthorized")
    assert_error(
        client.get(f"{API}/me", headers={"Authorization": "Bearer tdp_khong-ton-tai"}),
        401,
        "invalid_token",
    )
    assert_error(
        client.get(f"{API}/me", headers={"Authorization": "Basic YWRtaW46eA=="}),
        401,
        "unauthorized",
    )
    headers = api_headers(world.member)
    world.member.is_active_flag = False
    db.session.commit()
    assert_error(client.get(f"{API}/me", headers=headers), 401, "invalid_token")
    # A session cookie does not open the API: only Bearer tokens do.
    login(client, world.admin)
    assert_error(client.get(f"{API}/me"), 401)


# -- the OpenAPI document ---------------------------------------------------------------------


def _resolve(document, ref):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_openapi_document_lists_every_api_route(app, client):
    response = client.get(f"{API}/openapi.json")  # public: no token needed
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] and doc["info"]["version"]
    assert isinstance(doc["paths"], dict) and doc["paths"]

    refs = list(_refs(doc))
    assert refs
    for ref in refs:
        _resolve(doc, ref)

    documented = set()
    for path, item in doc["paths"].items():
        assert path.startswith(f"{API}/"), path
        declared = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            assert method in HTTP_METHODS, (path, method)
            documented.add((method.upper(), path))
            assert operation["operationId"] and operation["summary"] and operation["responses"]
            params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert params == declared, (method, path)
            for status in operation["responses"]:
                assert re.fullmatch(r"[1-5]\d\d", status), (method, path, status)
    op_ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(op_ids) == len(set(op_ids))

    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(f"{API}/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, path))
    missing = sorted(routes - documented)
    assert not missing, f"API routes missing from openapi.json: {missing}"
    extra = sorted(documented - routes)
    assert not extra, f"openapi.json documents routes that do not exist: {extra}"


# -- provinces and their plugins ------------------------------------------------------------------


def test_provinces_crud_by_admin(world, as_user):
    api = as_user(world.admin)
    created = api("POST", "/provinces", json={"code": "VinhLong", "name": "Tỉnh Vĩnh Long"})
    assert created.status_code == 201
    vl = created.get_json()
    assert vl["code"] == "vinhlong" and vl["enabled_plugins"] == [] and vl["is_active"] is True

    assert (
        "code"
        in assert_error(
            api("POST", "/provinces", json={"code": "vinhlong", "name": "X"}), 409, "conflict"
        )["fields"]
    )
    assert "name" in assert_error(api("POST", "/provinces", json={"code": "x"}), 422)["fields"]

    assert api("GET", f"/provinces/{vl['id']}").get_json()["name"] == "Tỉnh Vĩnh Long"
    merged = api(
        "PUT",
        f"/provinces/{world.travinh.id}",
        json={
            "code": "travinh",
            "name": "Tỉnh Trà Vinh",
            "successor_id": vl["id"],
            "merged_on": "2025-07-01",
        },
    )
    assert merged.status_code == 200, merged.get_json()
    assert (
        merged.get_json()["successor_id"] == vl["id"]
        and merged.get_json()["merged_on"] == "2025-07-01"
    )
    bad = api(
        "PUT",
        f"/provinces/{world.travinh.id}",
        json={"code": "travinh", "name": "Tỉnh Trà Vinh", "merged_on": "2025-07-01"},
    )
    assert "merged_on" in assert_error(bad, 422)["fields"]
    assert_error(api("PUT", "/provinces/999999", json={"code": "a", "name": "b"}), 404)
    listed = api("GET", "/provinces").get_json()
    assert listed["total"] == 3 and {p["code"] for p in listed["items"]} == {
        "laichau",
        "travinh",
        "vinhlong",
    }

    officer = as_user(world.officer)
    assert_error(
        officer("POST", "/provinces", json={"code": "dienbien", "name": "Tỉnh Điện Biên"}),
        403,
        "forbidden",
    )
    assert_error(
        officer(
            "PUT", f"/provinces/{world.laichau.id}", json={"code": "laichau", "name": "Đổi tên"}
        ),
        403,
    )
    assert (
        db.session.scalar(select(Province.name).where(Province.code == "laichau"))
        == "Tỉnh Lai Châu"
    )


def test_province_plugins(world, as_user):
    api = as_user(world.officer)
    lc = world.laichau.id
    off = api("PUT", f"/provinces/{lc}/plugins", json={"plugins": []})
    assert off.status_code == 200 and off.get_json()["enabled_plugins"] == []
    on = api("PUT", f"/provinces/{lc}/plugins", json={"plugins": ["province.laichau"]})
    assert on.status_code == 200 and on.get_json()["enabled_plugins"] == ["province.laichau"]

    audit_rows = count(AuditLog)
    error = assert_error(
        api(
            "PUT",
            f"/provinces/{lc}/plugins",
            json={"plugins": ["province.laichau", "province.khong-co"]},
        ),
        422,
    )
    assert "province.khong-co" in error["message"]
    assert "plugins" in error["fields"]
    assert api("GET", f"/provinces/{lc}").get_json()["enabled_plugins"] == ["province.laichau"]
    assert count(AuditLog) == audit_rows

    for body in ({}, {"plugins": "province.laichau"}, {"plugins": [1]}):
        assert (
            "plugins"
            in assert_error(api("PUT", f"/provinces/{lc}/plugins", json=body), 422)["fields"]
        )
    # Another province's plugins are not the Lai Châu officer's to change.
    assert api(
        "PUT", f"/provinces/{world.travinh.id}/plugins", json={"plugins": []}
    ).status_code in (403, 404)
    installed = {p["name"] for p in api("GET", "/plugins").get_json()}
    assert "province.laichau" in installed


def test_award_types_follow_the_enabled_plugins(world, as_user):
    api = as_user(world.admin)
    lc = {a["code"]: a for a in api("GET", f"/provinces/{world.laichau.id}/award-types").get_json()}
    tv = {a["code"]: a for a in api("GET", f"/provinces/{world.travinh.id}/award-types").get_json()}
    assert "bang_khen_ubnd_tinh_khoi" in lc
    assert "bang_khen_ubnd_tinh_khoi" not in tv
    assert set(tv) < set(lc)  # the national catalogue for both, Lai Châu's additions on top
    assert {"code", "name", "level", "recipients"} <= set(lc["bang_khen_ubnd_tinh_khoi"])

    as_user(world.officer)("PUT", f"/provinces/{world.laichau.id}/plugins", json={"plugins": []})
    lc_off = {
        a["code"] for a in api("GET", f"/provinces/{world.laichau.id}/award-types").get_json()
    }
    assert lc_off == set(tv)
    # A unit officer reads their own province's catalogue, not another's.
    member = as_user(world.member)
    assert member("GET", f"/provinces/{world.laichau.id}/award-types").status_code == 200
    assert_error(member("GET", f"/provinces/{world.travinh.id}/award-types"), 404)


# -- units ----------------------------------------------------------------------------------------


def test_units_crud(world, as_user):
    api = as_user(world.officer)
    lc = world.laichau.id
    nfd = unicodedata.normalize("NFD", "Sở Xây dựng")
    created = api(
        "POST",
        "/units",
        json={
            "province_id": lc,
            "code": "sxd",
            "name": nfd,
            "kind": "department",
            "staff_count": 25,
        },
    )
    assert created.status_code == 201, created.get_json()
    unit = created.get_json()
    assert unit["code"] == "SXD" and unit["name"] == "Sở Xây dựng" and unit["staff_count"] == 25

    dup = api(
        "POST",
        "/units",
        json={"province_id": lc, "code": "SXD", "name": "Khác", "kind": "department"},
    )
    assert "code" in assert_error(dup, 409, "conflict")["fields"]
    bad_kind = api(
        "POST", "/units", json={"province_id": lc, "code": "X1", "name": "X", "kind": "bo-lac"}
    )
    assert "kind" in assert_error(bad_kind, 422, "validation_error")["fields"]
    negative = api(
        "POST",
        "/units",
        json={
            "province_id": lc,
            "code": "X2",
            "name": "X",
            "kind": "department",
            "staff_count": -1,
        },
    )
    assert "staff_count" in assert_error(negative, 422)["fields"]
    no_province = api("POST", "/units", json={"code": "X3", "name": "X", "kind": "department"})
    assert "province_id" in assert_error(no_province, 422)["fields"]
    # Another province: refused, never created there.
    foreign = api(
        "POST",
        "/units",
        json={"province_id": world.travinh.id, "code": "X4", "name": "X", "kind": "department"},
    )
    assert foreign.status_code in (403, 422)
    assert_error(foreign, foreign.status_code)
    assert db.session.scalar(select(Unit).where(Unit.code == "X4")) is None

    updated = api(
        "PUT",
        f"/units/{unit['id']}",
        json={"code": "SXD", "name": "Sở Xây dựng tỉnh", "kind": "department", "staff_count": 30},
    )
    assert updated.status_code == 200 and updated.get_json()["name"] == "Sở Xây dựng tỉnh"
    assert updated.get_json()["is_active"] is True
    clash = api(
        "PUT", f"/units/{unit['id']}", json={"code": "SNV", "name": "X", "kind": "department"}
    )
    assert_error(clash, 409)
    off = api(
        "PUT",
        f"/units/{unit['id']}",
        json={"code": "SXD", "name": "Sở Xây dựng tỉnh", "kind": "department", "is_active": False},
    )
    assert off.status_code == 200 and off.get_json()["is_active"] is False
    assert db.session.get(Unit, unit["id"]).is_active is False

    active = api("GET", f"/units?province_id={lc}&active=true&per_page=200").get_json()
    assert unit["id"] not in [u["id"] for u in active["items"]]
    found = api("GET", "/units?q=so xay dung").get_json()
    assert [u["id"] for u in found["items"]] == [unit["id"]]
    assert_error(api("GET", "/units/999999"), 404)
    assert_error(
        api(
            "PUT",
            f"/units/{world.tv_units['SNV'].id}",
            json={"code": "SNV", "name": "X", "kind": "department"},
        ),
        404,
    )

    observer = as_user(world.observer)
    assert observer("GET", f"/units/{unit['id']}").status_code == 200
    assert_error(
        observer(
            "PUT", f"/units/{unit['id']}", json={"code": "SXD", "name": "X", "kind": "department"}
        ),
        403,
    )


def _upload(content: str, name="don-vi.csv"):
    return {"file": (io.BytesIO(content.encode("utf-8")), name)}


def test_units_import(world, as_user):
    api = as_user(world.officer)
    path = f"/provinces/{world.laichau.id}/units/import"
    units_before, audit_before = count(Unit), count(AuditLog)

    bad = "code,name,kind,staff_count\nSCT,Sở Công Thương,department,20\nSTP,Sở Tư pháp,bo-lac,15\nSXD,Sở Xây dựng,department,12\n"
    response = api("POST", path, data=_upload(bad), content_type="multipart/form-data")
    error = assert_error(response, 422)
    assert error["code"] == "import_errors"
    assert [(e["row"], e["field"]) for e in error["rows"]] == [(3, "kind")]
    assert count(Unit) == units_before and count(AuditLog) == audit_before

    good = "code,name,kind,staff_count\nSCT,Sở Công Thương,department,20\nSNV,Sở Nội vụ tỉnh Lai Châu,department,45\n"
    dry = api(
        "POST", path + "?dry_run=true", data=_upload(good), content_type="multipart/form-data"
    )
    assert dry.status_code == 200
    assert dry.get_json() == {"applied": False, "creates": 1, "updates": 1, "errors": []}
    assert count(Unit) == units_before and count(AuditLog) == audit_before

    done = api("POST", path, data=_upload(good), content_type="multipart/form-data")
    assert done.status_code == 200 and done.get_json()["applied"] is True
    assert count(Unit) == units_before + 1
    assert db.session.get(Unit, world.lc_units["SNV"].id).name == "Sở Nội vụ tỉnh Lai Châu"

    assert (
        "file"
        in assert_error(api("POST", path, data={}, content_type="multipart/form-data"), 422)[
            "fields"
        ]
    )
    junk = api(
        "POST",
        path,
        data=_upload("\x00\x01garbage", name="x.xlsx"),
        content_type="multipart/form-data",
    )
    assert assert_error(junk, 422)["rows"]
    assert_error(
        as_user(world.observer)(
            "POST", path, data=_upload(good), content_type="multipart/form-data"
        ),
        403,
    )


# -- blocks ---------------------------------------------------------------------------------------


def test_blocks(world, as_user):
    api = as_user(world.officer)
    lc = world.laichau.id
    u = {code: unit.id for code, unit in world.lc_units.items()}

    copied = api("POST", f"/provinces/{lc}/blocks/copy", json={"from_year": 2023, "to_year": 2024})
    assert copied.status_code == 201, copied.get_json()
    [block_2024] = copied.get_json()
    assert block_2024["year"] == 2024 and block_2024["code"] == "KTH"
    assert block_2024["leader_unit_id"] == u["STC"]  # last year's deputy leads
    assert block_2024["deputy_unit_id"] is None
    assert sorted(block_2024["member_ids"]) == sorted([u["SNV"], u["STC"], u["SYT"]])
    assert_error(
        api("POST", f"/provinces/{lc}/blocks/copy", json={"from_year": 2023, "to_year": 2024}), 409
    )
    assert_error(
        api("POST", f"/provinces/{lc}/blocks/copy", json={"from_year": 2019, "to_year": 2020}), 422
    )

    created = api(
        "POST",
        "/blocks",
        json={
            "province_id": lc,
            "year": 2024,
            "code": "KKT",
            "name": "Khối Kinh tế",
            "member_ids": [u["SGDDT"], u["DLLC"]],
            "leader_unit_id": u["DLLC"],
            "deputy_unit_id": u["SGDDT"],
        },
    )
    assert created.status_code == 201, created.get_json()
    kkt = created.get_json()
    assert kkt["leader_unit_id"] == u["DLLC"] and sorted(kkt["member_ids"]) == sorted(
        [u["SGDDT"], u["DLLC"]]
    )

    not_member = api(
        "POST",
        "/blocks",
        json={
            "province_id": lc,
            "year": 2025,
            "code": "K1",
            "name": "Khối 1",
            "member_ids": [u["SNV"]],
            "leader_unit_id": u["STC"],
        },
    )
    assert "leader_unit_id" in assert_error(not_member, 422)["fields"]
    twice = api(
        "POST",
        "/blocks",
        json={
            "province_id": lc,
            "year": 2024,
            "code": "K2",
            "name": "Khối 2",
            "member_ids": [u["SNV"]],
        },
    )
    assert "member_ids" in assert_error(twice, 422)["fields"]
    foreign_member = api(
        "POST",
        "/blocks",
        json={
            "province_id": lc,
            "year": 2025,
            "code": "K3",
            "name": "Khối 3",
            "member_ids": [world.tv_units["SNV"].id],
        },
    )
    assert "member_ids" in assert_error(foreign_member, 422)["fields"]
    dup = api(
        "POST",
        "/blocks",
        json={"province_id": lc, "year": 2024, "code": "kkt", "name": "Trùng", "member_ids": []},
    )
    assert_error(dup, 409)

    updated = api(
        "PUT",
        f"/blocks/{kkt['id']}",
        json={
            "year": 2024,
            "code": "KKT",
            "name": "Khối Kinh tế - Tài chính",
            "member_ids": [u["SGDDT"], u["DLLC"]],
            "leader_unit_id": u["SGDDT"],
            "deputy_unit_id": u["DLLC"],
        },
    )
    assert updated.status_code == 200 and updated.get_json()["leader_unit_id"] == u["SGDDT"]
    listed = api("GET", f"/blocks?province_id={lc}&year=2024").get_json()
    assert {b["code"] for b in listed["items"]} == {"KTH", "KKT"}

    # A unit officer reads their own block but cannot change it.
    member = as_user(world.member)
    assert member("GET", f"/blocks/{world.block.id}").status_code == 200
    assert_error(member("GET", f"/blocks/{kkt['id']}"), 404)
    assert_error(member("PUT", f"/blocks/{world.block.id}", json={"year": 2023}), 403)
    assert db.session.scalar(select(func.count()).select_from(Block)) == 4


# -- users ----------------------------------------------------------------------------------------


def test_users_created_by_a_province_officer(app, world, as_user):
    api = as_user(world.officer)
    syt = world.lc_units["SYT"].id
    created = api(
        "POST",
        "/users",
        json={
            "username": "CanBo.SYT",
            "full_name": "Nguyễn Thị Hoà",
            "roles": [{"role": "unit_officer", "unit_id": syt}],
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    temporary = body["temporary_password"]
    assert body["username"] == "canbo.syt"
    assert body["roles"] == [{"role": "unit_officer", "province_id": None, "unit_id": syt}]
    assert temporary not in database_text()
    user = db.session.get(User, body["id"])
    assert user.must_change_password is True
    fresh = app.test_client()
    assert login(fresh, "canbo.syt", temporary).status_code == 302
    assert fresh.get("/dashboard").headers["Location"].endswith("/auth/password")

    admin_role = api(
        "POST",
        "/users",
        json={"username": "quantri2", "full_name": "Q", "roles": [{"role": "admin"}]},
    )
    assert_error(admin_role, 403, "forbidden")
    foreign = api(
        "POST",
        "/users",
        json={
            "username": "donvi.tv2",
            "full_name": "T",
            "roles": [{"role": "unit_officer", "unit_id": world.tv_units["STC"].id}],
        },
    )
    assert_error(foreign, 403, "forbidden")
    foreign_observer = api(
        "POST",
        "/users",
        json={
            "username": "theodoi.tv",
            "full_name": "T",
            "roles": [{"role": "observer", "province_id": world.travinh.id}],
        },
    )
    assert_error(foreign_observer, 403)
    assert (
        "roles"
        in assert_error(
            api("POST", "/users", json={"username": "khongvaitro", "full_name": "K"}), 422
        )["fields"]
    )
    assert_error(
        api(
            "POST",
            "/users",
            json={
                "username": "canbo.syt",
                "full_name": "Trùng",
                "roles": [{"role": "observer", "province_id": world.laichau.id}],
            },
        ),
        409,
    )
    assert not {"quantri2", "donvi.tv2", "theodoi.tv", "khongvaitro"} & set(
        db.session.scalars(select(User.username))
    )

    assert api("GET", f"/users/{body['id']}").get_json()["full_name"] == "Nguyễn Thị Hoà"
    renamed = api(
        "PUT",
        f"/users/{body['id']}",
        json={"username": "canbo.syt", "full_name": "Nguyễn Thị Hòa Bình"},
    )
    assert renamed.status_code == 200 and renamed.get_json()["full_name"] == "Nguyễn Thị Hòa Bình"
    off = api(
        "PUT",
        f"/users/{body['id']}",
        json={"username": "canbo.syt", "full_name": "N", "is_active": False},
    )
    assert off.get_json()["is_active"] is False
    promote = api(
        "PUT",
        f"/users/{body['id']}",
        json={"username": "canbo.syt", "full_name": "N", "roles": [{"role": "admin"}]},
    )
    assert_error(promote, 403)
    assert [r.role.value for r in db.session.get(User, body["id"]).roles] == ["unit_officer"]

    # Accounts outside the officer's provinces are invisible to them.
    for target in (world.admin, world.tv_officer):
        assert_error(api("GET", f"/users/{target.id}"), 404)
        assert_error(
            api("PUT", f"/users/{target.id}", json={"username": target.username, "full_name": "X"}),
            404,
        )
    names = {x["username"] for x in api("GET", "/users?per_page=200").get_json()["items"]}
    assert "canbo.syt" in names and "admin" not in names and "canbo.travinh" not in names

    admin = as_user(world.admin)
    made = admin(
        "POST",
        "/users",
        json={
            "username": "quantri2",
            "full_name": "Q",
            "password": "Mat-khau-manh-2",
            "roles": [{"role": "admin"}],
        },
    )
    assert made.status_code == 201 and "temporary_password" not in made.get_json()


# -- errors ---------------------------------------------------------------------------------------


def _write_endpoints(world, tokens=True):
    lc = world.laichau.id
    return [("POST", "/tokens")] * tokens + [
        ("POST", "/provinces"),
        ("PUT", f"/provinces/{lc}"),
        ("PUT", f"/provinces/{lc}/plugins"),
        ("POST", "/units"),
        ("PUT", f"/units/{world.lc_units['SNV'].id}"),
        ("POST", "/blocks"),
        ("PUT", f"/blocks/{world.block.id}"),
        ("POST", f"/provinces/{lc}/blocks/copy"),
        ("POST", "/users"),
        ("PUT", f"/users/{world.leader.id}"),
    ]


def test_malformed_json_is_400_invalid_json(world, as_user):
    api = as_user(world.admin)
    audit_rows = count(AuditLog)
    for method, path in _write_endpoints(world):
        for raw, content_type in (
            ('{"name": ', "application/json"),
            ("[1, 2]", "application/json"),
            ('"chuoi"', "application/json"),
            ("name=x", "application/x-www-form-urlencoded"),
            ("", "application/json"),
        ):
            response = api(method, path, data=raw, content_type=content_type)
            assert_error(response, 400, "invalid_json")
    assert count(AuditLog) == audit_rows


GARBAGE = [
    {"year": "abc", "member_ids": "x"},
    {
        "year": 1.5,
        "member_ids": [None, "x", {}],
        "leader_unit_id": "x",
        "code": ["a", "b"],
        "name": {"a": 1},
    },
    {"province_id": True, "code": "X", "name": {"x": 1}, "kind": "department", "year": 2024},
    {"province_id": "1", "from_year": "x", "to_year": None, "plugins": {"a": 1}},
    {
        "code": 5,
        "name": 5,
        "kind": [],
        "staff_count": "nhiều",
        "successor_id": "x",
        "merged_on": "hôm qua",
        "is_active": "có",
    },
    {"username": 5, "full_name": None, "email": "không-phải-thư", "roles": "x"},
    {"username": "hop.le", "full_name": "H", "roles": [{"role": "observer", "province_id": "abc"}]},
    {"username": "hop.le", "full_name": "H", "roles": [{"role": "unit_officer", "unit_id": "abc"}]},
    {"username": "hop.le", "full_name": "H", "roles": [{"role": "observer", "province_id": True}]},
    {
        "username": "hop.le",
        "full_name": "H",
        "roles": [{"role": "observer", "province_id": [1, 2]}],
    },
    {"username": "hop.le", "full_name": "H", "roles": [{"role": ["admin"]}, "x"]},
    {"username": "hop.le", "full_name": "H", "roles": [{"role": {"a": 1}, "unit_id": 1.5}]},
    {
        "name": "x",
        "province_id": 10**30,
        "year": 10**30,
        "member_ids": [10**30],
        "from_year": 10**30,
        "to_year": -(10**30),
    },
]


@pytest.mark.parametrize("garbage", range(len(GARBAGE)))
def test_garbage_types_are_422_never_500(world, as_user, garbage):
    api = as_user(world.admin)
    body = GARBAGE[garbage]
    audit_rows = count(AuditLog)
    problems = []
    for method, path in _write_endpoints(world, tokens=False):
        response = api(method, path, json=body)
        if not 400 <= response.status_code < 500:
            problems.append(
                f"{method} {path}: {response.status_code} {response.get_data(as_text=True)[:200]}"
            )
        else:
            assert_error(response, response.status_code)
    assert not problems, "\n".join(problems)
    assert count(AuditLog) == audit_rows


def test_block_garbage_names_the_fields(world, as_user):
    api = as_user(world.officer)
    response = api(
        "POST",
        "/blocks",
        json={
            "province_id": world.laichau.id,
            "code": "K",
            "name": "K",
            "year": "abc",
            "member_ids": "x",
        },
    )
    fields = assert_error(response, 422, "validation_error")["fields"]
    assert {"year", "member_ids"} <= set(fields)
    assert all(isinstance(m, str) for messages in fields.values() for m in messages)


@pytest.mark.parametrize(
    "path",
    [
        "/units?page=abc",
        "/units?per_page=x",
        "/units?page=100000000000000000000000",
        "/units?province_id=100000000000000000000000",
        "/blocks?year=100000000000000000000000",
        "/units/100000000000000000000000",
        "/blocks/100000000000000000000000",
        "/provinces/100000000000000000000000",
        "/users/100000000000000000000000",
        "/provinces/100000000000000000000000/award-types",
    ],
)
def test_odd_query_and_path_values_are_4xx(world, as_user, path):
    response = as_user(world.admin)("GET", path)
    if response.status_code == 200:
        assert response.get_json()["items"] == []
    else:
        assert_error(response, response.status_code)


def test_unknown_routes_and_methods_answer_in_json(world, as_user):
    api = as_user(world.admin)
    assert_error(api("GET", "/khong-co"), 404, "not_found")
    assert_error(api("DELETE", "/units"), 405, "method_not_allowed")
    assert_error(api("PATCH", f"/units/{world.lc_units['SNV'].id}", json={}), 405)


def test_a_session_cookie_cannot_write_through_the_api(client, world):
    """The API accepts Bearer tokens only, so a signed-in browser cannot be used against it."""
    login(client, world.admin)
    assert_error(
        client.post(f"{API}/provinces", json={"code": "dienbien", "name": "Tỉnh Điện Biên"}), 401
    )
    settle()
    assert db.session.scalar(select(Province).where(Province.code == "dienbien")) is None
