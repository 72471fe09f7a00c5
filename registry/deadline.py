"""Deadlines of the supervision tasks (监督考核): was the work done by the task's deadline, and how late."""

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
