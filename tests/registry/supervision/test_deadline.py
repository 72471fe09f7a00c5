"""Verdicts on the supervision tasks' deadlines and the deadlines of a version's steps, counted in working days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.calendar import WorkingCalendar
from registry.profile import Task, load_profile
from registry.supervision.deadline import Verdict, judge, step_deadline

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


# -- a step's deadline (办理期限) ------------------------------------------------------------------------------------

MONDAY, FRIDAY, SATURDAY = date(2021, 3, 1), date(2021, 3, 5), date(2021, 3, 6)


def test_a_step_is_due_the_limit_th_working_day_after_the_day_it_began() -> None:
    due = step_deadline(CALENDAR, MONDAY, 5, date(2021, 3, 2))

    assert (due.deadline, due.working_days_left, due.overdue) == (date(2021, 3, 8), 4, False)


def test_a_version_that_began_waiting_at_the_weekend_is_due_as_if_it_began_on_the_friday() -> None:
    assert step_deadline(CALENDAR, SATURDAY, 5, SATURDAY).deadline == date(2021, 3, 12)
    assert step_deadline(CALENDAR, FRIDAY, 5, FRIDAY).deadline == date(2021, 3, 12)


def test_a_holiday_start_counts_from_the_holiday_s_end_and_a_make_up_saturday_counts() -> None:
    # 国庆节 1-7 October 2021; Saturday 9 October is worked (调休): 8, 9, 11, 12, 13.
    due = step_deadline(CALENDAR, date(2021, 10, 1), 5, date(2021, 10, 8))

    assert (due.deadline, due.working_days_left) == (date(2021, 10, 13), 4)


def test_on_the_deadline_itself_it_is_due_today_and_not_overdue() -> None:
    due = step_deadline(CALENDAR, MONDAY, 5, date(2021, 3, 8))

    assert (due.working_days_left, due.overdue) == (0, False)


def test_the_working_day_after_the_deadline_it_is_one_working_day_overdue() -> None:
    due = step_deadline(CALENDAR, MONDAY, 5, date(2021, 3, 9))

    assert (due.working_days_left, due.overdue) == (-1, True)


def test_a_weekend_before_the_deadline_uses_up_no_working_day() -> None:
    # Due Monday 8 March: one working day left on the Friday and still one over the weekend.
    assert [step_deadline(CALENDAR, MONDAY, 5, date(2021, 3, d)).working_days_left for d in (5, 6, 7)] == [1, 1, 1]


def test_the_weekend_after_a_friday_deadline_is_already_overdue() -> None:
    due = step_deadline(CALENDAR, FRIDAY, 5, date(2021, 3, 13))

    assert (due.deadline, due.working_days_left, due.overdue) == (date(2021, 3, 12), -1, True)


def test_a_make_up_saturday_after_the_deadline_counts_as_a_working_day_overdue() -> None:
    # Due Friday 8 October 2021 (the first working day after 国庆节); Saturday 9 October is worked, Sunday is not.
    lateness = [step_deadline(CALENDAR, date(2021, 9, 30), 1, date(2021, 10, d)).working_days_left for d in (9, 10, 11)]

    assert lateness == [-1, -2, -2]


def test_a_step_has_at_least_one_working_day() -> None:
    with pytest.raises(ValueError, match="1 working day or more"):
        step_deadline(CALENDAR, MONDAY, 0, MONDAY)


@given(
    since=st.dates(date(2020, 1, 1), date(2026, 12, 31)),
    limit=st.integers(1, 30),
    later=st.integers(0, 90),
)
def test_overdue_exactly_after_the_deadline_and_left_is_the_limit_less_the_days_waited(
    since: date, limit: int, later: int
) -> None:
    today = since + timedelta(days=later)
    due = step_deadline(CALENDAR, since, limit, today)

    assert due.overdue == (today > due.deadline)
    assert (due.working_days_left == 0) == (today == due.deadline)
    if CALENDAR.is_working_day(today):
        assert due.working_days_left == limit - CALENDAR.working_days_between(since, today)
