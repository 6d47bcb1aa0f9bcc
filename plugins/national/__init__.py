"""Quy định thi đua, khen thưởng toàn quốc (national rules)

The rules every province shares: the national award catalogue from the Law on Emulation and
Commendation (Luật Thi đua, khen thưởng số 06/2022/QH15) and its decrees. Every province has this
plugin enabled; a province plugin adds entries or replaces them by code.
"""

from portal.api import hookimpl

from . import awards, criteria, dossiers, layouts

REQUIRED = True
TITLE = "Quy định toàn quốc"


@hookimpl
def register_award_types():
    return list(awards.AWARD_TYPES)


@hookimpl
def register_report_layouts():
    return list(layouts.LAYOUTS)


@hookimpl
def scoring_criteria(province, block, year):
    return criteria.templates(province, block, year)


@hookimpl
def register_award_categories():
    return list(dossiers.CATEGORIES)


@hookimpl
def dossier_requirements(nomination):
    return dossiers.requirements(nomination)


@hookimpl
def validate_nomination(nomination, award_type):
    return dossiers.findings(nomination, award_type)
