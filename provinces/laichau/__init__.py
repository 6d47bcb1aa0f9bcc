"""Tỉnh Lai Châu

Rules from Lai Châu's guidance for the 2023 year-end review (Hướng dẫn của Hội đồng Thi đua -
Khen thưởng tỉnh Lai Châu, seed ``lai-chau-guidance-2023.md``) and Quyết định 06/2018/QĐ-UBND
ngày 21/02/2018 of the provincial People's Committee.
"""

from portal.api import hookimpl

from . import awards, calendar

TITLE = "Tỉnh Lai Châu"


@hookimpl
def register_award_types():
    return list(awards.AWARD_TYPES)


@hookimpl
def validate_scoring_round(meeting_date, conference_date):
    return calendar.scoring_round_problems(meeting_date, conference_date)
