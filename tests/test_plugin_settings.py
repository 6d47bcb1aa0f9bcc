"""Plugin settings: declared by the plugin, changed by the province, read by its rules."""

import datetime as dt
from fractions import Fraction as F

import pytest

from portal.catalogue import award_types_for, calendar_for
from portal.plugins import hooks_for
from portal.settings import plugin_setting
from tests.conftest import login

URL = "/admin/provinces/{}/plugins/province.laichau/settings"


def _rules(world):
    flag = award_types_for(world.laichau)["co_thi_dua_tinh"]
    return hooks_for(world.laichau).ballot_rules(province=world.laichau, block=world.block, award_type=flag)


def test_lai_chau_ballot_rule_follows_its_settings(client, world):
    default = _rules(world)
    assert (default.basis, default.threshold, default.strict, default.tie) == ("members", F(1, 2), True, "runoff")
    login(client, world.officer)
    page = client.get(URL.format(world.laichau.id)).get_data(as_text=True)
    assert "Mặc định: 1/2" in page and "Điều 18" in page
    response = client.post(URL.format(world.laichau.id), data={
        "ballot_threshold": "80%", "ballot_basis": "members", "ballot_tie": "refer", "flags_per_block": "1",
        "next_unit_report_due": "", "next_block_due": "", "next_dossiers_due": "25/01/2025",
    })
    assert response.status_code == 302
    rules = _rules(world)
    assert (rules.threshold, rules.strict, rules.tie) == (F(4, 5), False, "refer")  # unticked checkbox
    assert plugin_setting(world.laichau, "province.laichau", "ballot_threshold") == F(4, 5)
    assert {d.code: d.due for d in calendar_for(world.laichau, 2024)}["dossiers"] == dt.date(2025, 1, 25)
    assert {d.code: d.due for d in calendar_for(world.laichau, 2023)}["dossiers"] == dt.date(2024, 1, 20)


def test_bad_values_are_refused_and_kept(client, world):
    login(client, world.officer)
    response = client.post(URL.format(world.laichau.id), data={"ballot_threshold": "3/2", "next_dossiers_due": "31/02/2025",
                                                              "ballot_basis": "members", "ballot_tie": "runoff", "flags_per_block": "1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="3/2"' in text and text.count("không hợp lệ") >= 2
    assert _rules(world).threshold == F(1, 2)


def test_settings_api_and_scope(client, world, api_headers):
    headers = api_headers(world.officer)
    url = f"/api/v1/provinces/{world.laichau.id}/plugins/province.laichau/settings"
    body = client.get(url, headers=headers).get_json()
    assert {s["key"] for s in body["settings"]} >= {"ballot_threshold", "ballot_basis"}
    ok = client.put(url, json={"ballot_threshold": "2/3", "ballot_strict": False}, headers=headers)
    assert ok.status_code == 200 and _rules(world).threshold == F(2, 3)
    bad = client.put(url, json={"nope": "1", "ballot_threshold": "abc"}, headers=headers)
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"nope", "ballot_threshold"}
    other = api_headers(world.tv_officer)
    assert client.get(url, headers=other).status_code in (403, 404)
    assert client.get(f"/api/v1/provinces/{world.travinh.id}/plugins/province.laichau/settings", headers=other).status_code == 404


def test_undeclared_key_is_an_error(world):
    with pytest.raises(KeyError):
        plugin_setting(world.laichau, "province.laichau", "ballot_treshold")
