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
