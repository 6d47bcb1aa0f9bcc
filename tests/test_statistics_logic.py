"""Award statistics arithmetic and award-name matching (pure; no app)."""

import unicodedata

from plugins.national.awards import AWARD_TYPES
from portal.logic.award_names import AwardMatcher
from portal.logic.statistics import Group, leader_share, summary, totals
from provinces.laichau.awards import AWARD_TYPES as LAI_CHAU

NATIONAL = {a.code: a for a in AWARD_TYPES}
WITH_LAI_CHAU = {**NATIONAL, **{a.code: a for a in LAI_CHAU}}


def _seed_state_groups():
    """Trà Vinh 2023, state level (seed:TV table 1)."""
    return [
        Group("huan_chuong_lao_dong_3", "collective", None, None, 6),
        Group("huan_chuong_lao_dong_2", "individual", "worker", None, 5),
        Group("huan_chuong_lao_dong_1", "individual", "leader", None, 16),
        Group("chien_si_thi_dua_toan_quoc", "individual", "leader", None, 1),
        Group("co_thi_dua_chinh_phu", "collective", None, None, 11),
        Group("bang_khen_thu_tuong", "collective", None, None, 8),
        Group("bang_khen_thu_tuong", "individual", "worker", None, 181),
        Group("bang_khen_thu_tuong", "individual", "leader", None, 31),
    ]


def test_state_table_matches_the_seed():
    rows = summary(_seed_state_groups(), NATIONAL, "state")
    assert [r.label for r in rows] == [
        "Anh hùng Lao động", "Bà mẹ Việt Nam Anh hùng", "Huân chương Độc lập các hạng",
        "Huân chương Lao động các hạng", "Chiến sĩ thi đua toàn quốc", "Cờ thi đua của Chính phủ",
        "Bằng khen của Thủ tướng Chính phủ",
    ]
    orders = rows[3]
    assert (orders.total, orders.collectives, orders.individuals, orders.workers, orders.leaders) == (27, 6, 21, 5, 16)
    assert round(float(orders.share(orders.workers)) * 100, 1) == 23.8
    total = totals(rows)
    assert (total.total, total.collectives, total.individuals, total.workers, total.leaders) == (259, 25, 234, 186, 48)
    # RULES R4: state-level headline ratio over orders and the PM's certificate only: 47/233.
    assert leader_share(rows, ["huan_chuong_lao_dong", "huan_chuong_doc_lap", "bang_khen_thu_tuong"]) == (47, 233)


def test_a_province_variant_counts_on_its_familys_row():
    groups = [
        Group("bang_khen_ubnd_tinh", "individual", "worker", "ktxh", 3),
        Group("bang_khen_ubnd_tinh_khoi", "collective", None, "ktxh", 2),
    ]
    (row,) = [r for r in summary(groups, WITH_LAI_CHAU, "provincial") if r.key == "bang_khen_ubnd_tinh"]
    assert (row.label, row.collectives, row.workers, row.by_category) == ("Bằng khen của UBND tỉnh", 2, 3, {"ktxh": 5})


def test_award_names_as_people_type_them():
    m = AwardMatcher(WITH_LAI_CHAU)
    decomposed = unicodedata.normalize("NFD", "BẰNG KHEN CỦA UBND TỈNH")
    assert m.match(decomposed) == "bang_khen_ubnd_tinh"
    assert m.match("bang khen cua chu tich uy ban nhan dan tinh") == "bang_khen_ubnd_tinh"
    assert m.match("Huân chương Lao động hạng Ba") == "huan_chuong_lao_dong_3"
    assert m.match("co_thi_dua_tinh") == "co_thi_dua_tinh"
    assert m.match("CỜ THI ĐUA CẤP TỈNH") == "co_thi_dua_tinh"
    assert m.match("Giấy khen của Giám đốc Sở") is None
