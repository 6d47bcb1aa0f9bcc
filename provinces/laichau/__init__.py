"""Tỉnh Lai Châu

Rules from Lai Châu's guidance for the 2023 year-end review (Hướng dẫn của Hội đồng Thi đua -
Khen thưởng tỉnh Lai Châu, seed ``lai-chau-guidance-2023.md``) and Quyết định 06/2018/QĐ-UBND
ngày 21/02/2018 of the provincial People's Committee.
"""

from fractions import Fraction

from portal.api import BallotRules, hookimpl, plugin_setting

from . import awards, calendar, criteria, dossiers, report, rules, settings
from .settings import PLUGIN, SETTINGS  # noqa: F401  (SETTINGS is read by the core)

TITLE = "Tỉnh Lai Châu"


@hookimpl
def register_award_types():
    return list(awards.AWARD_TYPES)


@hookimpl
def register_report_layouts():
    """The annual report after the guidance's outline, in place of the national ``award_summary``
    (``report``; seed:LC, RULES.md R7)."""
    return list(report.LAYOUTS)


@hookimpl
def validate_scoring_round(meeting_date, conference_date):
    return calendar.scoring_round_problems(meeting_date, conference_date)


@hookimpl
def scoring_criteria(province, block, year):
    return criteria.templates(province, block, year)


@hookimpl
def award_calendar(province, year):
    overrides = {
        key: plugin_setting(province, PLUGIN, f"next_{key}")
        for key in ("unit_report_due", "block_due", "dossiers_due")
    }
    return dossiers.calendar(year, overrides)


@hookimpl
def ballot_rules(province, award_type):
    """The block's secret ballot (seed:LC §I.2.b–c): the rule the province officer set, by default
    more than half of all member units."""
    threshold = plugin_setting(province, PLUGIN, "ballot_threshold")
    return BallotRules(
        basis=plugin_setting(province, PLUGIN, "ballot_basis"),
        threshold=Fraction(threshold),
        strict=plugin_setting(province, PLUGIN, "ballot_strict"),
        tie=plugin_setting(province, PLUGIN, "ballot_tie"),
        source=f"{settings.QD_06} (thiết lập của tỉnh; {award_type.name})",
    )


@hookimpl
def dossier_requirements(nomination, award_type):
    """The enterprise confirmations (``dossiers``); the achievement report titled with its period
    and the audit reports of state-level nominations (``rules``)."""
    return dossiers.requirements(nomination) + rules.requirements(nomination, award_type)


@hookimpl
def validate_nomination(nomination, award_type):
    """Certificate-of-merit quotas and the list's structure, each citing the rule set in force
    (``rules``); holds and dissolved units are the national plugin's."""
    return rules.findings(nomination, award_type)
