"""Supervision (监督考核): work queues, coverage against the tasks' deadlines, and activity, as of any day.

Every report is a fold of the log up to the end of its day in the jurisdiction's time zone, using the times the
actors gave (`occurred_at`), so `as_of` shows what stood on a past day and reads no current status.

What the verdicts mean (see docs/cli.md):
- unit-catalogs: a unit's catalog is compiled when its first item is published (公布), whatever happens after.
- domain-catalogs: a pilot domain's catalog is compiled when its first item is published, by whichever unit.
- updates: a unit responsible for a pilot domain has updated its catalog when, on a day after its first
  publication, it published another change to it: an item added (增加), changed (变更) or retired (取消).
- stuck: a pending version waiting for 初审, 合法性审查, 审议 or 公布 for more than `stuck_after` working days.
- stale: a published item with nothing pending whose version was published more than a year ago. There is no
  re-confirmation command yet: publishing a version (new or adjusted) is what counts as confirming an item.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from events.envelope import parse_time
from events.event import ItemEvent
from projections import supervision
from projections.history import ACTION_LABELS
from projections.supervision import REVIEW_STATUSES, Timeline
from registry.actor import Actor, Role
from registry.calendar import WorkingCalendar
from registry.items.decider import fold
from registry.items.state import Status
from registry.items.worklist import Step, statuses_waiting_for, step_for
from registry.profile import Domain, Profile, Task, Unit
from registry.service import Registry, now
from registry.supervision.accounts import AccountCoverage, account_coverage
from registry.supervision.deadline import Judgement, judge, step_deadline

STUCK_AFTER = 10
"""Working days a version may wait at one review stage before the coverage report calls it stuck."""


@dataclass(frozen=True)
class Moment:
    """The day a report looks at, and the instant that day ends in the jurisdiction's time zone."""

    day: date
    until: datetime


def moment(calendar: WorkingCalendar, as_of: date | None = None) -> Moment:
    """The end of `as_of`, or of today."""
    day = as_of or calendar.day_of(now())
    return Moment(day, calendar.end_of(day))


