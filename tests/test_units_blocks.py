"""Units (search, import all-or-nothing) and blocks (rules, copy to a new year) through the pages."""

import io

import openpyxl
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog, Block, Unit
from tests.conftest import login


def _csv(text: str, encoding="utf-8-sig") -> tuple[io.BytesIO, str]:
    return io.BytesIO(text.encode(encoding)), "don-vi.csv"


def _unit_count(province):
    return db.session.scalar(select(func.count()).select_from(Unit).where(Unit.province_id == province.id))


def test_import_with_one_bad_row_writes_nothing(client, world):
    login(client, world.officer)
    before = _unit_count(world.laichau)
    audit_before = db.session.scalar(select(func.count()).select_from(AuditLog))
    body = (
        "Mã đơn vị,Tên đơn vị,Loại đơn vị,Số biên chế\n"
        "SXD,Sở Xây dựng,Sở ban ngành,41\n"
        "SCT,Sở Công Thương,hội đồng lạ,47\n"
        "SKHCN,Sở Khoa học và Công nghệ,Sở ban ngành,-3\n"
    )
    response = client.post(
        f"/admin/provinces/{world.laichau.id}/units/import",
        data={"file": _csv(body)},
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dòng 3" in text and "Dòng 4" in text
    assert "chưa ghi dữ liệu nào" in text
    assert _unit_count(world.laichau) == before
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == audit_before


def test_import_preview_then_confirm(client, world):
    login(client, world.officer)
    body = "MÃ ĐƠN VỊ;TÊN ĐƠN VỊ;LOẠI ĐƠN VỊ\nSXD;Sở Xây dựng;Sở, ban, ngành\nSNV;Sở Nội vụ tỉnh Lai Châu;Sở, ban, ngành\n"
    response = client.post(
        f"/admin/provinces/{world.laichau.id}/units/import",
        data={"file": _csv(body)},
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert "1 đơn vị mới, 1 đơn vị cập nhật" in text
    assert db.session.scalar(select(Unit).where(Unit.code == "SXD")) is None  # preview writes nothing
    token = text.split('name="token" value="')[1].split('"')[0]
    done = client.post(f"/admin/provinces/{world.laichau.id}/units/import", data={"token": token})
    assert done.status_code == 302
    assert db.session.scalar(select(Unit.name).where(Unit.code == "SXD", Unit.province_id == world.laichau.id)) == "Sở Xây dựng"
    assert world.lc_units["SNV"].name == "Sở Nội vụ tỉnh Lai Châu"
    # The token is used up.
    again = client.post(f"/admin/provinces/{world.laichau.id}/units/import", data={"token": token})
    assert again.status_code == 302 and _unit_count(world.laichau) == 6


def test_import_xlsx(client, world):
    login(client, world.officer)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Số biên chế"])
    ws.append(["BCHQS", "Bộ Chỉ huy Quân sự tỉnh", "Lực lượng vũ trang", 420])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    response = client.post(
        f"/admin/provinces/{world.laichau.id}/units/import",
        data={"file": (buf, "don-vi.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "1 đơn vị mới" in response.get_data(as_text=True)


def test_unit_search_ignores_tones_and_case(client, world):
    login(client, world.officer)
    page = client.get(f"/admin/units?province={world.laichau.id}&q=SO TAI CHINH").get_data(as_text=True)
    assert "Sở Tài chính" in page and "Sở Y tế" not in page


def test_unit_list_is_in_vietnamese_order(client, world):
    login(client, world.officer)
    page = client.get(f"/admin/units?province={world.laichau.id}").get_data(as_text=True)
    names = ["Công ty Điện lực Lai Châu", "Sở Giáo dục và Đào tạo", "Sở Nội vụ", "Sở Tài chính", "Sở Y tế"]
    positions = [page.index(n) for n in names]
    assert positions == sorted(positions)


def test_unit_form_refuses_duplicate_code_and_keeps_input(client, world):
    login(client, world.officer)
    response = client.post(
        f"/admin/provinces/{world.laichau.id}/units/new",
        data={"code": "snv", "name": "Trùng mã", "kind": "department"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "đã có trong tỉnh" in text and 'value="Trùng mã"' in text


def test_block_leader_must_be_member(client, world):
    login(client, world.officer)
    u = world.lc_units
    response = client.post(
        f"/admin/provinces/{world.laichau.id}/blocks/new",
        data={"year": 2024, "code": "KX", "name": "Khối X", "member_ids": [u["SYT"].id, u["SGDDT"].id], "leader_unit_id": u["DLLC"].id},
    )
    assert response.status_code == 422
    assert "phải là đơn vị thành viên" in response.get_data(as_text=True)


def test_unit_in_one_block_per_year(client, world):
    login(client, world.officer)
    u = world.lc_units
    response = client.post(
        f"/admin/provinces/{world.laichau.id}/blocks/new",
        data={"year": 2023, "code": "KX", "name": "Khối X", "member_ids": [u["SNV"].id, u["SGDDT"].id]},
    )
    assert response.status_code == 422
    assert "đã thuộc khối khác" in response.get_data(as_text=True)


def test_copy_blocks_rotates_leader(client, world):
    login(client, world.officer)
    snv = world.lc_units["SNV"]
    syt = world.lc_units["SYT"]
    # Sở Y tế was dissolved into Sở Giáo dục (fictional) before the new year.
    syt.is_active = False
    syt.successor_id = world.lc_units["SGDDT"].id
    db.session.commit()
    response = client.post(f"/admin/provinces/{world.laichau.id}/blocks/copy", data={"from_year": 2023, "to_year": 2024})
    assert response.status_code == 302
    new = db.session.scalar(select(Block).where(Block.province_id == world.laichau.id, Block.year == 2024))
    assert new.leader_unit_id == world.lc_units["STC"].id  # last year's deputy
    assert new.deputy_unit_id is None
    assert {m.code for m in new.members} == {"SNV", "STC", "SGDDT"}
    assert snv in new.members
    # Copying again is refused: the year already has blocks.
    again = client.post(f"/admin/provinces/{world.laichau.id}/blocks/copy", data={"from_year": 2023, "to_year": 2024}, follow_redirects=True)
    assert "đã có khối thi đua" in again.get_data(as_text=True)


def test_unit_officer_sees_their_block_only(client, world):
    login(client, world.member)
    page = client.get("/my-block").get_data(as_text=True)
    assert "Khối thi đua Tổng hợp" in page and "Trà Vinh" not in page
    assert client.get(f"/admin/blocks/{world.block.id}").status_code == 200
    assert client.get(f"/admin/blocks/{world.tv_block.id}").status_code == 403
    login_out = client.post("/auth/logout")
    assert login_out.status_code == 302
    login(client, world.outsider)
    assert client.get(f"/admin/blocks/{world.block.id}").status_code == 403


def test_pager_links_keep_the_path_parameters(app):
    """A paged list under /provinces/<id>/… must link to its next page, not fail to build it."""
    from flask import url_for

    from portal.templating import Page

    with app.test_request_context("/admin/provinces/7/units/new?q=so"):
        from flask import request

        request.view_args = {"province_id": 7}
        args = Page([], total=120, page=1, per_page=50).url_args(2)
        assert url_for("admin.unit_new", **args) == "/admin/provinces/7/units/new?q=so&page=2"


def test_import_reads_the_staff_column_the_page_names(app, world):
    """The import page says "Số biên chế"; that header used to be ignored silently."""
    from portal.imports import plan_unit_import

    data = "Mã đơn vị,Tên đơn vị,Loại đơn vị,Số biên chế\nBCHQS,Bộ Chỉ huy Quân sự tỉnh,LLVT,420\n"
    with app.test_request_context():
        plan, preview = plan_unit_import(world.laichau, data.encode(), "don-vi.csv")
    assert not plan.errors and preview.ignored_columns == ()
    assert plan.creates[0]["staff_count"] == 420
