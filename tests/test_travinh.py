"""Trà Vinh's plugin: its report layout computed from award records (the seed's 2023 tables, R5
corrected), its ratios and splits, its categories and the 15 % inspection rule."""

from __future__ import annotations

import io
import unicodedata

import pypdf
import pytest

from portal.catalogue import award_categories_for, award_record_findings, report_layouts_for
from portal.extensions import db
from portal.models import AwardRecord, ProvincePlugin
from portal.services.provinces import set_enabled_plugins
from tests.conftest import login
from tests.test_award_records import ALL_SPECS, _import, codes_xlsx, seed_rows


@pytest.fixture
def travinh(world, api_headers):
    set_enabled_plugins(world.travinh, ["province.travinh"])
    db.session.commit()
    headers = api_headers(world.tv_officer)
    _import_seed(world, headers)
    return world, headers


def _import_seed(world, headers):
    from flask import current_app

    client = current_app.test_client()
    _import(client, world.travinh, codes_xlsx(seed_rows(names=False, specs=ALL_SPECS)), "2023.xlsx", headers=headers)


def _pdf_text(client, world, headers, **query):
    args = "&".join(f"{k}={v}" for k, v in {"year": 2023, **query}.items())
    response = client.get(f"/api/v1/provinces/{world.travinh.id}/award-statistics.pdf?{args}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_travinh_layout_replaces_the_national_one_only_there(world):
    set_enabled_plugins(world.travinh, ["province.travinh"])
    assert type(report_layouts_for(world.travinh)["award_summary"]).__name__ == "TraVinhAwardSummary"
    assert type(report_layouts_for(world.laichau)["award_summary"]).__name__ == "LaiChauAnnualReport"
    assert {"giao_duc", "tuyen_quan"} <= set(award_categories_for(world.travinh))
    assert "tuyen_quan" not in award_categories_for(world.laichau)


def test_the_pdf_shows_the_seed_tables_with_r5_corrected(client, travinh):
    world, headers = travinh
    text = _pdf_text(client, world, headers, attached_to="Báo cáo số: 315/BC-UBND ngày 15/11/2023 của Chủ tịch UBND tỉnh Trà Vinh")
    for row in (
        "Huân chương Lao động các hạng 27 06 21 05 23,8% 16 76,2%",
        "Chiến sĩ thi đua toàn quốc 01 - 01 - - 01 100%",
        "Cờ thi đua của Chính phủ 11 11 - - - - -",
        "Bằng khen của Thủ tướng Chính phủ 220 08 212 181 85,4% 31 14,6%",
        "259 25 234 186 - 48 -",
        "Bằng khen của UBND tỉnh 3.831 673 3.158 2.083 66,0% 1.075 34,0%",  # RULES R5: not 65,9/34,1
        "Chiến sĩ thi đua cấp tỉnh 410 - 410 267 65,1% 143 34,9%",
        "Cờ thi đua cấp tỉnh 46 46 - - - - -",
        "Tập thể Lao động xuất sắc 398 398 - - - - -",
        "4.685 1.117 3.568 2.350 - 1.218 -",
        "315/BC-UBND",
    ):
        assert row in text, row
    # The report's own figures under the tables (R4, R6, state proposals by status).
    assert "lãnh đạo, quản lý là 20,2% (47/233)" in text
    assert "lãnh đạo, quản lý là 34,1% (1.218/3.568)" in text
    assert "năm trước: lãnh đạo, quản lý 21,7% (5/23)" in text
    assert "đã trình 259 trường hợp" in text and "bị trả lại" in text
    assert "Khen thưởng công tác tuyển quân: 1 tập thể" in text


def test_cstd_cap_fires_for_travinh_with_the_computation(client, travinh):
    world, headers = travinh
    unit = world.tv_units["STC"]
    records = [("lao_dong_tien_tien", 30), ("chien_si_thi_dua_co_so", 5)]
    for code, n in records:
        db.session.add_all(
            AwardRecord(province_id=world.travinh.id, year=2023, award_code=code, level="grassroots",
                        recipient="individual", recipient_name=f"Người {i}", unit_id=unit.id, person_group="worker",
                        status="decided", decision_date=__import__("datetime").date(2023, 12, 1))
            for i in range(n)
        )
    db.session.commit()
    (finding,) = [f for f in award_record_findings(world.travinh, 2023) if f.code.startswith("cstd_cap")]
    assert "5 Chiến sĩ thi đua cơ sở trên 30 Lao động tiên tiến (16,7%)" in finding.message
    assert "tối đa 4" in finding.message and "Điều 9" in finding.source
    login(client, world.tv_officer)
    page = client.get(f"/provinces/{world.travinh.id}/award-statistics?year=2023").get_data(as_text=True)
    assert "tối đa 4" in page
    # The same counts in Lai Châu: no such rule there.
    assert award_record_findings(world.laichau, 2023) == []
    # And a province officer may raise the cap.
    response = client.post(f"/admin/provinces/{world.travinh.id}/plugins/province.travinh/settings",
                           data={"cstd_cap_percent": "20", "report_reference": "x"})
    assert response.status_code == 302
    assert [f for f in award_record_findings(world.travinh, 2023) if f.code.startswith("cstd_cap")] == []
    assert ProvincePlugin  # enabled through the same rows as any plugin
