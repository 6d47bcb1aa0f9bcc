"""The award catalogue a province sees: the answers of its enabled plugins, merged by code."""

from __future__ import annotations

from portal.plugins import get_registry, merge_by_code
from portal.types import AwardType


def award_types_for(province) -> dict[str, AwardType]:
    """Award types by code, in catalogue order, for the plugins enabled in ``province``."""
    registry = get_registry()
    hooks = registry.hooks(province.enabled_plugin_names)

    def compute():
        merged = merge_by_code(hooks.collect("register_award_types"), "award type")
        for code, item in merged.items():
            if not isinstance(item, AwardType):
                raise TypeError(f"award type {code!r} is a {type(item).__name__}, not AwardType")
        return dict(sorted(merged.items(), key=lambda kv: (kv[1].order, kv[0])))

    return registry.cached(("award_types", hooks.active), compute)


def report_layouts_for(province) -> dict:
    """Printed-document layouts by code for ``province``: a province's layout replaces the
    national one with the same code (``register_report_layouts``)."""
    from portal.documents.layout import ReportLayout

    registry = get_registry()
    hooks = registry.hooks(province.enabled_plugin_names)

    def compute():
        merged = merge_by_code(hooks.collect("register_report_layouts"), "report layout")
        for code, item in merged.items():
            if not isinstance(item, ReportLayout):
                raise TypeError(f"layout {code!r} is a {type(item).__name__}, not ReportLayout")
        return merged

    return registry.cached(("report_layouts", hooks.active), compute)
