"""The award hooks through real plugins: categories, dossier requirements, findings, calendar."""

import datetime as dt

import tests.plugins.everything as everything
from portal.catalogue import (
    award_categories_for,
    award_types_for,
    calendar_for,
    findings_for,
    requirements_for,
)
from portal.extensions import db
from portal.models import Nomination, ProvincePlugin


def _enable_everything(world, register_plugin):
    register_plugin(everything, "province.dongthap")
    world.travinh.plugins.append(ProvincePlugin(plugin_name="province.dongthap"))
    db.session.commit()


def _nomination(world, province, unit, **kw):
    n = Nomination(province_id=province.id, year=2023, award_code="co_thi_dua_tinh", recipient="collective", unit=unit, **kw)
    db.session.add(n)
    db.session.flush()
    return n


def test_hook_register_award_categories(world, register_plugin):
    assert list(award_categories_for(world.travinh)) == ["ktxh", "chuyen_de", "dot_xuat"]
    _enable_everything(world, register_plugin)
    assert "giao_duc" in award_categories_for(world.travinh)
    assert "giao_duc" not in award_categories_for(world.laichau)


def test_hook_dossier_requirements(world, register_plugin):
    flag = award_types_for(world.laichau)["co_thi_dua_tinh"]
    block_nom = _nomination(world, world.laichau, world.lc_units["SNV"], block_id=world.block.id)
    codes = [r.code for r in requirements_for(world.laichau, block_nom, flag)]
    assert codes == ["submission_letter", "block_minutes", "vote_count_record", "achievement_report", "nominee_summary"]
    # Lai Châu adds the enterprise confirmations; Trà Vinh does not.
    enterprise = _nomination(world, world.laichau, world.lc_units["DLLC"], block_id=world.block.id)
    assert {"tax_confirmation", "insurance_confirmation"} <= {r.code for r in requirements_for(world.laichau, enterprise, flag)}
    tv = _nomination(world, world.travinh, world.tv_units["SNV"])
    assert [r.code for r in requirements_for(world.travinh, tv, flag)][:2] == ["submission_letter", "council_minutes"]
    _enable_everything(world, register_plugin)
    assert "photos" in {r.code for r in requirements_for(world.travinh, tv, flag)}


def test_hook_validate_nomination(world, register_plugin):
    flag = award_types_for(world.travinh)["co_thi_dua_tinh"]
    unit = world.tv_units["SNV"]
    n = _nomination(world, world.travinh, unit, position="Phó phòng (thử)")
    assert findings_for(world.travinh, n, flag) == []
    unit.hold_reason = "Đang thanh tra theo Quyết định số 12/QĐ-TTr"
    (finding,) = findings_for(world.travinh, n, flag)
    assert finding.severity == "error" and "12/QĐ-TTr" in finding.message and "08/2017" in finding.source
    _enable_everything(world, register_plugin)
    codes = [f.code for f in findings_for(world.travinh, n, flag)]
    assert codes == ["on_hold", "test_warning"]  # errors first, then warnings; all plugins' kept
    person = Nomination(province_id=world.travinh.id, year=2023, award_code="co_thi_dua_tinh", recipient="individual",
                        unit=world.tv_units["STC"], person_name="Nguyễn Văn A")
    assert "wrong_recipient" in [f.code for f in findings_for(world.travinh, person, flag)]


def test_hook_award_calendar(world, register_plugin):
    dates = {d.code: d.due for d in calendar_for(world.laichau, 2023)}
    assert dates == {"unit_report": dt.date(2024, 1, 10), "block_conference": dt.date(2024, 1, 15),
                     "block_report": dt.date(2024, 1, 15), "dossiers": dt.date(2024, 1, 20)}
    assert calendar_for(world.travinh, 2023) == []
    _enable_everything(world, register_plugin)
    assert [d.code for d in calendar_for(world.travinh, 2023)] == ["dossiers"]


def test_hook_validate_award_records(world, register_plugin):
    """Findings about a year's recorded awards come from the province's plugins only."""
    from portal.catalogue import award_record_findings
    from portal.models import AwardRecord

    db.session.add_all(
        AwardRecord(province_id=world.travinh.id, year=2023, award_code="giay_khen", level="grassroots",
                    recipient="individual", recipient_name=f"Người {i}", unit_id=world.tv_units["SNV"].id,
                    person_group="worker", status="decided", decision_date=dt.date(2023, 12, 1))
        for i in range(101)
    )
    db.session.commit()
    assert award_record_findings(world.travinh, 2023) == []
    _enable_everything(world, register_plugin)
    (finding,) = award_record_findings(world.travinh, 2023)
    assert finding.code == "many:Sở Nội vụ Trà Vinh" and "101 khen thưởng" in finding.message
    assert award_record_findings(world.laichau, 2023) == []
