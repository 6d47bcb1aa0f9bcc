"""Trà Vinh merged into Vĩnh Long on 01/07/2025: Vĩnh Long's staff read Trà Vinh's history, never
change it; the records keep Trà Vinh's name and plugin."""

import datetime as dt

from portal.access import can_manage_province, can_view_province
from portal.extensions import db
from portal.models import Role
from portal.services.provinces import save_province, set_enabled_plugins
from tests.conftest import login, make_user


def _vinh_long(world):
    vl = save_province(None, code="vinhlong", name="Tỉnh Vĩnh Long")
    save_province(world.travinh, code="travinh", name="Tỉnh Trà Vinh", successor_id=vl.id, merged_on=dt.date(2025, 7, 1))
    set_enabled_plugins(world.travinh, ["province.travinh"])
    officer = make_user("canbo.vinhlong", Role.PROVINCE_OFFICER, province=vl)
    db.session.commit()
    return vl, officer


def test_successor_reads_the_merged_provinces_history(client, world):
    vl, officer = _vinh_long(world)
    assert can_view_province(officer, world.travinh.id)
    assert not can_manage_province(officer, world.travinh.id)
    assert not can_view_province(officer, world.laichau.id)
    login(client, officer)
    page = client.get(f"/admin/provinces/{world.travinh.id}")
    assert page.status_code == 200 and "Tỉnh Trà Vinh" in page.get_data(as_text=True)
    assert "Đã hợp nhất vào Tỉnh Vĩnh Long" in page.get_data(as_text=True)
    assert client.get(f"/admin/blocks/{world.tv_block.id}").status_code == 200
    # History is read-only.
    assert client.get(f"/admin/provinces/{world.travinh.id}/plugins").status_code == 403
    assert client.post(f"/admin/blocks/{world.tv_block.id}/edit", data={"name": "x"}).status_code == 403
    assert client.get(f"/admin/provinces/{world.laichau.id}").status_code == 403
