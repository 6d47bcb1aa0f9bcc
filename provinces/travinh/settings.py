"""What a Trà Vinh province officer may change."""

from portal.api import Setting

PLUGIN = "province.travinh"
REPORT = "Báo cáo tổng kết công tác thi đua, khen thưởng năm 2023 của UBND tỉnh Trà Vinh"

SETTINGS = (
    Setting(
        "cstd_cap_percent", "Tỷ lệ tối đa Chiến sĩ thi đua cơ sở so với số Lao động tiên tiến của đơn vị (%)",
        "percent", 15.0,
        help="Thanh tra năm 2023 phát hiện đơn vị công nhận vượt 15%; tỷ lệ theo Nghị định 91/2017/NĐ-CP Điều 9 khoản 3, "
             "chưa xác nhận còn áp dụng theo Nghị định 98/2023 (RULES TIT-3).",
        source=f"{REPORT}, mục 6",
    ),
    Setting(
        "report_reference", "Dòng “Kèm theo” của bảng tổng hợp", "text",
        "Báo cáo số …/BC-UBND ngày … của Chủ tịch UBND tỉnh Trà Vinh",
        help="Ví dụ năm 2023: Báo cáo số: 315/BC-UBND ngày 15/11/2023 của Chủ tịch UBND tỉnh Trà Vinh.",
        source=REPORT,
    ),
)
