"""Tỉnh Đồng Tháp (thử nghiệm)

A province written only against ``portal.api``, as an outside team would: one award of its own,
a criteria template, a calendar rule for scoring meetings, and its own award-summary layout.
"""

from dataclasses import dataclass
from decimal import Decimal

from portal.api import AwardType, CriteriaTemplate, CriterionSpec, ReportLayout, hookimpl

TITLE = "Tỉnh Đồng Tháp (thử nghiệm)"
SOURCE = "Quyết định mẫu 01/2026/QĐ-UBND tỉnh Đồng Tháp (dùng trong kiểm thử)"


@dataclass(frozen=True)
class NoticeData:
    text: str


class DongThapNotice(ReportLayout):
    code = "dongthap_notice"
    title = "Thông báo Đồng Tháp"
    data_class = NoticeData

    def story(self, data):
        return [self.blocks.paragraph("TỈNH ĐỒNG THÁP — " + data.text)]

    def sample(self):
        return NoticeData("Thông báo kết quả thi đua năm 2025 của các khối thi đua.")


@hookimpl
def register_award_types():
    return [
        AwardType(
            code="bang_khen_sen_hong", name="Bằng khen Sen Hồng của tỉnh", level="provincial",
            recipients=frozenset({"collective", "individual"}), kind="form", report_years=1, order=115, source=SOURCE,
        )
    ]


@hookimpl
def scoring_criteria(block):
    return [
        CriteriaTemplate(
            code="dongthap_khoi", name="Bảng tiêu chí khối Đồng Tháp", note="Mẫu thử nghiệm.", source=SOURCE,
            criteria=(
                CriterionSpec("A", "Nhiệm vụ chuyên môn", "scored", Decimal("70")),
                CriterionSpec("B", "Phong trào thi đua", "scored", Decimal("30")),
            ),
        )
    ]


@hookimpl
def validate_scoring_round(meeting_date, conference_date):
    if meeting_date.weekday() == 0:
        return [f"Đồng Tháp không họp chấm điểm vào thứ Hai ({SOURCE}, Điều 3)."]
    return None


@hookimpl
def register_report_layouts():
    return [DongThapNotice()]
