"""Working days (工作日): weekends and holidays off, make-up working days (调休上班) on, in the jurisdiction's time."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from registry.profile import Profile


class WorkingCalendar:
    """Working-day arithmetic over a profile's holidays and make-up working days.

    A day the profile does not list is a working day from Monday to Friday: years the profile does not cover
    count weekends only.
    """

    def __init__(self, holidays: Iterable[date] = (), workdays: Iterable[date] = (), timezone: str = "UTC") -> None:
        off, on = frozenset(holidays), frozenset(workdays)
        if off & on:
            raise ValueError(f"days both off and worked: {', '.join(map(str, sorted(off & on)))}")
        # Only the exceptions to the weekly rhythm matter: holidays on weekdays, worked days on weekends.
        self._off = sorted(day for day in off if day.weekday() < 5)
        self._on = sorted(day for day in on if day.weekday() >= 5)
        self._off_set, self._on_set = frozenset(self._off), frozenset(self._on)
        self.zone = ZoneInfo(timezone)

    @classmethod
    def of(cls, profile: Profile) -> WorkingCalendar:
        return cls(profile.holidays, profile.workdays, profile.timezone)

    def is_working_day(self, day: date) -> bool:
        if day in self._on_set:
            return True
        return day.weekday() < 5 and day not in self._off_set

    def working_days_between(self, start: date, end: date) -> int:
        """The working days after `start` up to and including `end` (negative when `end` comes first).

        Submitted on Monday and still waiting on Tuesday: 1. Due on the 15th and done on the 17th: 2 days late.
        """
        return self._count(end) - self._count(start)

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (before it, for negative `days`); `start` itself for 0.

        As Chinese time limits count: "20个工作日内" from a day ends on add_working_days(that day, 20).
        """
        step = timedelta(days=1 if days >= 0 else -1)
        day, remaining = start, abs(days)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_day_on_or_after(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def day_of(self, moment: datetime) -> date:
        """The jurisdiction's calendar day at `moment` (timezone-aware: a naive one is refused)."""
        if moment.tzinfo is None:
            raise ValueError(f"a time without a timezone has no calendar day: {moment.isoformat()}")
        return moment.astimezone(self.zone).date()

    def end_of(self, day: date) -> datetime:
        """The moment (UTC) the jurisdiction's `day` ends: everything before it happened on or before `day`."""
        return datetime.combine(day + timedelta(days=1), time(), self.zone).astimezone(UTC)

    def _count(self, day: date) -> int:
        """Working days from 0001-01-01 (a Monday) up to and including `day`."""
        weeks, rest = divmod(day.toordinal(), 7)
        weekdays = 5 * weeks + min(rest, 5)
        return weekdays - bisect_right(self._off, day) + bisect_right(self._on, day)
