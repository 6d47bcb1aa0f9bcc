"""What a province's enabled plugins register, merged by code: the award catalogue, the layouts."""

from __future__ import annotations

from portal.plugins import get_registry, merge_by_code
from portal.types import AwardType


def _registered(province, hook: str, what: str, cls: type, *, sources: bool = False) -> dict:
    """Collect ``hook`` from the plugins enabled in ``province``, merge by code (higher rank
    replaces), check each answer's type, and cache the result per set of active plugins.
    With ``sources``, values are ``(plugin name, item)``."""
    registry = get_registry()
    hooks = registry.hooks(province.enabled_plugin_names)

    def compute():
        merged = merge_by_code(hooks.collect(hook), what, sources=True)
        for code, (_plugin, item) in merged.items():
            if not isinstance(item, cls):
                raise TypeError(f"{what} {code!r} is a {type(item).__name__}, not {cls.__name__}")
        return merged

    merged = registry.cached((hook, hooks.active), compute)
    return merged if sources else {code: item for code, (_plugin, item) in merged.items()}


def award_types_for(province) -> dict[str, AwardType]:
    """Award types by code, in catalogue order, for the plugins enabled in ``province``."""
    merged = _registered(province, "register_award_types", "award type", AwardType)
    return dict(sorted(merged.items(), key=lambda kv: (kv[1].order, kv[0])))


def report_layouts_for(province, *, sources: bool = False) -> dict:
    """Printed-document layouts by code for ``province``: a province's layout replaces the
    national one with the same code (``register_report_layouts``). With ``sources``, values are
    ``(plugin name, layout)``."""
    from portal.documents.layout import ReportLayout

    return _registered(province, "register_report_layouts", "report layout", ReportLayout, sources=sources)


def criteria_templates_for(province, block, year: int) -> dict:
    """Criteria-table templates offered for ``block`` by ``province``'s plugins, by code
    (``scoring_criteria``; a province's template replaces a generic one with the same code)."""
    from portal.types import CriteriaTemplate

    hooks = get_registry().hooks(province.enabled_plugin_names)
    merged = merge_by_code(hooks.collect("scoring_criteria", province=province, block=block, year=year), "criteria template")
    for code, item in merged.items():
        if not isinstance(item, CriteriaTemplate):
            raise TypeError(f"criteria template {code!r} is a {type(item).__name__}, not CriteriaTemplate")
    return dict(sorted(merged.items(), key=lambda kv: kv[1].name))
