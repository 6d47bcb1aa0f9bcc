"""The stable import surface for plugin authors (CKAN's toolkit idea).

Plugins import from here and nothing else in ``portal``; internals may move freely.
"""

from portal.catalogue import award_types_for
from portal.documents.data import AwardSummaryData
from portal.documents.formatting import format_int, format_percent
from portal.documents.formatting import short_date as dateline_date
from portal.documents.layout import ReportLayout
from portal.hookspecs import hookimpl
from portal.logic.calendar import is_working_day, previous_working_day
from portal.plugins import hooks_for
from portal.settings import plugin_setting
from portal.types import (
    AwardCategory,
    AwardType,
    BallotRules,
    Band,
    CriteriaTemplate,
    CriterionSpec,
    Deadline,
    Finding,
    PluginInfo,
    RankingRules,
    Requirement,
    Setting,
    StartupError,
)

__all__ = [
    "AwardSummaryData",
    "award_summary_data",
    "format_int",
    "format_percent",
    "Setting",
    "plugin_setting",
    "AwardCategory",
    "Deadline",
    "Finding",
    "Requirement",
    "BallotRules",
    "Band",
    "CriteriaTemplate",
    "CriterionSpec",
    "RankingRules",
    "dateline_date",
    "is_working_day",
    "previous_working_day",
    "AwardType",
    "PluginInfo",
    "ReportLayout",
    "StartupError",
    "award_types_for",
    "hookimpl",
    "hooks_for",
]


def award_summary_data(stats, *, attached_to: str = ""):
    """The generic two-level table's data from a province's statistics (for layouts that
    replace ``award_summary`` and print more around it)."""
    from portal.services.award_statistics import summary_data

    return summary_data(stats, attached_to=attached_to)
