"""Deadlines (监督考核): was a supervision task's work done by its deadline, and how late; when a version waiting
at a step is due (办理期限), and how many working days are left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from registry.calendar import WorkingCalendar
from registry.profile import Task


class Verdict(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"  # done, after the deadline
    OVERDUE = "overdue"  # not done, and the deadline has passed
    PENDING = "pending"  # not done, not due yet

    @property
    def label(self) -> str:
        return _VERDICT_LABELS[self]


_VERDICT_LABELS = {
    Verdict.ON_TIME: "按时完成",
    Verdict.LATE: "逾期完成",
    Verdict.OVERDUE: "逾期未完成",
    Verdict.PENDING: "未到期",
}


@dataclass(frozen=True)
class Judgement:
    task: str
    deadline: date
    done_on: date | None
    verdict: Verdict
    working_days_late: int

    def as_json(self) -> dict[str, object]:
        return {
            "task": self.task,
            "deadline": self.deadline.isoformat(),
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "verdict": self.verdict.value,
            "working_days_late": self.working_days_late,
        }


def judge(task: Task, done_on: date | None, today: date, calendar: WorkingCalendar) -> Judgement:
    """The verdict on `task` for work done on `done_on` (None: not yet), seen on `today`.

    The deadline day itself is on time. Lateness counts the working days after the deadline up to the day the
    work was done; work done on a day off counts from the next working day, so late work is at least one working
    day late. Work still undone is late by the working days that have passed since the deadline.
    """
    if done_on is not None:
        if done_on <= task.deadline:
            return Judgement(task.id, task.deadline, done_on, Verdict.ON_TIME, 0)
        late = calendar.working_days_between(task.deadline, calendar.working_day_on_or_after(done_on))
        return Judgement(task.id, task.deadline, done_on, Verdict.LATE, late)
    if today <= task.deadline:
        return Judgement(task.id, task.deadline, None, Verdict.PENDING, 0)
    return Judgement(task.id, task.deadline, None, Verdict.OVERDUE, calendar.working_days_between(task.deadline, today))


@dataclass(frozen=True)
class StepDeadline:
    deadline: date
    working_days_left: int  # negative: overdue by that many working days; 0: due today

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0


def step_deadline(calendar: WorkingCalendar, since: date, limit: int, today: date) -> StepDeadline:
    """When a version that began waiting at a step on `since` is due, with `limit` working days for the step, and
    how many working days are left on `today`.

    The counting, as Chinese time limits count ("5个工作日内"):
    - The deadline is the `limit`-th working day after `since`. `since` itself never counts, working day or not: a
      version submitted on Friday, Saturday or Sunday with 5 working days is due the next Friday (no 调休).
    - On or before the deadline, the working days left are the working days after `today` up to and including the
      deadline: 0 on the deadline itself (due today), 1 the working day before, and still 1 over the weekend
      between them (a day off uses up nothing).
    - After the deadline it is overdue, by the working days after the deadline up to and including `today`; on a
      day off, up to and including the next working day (as work done then would be): overdue on the Saturday after
      a Friday deadline is overdue by 1. So `working_days_left` < 0 exactly when `today` is after the deadline.
    A weekend day worked (调休上班) is a working day in all of this; a holiday is not.
    """
    if limit < 1:
        raise ValueError(f"a step's time limit is 1 working day or more, not {limit}")
    deadline = calendar.add_working_days(since, limit)
    if today <= deadline:
        return StepDeadline(deadline, calendar.working_days_between(today, deadline))
    return StepDeadline(deadline, -calendar.working_days_between(deadline, calendar.working_day_on_or_after(today)))
