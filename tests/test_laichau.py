"""Lai Châu's nomination rules (provinces/laichau/rules.py): each fires for Lai Châu, citing its
source and the rule set in force, and not for the same data in Trà Vinh."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.audit import audit_actor
from portal.catalogue import award_types_for, findings_for, requirements_for
from portal.extensions import db
from portal.models import Ballot, Dossier, Nomination
from portal.services.units import save_unit
from provinces.laichau import rules

LAW_2003 = "Luật Thi đua, khen thưởng 2003 (sửa đổi 2005, 2013), Nghị định 91/2017/NĐ-CP, Quyết định 06/2018/QĐ-UBND"
ND_98 = "Luật Thi đua, khen thưởng 2022, Nghị định 98/2023/NĐ-CP"
ND_152 = "Luật Thi đua, khen thưởng 2022, Nghị định 152/2025/NĐ-CP"
QUOTA = "QĐ 06/2018/QĐ-UBND tỉnh Lai Châu, điểm e khoản 2 Điều 27"
GUIDANCE = "Hướng dẫn tổng kết công tác thi đua, khen thưởng năm 2023"
# Submitted on 18/01/2024 (Vietnam time): the 2022 law and Nghị định 98/2023 apply.
SUBMITTED = dt.datetime(2024, 1, 18, 2, 0, tzinfo=dt.UTC)


def _unit(province, code, name, kind, staff_count):
    with audit_actor("test"):
        return save_unit(None, province, code=code, name=name, kind=kind, staff_count=staff_count)


def _dossier(province, unit=None, *, submitted_at=SUBMITTED):
    d = Dossier(
        province_id=province.id,
        year=2023,
        title="Hồ sơ đề nghị khen thưởng",
        unit=unit,
        submitted_at=submitted_at,
    )
    db.session.add(d)
    return d


def _nominate(province, unit, award_code="bang_khen_ubnd_tinh", recipient="individual", **kw):
    n = Nomination(
        province_id=province.id,
        year=2023,
        award_code=award_code,
        recipient=recipient,
        unit=unit,
        **kw,
    )
    db.session.add(n)
    db.session.flush()
    return n


def _people(province, unit, dossier, groups):
    return [
        _nominate(
            province, unit, person_name=f"Người thứ {i + 1}", person_group=group, dossier=dossier
        )
        for i, group in enumerate(groups)
    ]


def _award(province, code):
    return award_types_for(province)[code]


def _by_code(items):
    return {x.code: x for x in items}


# -- 1. rule sets by meeting date (RS-1) -------------------------------------------------------


def test_rule_set_by_meeting_date_boundaries():
    assert rules.rule_set_on(dt.date(2023, 12, 31)).name == LAW_2003
    assert rules.rule_set_on(dt.date(2024, 1, 1)).name == ND_98
    assert rules.rule_set_on(dt.date(2025, 6, 30)).name == ND_98
    assert rules.rule_set_on(dt.date(2025, 7, 1)).name == ND_152
    assert rules.rule_set_on(dt.date(2030, 1, 1)).name == ND_152


def test_rule_set_follows_ballot_then_submission_then_today(world):
    province, cert = world.laichau, _award(world.laichau, "bang_khen_ubnd_tinh")
    tax = _unit(province, "CT", "Cục Thuế tỉnh", "central_agency", 140)

    def source_of(n):
        return _by_code(findings_for(province, n, cert))["laichau_quota_individuals"].source

    d = _dossier(province, tax, submitted_at=None)
    people = _people(province, tax, d, ["leader", "worker"] * 3)  # 6 > 4
    n = people[0]
    assert ND_152 in source_of(n) and "ngày hiện tại" in source_of(
        n
    )  # no date yet: today (2025-07-01 or later)
    d.submitted_at = dt.datetime(2023, 12, 28, 3, 0, tzinfo=dt.UTC)
    assert LAW_2003 in source_of(n) and "ngày nộp hồ sơ 28/12/2023" in source_of(n)
    d.submitted_at = dt.datetime(2025, 7, 2, 3, 0, tzinfo=dt.UTC)
    assert ND_152 in source_of(n)
    # The block's ballot decides over the submission: closed at 18:30 UTC on 31/12/2023, which is
    # 01:30 on 01/01/2024 in Vietnam, so the 2022 law applies.
    n.ballot = Ballot(
        province_id=province.id,
        block_id=world.block.id,
        title="Bầu Bằng khen",
        award_code="bang_khen_ubnd_tinh",
        award_name=cert.name,
        rule_basis="members",
        rule_numerator=1,
        rule_denominator=2,
        rule_strict=True,
        rule_tie="runoff",
        opened_at=dt.datetime(2023, 12, 31, 2, 0, tzinfo=dt.UTC),
    )
    db.session.flush()
    assert LAW_2003 in source_of(n) and "ngày Khối bỏ phiếu 31/12/2023" in source_of(
        n
    )  # opened only
    n.ballot.closed_at = dt.datetime(2023, 12, 31, 18, 30, tzinfo=dt.UTC)
    db.session.flush()
    assert ND_98 in source_of(n) and "ngày Khối bỏ phiếu 01/01/2024" in source_of(n)


# -- 2. achievement-report periods (DOS-3) -----------------------------------------------------


@pytest.mark.parametrize(
    ("award_code", "recipient", "period"),
    [
        ("chien_si_thi_dua_toan_quoc", "individual", "Báo cáo thành tích 06 năm (2018 - 2023)"),
        (
            "huan_chuong_lao_dong_3",
            "individual",
            "Báo cáo thành tích từ 05 năm trở lên, tính từ mốc khen thưởng lần trước",
        ),
        (
            "bang_khen_thu_tuong",
            "collective",
            "Báo cáo thành tích từ 05 năm trở lên, tính từ mốc khen thưởng lần trước",
        ),
        ("chien_si_thi_dua_tinh", "individual", "Báo cáo thành tích 03 năm (2021 - 2023)"),
        ("bang_khen_ubnd_tinh", "individual", "Báo cáo thành tích 02 năm (2022 - 2023)"),
        ("co_thi_dua_tinh", "collective", "Báo cáo thành tích 01 năm (năm 2023"),
        ("co_thi_dua_chinh_phu", "collective", "Báo cáo thành tích 01 năm (năm 2023"),
        ("tap_the_lao_dong_xuat_sac", "collective", "Báo cáo thành tích 01 năm (năm 2023"),
    ],
)
def test_achievement_report_period_by_award(world, award_code, recipient, period):
    kw = (
        {"person_name": "Lò Văn Minh", "person_group": "worker"}
        if recipient == "individual"
        else {}
    )
    lc = _nominate(
        world.laichau,
        world.lc_units["SNV"],
        award_code,
        recipient,
        dossier=_dossier(world.laichau),
        **kw,
    )
    req = _by_code(requirements_for(world.laichau, lc, _award(world.laichau, award_code)))[
        "achievement_report"
    ]
    assert req.title.startswith(period)
    assert f"{GUIDANCE} của Hội đồng Thi đua, Khen thưởng tỉnh Lai Châu, mục III.2" in req.source
    assert ND_98 in req.source  # submitted 18/01/2024
    # The same nomination in Trà Vinh keeps the national item, without a period.
    tv = _nominate(world.travinh, world.tv_units["SNV"], award_code, recipient, **kw)
    tv_req = _by_code(requirements_for(world.travinh, tv, _award(world.travinh, award_code)))[
        "achievement_report"
    ]
    assert (
        tv_req.title == "Báo cáo thành tích"
        and "năm" not in tv_req.title
        and "Lai Châu" not in tv_req.source
    )


def test_achievement_report_of_a_block_certificate_is_one_year(world):
    cert = _award(world.laichau, "bang_khen_ubnd_tinh")
    by_block = _nominate(
        world.laichau,
        world.lc_units["STC"],
        "bang_khen_ubnd_tinh",
        "collective",
        block_id=world.block.id,
    )
    req = _by_code(requirements_for(world.laichau, by_block, cert))["achievement_report"]
    assert (
        req.title.startswith("Báo cáo thành tích 01 năm (năm 2023") and "Khối suy tôn" in req.title
    )
    assert req.title.endswith("(có xác nhận của đơn vị trưởng khối)")
    khoi = _award(world.laichau, "bang_khen_ubnd_tinh_khoi")
    by_code = _nominate(
        world.laichau, world.lc_units["STC"], "bang_khen_ubnd_tinh_khoi", "collective"
    )
    assert _by_code(requirements_for(world.laichau, by_code, khoi))[
        "achievement_report"
    ].title.startswith("Báo cáo thành tích 01 năm")
    assert "bang_khen_ubnd_tinh_khoi" not in award_types_for(world.travinh)
    tv = _nominate(
        world.travinh,
        world.tv_units["STC"],
        "bang_khen_ubnd_tinh",
        "collective",
        block_id=world.tv_block.id,
    )
    tv_req = _by_code(
        requirements_for(world.travinh, tv, _award(world.travinh, "bang_khen_ubnd_tinh"))
    )
    assert (
        tv_req["achievement_report"].title
        == "Báo cáo thành tích (có xác nhận của đơn vị trưởng khối)"
    )


# -- 3. audit reports for state-level nominations of enterprises (D5) --------------------------


def test_audit_reports_for_state_level_enterprise_nominations(world):
    pm_cert = _award(world.laichau, "bang_khen_thu_tuong")
    n = _nominate(
        world.laichau,
        world.lc_units["DLLC"],
        "bang_khen_thu_tuong",
        "collective",
        dossier=_dossier(world.laichau),
    )
    req = _by_code(requirements_for(world.laichau, n, pm_cert))["audit_reports"]
    assert req.title.startswith("Báo cáo kiểm toán 05 năm") and req.required
    assert "mục II, phần Lưu ý" in req.source and ND_98 in req.source
    # Not for a department, nor for a provincial award of the enterprise.
    dept = _nominate(world.laichau, world.lc_units["SNV"], "bang_khen_thu_tuong", "collective")
    assert "audit_reports" not in _by_code(requirements_for(world.laichau, dept, pm_cert))
    flag = _nominate(world.laichau, world.lc_units["DLLC"], "co_thi_dua_tinh", "collective")
    assert "audit_reports" not in _by_code(
        requirements_for(world.laichau, flag, _award(world.laichau, "co_thi_dua_tinh"))
    )
    # Trà Vinh: the same enterprise nomination needs no audit reports.
    tv_firm = _unit(world.travinh, "DLTV", "Công ty Điện lực Trà Vinh", "enterprise", 200)
    tv = _nominate(world.travinh, tv_firm, "bang_khen_thu_tuong", "collective")
    assert "audit_reports" not in _by_code(
        requirements_for(world.travinh, tv, _award(world.travinh, "bang_khen_thu_tuong"))
    )


# -- 4. certificate-of-merit quotas (QUO-1) ----------------------------------------------------


def test_central_agency_quota_shows_the_computation(world):
    cert = _award(world.laichau, "bang_khen_ubnd_tinh")
    tax = _unit(world.laichau, "CT", "Cục Thuế tỉnh", "central_agency", 140)
    d = _dossier(world.laichau, tax)
    people = _people(world.laichau, tax, d, ["leader", "worker", "worker", "worker"])
    assert "laichau_quota_individuals" not in _by_code(
        findings_for(world.laichau, people[0], cert)
    )  # 4 ≤ 4
    people += _people(world.laichau, tax, d, ["worker"])
    for n in people:
        f = _by_code(findings_for(world.laichau, n, cert))["laichau_quota_individuals"]
        assert f.severity == "error"
        assert (
            f.message
            == "Cục Thuế tỉnh: 5 cá nhân được đề nghị, vượt 3% của 140 biên chế (tối đa 4)."
        )
        assert (
            QUOTA in f.source
            and ND_98 in f.source
            and "Điều 74 Luật Thi đua, khen thưởng 2022" in f.source
        )
    # Other units' nominations and other awards do not count against the unit.
    assert "laichau_quota_individuals" not in _by_code(
        findings_for(
            world.laichau,
            _nominate(world.laichau, world.lc_units["SNV"], dossier=d, person_name="A"),
            cert,
        )
    )
    # Trà Vinh: the same data, no quota.
    tv_tax = _unit(world.travinh, "CT", "Cục Thuế tỉnh Trà Vinh", "central_agency", 140)
    tv_people = _people(
        world.travinh, tv_tax, _dossier(world.travinh, tv_tax), ["leader"] + ["worker"] * 4
    )
    tv_cert = _award(world.travinh, "bang_khen_ubnd_tinh")
    assert not any(
        f.code.startswith("laichau_") for f in findings_for(world.travinh, tv_people[0], tv_cert)
    )


def test_armed_forces_quotas(world):
    cert = _award(world.laichau, "bang_khen_ubnd_tinh")
    police = _unit(world.laichau, "CA", "Công an tỉnh", "armed_forces", 300)
    d = _dossier(world.laichau, police, submitted_at=dt.datetime(2023, 12, 20, 3, 0, tzinfo=dt.UTC))
    people = _people(world.laichau, police, d, ["leader", "worker", "worker", "worker"])
    f = _by_code(findings_for(world.laichau, people[-1], cert))["laichau_quota_individuals"]
    assert (
        f.message
        == "Công an tỉnh: 4 cá nhân được đề nghị, vượt 1% của 300 cán bộ, chiến sĩ (tối đa 3)."
    )
    assert QUOTA in f.source and LAW_2003 in f.source  # submitted in 2023: the old rule set
    # Collectives: 10 % of the sub-units, which the portal does not know: said, not blocking.
    team = _nominate(world.laichau, police, recipient="collective", dossier=d)
    (w,) = [x for x in findings_for(world.laichau, team, cert) if x.code.startswith("laichau_")]
    assert w.code == "laichau_quota_collectives" and w.severity == "warning"
    assert (
        "không quá 10% tổng số đơn vị trực thuộc" in w.message
        and QUOTA in w.source
        and LAW_2003 in w.source
    )
    # No staff count: the quota is stated as a warning.
    border = _unit(world.laichau, "BDBP", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", "armed_forces", None)
    soldier = _nominate(world.laichau, border, person_name="Vàng A Sử", person_group="worker")
    assert (
        _by_code(findings_for(world.laichau, soldier, cert))["laichau_quota_staff_unknown"].severity
        == "warning"
    )
    # The block-nominated certificate is in the same family.
    khoi = _nominate(
        world.laichau,
        police,
        "bang_khen_ubnd_tinh_khoi",
        dossier=d,
        person_name="B",
        person_group="worker",
    )
    assert "laichau_quota_individuals" in _by_code(
        findings_for(world.laichau, khoi, _award(world.laichau, "bang_khen_ubnd_tinh_khoi"))
    )
    # Not for other awards, nor in Trà Vinh.
    flag = _nominate(world.laichau, police, "co_thi_dua_tinh", "collective")
    assert findings_for(world.laichau, flag, _award(world.laichau, "co_thi_dua_tinh")) == []
    tv_police = _unit(world.travinh, "CA", "Công an tỉnh Trà Vinh", "armed_forces", 300)
    tv_d = _dossier(world.travinh, tv_police)
    tv_people = _people(world.travinh, tv_police, tv_d, ["leader", "worker", "worker", "worker"])
    tv_team = _nominate(world.travinh, tv_police, recipient="collective", dossier=tv_d)
    tv_cert = _award(world.travinh, "bang_khen_ubnd_tinh")
    assert findings_for(world.travinh, tv_people[-1], tv_cert) == []
    assert findings_for(world.travinh, tv_team, tv_cert) == []


# -- 5. the list's structure (guidance §II, Lưu ý) ---------------------------------------------


def test_structure_warning_without_workers_or_leaders(world):
    cert = _award(world.laichau, "bang_khen_ubnd_tinh")
    syt = world.lc_units["SYT"]
    d = _dossier(world.laichau, syt)
    leaders = _people(world.laichau, syt, d, ["leader", "leader"])
    f = _by_code(findings_for(world.laichau, leaders[0], cert))["laichau_structure"]
    assert f.severity == "warning" and f.message.startswith("Sở Y tế:")
    assert "không có người lao động" in f.message and "lãnh đạo, quản lý" not in f.message
    assert "cơ cấu hợp lý (có lãnh đạo, có công chức, viên chức, chiến sĩ, lao động)" in f.message
    assert (
        f"{GUIDANCE} của Hội đồng Thi đua, Khen thưởng tỉnh Lai Châu, mục II, phần Lưu ý"
        in f.source
    )
    assert ND_98 in f.source
    worker = _nominate(
        world.laichau, syt, dossier=d, person_name="Lò Thị Mai", person_group="worker"
    )
    assert "laichau_structure" not in _by_code(findings_for(world.laichau, leaders[0], cert))
    assert "laichau_structure" not in _by_code(findings_for(world.laichau, worker, cert))
    # Only workers: no leader.
    stc = world.lc_units["STC"]
    workers = _people(world.laichau, stc, _dossier(world.laichau, stc), ["worker", "worker"])
    msg = _by_code(findings_for(world.laichau, workers[1], cert))["laichau_structure"].message
    assert "không có lãnh đạo, quản lý" in msg and "người lao động;" not in msg
    # What a block's ballot elected is the block's choice, not the unit's list.
    block_d = _dossier(world.laichau)
    elected = _nominate(
        world.laichau,
        syt,
        block_id=world.block.id,
        dossier=block_d,
        person_name="X",
        person_group="leader",
    )
    assert "laichau_structure" not in _by_code(findings_for(world.laichau, elected, cert))
    # Trà Vinh: the same list, no warning.
    tv_unit = world.tv_units["SNV"]
    tv_leaders = _people(
        world.travinh, tv_unit, _dossier(world.travinh, tv_unit), ["leader", "leader"]
    )
    assert (
        findings_for(world.travinh, tv_leaders[0], _award(world.travinh, "bang_khen_ubnd_tinh"))
        == []
    )
