"""Criteria tables end to end: plugin templates, the pages (create, import, edit, versions,
export) and their API twins, and who may do what. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from plugins.national.criteria import DEPARTMENTS
from portal.catalogue import criteria_templates_for
from portal.extensions import db
from portal.models import CriteriaTable, Criterion
from portal.services.criteria import create_table, maxima, spec_problems, specs_of
from portal.services.criteria_io import export_file, plan_criteria_import
from portal.services.scoring_rounds import create_round, transition
from provinces.laichau.criteria import TEMPLATE as LAICHAU
from tests.conftest import login

HEADER = "Mã tiêu chí,Nội dung tiêu chí,Loại,Điểm tối đa,Hướng dẫn\n"
GOOD_CSV = HEADER + (
    "I.,Thực hiện nhiệm vụ,Chấm điểm,30,\n"
    "I.1,Chỉ tiêu chuyên môn,Chấm điểm,20,Theo báo cáo\n"
    'I.2,Cải cách hành chính,chấm điểm,"10,0",\n'
    "II,Điểm thưởng,điểm thưởng,5,\n"
    "II.1,Mô hình mới,cộng,5,\n"
    "III,Điểm trừ,Trừ,3,\n"
    "IV,Ghi chú,tham khảo,,\n"
)


def _count() -> int:
    return db.session.scalar(select(func.count(CriteriaTable.id)))


def _table(world, name="Bảng tiêu chí khối", year=2023, province=None, template=DEPARTMENTS):
    table = create_table(province or world.laichau, year, name, list(template.criteria))
    db.session.commit()
    return table


def _lock_by_round(world, table):
    """A started round locks its table: the real way, through the state machine."""
    r = create_round(
        world.block, table, meeting_date=dt.date(2024, 1, 5), conference_date=dt.date(2024, 1, 8)
    )
    transition(world.leader, r, "open_self_scoring")
    db.session.commit()
    assert table.locked
    return r


def _upload(text: str, name="bang.csv"):
    return (io.BytesIO(text.encode("utf-8")), name)


# -- templates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("template", [DEPARTMENTS, LAICHAU], ids=["national", "laichau"])
def test_templates_are_consistent(template):
    specs = list(template.criteria)
    assert spec_problems(specs) == []
    totals = maxima(specs)
    assert totals["scored"] == D("100")
    assert D("0") < totals["bonus"] <= D("10") and totals["penalty"] > 0
    assert all(isinstance(s.max_points, D) for s in specs if s.kind != "info")
    assert "điều chỉnh" in template.note
    assert len([s for s in specs if s.parent is not None]) >= 18


def test_templates_offered_only_where_the_plugin_is_enabled(world):
    travinh = criteria_templates_for(world.travinh, None, 2023)
    laichau = criteria_templates_for(world.laichau, world.block, 2023)
    assert set(travinh) == {"national_departments"}
    assert set(laichau) == {"national_departments", "laichau_blocks"}
    assert "Sở Nội vụ" in laichau["laichau_blocks"].note


# -- pages ----------------------------------------------------------------------------------------


def test_create_from_template_blank_and_copy(app, world):
    client = app.test_client()
    login(client, world.officer)
    page = client.get(
        f"/provinces/{world.laichau.id}/criteria/new?year=2023&block={world.block.id}"
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Mẫu của tỉnh Lai Châu" in html and "Mẫu chung" in html
    r = client.post(
        f"/provinces/{world.laichau.id}/criteria/new",
        data={
            "action": "template",
            "tpl-year": "2023",
            "tpl-template": "laichau_blocks",
            "tpl-name": "",
            "tpl-block_id": str(world.block.id),
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    table = db.session.scalar(
        select(CriteriaTable).where(CriteriaTable.province_id == world.laichau.id)
    )
    assert table.name == LAICHAU.name and len(table.criteria) == len(LAICHAU.criteria)
    assert specs_of(table) == list(LAICHAU.criteria)
    view = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Lai Châu chung sức xây dựng nông thôn mới" in view and "Phiên bản 1" in view

    # The same name twice in a year is refused, next to the field.
    again = client.post(
        f"/provinces/{world.laichau.id}/criteria/new",
        data={"action": "template", "tpl-year": "2023", "tpl-template": "laichau_blocks"},
    )
    assert again.status_code == 422 and "đã có bảng tiêu chí tên" in again.get_data(as_text=True)

    # Copy last year's table into 2024.
    r = client.post(
        f"/provinces/{world.laichau.id}/criteria/new",
        data={
            "action": "copy",
            "copy-year": "2024",
            "copy-source_id": str(table.id),
            "copy-name": "",
        },
    )
    assert r.status_code == 302
    copy = db.session.scalar(select(CriteriaTable).where(CriteriaTable.year == 2024))
    assert copy.name == table.name and copy.version == 1 and specs_of(copy) == specs_of(table)
    assert "Sao chép từ" in copy.source

    # A blank table, then its first rows.
    r = client.post(
        f"/provinces/{world.laichau.id}/criteria/new",
        data={"action": "blank", "blank-year": "2024", "blank-name": "Bảng khối doanh nghiệp"},
    )
    assert r.status_code == 302
    blank = db.session.scalar(
        select(CriteriaTable).where(CriteriaTable.name == "Bảng khối doanh nghiệp")
    )
    assert blank.criteria == []
    assert (
        client.post(
            f"/criteria/{blank.id}/rows/new",
            data={
                "code": "I",
                "title": "Sản xuất kinh doanh",
                "kind": "scored",
                "max_points": "0",
                "parent": "__auto__",
                "sum_groups": "y",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/criteria/{blank.id}/rows/new",
            data={
                "code": "I.1",
                "title": "Doanh thu",
                "kind": "scored",
                "max_points": "12,5",
                "parent": "__auto__",
                "sum_groups": "y",
            },
        ).status_code
        == 302
    )
    db.session.expire_all()
    rows = {c.code: c for c in blank.criteria}
    assert rows["I.1"].parent_id == rows["I"].id and rows["I"].max_points == D("12.5")


def test_import_with_one_bad_row_writes_nothing_and_names_the_row(app, world):
    client = app.test_client()
    login(client, world.officer)
    url = f"/provinces/{world.laichau.id}/criteria/import"
    bad = GOOD_CSV.replace("II.1,Mô hình mới,cộng,5,", "II.1,Mô hình mới,cộng,năm,")
    r = client.post(
        url,
        data={"year": "2023", "name": "Bảng nhập", "file": _upload(bad)},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Dòng 6" in html and "năm" in html and "chưa ghi dữ liệu nào" in html
    assert _count() == 0

    # A group whose maximum differs from its children's sum names the group's row.
    mismatch = GOOD_CSV.replace(
        "I.,Thực hiện nhiệm vụ,Chấm điểm,30,", "I.,Thực hiện nhiệm vụ,Chấm điểm,35,"
    )
    r = client.post(
        url,
        data={"year": "2023", "name": "Bảng nhập", "file": _upload(mismatch)},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "Dòng 2" in r.get_data(
        as_text=True
    ) and "tổng điểm tối đa của các tiêu chí con là 30" in r.get_data(as_text=True)
    assert _count() == 0

    # A clean file: preview, then confirm; parents come from the codes.
    r = client.post(
        url,
        data={"year": "2023", "name": "Bảng nhập", "file": _upload(GOOD_CSV)},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200 and _count() == 0
    html = r.get_data(as_text=True)
    token = html.split('name="token" value="')[1].split('"')[0]
    r = client.post(url, data={"token": token, "year": "2023", "name": "Bảng nhập"})
    assert r.status_code == 302
    table = db.session.scalar(select(CriteriaTable))
    specs = {s.code: s for s in specs_of(table)}
    assert specs["I.2"].parent == "I" and specs["I.2"].max_points == D("10")
    assert (
        specs["II.1"].kind == "bonus"
        and specs["III"].kind == "penalty"
        and specs["IV"].kind == "info"
    )
    assert specs["I.1"].guidance == "Theo báo cáo"


def test_group_maximum_mismatch_is_refused_and_the_input_kept(app, world):
    table = _table(world)
    row = next(c for c in table.criteria if c.code == "I.2")
    client = app.test_client()
    login(client, world.officer)
    r = client.post(
        f"/criteria/{table.id}/rows/{row.id}/edit",
        data={
            "code": "I.2",
            "title": "Chỉ tiêu đã sửa",
            "kind": "scored",
            "max_points": "22",
            "parent": "I",
            "guidance": "",
        },
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Nhóm I có điểm tối đa 40 nhưng tổng điểm tối đa của các tiêu chí con là 42" in html
    assert 'value="22"' in html and "Chỉ tiêu đã sửa" in html
    db.session.expire_all()
    assert row.max_points == D("20") and row.title != "Chỉ tiêu đã sửa"

    # With the group sums updated, the edit goes through in place.
    r = client.post(
        f"/criteria/{table.id}/rows/{row.id}/edit",
        data={
            "code": "I.2",
            "title": "Chỉ tiêu đã sửa",
            "kind": "scored",
            "max_points": "22",
            "parent": "I",
            "guidance": "",
            "sum_groups": "y",
        },
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/criteria/{table.id}")
    db.session.expire_all()
    group = next(c for c in table.criteria if c.code == "I")
    assert row.max_points == D("22") and group.max_points == D("42") and _count() == 1
    assert spec_problems(specs_of(table)) == []

    # Deleting a row removes its subtree and keeps the groups consistent.
    r = client.post(f"/criteria/{table.id}/rows/{group.id}/delete")
    assert r.status_code == 302
    db.session.expire_all()
    assert not [c for c in table.criteria if c.code.startswith("I.") or c.code == "I"]


def test_editing_a_locked_table_makes_version_2_and_keeps_version_1(app, world):
    table = _table(world)
    _lock_by_round(world, table)
    before = specs_of(table)
    row = next(c for c in table.criteria if c.code == "V.1")
    client = app.test_client()
    login(client, world.officer)
    assert "mọi chỉnh sửa sẽ tạo một phiên bản mới" in client.get(f"/criteria/{table.id}").get_data(
        as_text=True
    )
    r = client.post(
        f"/criteria/{table.id}/rows/{row.id}/edit",
        data={
            "code": "V.1",
            "title": "Dự đủ hội nghị của Khối",
            "kind": "scored",
            "max_points": "4",
            "parent": "V",
            "guidance": "",
        },
        follow_redirects=True,
    )
    assert r.status_code == 200
    assert "thay đổi được lưu thành phiên bản 2" in r.get_data(as_text=True)
    db.session.expire_all()
    v2 = db.session.scalar(select(CriteriaTable).where(CriteriaTable.version == 2))
    assert v2.previous_id == table.id and v2.name == table.name and not v2.locked
    assert specs_of(table) == before  # version 1 intact, ids unchanged
    assert next(s for s in specs_of(v2) if s.code == "V.1").title == "Dự đủ hội nghị của Khối"
    # The round still points at version 1.
    assert db.session.scalar(
        select(func.count(Criterion.id)).where(Criterion.table_id == table.id)
    ) == len(before)


def test_export_round_trips_through_import(app, world):
    table = _table(world)
    for fmt in ("csv", "xlsx"):
        data, mimetype, name = export_file(table, fmt)
        assert name.endswith(f"-2023-v1.{fmt}")
        plan = plan_criteria_import(data, name)
        assert plan.errors == [] and plan.specs == specs_of(table), fmt
    client = app.test_client()
    login(client, world.observer)  # readers may export
    r = client.get(f"/criteria/{table.id}/export?format=csv")
    assert (
        r.status_code == 200
        and r.data.startswith(b"\xef\xbb\xbf")
        and "Mã tiêu chí" in r.get_data(as_text=True)
    )
    assert client.get(f"/criteria/{table.id}/export?format=pdf").status_code == 400


def test_who_may_see_and_change_tables(app, world):
    table = _table(world)
    row = table.criteria[1]
    for user in (world.observer, world.member, world.outsider):
        client = app.test_client()
        login(client, user)
        assert client.get(f"/criteria?province={world.laichau.id}").status_code == 200
        assert client.get(f"/criteria/{table.id}").status_code == 200
        assert "Thêm tiêu chí" not in client.get(f"/criteria/{table.id}").get_data(as_text=True)
        assert client.post(f"/criteria/{table.id}/rows/{row.id}/delete").status_code == 403
    client = app.test_client()
    login(client, world.tv_officer)
    assert client.get(f"/criteria/{table.id}").status_code == 404
    assert client.get(f"/criteria/{table.id}/export").status_code == 404
    assert client.post(f"/criteria/{table.id}/rows/{row.id}/delete").status_code == 404
    assert client.get(f"/provinces/{world.laichau.id}/criteria/new").status_code == 403
    assert client.get(f"/criteria?province={world.laichau.id}").status_code == 403
    db.session.expire_all()
    assert len(table.criteria) == len(DEPARTMENTS.criteria)


# -- API ------------------------------------------------------------------------------------------


def _error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    error = response.get_json()["error"]
    assert error["code"] and error["message"] and isinstance(error["fields"], dict)
    return error


def test_api_create_read_replace_and_versions(app, world, api_headers):
    client = app.test_client()
    h = api_headers(world.officer)
    rows = [
        {"code": "I", "title": "Nhiệm vụ", "max_points": 30},
        {"code": "I.1", "title": "Chỉ tiêu", "max_points": "20"},
        {"code": "I.2", "title": "Cải cách", "max_points": 10.0, "guidance": "PAR Index"},
        {"code": "II", "title": "Thưởng", "kind": "điểm thưởng", "max_points": 5},
        {"code": "III", "title": "Ghi chú", "kind": "info", "parent": None},
    ]
    r = client.post(
        "/api/v1/criteria-tables",
        json={"province_id": world.laichau.id, "year": 2023, "name": "Bảng API", "rows": rows},
        headers=h,
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert [x["parent"] for x in body["rows"]] == [None, "I", "I", None, None]
    assert (
        body["totals"] == {"scored": "30", "bonus": "5", "penalty": "0"} and body["problems"] == []
    )
    tid = body["id"]

    # From a template, and a copy.
    r = client.post(
        "/api/v1/criteria-tables",
        json={
            "province_id": world.laichau.id,
            "year": 2023,
            "template": "laichau_blocks",
            "block_id": world.block.id,
        },
        headers=h,
    )
    assert r.status_code == 201 and r.get_json()["row_count"] == len(LAICHAU.criteria)
    r = client.post(
        "/api/v1/criteria-tables",
        json={"province_id": world.laichau.id, "year": 2024, "copy_from": tid},
        headers=h,
    )
    assert (
        r.status_code == 201 and r.get_json()["name"] == "Bảng API" and r.get_json()["year"] == 2024
    )
    listed = client.get(
        f"/api/v1/criteria-tables?province_id={world.laichau.id}&year=2023", headers=h
    ).get_json()
    assert listed["total"] == 2

    # Replace rows in place while unlocked...
    rows[1]["max_points"] = 15
    rows[0]["max_points"] = 25
    r = client.put(f"/api/v1/criteria-tables/{tid}/rows", json={"rows": rows}, headers=h)
    assert (
        r.status_code == 200 and r.get_json()["id"] == tid and r.get_json()["new_version"] is False
    )
    # ... a mismatch is a 422 naming the group ...
    rows[0]["max_points"] = 99
    error = _error(
        client.put(f"/api/v1/criteria-tables/{tid}/rows", json={"rows": rows}, headers=h), 422
    )
    assert "Nhóm I có điểm tối đa 99" in error["fields"]["rows"][0]
    rows[0]["max_points"] = 25
    # ... and a locked table keeps its rows: the change becomes version 2.
    table = db.session.get(CriteriaTable, tid)
    table.locked = True
    db.session.commit()
    rows[2]["title"] = "Cải cách hành chính"
    r = client.put(f"/api/v1/criteria-tables/{tid}/rows", json={"rows": rows}, headers=h)
    assert r.status_code == 200, r.get_json()
    new = r.get_json()
    assert new["new_version"] is True and new["version"] == 2 and new["previous_id"] == tid
    old = client.get(f"/api/v1/criteria-tables/{tid}", headers=h).get_json()
    assert old["rows"][2]["title"] == "Cải cách" and old["locked"] is True


def test_api_bad_input_is_4xx_with_the_error_shape(app, world, api_headers):
    client = app.test_client()
    h = api_headers(world.officer)
    base = {"province_id": world.laichau.id, "year": 2023, "name": "Bảng"}
    error = _error(
        client.post(
            "/api/v1/criteria-tables",
            json={
                **base,
                "rows": [
                    {"code": "I", "title": "Nhóm", "max_points": "abc"},
                    "x",
                    {"code": "", "title": 3},
                ],
            },
            headers=h,
        ),
        422,
    )
    assert set(error["fields"]) == {
        "rows[0].max_points",
        "rows[1]",
        "rows[2].code",
        "rows[2].title",
    }
    _error(client.post("/api/v1/criteria-tables", json={**base, "rows": "nope"}, headers=h), 422)
    _error(client.post("/api/v1/criteria-tables", json={**base, "year": "MMXXIII"}, headers=h), 422)
    _error(
        client.post("/api/v1/criteria-tables", json={**base, "template": "khong_co"}, headers=h),
        422,
    )
    _error(
        client.post(
            "/api/v1/criteria-tables", json={**base, "template": "x", "copy_from": 1}, headers=h
        ),
        422,
    )
    _error(
        client.post("/api/v1/criteria-tables", json={**base, "copy_from": 2**70}, headers=h), 422
    )
    _error(
        client.post(
            "/api/v1/criteria-tables",
            json={**base, "rows": [{"code": "I", "title": "A", "max_points": 1e300}]},
            headers=h,
        ),
        422,
    )
    _error(
        client.post(
            "/api/v1/criteria-tables", data="[]", content_type="application/json", headers=h
        ),
        400,
    )
    assert client.post("/api/v1/criteria-tables", json=base, headers=h).status_code == 201
    _error(client.post("/api/v1/criteria-tables", json=base, headers=h), 409)
    tid = db.session.scalar(select(CriteriaTable.id))
    _error(client.get(f"/api/v1/criteria-tables/{tid}/export?format=pdf", headers=h), 400)
    _error(client.get("/api/v1/criteria-tables?year=abc", headers=h), 400)
    _error(
        client.get(
            f"/api/v1/provinces/{world.laichau.id}/criteria-templates?block_id=99999", headers=h
        ),
        400,
    )
    _error(client.put(f"/api/v1/criteria-tables/{tid}/rows", json={}, headers=h), 422)
    _error(client.get("/api/v1/criteria-tables/999999", headers=h), 404)


def test_api_import_export_and_templates(app, world, api_headers):
    client = app.test_client()
    h = api_headers(world.officer)
    url = f"/api/v1/provinces/{world.laichau.id}/criteria-tables/import"
    bad = GOOD_CSV.replace(
        "I.1,Chỉ tiêu chuyên môn,Chấm điểm,20,", "I.1,Chỉ tiêu chuyên môn,Loại lạ,20,"
    )
    r = client.post(
        url,
        data={"year": "2023", "name": "Bảng nhập", "file": _upload(bad)},
        headers=h,
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and r.get_json()["error"]["rows"][0]["row"] == 3 and _count() == 0
    assert r.get_json()["error"]["code"] == "import_errors"
    r = client.post(
        url + "?dry_run=true",
        data={"year": "2023", "name": "Bảng nhập", "file": _upload(GOOD_CSV)},
        headers=h,
        content_type="multipart/form-data",
    )
    assert r.status_code == 200 and r.get_json() == {
        "applied": False,
        "criteria": 7,
        "table": None,
        "errors": [],
    }
    assert _count() == 0
    _error(
        client.post(
            url,
            data={"name": "Bảng nhập", "file": _upload(GOOD_CSV)},
            headers=h,
            content_type="multipart/form-data",
        ),
        422,
    )
    _error(
        client.post(
            url,
            data={"year": "2023", "name": "Bảng nhập"},
            headers=h,
            content_type="multipart/form-data",
        ),
        422,
    )
    r = client.post(
        url,
        data={"year": "2023", "name": "Bảng nhập", "file": _upload(GOOD_CSV)},
        headers=h,
        content_type="multipart/form-data",
    )
    assert r.status_code == 200 and r.get_json()["applied"] is True
    tid = r.get_json()["table"]["id"]
    exported = client.get(f"/api/v1/criteria-tables/{tid}/export?format=xlsx", headers=h)
    assert exported.status_code == 200 and exported.data[:2] == b"PK"
    again = client.post(
        url,
        data={
            "year": "2024",
            "name": "Bảng nhập",
            "file": (io.BytesIO(exported.data), "bang.xlsx"),
        },
        headers=h,
        content_type="multipart/form-data",
    )
    assert again.status_code == 200, again.get_json()
    a = client.get(f"/api/v1/criteria-tables/{tid}", headers=h).get_json()["rows"]
    b = client.get(
        f"/api/v1/criteria-tables/{again.get_json()['table']['id']}", headers=h
    ).get_json()["rows"]
    strip = lambda rows: [{k: v for k, v in x.items() if k != "id"} for x in rows]  # noqa: E731
    assert strip(a) == strip(b)

    tv = client.get(
        f"/api/v1/provinces/{world.travinh.id}/criteria-templates?year=2023",
        headers=api_headers(world.tv_officer),
    ).get_json()
    lc = client.get(
        f"/api/v1/provinces/{world.laichau.id}/criteria-templates?year=2023", headers=h
    ).get_json()
    assert [t["code"] for t in tv] == ["national_departments"]
    assert {t["code"] for t in lc} == {"national_departments", "laichau_blocks"}
    assert lc[0]["rows"][1]["max_points"] in ("5", "3", "25")
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/criteria-tables",
        "/api/v1/criteria-tables/{table_id}/rows",
        "/api/v1/provinces/{province_id}/criteria-tables/import",
        "/api/v1/criteria-tables/{table_id}/export",
        "/api/v1/provinces/{province_id}/criteria-templates",
    ):
        assert path in spec["paths"], path


def test_api_scope(app, world, api_headers):
    table = _table(world)
    tv = api_headers(world.tv_officer)
    client = app.test_client()
    _error(client.get(f"/api/v1/criteria-tables/{table.id}", headers=tv), 404)
    _error(
        client.put(f"/api/v1/criteria-tables/{table.id}/rows", json={"rows": []}, headers=tv), 404
    )
    _error(client.get(f"/api/v1/criteria-tables/{table.id}/export", headers=tv), 404)
    _error(
        client.post(
            "/api/v1/criteria-tables",
            json={"province_id": world.laichau.id, "year": 2023, "name": "X"},
            headers=tv,
        ),
        422,
    )
    _error(
        client.post(
            f"/api/v1/provinces/{world.laichau.id}/criteria-tables/import", data={}, headers=tv
        ),
        404,
    )
    assert client.get("/api/v1/criteria-tables", headers=tv).get_json()["total"] == 0
    observer = api_headers(world.observer)
    assert client.get(f"/api/v1/criteria-tables/{table.id}", headers=observer).status_code == 200
    _error(
        client.put(f"/api/v1/criteria-tables/{table.id}/rows", json={"rows": []}, headers=observer),
        403,
    )
    member = api_headers(world.member)
    assert client.get("/api/v1/criteria-tables", headers=member).get_json()["total"] == 1
    db.session.expire_all()
    assert len(table.criteria) == len(DEPARTMENTS.criteria)
