"""Tỉnh Lai Châu

Rules from Lai Châu's guidance for the 2023 year-end review (Hướng dẫn của Hội đồng Thi đua -
Khen thưởng tỉnh Lai Châu, seed ``lai-chau-guidance-2023.md``) and Quyết định 06/2018/QĐ-UBND
ngày 21/02/2018 of the provincial People's Committee.
"""

from portal.api import hookimpl

from . import awards, calendar, criteria, dossiers

TITLE = "Tỉnh Lai Châu"


@hookimpl
def register_award_types():
    return list(awards.AWARD_TYPES)


@hookimpl
def validate_scoring_round(meeting_date, conference_date):
    return calendar.scoring_round_problems(meeting_date, conference_date)


@hookimpl
def scoring_criteria(province, block, year):
    return criteria.templates(province, block, year)


@hookimpl
def award_calendar(year):
    return dossiers.calendar(year)


@hookimpl
def dossier_requirements(nomination):
    return dossiers.requirements(nomination)
