"""A test plugin that implements every hook observably (datasette's ``my_plugin.py`` idea).

``tests/test_hookspecs.py`` checks that this module implements every hook of the spec, so a new
hook cannot land without being exercised through a real plugin.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from portal.api import (
    AwardCategory,
    AwardType,
    BallotRules,
    Band,
    CriteriaTemplate,
    CriterionSpec,
    Deadline,
    Finding,
    RankingRules,
    ReportLayout,
    Requirement,
    hookimpl,
)


@dataclass(frozen=True)
class EverythingData:
    text: str


class EverythingLayout(ReportLayout):
    code = "everything_notice"
    title = "Thông báo thử nghiệm"
    data_class = EverythingData

    def story(self, data):
        return [self.blocks.paragraph(data.text)]


class ReplacedMinutes(EverythingLayout):
    """Same code as the national minutes: a province-rank plugin replaces it."""

    code = "block_minutes"
    title = "Biên bản họp khối (mẫu riêng)"


EVERYTHING_AWARD = AwardType(
    code="everything_award",
    name="Danh hiệu thử nghiệm Đồng Tháp",
    level="provincial",
    recipients=frozenset({"collective"}),
    kind="title",
    report_years=1,
    order=999,
    source="tests/plugins/everything.py",
)


@hookimpl
def register_award_types():
    return [EVERYTHING_AWARD]


@hookimpl
def register_report_layouts():
    return [EverythingLayout(), ReplacedMinutes()]


EVERYTHING_TEMPLATE = CriteriaTemplate(
    code="everything_table",
    name="Bảng tiêu chí thử nghiệm",
    note="Chỉ dùng trong kiểm thử.",
    criteria=(
        CriterionSpec("I", "Thực hiện nhiệm vụ", "scored", Decimal("60")),
        CriterionSpec("I.1", "Chỉ tiêu chuyên môn", "scored", Decimal("40"), parent="I"),
        CriterionSpec("I.2", "Cải cách hành chính", "scored", Decimal("20"), parent="I"),
        CriterionSpec("II", "Điểm thưởng", "bonus", Decimal("5")),
        CriterionSpec("III", "Điểm trừ", "penalty", Decimal("5")),
    ),
)


@hookimpl
def scoring_criteria(block):
    return [EVERYTHING_TEMPLATE] if block is not None else []


@hookimpl
def validate_scoring_round(meeting_date):
    if meeting_date.month == 2 and meeting_date.day == 29:
        return ["Không họp vào ngày 29/02 (quy tắc thử nghiệm)."]
    return None


@hookimpl
def ranking_rules():
    return RankingRules(
        bands=(Band("Xuất sắc", Decimal("60")), Band("Khá", Decimal("40"))),
        tie_breakers=("I.1",),
        source="tests/plugins/everything.py",
    )


@hookimpl
def ballot_rules(award_type):
    """At least 80 % of all member units (like the vote-count record sample)."""
    return BallotRules(basis="members", threshold=Fraction(4, 5), strict=False, tie="runoff",
                       source=f"tests/plugins/everything.py ({award_type.code})")


@hookimpl
def register_award_categories():
    return [AwardCategory("giao_duc", "Khen thưởng ngành giáo dục", 40)]


@hookimpl
def dossier_requirements(nomination):
    if nomination.recipient == "collective":
        return [Requirement("photos", "Ảnh hoạt động tiêu biểu", required=False, source="tests/plugins/everything.py")]
    return []


@hookimpl
def validate_nomination(nomination):
    if nomination.position and "thử" in nomination.position:
        return [Finding("test_warning", "warning", "Chức vụ có chữ “thử”.", "tests/plugins/everything.py, Điều 1")]
    return None


@hookimpl
def award_calendar(year):
    return [Deadline("dossiers", "Nộp hồ sơ (thử nghiệm)", dt.date(year + 1, 2, 1), "block", source="tests")]


@hookimpl
def validate_award_records(counts_by_unit):
    return [
        Finding(f"many:{unit}", "warning", f"{unit}: {sum(c.values())} khen thưởng.", "tests/plugins/everything.py")
        for unit, c in counts_by_unit.items() if sum(c.values()) > 100
    ]
