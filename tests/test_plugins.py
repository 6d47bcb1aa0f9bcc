"""The plugin system: discovery, per-province subsets, replacement rules, admin and CLI."""

import pytest

import tests.plugins.everything as everything
from portal.catalogue import award_types_for, report_layouts_for
from portal.extensions import db
from portal.models import Province, ProvincePlugin
from portal.plugins import get_registry, hooks_for, merge_by_code
from portal.types import AwardType, StartupError
from tests.conftest import login


def _award(code, source="x"):
    return AwardType(code=code, name="Tên", level="provincial", recipients=frozenset({"collective"}), kind="title", source=source)


def test_entry_points_are_discovered(app):
    names = {i.name for i in get_registry().installed()}
    assert {"portal.defaults", "plugin.national", "province.laichau"} <= names
    national = get_registry().info("plugin.national")
    assert national.required and national.version and "register_award_types" in national.hooks


def test_hook_register_award_types(app, world, register_plugin):
    """National defaults only without a plugin; a province plugin adds and replaces entries;
    another province is unaffected."""
    travinh = award_types_for(world.travinh)
    laichau = award_types_for(world.laichau)
    assert "bang_khen_ubnd_tinh" in travinh and "co_thi_dua_tinh" in travinh
    assert "bang_khen_ubnd_tinh_khoi" not in travinh
    assert laichau["bang_khen_ubnd_tinh_khoi"].report_years == 1
    assert "06/2018" in laichau["co_thi_dua_tinh"].source
    assert "06/2018" not in travinh["co_thi_dua_tinh"].source
    # A test plugin registered as a province plugin answers only where it is enabled.
    register_plugin(everything, "province.dongthap")
    assert "everything_award" not in award_types_for(world.laichau)
    world.travinh.plugins.append(ProvincePlugin(plugin_name="province.dongthap"))
    db.session.commit()
    assert "everything_award" in award_types_for(world.travinh)
    assert "everything_award" not in award_types_for(world.laichau)


def test_hook_register_report_layouts(app, world, register_plugin):
    national = report_layouts_for(world.travinh)
    assert {"block_minutes", "vote_count_record", "ballot_paper", "scoring_sheet"} <= set(national)
    register_plugin(everything, "province.dongthap")
    world.travinh.plugins.append(ProvincePlugin(plugin_name="province.dongthap"))
    db.session.commit()
    layouts = report_layouts_for(world.travinh)
    assert layouts["block_minutes"].title == "Biên bản họp khối (mẫu riêng)"
    assert "everything_notice" in layouts
    assert report_layouts_for(world.laichau)["block_minutes"].title != "Biên bản họp khối (mẫu riêng)"


def test_subset_hides_other_provinces_plugins(app, world):
    active = hooks_for(world.travinh).active
    assert "province.laichau" not in active and "plugin.national" in active
    assert "province.laichau" in hooks_for(world.laichau).active


def test_merge_rules():
    merged = merge_by_code(
        [("plugin.national", [_award("aa", "n")]), ("province.x", [_award("aa", "p")])], "award type"
    )
    assert merged["aa"].source == "p"
    # Order of registration does not matter: the higher rank wins.
    merged = merge_by_code(
        [("province.x", [_award("aa", "p")]), ("plugin.national", [_award("aa", "n")])], "award type"
    )
    assert merged["aa"].source == "p"
    with pytest.raises(StartupError, match="both"):
        merge_by_code([("plugin.a", [_award("aa")]), ("plugin.b", [_award("aa")])], "award type")


def test_award_type_validation():
    with pytest.raises(ValueError, match="ASCII"):
        _award("Cờ thi đua")
    with pytest.raises(ValueError, match="level"):
        AwardType(code="ab", name="x", level="city", recipients=frozenset({"collective"}), kind="title")


def test_missing_plugin_is_loud(app, world, client, runner):
    world.travinh.plugins.append(ProvincePlugin(plugin_name="province.khongco"))
    db.session.commit()
    result = runner.invoke(args=["portal", "check"])
    assert result.exit_code == 1
    assert "travinh" in result.output and "province.khongco" in result.output
    login(client, world.admin)
    page = client.get(f"/admin/provinces/{world.travinh.id}")
    assert page.status_code == 200
    assert "province.khongco" in page.get_data(as_text=True)


def test_cli_lists_plugins(runner, app):
    result = runner.invoke(args=["portal", "plugins"])
    assert result.exit_code == 0
    assert "plugin.national" in result.output and "province.laichau" in result.output
    assert "register_award_types" in result.output


def test_officer_enables_plugins_in_admin_page(client, world):
    login(client, world.tv_officer)
    page = client.get(f"/admin/provinces/{world.travinh.id}/plugins")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Tỉnh Lai Châu" in text and "0.1.0" in text
    client.post(f"/admin/provinces/{world.travinh.id}/plugins", data={"plugins": ["province.laichau"]})
    assert db.session.get(Province, world.travinh.id).enabled_plugin_names == ["province.laichau"]
    response = client.post(f"/admin/provinces/{world.travinh.id}/plugins", data={"plugins": ["province.khongco"]})
    assert response.status_code == 422
    assert "province.khongco" in response.get_data(as_text=True)
    assert db.session.get(Province, world.travinh.id).enabled_plugin_names == ["province.laichau"]
    # And not for another province.
    assert client.get(f"/admin/provinces/{world.laichau.id}/plugins").status_code == 403
