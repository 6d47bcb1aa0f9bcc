"""A new province with no core change: an outside distribution found by its entry point, and a
conformance suite every installed province plugin must pass."""

from __future__ import annotations

import datetime as dt
import io
import sys
import unicodedata
from importlib.metadata import entry_points
from pathlib import Path

import pypdf
import pytest

from portal.catalogue import award_types_for, criteria_templates_for, report_layouts_for
from portal.documents import render_pdf
from portal.extensions import db
from portal.models import Role
from portal.plugins import PROVINCE_GROUP, get_registry
from portal.services import ServiceError
from portal.services.criteria import create_table
from portal.services.provinces import save_province, set_enabled_plugins
from portal.services.scoring_rounds import create_round
from portal.types import AwardType, BallotRules, CriteriaTemplate, RankingRules
from tests.conftest import login, make_user

EXT = Path(__file__).parent / "ext_province"


@pytest.fixture
def dongthap_installed(monkeypatch):
    """What `pip install` of the outside distribution leaves: its package and .dist-info on the path."""
    monkeypatch.syspath_prepend(str(EXT))
    yield
    sys.modules.pop("thidua_dongthap", None)


@pytest.fixture
def app_config(dongthap_installed):
    return {"PORTAL_LOAD_ENTRYPOINTS": True}


def test_the_outside_plugin_is_discovered_by_its_entry_point(app):
    assert "dongthap" in {ep.name for ep in entry_points(group=PROVINCE_GROUP)}
    info = get_registry().info("province.dongthap")
    assert info is not None and info.version == "0.1.0" and info.title == "Tỉnh Đồng Tháp (thử nghiệm)"
    assert "portal" not in info.name and not get_registry().pm.get_plugin("province.dongthap").__file__.startswith(
        str(Path(__file__).resolve().parents[1] / "portal")
    )


def test_a_new_province_runs_on_its_plugin(app, client, world):
    from portal.services.blocks import save_block
    from portal.services.units import save_unit

    province = save_province(None, code="dongthap", name="Tỉnh Đồng Tháp")
    units = [save_unit(None, province, code=f"DT{i}", name=f"Sở {i} Đồng Tháp", kind="department") for i in range(3)]
    block = save_block(None, province, year=2025, code="K1", name="Khối Đồng Tháp", member_ids=[u.id for u in units],
                       leader_unit_id=units[0].id, deputy_unit_id=units[1].id)
    officer = make_user("canbo.dongthap", Role.PROVINCE_OFFICER, province=province)
    db.session.commit()
    # Enabled through the admin page, like any province.
    login(client, officer)
    assert client.post(f"/admin/provinces/{province.id}/plugins", data={"plugins": ["province.dongthap"]}).status_code == 302
    # Its award, its template, its calendar rule, its layout — and none of it in Lai Châu.
    assert "bang_khen_sen_hong" in award_types_for(province)
    assert "bang_khen_sen_hong" not in award_types_for(world.laichau)
    template = criteria_templates_for(province, block, 2025)["dongthap_khoi"]
    table = create_table(province, 2025, template.name, list(template.criteria))
    monday, friday = dt.date(2025, 12, 15), dt.date(2025, 12, 19)
    with pytest.raises(ServiceError, match="không họp chấm điểm vào thứ Hai"):
        create_round(block, table, meeting_date=monday, conference_date=friday)
    assert create_round(block, table, meeting_date=dt.date(2025, 12, 16), conference_date=friday).id
    notice = report_layouts_for(province)["dongthap_notice"]
    preview = client.get(f"/provinces/{province.id}/layouts/dongthap_notice.pdf")
    assert preview.status_code == 200
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(preview.data)).pages)
    assert "TỈNH ĐỒNG THÁP" in unicodedata.normalize("NFC", text)
    assert notice.code not in report_layouts_for(world.laichau)


# -- conformance: every installed province plugin --------------------------------------------


def _installed_provinces():
    return sorted(ep.name for ep in entry_points(group=PROVINCE_GROUP))


@pytest.mark.parametrize("slug", _installed_provinces())
def test_province_plugin_conforms(app, slug):
    name = f"province.{slug}"
    province = save_province(None, code=f"conf{slug}"[:40], name=f"Tỉnh Thử {slug}")
    set_enabled_plugins(province, [name])
    from portal.services.blocks import save_block
    from portal.services.units import save_unit

    unit = save_unit(None, province, code="U1", name="Sở Nội vụ", kind="department")
    block = save_block(None, province, year=2024, code="K", name="Khối", member_ids=[unit.id],
                       leader_unit_id=unit.id, deputy_unit_id=None)
    db.session.flush()
    info = get_registry().info(name)
    assert info.title and info.version, f"{name}: a title (docstring or TITLE) and a version"
    # Award codes valid and every award type well formed.
    catalogue = award_types_for(province)
    assert all(isinstance(a, AwardType) for a in catalogue.values())
    # Rules well formed.
    flag = next(a for a in catalogue.values() if a.for_collectives)
    from portal.plugins import hooks_for

    rules = hooks_for(province).ballot_rules(province=province, block=block, award_type=flag)
    assert isinstance(rules, BallotRules) and 0 < rules.threshold <= 1
    assert isinstance(hooks_for(province).ranking_rules(province=province, block=block), RankingRules)
    for template in criteria_templates_for(province, block, 2024).values():
        assert isinstance(template, CriteriaTemplate)
        from portal.services.criteria import spec_problems

        assert spec_problems(list(template.criteria)) == [], f"{template.code} has problems"
    # Every layout with sample data renders Vietnamese text in the embedded font.
    for code, layout in report_layouts_for(province).items():
        sample = layout.sample()
        if sample is None:
            continue
        text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(layout, sample))).pages)
        text = unicodedata.normalize("NFC", text)
        assert any(ch in text for ch in "ăâđêôơưĂÂĐÊÔƠƯ"), f"{code}: no Vietnamese letters came back"
