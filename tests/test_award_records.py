"""Award records and the province's statistics: import (names as people type them, or codes),
the rules of one record, the statistics against the Trà Vinh 2023 tables (seed:TV, RULES.md §9),
the previous year, the PDF read back, and scope. Both databases."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import unicodedata

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import delete, func, select

from portal import tabular
from portal.api import AwardCategory, hookimpl
from portal.extensions import db
from portal.models import AuditLog, Document, ProvincePlugin
from portal.models.awards import AwardRecord
from portal.services import award_statistics as stats_svc
from portal.services.award_records import plan_record_import
from tests.conftest import login

D = dt.date
HEADERS = (
    "Họ tên / Tên tập thể", "Đơn vị", "Hình thức khen thưởng", "Đối tượng", "Lãnh đạo/Người lao động", "Chức vụ",
    "Loại khen thưởng", "Trạng thái", "Số quyết định", "Ngày quyết định", "Người ký", "Ngày trình", "Lý do trả lại",
)
LATE = "Trình trễ thời gian so với quy định"


class TraVinhCategories:
    """The categories Trà Vinh's report names besides the national ones (seed:TV §II.3)."""

    @hookimpl
    def register_award_categories(self):
        return [
            AwardCategory("giao_duc", "Khen thưởng ngành giáo dục", 40),
            AwardCategory("tuyen_quan", "Khen thưởng công tác tuyển quân", 50),
        ]


@pytest.fixture
def tv(world, register_plugin):
    register_plugin(TraVinhCategories(), "province.travinh_test_categories")
    world.travinh.plugins.append(ProvincePlugin(plugin_name="province.travinh_test_categories"))
    db.session.commit()
    return world


# -- the Trà Vinh 2023 records (seed:TV tables and §II.3 text) ----------------------------------------

