"""Tỉnh Trà Vinh

Trà Vinh's 2023 summary report (Báo cáo số 315/BC-UBND ngày 15/11/2023 của Chủ tịch UBND tỉnh, seed
``tra-vinh-report-2023.md``): its award tables and ratios, its award categories, and the
inspection rule on grassroots emulation soldiers. Trà Vinh became part of Vĩnh Long on 01/07/2025;
its records and reports for earlier years keep its name and this plugin.
"""

from portal.api import AwardCategory, hookimpl, plugin_setting

from . import inspection, report
from .settings import PLUGIN, SETTINGS  # noqa: F401  (SETTINGS is read by the core)

TITLE = "Tỉnh Trà Vinh"


@hookimpl
def register_award_categories():
    # The provincial flag is also awarded for education and for military recruitment (§II.3).
    return [
        AwardCategory("giao_duc", "Khen thưởng ngành giáo dục", 40),
        AwardCategory("tuyen_quan", "Khen thưởng công tác tuyển quân", 50),
    ]


@hookimpl
def register_report_layouts():
    return [report.TraVinhAwardSummary()]


@hookimpl
def validate_award_records(province, counts_by_unit):
    return inspection.cap_findings(counts_by_unit, plugin_setting(province, PLUGIN, "cstd_cap_percent"))