# -- queues -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    item_id: str
    domain: str
    unit: str
    title: str
    step: Step
    status: str
    version: int
    kind: str  # add, change, cancel: what the pending version would do
    waiting_since: str
    working_days: int
    rejection: str
    deadline: date  # the profile's limit for the step (step_limits), in working days from waiting_since's day
    working_days_left: int  # negative: overdue by that many working days; 0: due today

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0

    def as_json(self) -> dict[str, object]:
        return {
            "item_id": self.item_id,
            "domain": self.domain,
            "unit": self.unit,
            "title": self.title,
            "step": self.step.value,
            "step_label": self.step.label,
            "role": self.step.role.value,
            "status": self.status,
            "version": self.version,
            "kind": self.kind,
            "waiting_since": self.waiting_since,
            "working_days": self.working_days,
            "rejection": self.rejection,
            "deadline": self.deadline.isoformat(),
            "working_days_left": self.working_days_left,
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class Queue:
    actor: Actor
    as_of: date
    entries: list[QueueEntry]

    def as_json(self) -> dict[str, object]:
        return {
            "actor": self.actor.actor_id,
            "unit": self.actor.unit,
            "roles": sorted(role.value for role in self.actor.roles),
            "as_of": self.as_of.isoformat(),
            "items": [entry.as_json() for entry in self.entries],
        }


def queue(registry: Registry, actor: Actor, as_of: date | None = None) -> Queue:
    """What waits for `actor` on `as_of` (default today), oldest first: the steps the rules let them take, each
    with its deadline from the profile's `step_limits` (registry.supervision.deadline.step_deadline counts it).

    The history narrows the items down to those at a stage some role of the actor's works on; each of those is
    then folded from its events and the decider says whether this actor may take its step (their unit, and
    separation of duties: nobody reviews, approves or publishes a version they drafted or revised).
    """
    calendar = WorkingCalendar.of(registry.profile)
    at = moment(calendar, as_of)
    statuses = {status.value for status in statuses_waiting_for(actor.roles)}
    with registry.store.reading() as conn:
        waiting = [line for line in supervision.timelines(conn, at.until) if line.status in statuses]
        streams = {line.item_id: registry.store.read_stream(conn, line.item_id)[: line.events] for line in waiting}
    entries = []
    for line in waiting:
        item = fold([(e.data, e.metadata.actor) for e in streams[line.item_id] if isinstance(e.data, ItemEvent)])
        step = step_for(actor, item, registry.profile, at.until)
        if step is None or item.pending is None:
            continue
        since = calendar.day_of(parse_time(line.since))
        due = step_deadline(calendar, since, registry.profile.step_limits.of(step), at.day)
        entries.append(
            QueueEntry(
                item_id=line.item_id,
                domain=line.domain,
                unit=line.unit,
                title=line.title,
                step=step,
                status=item.status.value,
                version=item.pending.version,
                kind=item.pending.kind.value,
                waiting_since=line.since,
                working_days=_waited(calendar, line.since, at.day),
                rejection=item.pending.rejection,
                deadline=due.deadline,
                working_days_left=due.working_days_left,
            )
        )
    entries.sort(key=lambda entry: (entry.waiting_since, entry.item_id))
    return Queue(actor, at.day, entries)


# -- coverage -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """Items of a unit or domain. An item being adjusted counts as published and as drafting or in review."""

    drafting: int = 0  # a pending version at 梳理 (new, an adjustment or a retirement; returned ones included)
    in_review: int = 0  # a pending version waiting for 初审, 合法性审查, 审议 or 公布
    published: int = 0  # in the public catalog
    retired: int = 0  # taken out of the public catalog (取消)

    @classmethod
    def of(cls, lines: Iterable[Timeline]) -> Counts:
        drafting = in_review = published = retired = 0
        for line in lines:
            drafting += line.status == Status.DRAFT
            in_review += line.status in REVIEW_STATUSES
            published += line.published_version is not None
            retired += line.status == Status.RETIRED
        return cls(drafting, in_review, published, retired)

    def as_json(self) -> dict[str, int]:
        return asdict(self)  # every field is plain JSON


@dataclass(frozen=True)
class DomainCoverage:
    domain: Domain
    counts: Counts
    first_published_at: str | None
    last_published_at: str | None
    deadline: Judgement | None  # domain-catalogs, for a pilot domain

    def as_json(self) -> dict[str, object]:
        return {
            "domain": self.domain.name,
            "responsible_unit": self.domain.responsible_unit,
            **self.counts.as_json(),
            "first_published_at": self.first_published_at,
            "last_published_at": self.last_published_at,
            "deadline": self.deadline.as_json() if self.deadline else None,
        }


@dataclass(frozen=True)
class UnitCoverage:
    unit: Unit
    counts: Counts
    first_published_at: str | None
    catalog: Judgement | None  # unit-catalogs, for the kinds of unit it binds
    update: Judgement | None  # updates, for the units responsible for a pilot domain

    def as_json(self) -> dict[str, object]:
        return {
            "unit": self.unit.name,
            "kind": self.unit.kind,
            **self.counts.as_json(),
            "first_published_at": self.first_published_at,
            "catalog": self.catalog.as_json() if self.catalog else None,
            "update": self.update.as_json() if self.update else None,
        }


@dataclass(frozen=True)
class StuckItem:
    item_id: str
    domain: str
    unit: str
    title: str
    status: str
    since: str
    working_days: int

    def as_json(self) -> dict[str, object]:
        return asdict(self)  # every field is plain JSON


@dataclass(frozen=True)
class StaleItem:
    item_id: str
    domain: str
    unit: str
    title: str
    version: int
    last_published_at: str
    days: int  # calendar days since that publication

    def as_json(self) -> dict[str, object]:
        return asdict(self)  # every field is plain JSON


@dataclass(frozen=True)
class Coverage:
    as_of: date
    stuck_after: int
    tasks: tuple[Task, ...]
    domains: list[DomainCoverage]
    units: list[UnitCoverage]
    stuck: list[StuckItem]
    stale: list[StaleItem]
    accounts: AccountCoverage

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "stuck_after": self.stuck_after,
            "tasks": [
                {"id": t.id, "title": t.title, "scope": t.scope, "deadline": t.deadline.isoformat()} for t in self.tasks
            ],
            "domains": [d.as_json() for d in self.domains],
            "units": [u.as_json() for u in self.units],
            "stuck": [s.as_json() for s in self.stuck],
            "stale": [s.as_json() for s in self.stale],
            "accounts": self.accounts.as_json(),
        }


def coverage(registry: Registry, as_of: date | None = None, stuck_after: int = STUCK_AFTER) -> Coverage:
    """Each pilot domain and each unit on `as_of` (default today): counts, verdicts on the deadlines, stuck and
    stale items."""
    profile = registry.profile
    calendar = WorkingCalendar.of(profile)
    at = moment(calendar, as_of)
    with registry.store.reading() as conn:
        lines = supervision.timelines(conn, at.until)
    by_domain: dict[str, list[Timeline]] = defaultdict(list)
    by_unit: dict[str, list[Timeline]] = defaultdict(list)
    for line in lines:
        by_domain[line.domain].append(line)
        by_unit[line.unit].append(line)
    return Coverage(
        as_of=at.day,
        stuck_after=stuck_after,
        tasks=profile.tasks,
        domains=[_domain(profile, calendar, at.day, d, by_domain[d.name]) for d in profile.domains],
        units=[_unit(profile, calendar, at.day, u, by_unit[u.name]) for u in _units(profile, lines)],
        stuck=_stuck(calendar, at.day, lines, stuck_after),
        stale=_stale(calendar, at.day, lines),
        accounts=account_coverage(registry, at.day, at.until),
    )