# (award, recipient, group, category, status, count, extra)
STATE_2023 = [
    ("huan_chuong_lao_dong_1", "individual", "leader", "ktxh", "decided", 3, {}),
    ("huan_chuong_lao_dong_2", "collective", None, "ktxh", "decided", 2, {}),
    ("huan_chuong_lao_dong_2", "individual", "leader", "ktxh", "decided", 2, {}),
    ("huan_chuong_lao_dong_3", "collective", None, "ktxh", "decided", 4, {}),
    ("huan_chuong_lao_dong_3", "individual", "worker", "ktxh", "decided", 1, {}),
    ("huan_chuong_lao_dong_3", "individual", "worker", "ktxh", "returned", 4, {}),
    ("huan_chuong_lao_dong_3", "individual", "leader", "ktxh", "returned", 11, {}),
    # Submitted in 2023, decided in 2024: counted in 2023 (state level counts by submission).
    ("chien_si_thi_dua_toan_quoc", "individual", "leader", "ktxh", "decided", 1,
     {"submitted_on": D(2023, 11, 20), "decision_date": D(2024, 3, 1)}),
    ("co_thi_dua_chinh_phu", "collective", None, "ktxh", "decided", 11, {}),
    ("bang_khen_thu_tuong", "collective", None, "ktxh", "decided", 8, {}),
    ("bang_khen_thu_tuong", "individual", "worker", "ktxh", "returned", 5, {}),
    ("bang_khen_thu_tuong", "individual", "worker", "giao_duc", "pending", 176, {}),
    ("bang_khen_thu_tuong", "individual", "leader", "giao_duc", "pending", 31, {}),
]
PROVINCIAL_2023 = [
    ("bang_khen_ubnd_tinh", "collective", None, "ktxh", "decided", 215, {}),
    ("bang_khen_ubnd_tinh", "collective", None, "chuyen_de", "decided", 400, {}),
    ("bang_khen_ubnd_tinh", "collective", None, "dot_xuat", "decided", 58, {}),
    ("bang_khen_ubnd_tinh", "individual", "leader", "ktxh", "decided", 1075, {}),
    ("bang_khen_ubnd_tinh", "individual", "worker", "ktxh", "decided", 1162, {}),
    # Proposed in 2022, decided in 2023: counted in 2023 (provincial level counts by decision).
    ("bang_khen_ubnd_tinh", "individual", "worker", "chuyen_de", "decided", 921, {"submitted_on": D(2022, 12, 1)}),
    ("chien_si_thi_dua_tinh", "individual", "worker", "ktxh", "decided", 267, {}),
    ("chien_si_thi_dua_tinh", "individual", "leader", "ktxh", "decided", 143, {}),
    ("co_thi_dua_tinh", "collective", None, "ktxh", "decided", 30, {}),
    ("co_thi_dua_tinh", "collective", None, "giao_duc", "decided", 15, {}),
    ("co_thi_dua_tinh", "collective", None, "tuyen_quan", "decided", 1, {}),
    ("tap_the_lao_dong_xuat_sac", "collective", None, "ktxh", "decided", 398, {}),
]
NOT_COUNTED_2023 = [
    ("bang_khen_ubnd_tinh", "individual", "worker", "ktxh", "proposed", 3, {"year": 2023}),  # not decided
    ("bang_khen_ubnd_tinh", "collective", None, "ktxh", "decided", 2, {"decision_date": D(2024, 1, 10)}),
    ("bang_khen_thu_tuong", "individual", "leader", "ktxh", "proposed", 2, {"year": 2023}),  # not submitted
]
# 2022: state 5/23 = 21,7 % leaders, provincial 40/110 = 36,4 % (the report's comparison).
PREVIOUS_2022 = [
    ("bang_khen_thu_tuong", "individual", "worker", "ktxh", "pending", 18, {"submitted_on": D(2022, 9, 1)}),
    ("bang_khen_thu_tuong", "individual", "leader", "ktxh", "pending", 5, {"submitted_on": D(2022, 9, 1)}),
    ("bang_khen_ubnd_tinh", "individual", "worker", "ktxh", "decided", 64, {"decision_date": D(2022, 11, 1)}),
    ("bang_khen_ubnd_tinh", "individual", "leader", "ktxh", "decided", 36, {"decision_date": D(2022, 11, 1)}),
    ("chien_si_thi_dua_tinh", "individual", "worker", "ktxh", "decided", 6, {"decision_date": D(2022, 11, 1)}),
    ("chien_si_thi_dua_tinh", "individual", "leader", "ktxh", "decided", 4, {"decision_date": D(2022, 11, 1)}),
]
ALL_SPECS = STATE_2023 + PROVINCIAL_2023 + NOT_COUNTED_2023 + PREVIOUS_2022

# How officials write them (seed:TV's own wording, aliases, short names).
AWARD_NAMES = {
    "huan_chuong_lao_dong_1": "Huân chương Lao động hạng Nhất",
    "huan_chuong_lao_dong_2": "Huân chương Lao động hạng Nhì",
    "huan_chuong_lao_dong_3": "Huân chương Lao động hạng Ba",
    "chien_si_thi_dua_toan_quoc": "CSTĐ toàn quốc",
    "co_thi_dua_chinh_phu": "Cờ thi đua của Chính phủ",
    "bang_khen_thu_tuong": "Bằng khen của Thủ tướng Chính phủ",
    "bang_khen_ubnd_tinh": "Bằng khen của Chủ tịch UBND tỉnh",
    "chien_si_thi_dua_tinh": "Chiến sĩ thi đua cấp tỉnh",
    "co_thi_dua_tinh": "Cờ thi đua cấp tỉnh",
    "tap_the_lao_dong_xuat_sac": "Tập thể Lao động xuất sắc",
}
CATEGORY_NAMES = {
    "ktxh": "KT-XH", "chuyen_de": "Khen thưởng theo chuyên đề", "dot_xuat": "Đột xuất",
    "giao_duc": "Khen thưởng ngành giáo dục", "tuyen_quan": "Khen thưởng công tác tuyển quân",
}
STATUS_NAMES = {"decided": "Đã có quyết định", "pending": "Chờ quyết định", "returned": "Bị trả lại",
                "proposed": "Đề nghị", "submitted_upward": "Đã trình cấp trên"}


