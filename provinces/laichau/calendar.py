"""Lai Châu's calendar rules (seed:LC §I.2.a, RULES.md SCR-1)."""

from __future__ import annotations

from portal.api import dateline_date, is_working_day, previous_working_day

GUIDANCE = "Hướng dẫn tổng kết công tác thi đua, khen thưởng năm 2023 tỉnh Lai Châu, mục I.2.a"


def scoring_round_problems(meeting_date, conference_date) -> list[str]:
    """The scoring meeting is held on a working day, "chậm nhất trước 01 ngày làm việc trước khi
    tổ chức Hội nghị tổng kết của Khối": at the latest on the working day before the conference."""
    problems = []
    if not is_working_day(meeting_date):
        problems.append(
            f"Ngày {dateline_date(meeting_date)} không phải ngày làm việc; hội nghị chấm điểm phải họp "
            f"vào ngày làm việc ({GUIDANCE})."
        )
    latest = previous_working_day(conference_date)
    if meeting_date > latest:
        problems.append(
            f"Hội nghị chấm điểm phải họp chậm nhất 01 ngày làm việc trước hội nghị tổng kết "
            f"(muộn nhất ngày {dateline_date(latest)}) ({GUIDANCE})."
        )
    return problems
