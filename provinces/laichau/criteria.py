"""Mẫu bảng chấm điểm thi đua các khối của tỉnh Lai Châu, để các khối điều chỉnh.

Built from the Lai Châu guidance for the 2023 year-end review (Hướng dẫn tổng kết công tác thi
đua, khen thưởng năm 2023 của Hội đồng Thi đua, Khen thưởng tỉnh, seed ``lai-chau-guidance-
2023.md``): the groups follow its report outline (mục II "Kết quả thực hiện": lãnh đạo, chỉ đạo;
the province's four key movements; khen thưởng; tuyên truyền; cán bộ, kiểm tra, quỹ; cải cách hành
chính, CNTT), and §I.2.a: the block leader chairs the scoring meeting, at the latest one working
day before the block's summary conference, and sends the agreed results to Sở Nội vụ (Phòng Thi
đua, khen thưởng). The guidance gives no points: the points below are a proposal that each block
adapts at its scoring meeting (RULES.md §6 S8).
"""

from __future__ import annotations

from decimal import Decimal as D

from portal.api import CriteriaTemplate, CriterionSpec


def _c(code, title, kind, points, parent=None, guidance=""):
    return CriterionSpec(code, title, kind, None if points is None else D(points), parent, guidance)


CRITERIA = (
    _c("I", "Lãnh đạo, chỉ đạo thực hiện công tác thi đua, khen thưởng", "scored", "15"),
    _c(
        "I.1",
        "Tổ chức thực hiện Chỉ thị số 34-CT/TW ngày 07/4/2014 của Bộ Chính trị về tiếp tục đổi mới công tác thi đua, khen thưởng",
        "scored",
        "5",
        "I",
    ),
    _c(
        "I.2",
        "Tổ chức thực hiện Chỉ thị số 09/CT-UBND ngày 11/8/2021 của UBND tỉnh (phát động thi đua thực hiện nhiệm vụ phát triển kinh tế - xã hội hằng năm và 5 năm 2021-2025)",
        "scored",
        "5",
        "I",
    ),
    _c(
        "I.3",
        "Triển khai Luật Thi đua, khen thưởng năm 2022, các văn bản hướng dẫn và Quyết định số 06/2018/QĐ-UBND ngày 21/02/2018 của UBND tỉnh",
        "scored",
        "5",
        "I",
    ),
    _c("II", "Thực hiện nhiệm vụ chính trị, chuyên môn được giao", "scored", "35"),
    _c(
        "II.1",
        "Hoàn thành các chỉ tiêu, nhiệm vụ phát triển kinh tế - xã hội, chuyên môn được UBND tỉnh giao",
        "scored",
        "25",
        "II",
        "Kèm báo cáo tổng kết năm; mỗi chỉ tiêu không đạt trừ 2 điểm.",
    ),
    _c(
        "II.2",
        "Thực hiện các nhiệm vụ trọng tâm, đột xuất được giao; chất lượng tham mưu",
        "scored",
        "10",
        "II",
    ),
    _c("III", "Tổ chức các phong trào thi đua trọng tâm của tỉnh", "scored", "20"),
    _c(
        "III.1",
        "Phong trào thi đua “Lai Châu chung sức xây dựng nông thôn mới”",
        "scored",
        "5",
        "III",
    ),
    _c(
        "III.2",
        "Phong trào thi đua “Lai Châu chung tay vì người nghèo - không để ai bị bỏ lại phía sau”",
        "scored",
        "5",
        "III",
    ),
    _c(
        "III.3",
        "Phong trào thi đua “Cán bộ, công chức, viên chức tỉnh Lai Châu thi đua thực hiện văn hóa công sở”",
        "scored",
        "5",
        "III",
    ),
    _c(
        "III.4",
        "Phong trào thi đua “Đẩy mạnh phát triển kết cấu hạ tầng đồng bộ, hiện đại; thực hành tiết kiệm, chống lãng phí”",
        "scored",
        "5",
        "III",
    ),
    _c("IV", "Công tác khen thưởng; tuyên truyền, nhân rộng điển hình tiên tiến", "scored", "15"),
    _c(
        "IV.1",
        "Khen thưởng đúng quy định; tăng tỷ lệ khen thưởng người lao động trực tiếp (không là lãnh đạo, quản lý)",
        "scored",
        "5",
        "IV",
    ),
    _c(
        "IV.2",
        "Tuyên truyền, phát hiện, nhân rộng điển hình tiên tiến (mỗi phong trào 1-2 điển hình tiêu biểu)",
        "scored",
        "5",
        "IV",
    ),
    _c(
        "IV.3",
        "Cán bộ làm công tác thi đua, khen thưởng; tập huấn; kiểm tra, giải quyết đơn thư; Quỹ thi đua, khen thưởng",
        "scored",
        "5",
        "IV",
    ),
    _c(
        "V",
        "Cải cách hành chính, ứng dụng công nghệ thông tin; tham gia hoạt động của Khối",
        "scored",
        "15",
    ),
    _c(
        "V.1",
        "Cải cách hành chính, đơn giản hóa thủ tục hành chính trong công tác thi đua, khen thưởng",
        "scored",
        "5",
        "V",
    ),
    _c(
        "V.2",
        "Ứng dụng công nghệ thông tin trong quản lý thi đua, khen thưởng; lưu trữ hồ sơ khen thưởng",
        "scored",
        "5",
        "V",
    ),
    _c(
        "V.3",
        "Gửi báo cáo tổng kết về Hội đồng Thi đua, Khen thưởng tỉnh (qua Sở Nội vụ) đúng hạn; dự Hội nghị chấm điểm và Hội nghị tổng kết của Khối",
        "scored",
        "5",
        "V",
        "Năm 2023: báo cáo trước ngày 10/01/2024; các khối tổng kết xong trước ngày 15/01/2024 (Hướng dẫn năm 2023, mục I).",
    ),
    _c("VI", "Điểm thưởng (tối đa 5 điểm)", "bonus", "5"),
    _c(
        "VI.1",
        "Có mô hình mới, điển hình tiên tiến được tỉnh biểu dương, nhân rộng",
        "bonus",
        "3",
        "VI",
    ),
    _c("VI.2", "Được khen thưởng đột xuất, chuyên đề trong năm", "bonus", "2", "VI"),
    _c("VII", "Điểm trừ (tối đa 10 điểm)", "penalty", "10"),
    _c(
        "VII.1",
        "Gửi báo cáo, hồ sơ chậm hoặc không đúng hướng dẫn",
        "penalty",
        "5",
        "VII",
        "Mỗi lần trừ 1 điểm.",
    ),
    _c(
        "VII.2",
        "Tập thể, cá nhân bị kỷ luật; đang bị thanh tra, kiểm tra có dấu hiệu vi phạm hoặc có đơn thư đang xác minh",
        "penalty",
        "5",
        "VII",
        "Hướng dẫn năm 2023, mục II, phần Lưu ý.",
    ),
)

TEMPLATE = CriteriaTemplate(
    code="laichau_blocks",
    name="Mẫu của tỉnh Lai Châu: bảng chấm điểm khối thi đua (để các khối điều chỉnh)",
    criteria=CRITERIA,
    note=(
        "Mẫu để các khối điều chỉnh, xây dựng theo Hướng dẫn tổng kết công tác thi đua, khen thưởng "
        "năm 2023 của Hội đồng Thi đua, Khen thưởng tỉnh; hướng dẫn không quy định thang điểm. "
        "Kết quả chấm điểm do Khối trưởng tổng hợp gửi Sở Nội vụ (Phòng Thi đua, khen thưởng)."
    ),
    source=(
        "Hướng dẫn tổng kết công tác thi đua, khen thưởng năm 2023 của HĐTĐKT tỉnh Lai Châu, mục I.2.a "
        "và đề cương báo cáo mục II; QĐ 06/2018/QĐ-UBND ngày 21/02/2018"
    ),
)


def templates(province, block, year) -> list[CriteriaTemplate]:
    return [TEMPLATE]
