"""Supervision of the new-media account list (政务新媒体): per unit, accounts by platform; and what inspections look
for: a unit with several accounts on one platform over time (a duplicate opened after a lost password), accounts
whose certification does not name their 主办单位 under the current profile (a unit renamed or merged since), and
accounts suspended (关停) longer than the profile's limit, neither reopened nor closed.

A fold of the account streams up to the end of the report's day: `as_of` shows what stood then."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from events.account import AccountStatus
from events.event import AccountEvent, AccountPublished
from events.schema import events
from events.store import to_stored
from registry.accounts.decider import evolve
from registry.accounts.rules import certified_unit
from registry.accounts.state import AccountState
from registry.calendar import WorkingCalendar
from registry.profile import Profile
from registry.service import ACCOUNT_STREAM, Registry


@dataclass
class UnitAccounts:
    """One unit's accounts: how many stand open (正常) and suspended (已关停) on each platform."""

    unit: str
    open: dict[str, int] = field(default_factory=dict)
    suspended: dict[str, int] = field(default_factory=dict)
    closed: int = 0
    in_review: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "unit": self.unit,
            "open": dict(sorted(self.open.items())),
            "suspended": dict(sorted(self.suspended.items())),
            "closed": self.closed,
            "in_review": self.in_review,
        }


@dataclass(frozen=True)
class Duplicate:
    """Several accounts of one unit on one platform over time (one open at a time, by the rule 一平台一账号)."""

    unit: str
    platform: str
    accounts: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"unit": self.unit, "platform": self.platform, "accounts": list(self.accounts)}


@dataclass(frozen=True)
class Flagged:
    """An account an inspection would ask about, and why (`days`: how long suspended, where that is why)."""

    account_id: str
    unit: str
    platform: str
    name: str
    detail: str
    days: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "unit": self.unit,
            "platform": self.platform,
            "name": self.name,
            "detail": self.detail,
            "days": self.days,
        }


@dataclass
class AccountCoverage:
    units: list[UnitAccounts]
    duplicates: list[Duplicate]
    uncertified: list[Flagged]
    suspended_too_long: list[Flagged]
    suspension_limit: int

    def as_json(self) -> dict[str, object]:
        return {
            "units": [u.as_json() for u in self.units],
            "duplicates": [d.as_json() for d in self.duplicates],
            "uncertified": [f.as_json() for f in self.uncertified],
            "suspended_too_long": [f.as_json() for f in self.suspended_too_long],
            "suspension_limit_days": self.suspension_limit,
        }


def account_coverage(registry: Registry, day: date, until: datetime) -> AccountCoverage:
    """The account list as it stood at `until` (the end of `day`), judged by the current profile."""
    states, suspended_since = _states(registry, until)
    return judge(registry.profile, states, suspended_since, day)


def judge(
    profile: Profile, states: list[AccountState], suspended_since: dict[str, datetime], day: date
) -> AccountCoverage:
    """The coverage of `states` on `day`; `suspended_since`: when each suspended account's 关停 took effect."""
    calendar = WorkingCalendar.of(profile)
    units: dict[str, UnitAccounts] = {}
    ever: dict[tuple[str, str], list[str]] = defaultdict(list)
    uncertified: list[Flagged] = []
    too_long: list[Flagged] = []
    for account in sorted(states, key=lambda a: (a.unit, a.account_id)):
        line = units.setdefault(account.unit, UnitAccounts(account.unit))
        elements = account.published.elements if account.published else account.elements
        platform, status = elements.platform, account.status
        if status is not AccountStatus.REFUSED:
            ever[(account.unit, platform)].append(account.account_id)
        if status is AccountStatus.OPEN:
            line.open[platform] = line.open.get(platform, 0) + 1
        elif status is AccountStatus.SUSPENDED:
            line.suspended[platform] = line.suspended.get(platform, 0) + 1
        elif status is AccountStatus.CLOSED:
            line.closed += 1
        if account.pending is not None:
            line.in_review += 1
        if status in (AccountStatus.OPEN, AccountStatus.SUSPENDED):
            certified = certified_unit(profile, elements.certified_as)
            if certified is None or certified.name != account.unit:
                detail = elements.certified_as or "—"
                uncertified.append(Flagged(account.account_id, account.unit, platform, elements.name, detail))
        since = suspended_since.get(account.account_id)
        if status is AccountStatus.SUSPENDED and since is not None:
            days = (day - calendar.day_of(since)).days
            if days > profile.account_suspension_limit:
                too_long.append(
                    Flagged(account.account_id, account.unit, platform, elements.name, since.isoformat(), days)
                )
    duplicates = [
        Duplicate(unit, platform, tuple(ids)) for (unit, platform), ids in sorted(ever.items()) if len(ids) > 1
    ]
    return AccountCoverage(
        units=list(units.values()),
        duplicates=duplicates,
        uncertified=uncertified,
        suspended_too_long=too_long,
        suspension_limit=profile.account_suspension_limit,
    )


def _states(registry: Registry, until: datetime) -> tuple[list[AccountState], dict[str, datetime]]:
    """Every account as its events up to `until` left it, and when each suspension took effect."""
    query = (
        select(events)
        .where(events.c.stream_id.startswith(ACCOUNT_STREAM, autoescape=True))
        .order_by(events.c.stream_id, events.c.version)
    )
    states: dict[str, AccountState] = {}
    suspended: dict[str, datetime] = {}
    with registry.store.reading() as conn:
        for row in conn.execute(query):
            stored = to_stored(row)
            data = stored.data
            if not isinstance(data, AccountEvent) or stored.effective_at > until:
                continue
            account = evolve(states.get(stored.stream_id, AccountState()), data, stored.metadata.actor)
            states[stored.stream_id] = account
            if isinstance(data, AccountPublished) and data.status is AccountStatus.SUSPENDED:
                suspended[account.account_id] = stored.effective_at
    return list(states.values()), suspended
