"""Mẫu bảng tiêu chí chấm điểm thi đua chung cho khối các sở, ban, ngành tỉnh.

A starting point to adapt, not a national rule: no national text fixes the criteria or the points
of a block's table (RULES.md §6 S4, S8); every province issues its own ("bảng điểm các khối thi
đua", e.g. Ninh Thuận QĐ 27/2016/QĐ-UBND, Bình Định QĐ 3853/QĐ-UBND 2018). The groups follow what
those tables and the Law's emulation criteria have in common (Luật Thi đua, khen thưởng số
06/2022/QH15, Điều 16 k2 c: thi đua theo cụm, khối; Điều 26: Cờ thi đua cấp tỉnh). Scored groups
add up to 100 points; bonus points are capped at 10 and penalties at 10 (province parameters).
"""

from __future__ import annotations

from decimal import Decimal as D

from portal.api import CriteriaTemplate, CriterionSpec


def _c(code, title, kind, points, parent=None, guidance=""):
    return CriterionSpec(code, title, kind, None if points is None else D(points), parent, guidance)


CRITERIA = (
    _c("I", "Thực hiện nhiệm vụ chính trị, chuyên môn", "scored", "40"),
    _c(
        "I.1",
        "Xây dựng, ban hành kế hoạch thực hiện nhiệm vụ năm và tổ chức triển khai đúng thời hạn",
        "scored",
        "5",
        "I",
        "Có kế hoạch trong quý I: 5 điểm; ban hành chậm: 3 điểm; không có kế hoạch: 0 điểm.",
    ),
    _c(
        "I.2",
        "Hoàn thành các chỉ tiêu, nhiệm vụ chuyên môn được UBND tỉnh giao trong năm",
        "scored",
        "20",
        "I",
        "Tính theo tỷ lệ chỉ tiêu hoàn thành: đạt 100% được tối đa; mỗi chỉ tiêu không đạt trừ 2 điểm. "
        "Kèm báo cáo kết quả thực hiện chỉ tiêu.",
    ),
    _c(
        "I.3",
        "Tham mưu ban hành văn bản, đề án, chính sách thuộc lĩnh vực quản lý đúng tiến độ, bảo đảm chất lượng",
        "scored",
        "10",
        "I",
        "Căn cứ chương trình công tác của UBND tỉnh; mỗi nhiệm vụ chậm tiến độ trừ 1 điểm.",
    ),
    _c(
        "I.4",
        "Thực hiện chế độ thông tin, báo cáo định kỳ, đột xuất đầy đủ, đúng hạn",
        "scored",
        "5",
        "I",
        "Mỗi báo cáo chậm hoặc thiếu trừ 0,5 điểm.",
    ),
    _c("II", "Công tác thi đua, khen thưởng", "scored", "20"),
    _c(
        "II.1",
        "Ban hành kế hoạch, phát động phong trào thi đua thường xuyên và theo chuyên đề; ký kết giao ước thi đua",
        "scored",
        "5",
        "II",
    ),
    _c(
        "II.2",
        "Sơ kết, tổng kết phong trào thi đua; phát hiện, bồi dưỡng, nhân rộng điển hình tiên tiến",
        "scored",
        "5",
        "II",
    ),
    _c(
        "II.3",
        "Khen thưởng đúng quy định, kịp thời; quan tâm khen thưởng người lao động trực tiếp",
        "scored",
        "5",
        "II",
        "Hồ sơ trình khen thưởng đúng thời hạn, không bị trả lại: tối đa.",
    ),
    _c(
        "II.4",
        "Kiện toàn Hội đồng Thi đua - Khen thưởng; bố trí cán bộ làm công tác thi đua, khen thưởng; trích lập, sử dụng Quỹ thi đua, khen thưởng",
        "scored",
        "5",
        "II",
    ),
    _c("III", "Cải cách hành chính, chuyển đổi số", "scored", "15"),
    _c(
        "III.1",
        "Kết quả Chỉ số cải cách hành chính của cơ quan, đơn vị",
        "scored",
        "5",
        "III",
        "Theo kết quả xác định Chỉ số cải cách hành chính năm do tỉnh công bố.",
    ),
    _c(
        "III.2",
        "Giải quyết thủ tục hành chính đúng hạn; cung cấp dịch vụ công trực tuyến",
        "scored",
        "5",
        "III",
    ),
    _c(
        "III.3",
        "Ứng dụng công nghệ thông tin, chuyển đổi số; văn bản điện tử, chữ ký số",
        "scored",
        "5",
        "III",
    ),
    _c("IV", "Xây dựng Đảng, đoàn thể, cơ quan văn hóa", "scored", "15"),
    _c(
        "IV.1",
        "Tổ chức cơ sở Đảng được xếp loại hoàn thành tốt nhiệm vụ trở lên",
        "scored",
        "5",
        "IV",
    ),
    _c(
        "IV.2",
        "Công đoàn, Đoàn Thanh niên và các đoàn thể của cơ quan được đánh giá vững mạnh",
        "scored",
        "4",
        "IV",
    ),
    _c(
        "IV.3",
        "Thực hiện quy chế dân chủ ở cơ sở, văn hóa công sở; nội bộ đoàn kết",
        "scored",
        "3",
        "IV",
    ),
    _c(
        "IV.4",
        "Thực hành tiết kiệm, chống lãng phí; phòng, chống tham nhũng, tiêu cực",
        "scored",
        "3",
        "IV",
    ),
    _c("V", "Tham gia hoạt động của Khối", "scored", "10"),
    _c(
        "V.1",
        "Tham dự đầy đủ các hội nghị, hoạt động do Khối tổ chức",
        "scored",
        "4",
        "V",
        "Mỗi lần vắng không có lý do trừ 1 điểm.",
    ),
    _c(
        "V.2",
        "Gửi báo cáo, bảng tự chấm điểm và tài liệu kiểm chứng cho Khối trưởng đúng hạn",
        "scored",
        "3",
        "V",
    ),
    _c(
        "V.3",
        "Phối hợp, hỗ trợ các đơn vị trong Khối; tham gia hoạt động chung, an sinh xã hội do Khối phát động",
        "scored",
        "3",
        "V",
    ),
    _c("VI", "Điểm cộng (tối đa 10 điểm)", "bonus", "10"),
    _c(
        "VI.1",
        "Có mô hình mới, cách làm hay, sáng kiến được cấp có thẩm quyền công nhận",
        "bonus",
        "4",
        "VI",
        "Mỗi mô hình, sáng kiến được công nhận cộng 2 điểm.",
    ),
    _c("VI.2", "Được khen thưởng đột xuất, chuyên đề của cấp trên trong năm", "bonus", "3", "VI"),
    _c("VI.3", "Hoàn thành vượt mức chỉ tiêu, nhiệm vụ trọng tâm được giao", "bonus", "3", "VI"),
    _c("VII", "Điểm trừ (tối đa 10 điểm)", "penalty", "10"),
    _c(
        "VII.1",
        "Gửi báo cáo, hồ sơ cho Khối hoặc Sở Nội vụ chậm, không gửi",
        "penalty",
        "3",
        "VII",
        "Mỗi lần trừ 1 điểm.",
    ),
    _c("VII.2", "Không tham dự hội nghị, hoạt động của Khối không có lý do", "penalty", "2", "VII"),
    _c(
        "VII.3",
        "Tập thể, cá nhân trong cơ quan bị xử lý kỷ luật; để xảy ra vụ việc phức tạp, đơn thư vượt cấp",
        "penalty",
        "5",
        "VII",
        "Không xét khen thưởng khi đang bị xem xét kỷ luật hoặc điều tra, thanh tra (RULES.md D6).",
    ),
    _c(
        "VIII",
        "Tài liệu kiểm chứng kèm theo bảng tự chấm điểm",
        "info",
        None,
        None,
        "Báo cáo tổng kết năm, quyết định xếp loại, quyết định công nhận sáng kiến…; không tính điểm.",
    ),
)

DEPARTMENTS = CriteriaTemplate(
    code="national_departments",
    name="Mẫu chung: khối các sở, ban, ngành tỉnh (100 điểm)",
    criteria=CRITERIA,
    note=(
        "Mẫu tham khảo để các khối điều chỉnh: không có văn bản trung ương quy định thang điểm; "
        "5 nhóm chấm điểm cộng 100 điểm, điểm cộng tối đa 10, điểm trừ tối đa 10."
    ),
    source="RULES.md §6 S4–S8; Luật Thi đua, khen thưởng số 06/2022/QH15, Điều 16, Điều 26",
)


def templates(province, block, year) -> list[CriteriaTemplate]:
    return [DEPARTMENTS]
