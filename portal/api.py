"""The stable import surface for plugin authors (CKAN's toolkit idea).

Plugins import from here and nothing else in ``portal``; internals may move freely.
"""

from portal.catalogue import award_types_for
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
