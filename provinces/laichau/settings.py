"""What a Lai Châu province officer may change, with defaults and where they come from."""

from __future__ import annotations

from fractions import Fraction

from portal.api import Setting

PLUGIN = "province.laichau"
QD_06 = "Quyết định 06/2018/QĐ-UBND tỉnh Lai Châu, điểm a khoản 3 Điều 18"

SETTINGS = (
    Setting(
        "ballot_threshold", "Tỷ lệ phiếu đồng ý tối thiểu khi khối bình xét (bỏ phiếu kín)", "fraction", Fraction(1, 2),
        help="Mặc định: quá 1/2 (nguyên tắc đa số). Tỷ lệ của tỉnh quy định tại điểm a khoản 3 Điều 18 "
             "Quyết định 06/2018/QĐ-UBND; nhập tỷ lệ đó nếu khác, ví dụ 4/5 hoặc 80%.",
        source=QD_06,
    ),
    Setting("ballot_strict", "Phải vượt tỷ lệ (trên), không chỉ bằng (từ … trở lên)", "bool", True, source=QD_06),
    Setting(
        "ballot_basis", "Tỷ lệ tính trên", "choice", "members", source=QD_06,
        choices=(("members", "Tổng số thành viên của Khối"), ("present", "Số thành viên có mặt"), ("valid", "Số phiếu hợp lệ")),
    ),
    Setting(
        "ballot_tie", "Khi các đơn vị bằng phiếu ở vị trí cuối", "choice", "runoff",
        choices=(("runoff", "Bỏ phiếu lại giữa các đơn vị bằng phiếu"), ("refer", "Báo cáo Hội đồng TĐKT tỉnh quyết định")),
        help="Không có văn bản quy định; mặc định bỏ phiếu lại (RULES V6).",
    ),
    Setting("flags_per_block", "Số đơn vị mỗi khối được suy tôn Cờ thi đua của UBND tỉnh", "int", 1,
            help="Thực tế mỗi khối suy tôn 01 đơn vị dẫn đầu.", source="Luật Thi đua, khen thưởng 2022, Điều 26 khoản 1"),
    Setting("next_unit_report_due", "Hạn báo cáo của đơn vị (năm tới)", "date", None,
            help="Để trống: theo mốc ngày 10/01 như năm 2023."),
    Setting("next_block_due", "Hạn tổng kết khối và báo cáo khối (năm tới)", "date", None,
            help="Để trống: theo mốc ngày 15/01 như năm 2023."),
    Setting("next_dossiers_due", "Hạn nộp hồ sơ khen thưởng (năm tới)", "date", None,
            help="Để trống: theo mốc ngày 20/01 như năm 2023."),
)
