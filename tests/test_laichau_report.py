"""Lai Châu's annual report (seed:LC, đề cương; RULES.md R7): the statistics PDF of a Lai Châu
year is the guidance's outline, pre-filled from the award records, with annex tables 1-3 and the
council's signature; Trà Vinh keeps its own layout."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pypdf
import pytest
from sqlalchemy import select

from portal.catalogue import report_layouts_for
from portal.extensions import db
from portal.models import AwardRecord
from portal.models.documents import Document
from portal.services.provinces import set_enabled_plugins

D = dt.date
REASON = "Thiếu báo cáo kiểm toán 05 năm"

# (award, recipient, group, status, count, submitted_on, decision_date)
RECORDS = [
    # State level, submitted in 2023 (counted by submission, whatever became of it).
    ("huan_chuong_lao_dong_3", "collective", None, "decided", 2, D(2023, 3, 1), D(2023, 6, 1)),
    ("huan_chuong_lao_dong_3", "individual", "leader", "decided", 1, D(2023, 3, 1), D(2023, 6, 1)),
    ("huan_chuong_lao_dong_3", "individual", "worker", "returned", 1, D(2023, 3, 1), None),
    ("bang_khen_thu_tuong", "individual", "worker", "decided", 5, D(2023, 5, 2), D(2023, 8, 1)),
    ("bang_khen_thu_tuong", "individual", "leader", "decided", 2, D(2023, 5, 2), D(2023, 8, 1)),
    ("bang_khen_thu_tuong", "individual", "worker", "pending", 2, D(2023, 11, 2), None),
    # Provincial level, decided in 2023.
    ("bang_khen_ubnd_tinh", "collective", None, "decided", 10, None, D(2023, 9, 1)),
    ("bang_khen_ubnd_tinh", "individual", "worker", "decided", 20, None, D(2023, 9, 1)),
    ("bang_khen_ubnd_tinh", "individual", "leader", "decided", 10, None, D(2023, 9, 1)),
    ("co_thi_dua_tinh", "collective", None, "decided", 3, None, D(2023, 12, 20)),
    ("chien_si_thi_dua_tinh", "individual", "worker", "decided", 2, None, D(2023, 12, 20)),
    ("chien_si_thi_dua_tinh", "individual", "leader", "decided", 2, None, D(2023, 12, 20)),
    # 2022, for the comparison: state 3/5 non-leaders (60,0 %), provincial 10/20 (50,0 %).
    ("bang_khen_thu_tuong", "individual", "worker", "pending", 3, D(2022, 9, 1), None),
    ("bang_khen_thu_tuong", "individual", "leader", "pending", 2, D(2022, 9, 1), None),
    ("bang_khen_ubnd_tinh", "individual", "worker", "decided", 10, None, D(2022, 11, 1)),
    ("bang_khen_ubnd_tinh", "individual", "leader", "decided", 10, None, D(2022, 11, 1)),
]
LEVEL = {"huan_chuong_lao_dong_3": "state", "bang_khen_thu_tuong": "state"}


def _add_records(world):
    unit = world.lc_units["STC"]
    for award, recipient, group, status, count, submitted, decided in RECORDS:
        year = (decided or submitted).year
        db.session.add_all(
            AwardRecord(
                province_id=world.laichau.id, year=year, award_code=award, level=LEVEL.get(award, "provincial"),
                recipient=recipient, recipient_name=f"{'Tập thể' if recipient == 'collective' else 'Lò Văn'} {i}",
                unit_id=unit.id, person_group=group, status=status, submitted_on=submitted, decision_date=decided,
                returned_reason=REASON if status == "returned" else None,
            )
            for i in range(count)
        )
    db.session.commit()


@pytest.fixture
def laichau(world, api_headers):
    _add_records(world)
    return world, api_headers(world.officer)


def _pdf(client, province, headers):
    response = client.get(f"/api/v1/provinces/{province.id}/award-statistics.pdf?year=2023", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.data


def _text(data: bytes) -> str:
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_laichau_prints_the_guidance_outline_prefilled(client, laichau):
    world, headers = laichau
    data = _pdf(client, world.laichau, headers)
    text = _text(data)
    # Header and title: the council of the provincial People's Committee, its number symbol.
    for part in ("UBND TỈNH LAI CHÂU", "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG", "/BC-HĐTĐKT", "BÁO CÁO",
                 "Tổng kết công tác thi đua, khen thưởng năm 2023, Phương hướng, nhiệm vụ năm 2024"):
        assert part in text, part
    # The outline's headings, in order.
    headings = [
        "I. ĐẶC ĐIỂM, TÌNH HÌNH", "II. KẾT QUẢ THỰC HIỆN",
        "1. Lãnh đạo, chỉ đạo thực hiện công tác thi đua, khen thưởng", "2. Kết quả tổ chức phong trào thi đua",
        "2.1. Kết quả thực hiện các phong trào thi đua trọng tâm", "3. Công tác khen thưởng",
        "4. Công tác tuyên truyền, nhân rộng điển hình tiên tiến", "6. Công tác kiểm tra",
        "7. Quỹ thi đua, khen thưởng", "9. Công tác khác", "III. ĐÁNH GIÁ CHUNG", "IV. ĐỀ XUẤT, KIẾN NGHỊ",
        "Phần II", "PHƯƠNG HƯỚNG, NHIỆM VỤ CÔNG TÁC NĂM 2024",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    assert text.count("(Nội dung do cơ quan, đơn vị bổ sung)") >= 15
    assert "biểu số 3 đính kèm): (Nội dung do cơ quan, đơn vị bổ sung)" in text
    # II.3 pre-filled from the records.
    assert ("Khen thưởng cấp Nhà nước (tổng hợp theo biểu số 1 đính kèm): số lượng trình khen thưởng 13 "
            "trường hợp (02 tập thể, 11 cá nhân); số lượng được khen thưởng 10 trường hợp; số lượng để lại 03 "
            "trường hợp (bị trả lại: 01; chưa có quyết định: 02). Lý do trả lại: " + REASON + " (01).") in text
    assert ("Khen thưởng cấp tỉnh (tổng hợp theo biểu số 2 đính kèm): số lượng trình khen thưởng 47 trường hợp "
            "(13 tập thể, 34 cá nhân); số lượng được khen thưởng 47 trường hợp; không có trường hợp để lại.") in text
    # The change in the non-leaders' share vs 2022, per level (R7).
    assert ("Cấp Nhà nước: 08 cá nhân không là lãnh đạo, quản lý được khen thưởng, chiếm 72,7% số cá nhân "
            "được khen (11); năm 2022: 03 cá nhân, chiếm 60,0% (05); tăng 05 cá nhân, tỷ lệ tăng 12,7 điểm phần "
            "trăm.") in text
    assert ("Cấp tỉnh: 22 cá nhân không là lãnh đạo, quản lý được khen thưởng, chiếm 64,7% số cá nhân "
            "được khen (34); năm 2022: 10 cá nhân, chiếm 50,0% (20); tăng 12 cá nhân, tỷ lệ tăng 14,7 điểm phần "
            "trăm.") in text
    # The council's signature and the distribution list (seed:LC).
    for line in ("TM. HỘI ĐỒNG KT. CHỦ TỊCH PHÓ CHỦ TỊCH THƯỜNG TRỰC GIÁM ĐỐC SỞ NỘI VỤ", "Nơi nhận:",
                 "Lưu: VT, TĐKT."):
        assert line in text, line
    # Annex tables 1-3 after the signature.
    assert text.index("GIÁM ĐỐC SỞ NỘI VỤ") < text.index("Biểu số 1") < text.index("Biểu số 2") < text.index("Biểu số 3")
    columns = "Số TT Hình thức khen thưởng Số lượng trình Số lượng được khen Số lượng để lại và nguyên nhân"
    assert text.count(columns) == 3
    for part in (
        "TỔNG HỢP KẾT QUẢ KHEN THƯỞNG CẤP NHÀ NƯỚC NĂM 2023",
        "Huân chương Lao động các hạng 04 03 01 (bị trả lại: 01)",
        "Bằng khen của Thủ tướng Chính phủ 09 07 02 (chưa có quyết định: 02)",
        "CỘNG 13 10 03 (Lý do trả lại: " + REASON + " (01))",
        "TỔNG HỢP KẾT QUẢ KHEN THƯỞNG CẤP TỈNH NĂM 2023",
        "Bằng khen của UBND tỉnh 40 40 -",
        "Cờ thi đua cấp tỉnh 03 03 -",
        "Chiến sĩ thi đua cấp tỉnh 04 04 -",
        "CỘNG 47 47 -",
        "TỔNG HỢP KẾT QUẢ KHEN THƯỞNG THUỘC THẨM QUYỀN",
        "Lao động tiên tiến",
        "Giấy khen",
        "Số liệu khen thưởng thuộc thẩm quyền do các cơ quan, đơn vị, địa phương tổng hợp, báo cáo",
    ):
        assert part in text, part
    # A draft for the council: no number taken from the register, and the same figures print once.
    assert _pdf(client, world.laichau, headers) == data
    documents = db.session.scalars(select(Document).where(Document.province_id == world.laichau.id,
                                                          Document.layout_code == "award_summary")).all()
    assert [(d.number, d.symbol) for d in documents] == [(None, "")]


def test_travinh_keeps_its_own_layout(client, world, api_headers):
    set_enabled_plugins(world.travinh, ["province.travinh"])
    db.session.commit()
    assert type(report_layouts_for(world.laichau)["award_summary"]).__name__ == "LaiChauAnnualReport"
    assert type(report_layouts_for(world.travinh)["award_summary"]).__name__ == "TraVinhAwardSummary"
    text = _text(_pdf(client, world.travinh, api_headers(world.tv_officer)))
    assert "TỔNG HỢP KẾT QUẢ KHEN THƯỞNG NĂM 2023" in text
    assert "TM. HỘI ĐỒNG" not in text and "Biểu số 1" not in text


def test_the_sample_renders_for_the_gallery(world):
    from portal.documents.engine import render_pdf

    layout = report_layouts_for(world.laichau)["award_summary"]
    text = _text(render_pdf(layout, layout.sample()))
    assert "PHÓ CHỦ TỊCH THƯỜNG TRỰC" in text and "Biểu số 3" in text


def test_annex_3_counts_the_grassroots_awards_recorded(client, laichau):
    """Biểu số 3 is filled from the grassroots records when the portal has them (the layout asks
    the statistics for that level)."""
    import datetime as dt

    world, headers = laichau
    for code, n in (("lao_dong_tien_tien", 12), ("chien_si_thi_dua_co_so", 2)):
        db.session.add_all(
            AwardRecord(province_id=world.laichau.id, year=2023, award_code=code, level="grassroots",
                        recipient="individual", recipient_name=f"Cán bộ {i}", unit_id=world.lc_units["SYT"].id,
                        person_group="worker", status="decided", decision_date=dt.date(2023, 12, 15))
            for i in range(n)
        )
    db.session.commit()
    text = _text(_pdf(client, world.laichau, headers))
    assert "(tổng hợp theo biểu số 3 đính kèm): số lượng trình khen thưởng 14 trường hợp" in text
    assert "Lao động tiên tiến 12 12 -" in text
    assert "hệ thống chưa tổng hợp số liệu khen thưởng cấp cơ sở" not in text
    page = client.get(f"/api/v1/provinces/{world.laichau.id}/award-statistics?year=2023", headers=headers).get_json()
    assert "grassroots" in str(page)
