"""Lai Châu's additions to the award catalogue (seed:LC §II.2, §III.2)."""

from portal.api import AwardType

GUIDANCE = "Hướng dẫn tổng kết công tác thi đua, khen thưởng năm 2023 tỉnh Lai Châu"
QD_06 = "Quyết định 06/2018/QĐ-UBND tỉnh Lai Châu"

AWARD_TYPES = (
    # The flag goes to the collective that leads its block; Lai Châu applies Điều 26 of the Law
    # together with its own decision (seed:LC §II.2).
    AwardType(
        code="co_thi_dua_tinh",
        name="Cờ thi đua của Ủy ban nhân dân tỉnh",
        short_name="Cờ thi đua cấp tỉnh",
        level="provincial", recipients=frozenset({"collective"}), kind="title",
        report_years=1, order=130,
        source=f"Luật Thi đua, khen thưởng 2022, Điều 26; {QD_06}, Điều 18 khoản 1, 3",
        aliases=("Cờ thi đua cấp tỉnh", "Cờ thi đua của UBND tỉnh"),
    ),
    # A certificate of merit that a block nominates needs a one-year report, not two (§III.2).
    AwardType(
        code="bang_khen_ubnd_tinh_khoi",
        name="Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh (khối thi đua suy tôn)",
        short_name="Bằng khen của UBND tỉnh",
        level="provincial", recipients=frozenset({"collective"}), kind="form",
        report_years=1, family="bang_khen_ubnd_tinh", order=111,
        source=f"{GUIDANCE}, mục III.2",
    ),
)
