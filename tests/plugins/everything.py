"""A test plugin that implements every hook observably (datasette's ``my_plugin.py`` idea).

``tests/test_hookspecs.py`` checks that this module implements every hook of the spec, so a new
hook cannot land without being exercised through a real plugin.
"""

from dataclasses import dataclass

from portal.api import AwardType, ReportLayout, hookimpl


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
