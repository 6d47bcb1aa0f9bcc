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


def award_categories_for(province) -> dict:
    """Award categories by code (``register_award_categories``), in their order."""
    from portal.types import AwardCategory

    merged = _registered(province, "register_award_categories", "award category", AwardCategory)
    return dict(sorted(merged.items(), key=lambda kv: (kv[1].order, kv[0])))


def _collect_by_code(province, hook: str, what: str, cls: type, **kwargs) -> dict:
    hooks = get_registry().hooks(province.enabled_plugin_names)
    merged = merge_by_code(hooks.collect(hook, province=province, **kwargs), what)
    for code, item in merged.items():
        if not isinstance(item, cls):
            raise TypeError(f"{what} {code!r} is a {type(item).__name__}, not {cls.__name__}")
    return merged


def requirements_for(province, nomination, award_type) -> list:
    """The dossier checklist for ``nomination`` (``dossier_requirements``), merged by code."""
    from portal.types import Requirement

    return list(_collect_by_code(province, "dossier_requirements", "requirement", Requirement,
                                 nomination=nomination, award_type=award_type).values())


def calendar_for(province, year: int) -> list:
    """The year's deadlines (``award_calendar``), by date."""
    from portal.types import Deadline

    merged = _collect_by_code(province, "award_calendar", "deadline", Deadline, year=year)
    return sorted(merged.values(), key=lambda d: (d.due, d.code))


def findings_for(province, nomination, award_type) -> list:
    """Every plugin's findings about ``nomination`` (``validate_nomination``; veto: all kept)."""
    from portal.types import Finding

    hooks = get_registry().hooks(province.enabled_plugin_names)
    out = []
    for answer in hooks.validate_nomination(province=province, nomination=nomination, award_type=award_type):
        for finding in answer or []:
            if not isinstance(finding, Finding):
                raise TypeError(f"validate_nomination returned a {type(finding).__name__}, not Finding")
            out.append(finding)
    return sorted(out, key=lambda f: (f.severity != "error", f.code))


def award_record_findings(province, year: int) -> list:
    """What the province's plugins say about the awards recorded for ``year`` (one GROUP BY)."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import AwardRecord, RecordStatus, Unit
    from portal.types import Finding

    rows = db.session.execute(
        select(func.coalesce(Unit.name, AwardRecord.recipient_name), AwardRecord.award_code, func.count())
        .outerjoin(Unit, Unit.id == AwardRecord.unit_id)
        .where(AwardRecord.province_id == province.id, AwardRecord.year == year,
               AwardRecord.status == RecordStatus.DECIDED)
        .group_by(func.coalesce(Unit.name, AwardRecord.recipient_name), AwardRecord.award_code)
    )
    counts: dict[str, dict[str, int]] = {}
    for unit_name, code, n in rows:
        counts.setdefault(unit_name, {})[code] = n
    hooks = get_registry().hooks(province.enabled_plugin_names)
    out = []
    for answer in hooks.validate_award_records(province=province, year=year, counts_by_unit=counts):
        for finding in answer or []:
            if not isinstance(finding, Finding):
                raise TypeError(f"validate_award_records returned a {type(finding).__name__}, not Finding")
            out.append(finding)
    return out
