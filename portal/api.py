"""The stable import surface for plugin authors (CKAN's toolkit idea).

Plugins import from here and nothing else in ``portal``; internals may move freely.
"""

from portal.catalogue import award_types_for
from portal.documents.layout import ReportLayout
from portal.hookspecs import hookimpl
from portal.plugins import hooks_for
from portal.types import AwardType, PluginInfo, StartupError

__all__ = [
    "AwardType",
    "PluginInfo",
    "ReportLayout",
    "StartupError",
    "award_types_for",
    "hookimpl",
    "hooks_for",
]