def seed_rows(*, names: bool, specs=ALL_SPECS) -> list[list]:
    """One spreadsheet row per record, award/category/status by name (``names``) or by code."""
    rows = []
    n = 0
    state = {"huan_chuong_lao_dong_1", "huan_chuong_lao_dong_2", "huan_chuong_lao_dong_3",
             "chien_si_thi_dua_toan_quoc", "co_thi_dua_chinh_phu", "bang_khen_thu_tuong"}
    for award, recipient, group, category, status, count, extra in specs:
        for _i in range(count):
            n += 1
            is_state = award in state
            submitted = extra.get("submitted_on", D(2023, 3 + n % 9, 1 + n % 27) if is_state else None)
            if status == "proposed":
                submitted = None
            decided = extra.get("decision_date")
            if decided is None and status == "decided":
                decided = submitted + dt.timedelta(days=45) if is_state else D(2023, 4 + n % 8, 1 + n % 28)
            number = f"{100 + n // 50}/QĐ-{'CTN' if is_state else 'UBND'}" if status == "decided" else ""
            unit = {0: "SNV", 1: "Sở Tài chính Trà Vinh"}.get(n % 40, "")
            rows.append([
                f"{'Tập thể' if recipient == 'collective' else 'Nguyễn Văn'} số {n:05d}",
                unit.upper() if names else unit,
                AWARD_NAMES[award] if names else award,
                ("Tập thể" if recipient == "collective" else "Cá nhân") if names else recipient,
                {"leader": "Lãnh đạo", "worker": "Người lao động", None: ""}[group],
                "Trưởng phòng" if group == "leader" else "",
                CATEGORY_NAMES[category] if names else category,
                STATUS_NAMES[status] if names else status,
                number,
                decided.strftime("%d/%m/%Y") if decided else "",
                "Chủ tịch UBND tỉnh" if status == "decided" else "",
                submitted.strftime("%d/%m/%Y") if submitted else "",
                LATE if status == "returned" else "",
                *([str(extra["year"])] if "year" in extra else [""]),
            ])
    return rows


def decomposed_upper_csv(rows) -> bytes:
    """The file an old keyboard in decomposed mode, caps lock on, would produce."""
    def shout(text):
        return unicodedata.normalize("NFD", text.upper())

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([shout(h) for h in (*HEADERS, "Năm")])
    for row in rows:
        writer.writerow([shout(c) for c in row])
    return buffer.getvalue().encode("utf-8")


def codes_xlsx(rows) -> bytes:
    return tabular.write_xlsx([*HEADERS, "Năm"], rows)


