"""National dossier contents, award categories and eligibility rules (RULES.md §7, D1–D7)."""

from __future__ import annotations

from portal.api import AwardCategory, Finding, Requirement

LAW = "Luật Thi đua, khen thưởng số 06/2022/QH15"
TT_08 = "Thông tư 08/2017/TT-BNV"
TT_15 = "Thông tư 15/2025/TT-BNV"

CATEGORIES = (
    AwardCategory("ktxh", "Khen thưởng thành tích thực hiện nhiệm vụ kinh tế - xã hội", 10),
    AwardCategory("chuyen_de", "Khen thưởng theo chuyên đề", 20),
    AwardCategory("dot_xuat", "Khen thưởng đột xuất", 30),
)

# What a block leader files for the nominations its ballot elected (the Lai Châu guidance §I.2.c
# states the national practice, RULES.md D1).
BLOCK_DOSSIER = (
    Requirement("submission_letter", "Tờ trình đề nghị khen thưởng", layout="submission_letter", source=LAW),
    Requirement("block_minutes", "Biên bản họp Khối thi đua và kết quả bỏ phiếu kín", layout="block_minutes", source=LAW),
    Requirement("vote_count_record", "Biên bản kiểm phiếu", layout="vote_count_record", source=LAW),
    Requirement("achievement_report", "Báo cáo thành tích (có xác nhận của đơn vị trưởng khối)", source=f"{LAW}, Điều 84"),
    Requirement("nominee_summary", "Biểu tổng hợp tóm tắt thành tích", layout="nominee_summary", source=LAW),
)

# A unit's own proposal (RULES.md D2).
UNIT_DOSSIER = (
    Requirement("submission_letter", "Tờ trình đề nghị khen thưởng", layout="submission_letter", source=f"{LAW}, Điều 84"),
    Requirement("council_minutes", "Biên bản họp Hội đồng Thi đua - Khen thưởng của đơn vị", source=f"{LAW}, Điều 84"),
    Requirement("achievement_report", "Báo cáo thành tích", source=f"{LAW}, Điều 84"),
    Requirement("evidence", "Tài liệu kiểm chứng (quyết định xếp loại, công nhận sáng kiến…)", required=False, source=f"{LAW}, Điều 84"),
)


def requirements(nomination) -> list[Requirement]:
    return list(BLOCK_DOSSIER if nomination.block_id else UNIT_DOSSIER)


def findings(nomination, award_type) -> list[Finding]:
    out = []
    unit = nomination.unit
    hold = nomination.hold_reason or (unit.hold_reason if unit is not None and nomination.recipient == "collective" else None)
    if hold:
        out.append(Finding(
            "on_hold", "error",
            f"Chưa xét khen thưởng khi đang xem xét kỷ luật, điều tra, thanh tra, kiểm tra hoặc có đơn thư "
            f"khiếu nại, tố cáo đang được xác minh: {hold}.",
            f"{TT_08} (nguyên tắc giữ nguyên trong hướng dẫn hằng năm của tỉnh)",
        ))
    if unit is not None and not unit.is_active:
        out.append(Finding(
            "dissolved_unit", "error",
            f"{unit.name} đã ngừng hoạt động (giải thể, sáp nhập); không khen thưởng cho đơn vị không còn hoạt động.",
            TT_15,
        ))
    if nomination.recipient not in award_type.recipients:
        who = "tập thể" if nomination.recipient == "collective" else "cá nhân"
        out.append(Finding(
            "wrong_recipient", "error", f"{award_type.name} không dành cho {who}.", f"{LAW} ({award_type.source})",
        ))
    return out
