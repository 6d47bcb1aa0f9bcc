"""Lai Châu's calendar and dossier additions (seed:LC §I.1–2, §II Lưu ý, §IV; RULES.md DL-1, D5)."""

from __future__ import annotations

import datetime as dt

from portal.api import Deadline, Requirement

GUIDANCE = "Hướng dẫn tổng kết công tác thi đua, khen thưởng năm 2023 tỉnh Lai Châu"


def calendar(year: int, overrides: dict | None = None) -> list[Deadline]:
    """The review of emulation ``year`` happens in January of the next year. The 2023 dates are the
    guidance's; the province officer sets next year's (``overrides``: dates whose year is
    ``year + 1``); otherwise the 2023 day and month are used, with a note saying so."""
    nxt = year + 1
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None and v.year == nxt}
    default_note = "" if year == 2023 else "Dự kiến theo mốc của năm 2023; Sở Nội vụ điều chỉnh khi có hướng dẫn mới."

    def due(key, day):
        if key in overrides:
            return overrides[key], "Theo thiết lập của Sở Nội vụ."
        return dt.date(nxt, 1, day), default_note

    unit_due, unit_note = due("unit_report_due", 10)
    block_due, block_note = due("block_due", 15)
    dossier_due, dossier_note = due("dossiers_due", 20)
    return [
        Deadline("unit_report", "Báo cáo tổng kết công tác thi đua, khen thưởng của đơn vị gửi Hội đồng TĐKT tỉnh (qua Sở Nội vụ)",
                 unit_due, "unit", unit_note, f"{GUIDANCE}, mục I.1"),
        Deadline("block_conference", "Hoàn thành hội nghị tổng kết các khối thi đua",
                 block_due, "block", block_note, f"{GUIDANCE}, mục I.2"),
        Deadline("block_report", "Khối trưởng gửi báo cáo tổng kết khối và kết quả chấm điểm",
                 block_due, "block", block_note, f"{GUIDANCE}, mục I.2.a"),
        Deadline("dossiers", "Nộp hồ sơ đề nghị khen thưởng tại Trung tâm Phục vụ hành chính công tỉnh "
                 "(bản điện tử gửi btdkt.sonv@laichau.gov.vn)",
                 dossier_due, "block", dossier_note, f"{GUIDANCE}, mục IV"),
    ]


def requirements(nomination) -> list[Requirement]:
    """Enterprises, co-operatives and their heads proposed for provincial awards attach tax and
    social-insurance confirmations for the report's years (§II, Lưu ý)."""
    unit = nomination.unit
    if unit is None or unit.kind.value != "enterprise":
        return []
    source = f"{GUIDANCE}, mục II, Lưu ý"
    return [
        Requirement("tax_confirmation", "Xác nhận của cơ quan quản lý thuế (tương ứng số năm báo cáo thành tích)", source=source),
        Requirement("insurance_confirmation", "Xác nhận của cơ quan Bảo hiểm xã hội về đóng bảo hiểm cho người lao động",
                    source=source),
    ]