def _import(client, province, data, filename, *, headers):
    response = client.post(
        f"/api/v1/provinces/{province.id}/award-records/import",
        data={"file": (io.BytesIO(data), filename)}, headers=headers, content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _statistics(client, province, headers, **query):
    response = client.get(f"/api/v1/provinces/{province.id}/award-statistics", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def _table(body, level):
    (lv,) = [x for x in body["levels"] if x["level"] == level]
    return lv


def _counts(row):
    return (row["total"], row["collectives"], row["individuals"], row["workers"], row["workers_percent"],
            row["leaders"], row["leaders_percent"])


# -- Done-when: names as people type them give the same statistics as codes --------------------------


def test_decomposed_upper_case_names_give_the_same_statistics_as_codes(app, tv, api_headers):
    client = app.test_client()
    headers = api_headers(tv.tv_officer)
    by_names = decomposed_upper_csv(seed_rows(names=True))
    assert by_names != unicodedata.normalize("NFC", by_names.decode()).encode()  # really decomposed

    started = time.perf_counter()
    result = _import(client, tv.travinh, by_names, "khen-thuong-2023.csv", headers=headers)
    seconds = time.perf_counter() - started
    assert result["applied"] and result["creates"] == sum(s[5] for s in ALL_SPECS) > 5000
    assert seconds < 30, f"import of {result['creates']} rows took {seconds:.1f} s"
    from_names = _statistics(client, tv.travinh, headers, year=2023)
    names_sample = db.session.scalars(
        select(AwardRecord).where(AwardRecord.province_id == tv.travinh.id, AwardRecord.unit_id.is_not(None)).limit(2)
    ).all()
    assert names_sample and all(r.unit_id in {u.id for u in tv.tv_units.values()} for r in names_sample)

    db.session.execute(delete(AwardRecord).where(AwardRecord.province_id == tv.travinh.id))
    db.session.commit()
    _import(client, tv.travinh, codes_xlsx(seed_rows(names=False)), "khen-thuong-2023.xlsx", headers=headers)
    from_codes = _statistics(client, tv.travinh, headers, year=2023)
    # Free text (the reasons for returning) keeps the case it was typed in; everything else is equal.
    for level in from_names["levels"]:
        for reason in level["returned_reasons"]:
            reason["reason"] = LATE if reason["reason"] == LATE.upper() else reason["reason"]
    assert from_names == from_codes
    assert _counts(_table(from_codes, "provincial")["total"])[:4] == (4685, 1117, 3568, 2350)


# -- the seed's tables -------------------------------------------------------------------------------


@pytest.fixture
def seeded(app, tv, api_headers):
    headers = api_headers(tv.tv_officer)
    _import(app.test_client(), tv.travinh, codes_xlsx(seed_rows(names=False)), "seed.xlsx", headers=headers)
    tv.headers = headers
    return tv


def test_statistics_match_the_seed_tables(app, seeded):
    body = _statistics(app.test_client(), seeded.travinh, seeded.headers, year=2023)
    state = _table(body, "state")
    assert state["counted_by"] == "submitted_on"
    assert [(r["label"], *_counts(r)) for r in state["rows"]] == [
        ("Anh hùng Lao động", 0, 0, 0, 0, None, 0, None),
        ("Bà mẹ Việt Nam Anh hùng", 0, 0, 0, 0, None, 0, None),
        ("Huân chương Độc lập các hạng", 0, 0, 0, 0, None, 0, None),
        ("Huân chương Lao động các hạng", 27, 6, 21, 5, "23.8", 16, "76.2"),
        ("Chiến sĩ thi đua toàn quốc", 1, 0, 1, 0, "0.0", 1, "100.0"),
        ("Cờ thi đua của Chính phủ", 11, 11, 0, 0, None, 0, None),
        ("Bằng khen của Thủ tướng Chính phủ", 220, 8, 212, 181, "85.4", 31, "14.6"),
    ]
    total = state["total"]
    assert (total["total"], total["collectives"], total["individuals"], total["workers"], total["leaders"]) == (
        259, 25, 234, 186, 48)
    # Proposals by status: 32 decided, 207 pending, 20 returned (15 orders + 5 certificates), late.
    assert state["by_status"] == {"decided": 32, "pending": 207, "returned": 20}
    assert state["returned_reasons"] == [{"reason": LATE, "count": 20}]
    orders = state["rows"][3]
    assert orders["by_status"] == {"decided": 12, "returned": 15}
    # RULES R4: orders and the PM's certificate only (not the national emulation soldier): 47/233.
    assert state["headline"]["leaders"] == 47 and state["headline"]["individuals"] == 233
    assert state["headline"]["leaders_percent"] == "20.2" and state["headline"]["workers_percent"] == "79.8"
    assert state["headline"]["previous"]["leaders_percent"] == "21.7"

    prov = _table(body, "provincial")
    assert prov["counted_by"] == "decision_date"
    assert [(r["label"], *_counts(r)) for r in prov["rows"]] == [
        # RULES R5: the seed prints the aggregate 65,9/34,1; its own counts give 66,0/34,0.
        ("Bằng khen của UBND tỉnh", 3831, 673, 3158, 2083, "66.0", 1075, "34.0"),
        ("Chiến sĩ thi đua cấp tỉnh", 410, 0, 410, 267, "65.1", 143, "34.9"),
        ("Cờ thi đua cấp tỉnh", 46, 46, 0, 0, None, 0, None),
        ("Tập thể Lao động xuất sắc", 398, 398, 0, 0, None, 0, None),
    ]
    assert _counts(prov["total"])[:4] + (prov["total"]["leaders"],) == (4685, 1117, 3568, 2350, 1218)
    assert prov["headline"]["leaders_percent"] == "34.1" and prov["headline"]["workers_percent"] == "65.9"
    assert (prov["headline"]["leaders"], prov["headline"]["individuals"]) == (1218, 3568)
    assert prov["headline"]["previous"]["leaders_percent"] == "36.4"
    # RULES R6: the certificate split KT-XH / thematic and ad hoc; the flag KT-XH / education / recruitment.
    cert, _soldier, flag, _ = prov["rows"]
    split = cert["by_category"]
    assert (split["ktxh"]["collectives"], split["ktxh"]["individuals"]) == (215, 2237)
    assert split["chuyen_de"]["collectives"] + split["dot_xuat"]["collectives"] == 458
    assert split["chuyen_de"]["individuals"] + split["dot_xuat"]["individuals"] == 921
    assert {k: v["collectives"] for k, v in flag["by_category"].items()} == {"ktxh": 30, "giao_duc": 15, "tuyen_quan": 1}


def test_previous_year_beside_each_row(app, seeded):
    body = _statistics(app.test_client(), seeded.travinh, seeded.headers, year=2023)
    assert (body["previous_start"], body["previous_end"]) == ("2022-01-01", "2022-12-31")
    cert = _table(body, "provincial")["rows"][0]
    assert _counts(cert["previous"]) == (100, 0, 100, 64, "64.0", 36, "36.0")
    assert _table(body, "state")["rows"][6]["previous"]["leaders"] == 5
    # The year after: 2023 becomes the previous year, and 2024 has only what was decided in 2024.
    later = _statistics(app.test_client(), seeded.travinh, seeded.headers, year=2024)
    prov = _table(later, "provincial")
    assert prov["total"]["total"] == 2 and prov["total"]["previous"]["total"] == 4685
    # A range: the first half of 2023 against the first half of 2022.
    half = _statistics(app.test_client(), seeded.travinh, seeded.headers, start="2023-01-01", end="2023-06-30")
    assert half["previous_end"] == "2022-06-30"
    assert _table(half, "provincial")["total"]["total"] < 4685


def test_the_service_uses_one_query_for_both_years(app, seeded):
    from sqlalchemy import event

    statements = []

    def count(conn, cursor, statement, *args):
        if "award_records" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        stats = stats_svc.compute(seeded.travinh, D(2023, 1, 1), D(2023, 12, 31))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert stats.levels["state"].total.total == 259
    grouped = [s for s in statements if "GROUP BY" in s.upper()]
    # One for the counts of both years and levels; one for the returned cases' reasons.
    assert len(grouped) == 2 and "returned_reason" in grouped[1]


def test_pdf_and_xlsx_show_the_counts(app, seeded):
    client = app.test_client()
    login(client, seeded.tv_officer)
    url = f"/provinces/{seeded.travinh.id}/award-statistics.pdf?year=2023&attached_to=Kèm theo Báo cáo số: 315/BC-UBND"
    before = db.session.scalar(select(func.count(Document.id)))
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    for expected in (
        "TỔNG HỢP KẾT QUẢ KHEN THƯỞNG NĂM 2023", "Số liệu từ ngày 01/01/2023 đến ngày 31/12/2023",
        "315/BC-UBND", "1. Khen cấp Nhà nước", "2. Khen cấp tỉnh",
        "Huân chương Lao động các hạng 27 06 21 05 23,8% 16 76,2%",
        "Chiến sĩ thi đua toàn quốc 01 - 01 - - 01 100%",
        "Bằng khen của Thủ tướng Chính phủ 220 08 212 181 85,4% 31 14,6%",
        "259 25 234 186 - 48 -",
        "Bằng khen của UBND tỉnh 3.831 673 3.158 2.083 66,0% 1.075 34,0%",
        "Chiến sĩ thi đua cấp tỉnh 410 - 410 267 65,1% 143 34,9%",
        "Cờ thi đua cấp tỉnh 46 46 - - - - -",
        "Tập thể Lao động xuất sắc 398 398 - - - - -",
        "4.685 1.117 3.568 2.350 - 1.218 -",
    ):
        assert expected in text, (expected, text[:3000])
    # Issued as a document of the province; printing the same figures again stores nothing new.
    assert db.session.scalar(select(func.count(Document.id))) == before + 1
    assert client.get(url).data == response.data
    assert db.session.scalar(select(func.count(Document.id))) == before + 1
    document = db.session.scalar(select(Document).order_by(Document.id.desc()))
    assert (document.province_id, document.layout_code, document.block_id) == (seeded.travinh.id, "award_summary", None)

    xlsx = client.get(f"/provinces/{seeded.travinh.id}/award-statistics.xlsx?year=2023")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    cert = next(r for r in rows if r[2] == "Bằng khen của UBND tỉnh")
    assert cert[3:10] == [3831, 673, 3158, 2083, 66.0, 1075, 34.0]
    assert cert[10] == 100  # the previous year's total beside it


def test_statistics_page(app, seeded):
    client = app.test_client()
    login(client, seeded.tv_officer)
    page = client.get(f"/provinces/{seeded.travinh.id}/award-statistics?year=2023")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for expected in ("3.831", "66,0%", "34,0%", "4.685", "20,2%", "(47/233)", "34,1%", "(1.218/3.568)", "36,4%",
                     "Khen thưởng ngành giáo dục", LATE, "award-statistics.pdf", "award-statistics.xlsx"):
        assert expected in html, expected
    assert "<script>" not in html  # no inline script (CSP)
    bad = client.get(f"/provinces/{seeded.travinh.id}/award-statistics?start=2023-05-01&end=2023-01-01")
    assert bad.status_code == 422 and "Ngày kết thúc trước ngày bắt đầu" in bad.get_data(as_text=True)


# -- the import is all-or-nothing ------------------------------------------------------------------


def test_a_bad_row_writes_nothing_and_is_named(app, tv, api_headers):
    client = app.test_client()
    headers = api_headers(tv.tv_officer)
    rows = seed_rows(names=True, specs=PROVINCIAL_2023[:1])[:5]
    rows[2][2] = "Giấy khen của Giám đốc Sở Y tế"  # spreadsheet row 4: not in the catalogue
    rows[3][4] = ""  # row 5: an individual? no: a collective row; make it an individual without group
    rows[3][3] = "Cá nhân"
    data = decomposed_upper_csv(rows)
    before_audit = db.session.scalar(select(func.count(AuditLog.id)))
    response = client.post(
        f"/api/v1/provinces/{tv.travinh.id}/award-records/import", data={"file": (io.BytesIO(data), "x.csv")},
        headers=headers, content_type="multipart/form-data",
    )
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "import_errors"
    errors = response.get_json()["error"]["rows"]
    assert {e["row"] for e in errors} == {4, 5}
    assert any("GIẤY KHEN CỦA GIÁM ĐỐC SỞ Y TẾ" in e["message"] and "Dòng 4" in e["message"] for e in errors)
    assert any(e["row"] == 5 and e["field"] == "person_group" for e in errors)
    assert db.session.scalar(select(func.count(AwardRecord.id))) == 0
    assert db.session.scalar(select(func.count(AuditLog.id))) == before_audit

    # The page says the same and keeps nothing to confirm.
    login(client, tv.tv_officer)
    page = client.post(f"/provinces/{tv.travinh.id}/awards/import", data={"file": (io.BytesIO(data), "x.csv")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "Dòng 4" in html and 'name="token"' not in html
    assert db.session.scalar(select(func.count(AwardRecord.id))) == 0


def test_import_page_preview_then_confirm(app, tv):
    client = app.test_client()
    login(client, tv.tv_officer)
    data = codes_xlsx(seed_rows(names=False, specs=STATE_2023[:3]))
    page = client.post(f"/provinces/{tv.travinh.id}/awards/import", data={"file": (io.BytesIO(data), "a.xlsx")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Huân chương Lao động hạng Nhì" in html and 'name="token"' in html
    assert db.session.scalar(select(func.count(AwardRecord.id))) == 0
    token = html.split('name="token" value="', 1)[1].split('"', 1)[0]
    done = client.post(f"/provinces/{tv.travinh.id}/awards/import", data={"token": token})
    assert done.status_code == 302
    assert db.session.scalar(select(func.count(AwardRecord.id))) == 7
    log = db.session.scalar(select(AuditLog).where(AuditLog.object_type == "AwardRecord", AuditLog.action == "import"))
    assert log.after["rows"] == 7 and log.actor_id == tv.tv_officer.id and log.province_id == tv.travinh.id
    # Importing the same file again is refused: every row is already recorded.
    again = plan_record_import(tv.travinh, data, "a.xlsx")
    assert not again.ok and "đã được nhập" in str(again.errors[0])
    listing = client.get(f"/provinces/{tv.travinh.id}/awards?q=nguyen van so")
    assert listing.status_code == 200 and "Nguyễn Văn số 00003" in listing.get_data(as_text=True)
    app.config["PORTAL_PAGE_SIZE"] = 2  # the pager keeps the province and the filters
    paged_html = client.get(f"/provinces/{tv.travinh.id}/awards?status=decided&page=2").get_data(as_text=True)
    assert f"/provinces/{tv.travinh.id}/awards?status=decided&amp;page=3" in paged_html
    export = client.get(f"/provinces/{tv.travinh.id}/awards/export?format=csv")
    assert export.status_code == 200
    back = plan_record_import(tv.travinh, export.data, "export.csv")  # the export imports back (as duplicates)
    assert back.row_count == 7 and all("đã được nhập" in str(e) for e in back.errors)


# -- one record's rules ------------------------------------------------------------------------------


def test_record_rules_through_the_api(app, tv, api_headers):
    client = app.test_client()
    headers = api_headers(tv.tv_officer)
    url = f"/api/v1/provinces/{tv.travinh.id}/award-records"
    base = {"award_code": "bang_khen_ubnd_tinh", "recipient": "individual", "recipient_name": "Kim Thị Hoa",
            "person_group": "worker", "category": "ktxh", "status": "decided", "decision_number": "5/QĐ-UBND",
            "decision_date": "2023-05-02"}

    def post(**changes):
        return client.post(url, json={**base, **changes}, headers=headers)

    for changes, field in (
        ({"award_code": "giay_khen_khong_co"}, "award_code"),
        ({"recipient": "collective"}, "person_group"),  # a collective has no leader/worker group
        ({"person_group": None}, "person_group"),
        ({"category": "khong_co"}, "category"),
        ({"decision_number": ""}, "decision_number"),
        ({"status": "returned"}, "returned_reason"),
        ({"status": "submitted_upward", "submitted_on": "2023-03-01"}, "status"),  # provincial: not upward
        ({"award_code": "co_thi_dua_chinh_phu", "recipient": "individual"}, "recipient"),
        ({"award_code": "bang_khen_thu_tuong", "status": "pending"}, "submitted_on"),
    ):
        response = post(**changes)
        assert response.status_code == 422, (changes, response.get_json())
        assert field in response.get_json()["error"]["fields"], (changes, response.get_json())
    created = post()
    assert created.status_code == 201
    record = created.get_json()
    assert (record["level"], record["year"], record["status"]) == ("provincial", 2023, "decided")
    # Decided is final: it does not go back to proposed.
    again = client.put(f"/api/v1/award-records/{record['id']}", json={**base, "status": "proposed"}, headers=headers)
    assert again.status_code == 409 and "status" in again.get_json()["error"]["fields"]
    # A state proposal: submitted, returned with the reason, submitted again, decided.
    state = client.post(url, json={**base, "award_code": "bang_khen_thu_tuong", "status": "submitted_upward",
                                   "submitted_on": "2023-04-01", "decision_number": "", "decision_date": None},
                        headers=headers).get_json()
    rid = state["id"]
    for status, extra, code in (
        ("returned", {"returned_reason": LATE}, 200),
        ("decided", {"decision_number": "1/QĐ-TTg", "decision_date": "2023-06-01"}, 409),  # returned -> decided
        ("submitted_upward", {"submitted_on": "2023-05-01"}, 200),
        ("decided", {"decision_number": "77/QĐ-TTg", "decision_date": "2023-09-09", "decided_by": "Thủ tướng Chính phủ"}, 200),
    ):
        body = {**base, "award_code": "bang_khen_thu_tuong", "submitted_on": "2023-04-01", "decision_number": "",
                "decision_date": None, "status": status, **extra}
        response = client.put(f"/api/v1/award-records/{rid}", json=body, headers=headers)
        assert response.status_code == code, (status, response.get_json())
    assert client.get(f"/api/v1/award-records/{rid}", headers=headers).get_json()["decided_by"] == "Thủ tướng Chính phủ"
    assert client.get(f"{url}?status=bogus", headers=headers).status_code == 400
    assert client.get(f"/api/v1/provinces/{tv.travinh.id}/award-statistics?year=1800", headers=headers).status_code == 400
    assert client.get(f"/api/v1/provinces/{tv.travinh.id}/award-statistics?start=2023-01-01&end=2024-06-30",
                      headers=headers).status_code == 400
    assert client.post(url, data="nope", headers=headers).status_code == 400


def test_record_form_page(app, tv):
    client = app.test_client()
    login(client, tv.tv_officer)
    url = f"/provinces/{tv.travinh.id}/awards/new"
    assert client.get(url).status_code == 200
    form = {"award_code": "chien_si_thi_dua_tinh", "recipient": "individual", "recipient_name": "Sơn Thị Thu",
            "person_group": "", "status": "decided", "decision_number": "9/QĐ-UBND", "decision_date": "2023-06-01"}
    refused = client.post(url, data=form)
    assert refused.status_code == 422 and "Lãnh đạo hay Người lao động" in refused.get_data(as_text=True)
    assert client.post(url, data={**form, "person_group": "leader"}).status_code == 302
    record = db.session.scalar(select(AwardRecord))
    edit = client.post(f"/awards/records/{record.id}/edit", data={**form, "person_group": "worker", "category": "ktxh"})
    assert edit.status_code == 302
    db.session.refresh(record)
    assert record.person_group.value == "worker" and record.category == "ktxh" and record.year == 2023


# -- scope ---------------------------------------------------------------------------------------------


def test_a_province_sees_only_its_own_records(app, award_world, api_headers):
    w = award_world
    client = app.test_client()
    tv_headers = api_headers(w.tv_officer)
    lc = w.award_record
    assert client.get(f"/api/v1/award-records/{lc.id}", headers=tv_headers).status_code == 404
    assert client.get(f"/api/v1/provinces/{w.laichau.id}/award-records", headers=tv_headers).status_code == 404
    assert client.get(f"/api/v1/provinces/{w.laichau.id}/award-statistics", headers=tv_headers).status_code == 404
    own = client.get(f"/api/v1/provinces/{w.travinh.id}/award-records", headers=tv_headers).get_json()
    assert [r["recipient_name"] for r in own["items"]] == ["Thạch Thị Sa Ra"]
    login(client, w.tv_officer)
    assert client.get(f"/provinces/{w.laichau.id}/awards").status_code == 403
    assert client.get(f"/awards/records/{lc.id}/edit").status_code == 404
    assert client.get(f"/provinces/{w.laichau.id}/award-statistics.pdf").status_code == 403
    page = client.get(f"/provinces/{w.travinh.id}/awards").get_data(as_text=True)
    assert "Thạch Thị Sa Ra" in page and "Lò Thị Mai" not in page

    # Lai Châu's observer reads but does not change; its unit officers do not see the records.
    obs = api_headers(w.observer)
    assert client.get(f"/api/v1/award-records/{lc.id}", headers=obs).status_code == 200
    assert client.put(f"/api/v1/award-records/{lc.id}", json={}, headers=obs).status_code == 403
    assert client.get(f"/api/v1/award-records/{lc.id}", headers=api_headers(w.member)).status_code == 403
    stats = client.get(f"/api/v1/provinces/{w.laichau.id}/award-statistics?year=2023", headers=obs).get_json()
    assert _table(stats, "provincial")["total"]["workers"] == 1
    assert _table(stats, "state")["total"]["total"] == 0
