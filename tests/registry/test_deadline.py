"""Verdicts on the supervision tasks' deadlines, counted in working days."""

from __future__ import annotations

from datetime import date

from registry.calendar import WorkingCalendar
from registry.deadline import Verdict, judge
from registry.profile import Task, load_profile

CALENDAR = WorkingCalendar.of(load_profile())
UNIT_CATALOGS = Task(id="unit-catalogs", title="编制本单位目录", scope="unit-catalogs", deadline=date(2020, 7, 15))
DOMAIN_CATALOGS = Task(
    id="domain-catalogs", title="编制26个领域目录", scope="domain-catalogs", deadline=date(2020, 10, 31)
)


def test_work_done_on_the_deadline_is_on_time() -> None:
    judgement = judge(UNIT_CATALOGS, date(2020, 7, 15), date(2020, 12, 31), CALENDAR)

    assert (judgement.verdict, judgement.working_days_late) == (Verdict.ON_TIME, 0)


def test_work_done_after_the_deadline_is_late_by_the_working_days_since() -> None:
    judgement = judge(UNIT_CATALOGS, date(2020, 7, 27), date(2020, 12, 31), CALENDAR)

    assert (judgement.verdict, judgement.working_days_late) == (Verdict.LATE, 8)


def test_work_done_on_a_day_off_after_the_deadline_counts_from_the_next_working_day() -> None:
    # Due Saturday 31 October; done Sunday 1 November, seen Monday 2 November.
    judgement = judge(DOMAIN_CATALOGS, date(2020, 11, 1), date(2020, 12, 31), CALENDAR)

    assert (judgement.verdict, judgement.working_days_late) == (Verdict.LATE, 1)


def test_work_not_done_past_the_deadline_is_overdue_by_the_working_days_so_far() -> None:
    judgement = judge(UNIT_CATALOGS, None, date(2020, 7, 20), CALENDAR)

    assert (judgement.verdict, judgement.working_days_late, judgement.done_on) == (Verdict.OVERDUE, 3, None)


def test_work_not_done_before_the_deadline_is_pending() -> None:
    judgement = judge(DOMAIN_CATALOGS, None, date(2020, 10, 31), CALENDAR)

    assert (judgement.verdict, judgement.working_days_late) == (Verdict.PENDING, 0)


def test_a_judgement_reads_as_json() -> None:
    assert judge(UNIT_CATALOGS, date(2020, 7, 27), date(2020, 12, 31), CALENDAR).as_json() == {
        "task": "unit-catalogs",
        "deadline": "2020-07-15",
        "done_on": "2020-07-27",
        "verdict": "late",
        "working_days_late": 8,
    }
