"""Supervision (监督考核): `queue`, `report coverage`, `report activity`. Each has --json with a stable shape."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from cli.app import app, report_app
from cli.context import Usage, context
from cli.output import console, grid, print_json
from events.envelope import parse_time
from registry import supervision
from registry.actor import Role
from registry.calendar import WorkingCalendar
from registry.deadline import Judgement, Verdict
from registry.state import Status

Json = Annotated[bool, typer.Option("--json", help="print JSON (a stable shape, documented in docs/cli.md)")]
ITEMS = "drafting / in review / published / retired"
AsOf = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="the state at the end of this day (YYYY-MM-DD); default: today"),
]


@app.command()
def queue(
    ctx: typer.Context,
    actor_id: Annotated[str | None, typer.Option("--as", help="whose queue (default: the global --as)")] = None,
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """What waits for an actor: items to revise, review, approve or publish, oldest first, with working days waited."""
    c = context(ctx)
    registry = c.registry()
    if actor_id is None and not c.actor_id:
        raise Usage("whose queue? --as ACTOR (or set REGISTRY_ACTOR)")
    actor = registry.actor(actor_id or c.actor_id or "")
    result = supervision.queue(registry, actor, _day(as_of))
    if as_json:
        print_json(result.as_json())
        return
    calendar = WorkingCalendar.of(registry.profile)
    roles = ", ".join(sorted(f"{r.value} ({r.label})" for r in actor.roles))
    console.print(
        grid(
            f"queue of {actor.actor_id} ({actor.unit}: {roles}) on {result.as_of}: {len(result.entries)} item(s)",
            ["item", "step", "unit", "domain", "title", "version", "waiting since", "working days", "returned because"],
            [
                [
                    e.item_id,
                    f"{e.step.label} ({e.step.value})",
                    e.unit,
                    e.domain or "—",
                    e.title or "—",
                    f"{e.version} ({e.kind})",
                    _local(calendar, e.waiting_since),
                    str(e.working_days),
                    e.rejection or "—",
                ]
                for e in result.entries
            ],
        )
    )
    if not result.entries and Role.ADMIN in actor.roles and len(actor.roles) == 1:
        console.print("an admin registers actors; items wait for drafters, reviewers, approvers and publishers")


@report_app.command("coverage")
def coverage(
    ctx: typer.Context,
    as_of: AsOf = None,
    stuck_after: Annotated[
        int, typer.Option("--stuck-after", help="working days at one review stage before an item is stuck")
    ] = supervision.STUCK_AFTER,
    as_json: Json = False,
) -> None:
    """Each pilot domain and unit: items drafting, in review, published, retired; deadlines met or missed; stuck and
    stale items."""
    if stuck_after < 0:
        raise Usage("--stuck-after takes a number of working days, 0 or more")
    registry = context(ctx).registry()
    report = supervision.coverage(registry, _day(as_of), stuck_after)
    if as_json:
        print_json(report.as_json())
        return
    calendar = WorkingCalendar.of(registry.profile)
    console.print(
        f"coverage on {report.as_of}; deadlines: "
        + "; ".join(f"{t.id} {t.deadline} ({t.title})" for t in report.tasks)
        + "; (+N): working days late",
        markup=False,
    )
    console.print(
        grid(
            f"{len(report.domains)} domain(s)",
            ["domain", "responsible unit", ITEMS, "last published", "catalog"],
            [
                [
                    d.domain.name,
                    d.domain.responsible_unit,
                    _counts(d.counts),
                    _local(calendar, d.last_published_at),
                    _verdict(d.deadline),
                ]
                for d in report.domains
            ],
        )
    )
    console.print(
        grid(
            f"{len(report.units)} unit(s)",
            ["unit", "kind", ITEMS, "unit catalog", "update"],
            [
                [u.unit.name, u.unit.kind or "—", _counts(u.counts), _verdict(u.catalog), _verdict(u.update)]
                for u in report.units
            ],
        )
    )
    console.print(
        grid(
            f"{len(report.stuck)} item(s) stuck more than {report.stuck_after} working days at one stage",
            ["item", "unit", "domain", "title", "waiting for", "since", "working days"],
            [
                [
                    s.item_id,
                    s.unit,
                    s.domain or "—",
                    s.title or "—",
                    Status(s.status).label,
                    _local(calendar, s.since),
                    str(s.working_days),
                ]
                for s in report.stuck
            ],
        )
    )
    console.print(
        grid(
            f"{len(report.stale)} published item(s) not adjusted or re-published for more than a year",
            ["item", "unit", "domain", "title", "version", "last published", "days"],
            [
                [
                    s.item_id,
                    s.unit,
                    s.domain or "—",
                    s.title or "—",
                    str(s.version),
                    _local(calendar, s.last_published_at),
                    str(s.days),
                ]
                for s in report.stale
            ],
        )
    )


@report_app.command("activity")
def activity(
    ctx: typer.Context,
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="from the start of this day (YYYY-MM-DD)")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="only actors acting for this unit (aliases accepted)")] = None,
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """Who did what: events per actor, the unit they acted for, role and action."""
    registry = context(ctx).registry()
    if unit:
        found = registry.profile.unit(unit)
        unit = found.name if found else unit
    report = supervision.activity(registry, _day(since), _day(as_of), unit)
    if as_json:
        print_json(report.as_json())
        return
    shape = report.as_json()
    totals = shape["totals"]
    assert isinstance(totals, dict)
    console.print(
        grid(
            f"activity {report.since or 'from the start'} to {report.as_of}"
            + (f" in {report.unit}" if report.unit else "")
            + f": {totals['events']} event(s) by {totals['actors']} actor(s)",
            ["unit", "actor", "role", "action", "count"],
            [
                [
                    r["unit"] or "—",
                    r["actor"],
                    f"{r['role_label']} ({r['role']})" if r["role_label"] else r["role"] or "—",
                    f"{r['action_label']} ({r['action']})",
                    str(r["count"]),
                ]
                for r in report.rows
            ],
        )
    )


def _counts(counts: supervision.Counts) -> str:
    return f"{counts.drafting} / {counts.in_review} / {counts.published} / {counts.retired}"


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _local(calendar: WorkingCalendar, moment: str | None) -> str:
    """A stored time as the jurisdiction's calendar day."""
    return calendar.day_of(parse_time(moment)).isoformat() if moment else "—"


def _verdict(judgement: Judgement | None) -> str:
    """Short, for a table cell: the label, the day done or due, and (+N) working days late."""
    if judgement is None:
        return "—"
    label = judgement.verdict.label
    match judgement.verdict:
        case Verdict.ON_TIME:
            return f"{label} {judgement.done_on}"
        case Verdict.LATE:
            return f"{label} {judgement.done_on} (+{judgement.working_days_late})"
        case Verdict.OVERDUE:
            return f"{label} (+{judgement.working_days_late})"
        case Verdict.PENDING:
            return f"{label} (due {judgement.deadline})"
