"""The national award catalogue (RULES.md §3 and the Trà Vinh 2023 tables, seed:TV).

``report_years`` follows Lai Châu's guidance §III.2 (RULES.md DOS-3), which restates the national
periods: 6 years for the national emulation soldier, 5 for Labour Orders and the Prime Minister's
certificate, 3 for the provincial emulation soldier, 2 for the provincial certificate, 1 for flags
and collective titles. ``order`` is the row order of the yearly tables.
"""

from portal.api import AwardType

LAW = "Luật Thi đua, khen thưởng số 06/2022/QH15"
BOTH = frozenset({"collective", "individual"})
COLLECTIVE = frozenset({"collective"})
INDIVIDUAL = frozenset({"individual"})

AWARD_TYPES = (
    # -- state level ------------------------------------------------------------------------
    AwardType(
        code="anh_hung_lao_dong",
        name="Danh hiệu Anh hùng Lao động",
        short_name="Anh hùng Lao động",
        level="state", recipients=BOTH, kind="title", order=10,
        source=f"{LAW}, Điều 61",
    ),
    AwardType(
        code="ba_me_viet_nam_anh_hung",
        name="Danh hiệu vinh dự Nhà nước Bà mẹ Việt Nam Anh hùng",
        short_name="Bà mẹ Việt Nam Anh hùng",
        level="state", recipients=INDIVIDUAL, kind="title", order=20,
        source=f"{LAW}, Điều 59; Nghị định 56/2013/NĐ-CP",
        aliases=("Bà mẹ Việt Nam Anh hùng",),
    ),
    *(
        AwardType(
            code=f"huan_chuong_doc_lap_{n}",
            name=f"Huân chương Độc lập hạng {cls}",
            short_name="Huân chương Độc lập các hạng",
            level="state", recipients=BOTH, kind="form", family="huan_chuong_doc_lap",
            order=30 + n, source=f"{LAW}, Điều 37",
        )
        for n, cls in ((1, "Nhất"), (2, "Nhì"), (3, "Ba"))
    ),
    *(
        AwardType(
            code=f"huan_chuong_lao_dong_{n}",
            name=f"Huân chương Lao động hạng {cls}",
            short_name="Huân chương Lao động các hạng",
            level="state", recipients=BOTH, kind="form", family="huan_chuong_lao_dong",
            report_years=5, order=40 + n, source=f"{LAW}, Điều 42–44",
        )
        for n, cls in ((1, "Nhất"), (2, "Nhì"), (3, "Ba"))
    ),
    AwardType(
        code="chien_si_thi_dua_toan_quoc",
        name="Chiến sĩ thi đua toàn quốc",
        level="state", recipients=INDIVIDUAL, kind="title", report_years=6, order=50,
        source=f"{LAW}, Điều 21",
        aliases=("CSTĐ toàn quốc",),
    ),
    AwardType(
        code="co_thi_dua_chinh_phu",
        name="Cờ thi đua của Chính phủ",
        level="state", recipients=COLLECTIVE, kind="title", report_years=1, order=60,
        source=f"{LAW}, Điều 25",
        aliases=("Cờ thi đua Chính phủ",),
    ),
    AwardType(
        code="bang_khen_thu_tuong",
        name="Bằng khen của Thủ tướng Chính phủ",
        level="state", recipients=BOTH, kind="form", report_years=5, order=70,
        source=f"{LAW}, Điều 73",
        aliases=("Bằng khen Thủ tướng Chính phủ", "Bằng khen TTg"),
    ),
    # -- provincial level -------------------------------------------------------------------
    AwardType(
        code="bang_khen_ubnd_tinh",
        name="Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
        short_name="Bằng khen của UBND tỉnh",
        level="provincial", recipients=BOTH, kind="form", report_years=2, order=110,
        source=f"{LAW}, Điều 74",
        aliases=("Bằng khen của UBND tỉnh", "Bằng khen UBND tỉnh", "Bằng khen của Chủ tịch UBND tỉnh"),
    ),
    AwardType(
        code="chien_si_thi_dua_tinh",
        name="Chiến sĩ thi đua cấp tỉnh",
        level="provincial", recipients=INDIVIDUAL, kind="title", report_years=3, order=120,
        source=f"{LAW}, Điều 22",
        aliases=("CSTĐ cấp tỉnh",),
    ),
    AwardType(
        code="co_thi_dua_tinh",
        name="Cờ thi đua của Ủy ban nhân dân tỉnh",
        short_name="Cờ thi đua cấp tỉnh",
        level="provincial", recipients=COLLECTIVE, kind="title", report_years=1, order=130,
        source=f"{LAW}, Điều 26",
        aliases=("Cờ thi đua cấp tỉnh", "Cờ thi đua của UBND tỉnh"),
    ),
    AwardType(
        code="tap_the_lao_dong_xuat_sac",
        name="Tập thể Lao động xuất sắc",
        level="provincial", recipients=COLLECTIVE, kind="title", report_years=1, order=140,
        source=f"{LAW}, Điều 27 khoản 1",
    ),
    # -- grassroots -------------------------------------------------------------------------
    AwardType(
        code="chien_si_thi_dua_co_so",
        name="Chiến sĩ thi đua cơ sở",
        level="grassroots", recipients=INDIVIDUAL, kind="title", report_years=1, order=210,
        source=f"{LAW}, Điều 23",
    ),
    AwardType(
        code="lao_dong_tien_tien",
        name="Lao động tiên tiến",
        level="grassroots", recipients=INDIVIDUAL, kind="title", report_years=1, order=220,
        source=f"{LAW}, Điều 24",
    ),
    AwardType(
        code="tap_the_lao_dong_tien_tien",
        name="Tập thể Lao động tiên tiến",
        level="grassroots", recipients=COLLECTIVE, kind="title", report_years=1, order=230,
        source=f"{LAW}, Điều 28",
    ),
    AwardType(
        code="giay_khen",
        name="Giấy khen",
        level="grassroots", recipients=BOTH, kind="form", report_years=1, order=240,
        source=f"{LAW}, Điều 75",
    ),
)