def domain_catalog_judgement(
    profile: Profile, calendar: WorkingCalendar, domain: Domain, first_published_at: str | None, day: date
) -> Judgement | None:
    """The verdict on `domain`'s catalog (task domain-catalogs), first published at `first_published_at` (None: not
    yet), seen on `day`; None for a domain that is not a pilot, or a profile without the task. The report and the
    public API's `coverage` both judge with this."""
    task = profile.task("domain-catalogs")
    return judge(task, _day(calendar, first_published_at), day, calendar) if task and domain.pilot else None


def _domain(
    profile: Profile, calendar: WorkingCalendar, day: date, domain: Domain, lines: list[Timeline]
) -> DomainCoverage:
    first = min((t for x in lines if (t := x.first_published_at)), default=None)
    last = max((t for x in lines if (t := x.last_published_at)), default=None)
    verdict = domain_catalog_judgement(profile, calendar, domain, first, day)
    return DomainCoverage(domain, Counts.of(lines), first, last, verdict)


def _unit(profile: Profile, calendar: WorkingCalendar, day: date, unit: Unit, lines: list[Timeline]) -> UnitCoverage:
    changes = sorted(c.occurred_at for x in lines for c in x.public_changes)
    first = changes[0] if changes else None
    catalog_task = profile.task("unit-catalogs")
    catalog = (
        judge(catalog_task, _day(calendar, first), day, calendar) if catalog_task and catalog_task.binds(unit) else None
    )
    update_task = profile.task("updates")
    update = None
    if update_task and any(d.pilot and d.responsible_unit == unit.name for d in profile.domains):
        days = [calendar.day_of(parse_time(c)) for c in changes]
        updated = next((d for d in days if d > days[0]), None) if days else None
        update = judge(update_task, updated, day, calendar)
    return UnitCoverage(unit, Counts.of(lines), first, catalog, update)


def _units(profile: Profile, lines: list[Timeline]) -> list[Unit]:
    """The profile's units, then any unit that owns items but that the profile no longer names."""
    known = {unit.name for unit in profile.units}
    others = sorted({x.unit for x in lines} - known)
    return [*profile.units, *(Unit(name=name, kind="") for name in others)]


def _stuck(calendar: WorkingCalendar, day: date, lines: list[Timeline], stuck_after: int) -> list[StuckItem]:
    stuck = [
        StuckItem(x.item_id, x.domain, x.unit, x.title, x.status, x.since, _waited(calendar, x.since, day))
        for x in lines
        if x.status in REVIEW_STATUSES
    ]
    return sorted((s for s in stuck if s.working_days > stuck_after), key=lambda s: (-s.working_days, s.item_id))


def _stale(calendar: WorkingCalendar, day: date, lines: list[Timeline]) -> list[StaleItem]:
    year_before = _one_year_before(day)
    stale = []
    for x in lines:
        last = x.last_published_at
        if x.status != Status.PUBLISHED or last is None or x.published_version is None:
            continue
        last_day = calendar.day_of(parse_time(last))
        if last_day < year_before:
            stale.append(
                StaleItem(x.item_id, x.domain, x.unit, x.title, x.published_version, last, (day - last_day).days)
            )
    return sorted(stale, key=lambda s: (-s.days, s.item_id))


def _one_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _day(calendar: WorkingCalendar, occurred_at: str | None) -> date | None:
    return calendar.day_of(parse_time(occurred_at)) if occurred_at else None


def _waited(calendar: WorkingCalendar, since: str, day: date) -> int:
    return max(0, calendar.working_days_between(calendar.day_of(parse_time(since)), day))


# -- activity -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    since: date | None
    as_of: date
    unit: str | None
    rows: list[dict[str, Any]]

    def as_json(self) -> dict[str, object]:
        actors = {row["actor"] for row in self.rows}
        return {
            "since": self.since.isoformat() if self.since else None,
            "as_of": self.as_of.isoformat(),
            "unit": self.unit,
            "rows": self.rows,
            "totals": {"events": sum(row["count"] for row in self.rows), "actors": len(actors)},
        }


def activity(
    registry: Registry, since: date | None = None, as_of: date | None = None, unit: str | None = None
) -> Activity:
    """Who did what from the start of `since` to the end of `as_of`: events per actor, unit, role and action.

    `unit` is the unit the actors acted for (a reviewer's is 政务服务局, whoever owns the item).
    """
    calendar = WorkingCalendar.of(registry.profile)
    at = moment(calendar, as_of)
    start = calendar.end_of(since - timedelta(days=1)) if since else None
    with registry.store.reading() as conn:
        rows = supervision.activity(conn, start, at.until, unit)
    for row in rows:
        row["action_label"] = ACTION_LABELS.get(row["action"], row["action"])
        row["role_label"] = Role(row["role"]).label if row["role"] in set(Role) else ""
    return Activity(since, at.day, unit, rows)
