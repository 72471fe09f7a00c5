"""Supervision (监督考核): `queue`, `report coverage`, `report activity`. Each has --json with a stable shape."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from cli.app import app, report_app
from cli.context import Usage, context
from cli.i18n import _
from cli.output import Cell, console, grid, print_json
from events.envelope import parse_time
from registry.actor import Role
from registry.calendar import WorkingCalendar
from registry.items.state import Status
from registry.supervision import report as supervision
from registry.supervision.accounts import AccountCoverage
from registry.supervision.deadline import Judgement, Verdict

if TYPE_CHECKING:
    from registry.service import Registry

Json = Annotated[bool, typer.Option("--json", help=_("print JSON (a stable shape, documented in docs/cli.md)"))]
ITEMS = _("drafting / in review / published / retired")
AsOf = Annotated[
    datetime | None,
    typer.Option(
        "--as-of", formats=["%Y-%m-%d"], help=_("the state at the end of this day (YYYY-MM-DD); default: today")
    ),
]


@app.command(
    help=_(
        "What waits for an actor: items to revise, review, approve or publish, oldest first, with working days waited "
        "and the deadline of each step (the profile's step_limits)."
    )
)
def queue(
    ctx: typer.Context,
    actor_id: Annotated[str | None, typer.Option("--as", help=_("whose queue (default: the global --as)"))] = None,
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    c = context(ctx)
    registry = c.registry()
    if actor_id is None and not c.actor_id:
        raise Usage(_("whose queue? --as ACTOR (or set REGISTRY_ACTOR)"))
    actor = registry.actor(actor_id or c.actor_id or "")
    result = supervision.queue(registry, actor, _day(as_of))
    if as_json:
        print_json(result.as_json())
        return
    calendar = WorkingCalendar.of(registry.profile)
    roles = ", ".join(sorted(f"{r.value} ({r.label})" for r in actor.roles))
    console.print(
        grid(
            _("queue of {actor} ({unit}: {roles}) on {day}: {count} item(s)").format(
                actor=actor.actor_id, unit=actor.unit, roles=roles, day=result.as_of, count=len(result.entries)
            ),
            [
                _("item"),
                _("step"),
                _("unit"),
                _("domain"),
                _("title"),
                _("version"),
                _("waiting since"),
                _("working days"),
                _("deadline"),
                _("returned because"),
            ],
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
                    _due(e),
                    e.rejection or "—",
                ]
                for e in result.entries
            ],
        )
    )
    if not result.entries and Role.ADMIN in actor.roles and len(actor.roles) == 1:
        console.print(_("an admin registers actors; items wait for drafters, reviewers, approvers and publishers"))


@report_app.command(
    "coverage",
    help=_(
        "Each pilot domain and unit: items drafting, in review, published, retired; deadlines met or missed; stuck "
        "and stale items."
    ),
)
def coverage(
    ctx: typer.Context,
    as_of: AsOf = None,
    stuck_after: Annotated[
        int, typer.Option("--stuck-after", help=_("working days at one review stage before an item is stuck"))
    ] = supervision.STUCK_AFTER,
    as_json: Json = False,
) -> None:
    if stuck_after < 0:
        raise Usage(_("--stuck-after takes a number of working days, 0 or more"))
    registry = context(ctx).registry()
    report = supervision.coverage(registry, _day(as_of), stuck_after)
    troubled = _troubled_webhooks(registry)
    if as_json:
        print_json({**report.as_json(), "webhooks_in_trouble": troubled})
        return
    calendar = WorkingCalendar.of(registry.profile)
    console.print(
        _("coverage on {day}; deadlines: {deadlines}; (+N): working days late").format(
            day=report.as_of, deadlines="; ".join(f"{t.id} {t.deadline} ({t.title})" for t in report.tasks)
        ),
        markup=False,
    )
    console.print(
        grid(
            _("{count} domain(s)").format(count=len(report.domains)),
            [_("domain"), _("responsible unit"), ITEMS, _("last published"), _("catalog")],
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
            _("{count} unit(s)").format(count=len(report.units)),
            [_("unit"), _("kind"), ITEMS, _("unit catalog"), _("update")],
            [
                [u.unit.name, u.unit.kind or "—", _counts(u.counts), _verdict(u.catalog), _verdict(u.update)]
                for u in report.units
            ],
        )
    )
    console.print(
        grid(
            _("{count} item(s) stuck more than {days} working days at one stage").format(
                count=len(report.stuck), days=report.stuck_after
            ),
            [_("item"), _("unit"), _("domain"), _("title"), _("waiting for"), _("since"), _("working days")],
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
            _("{count} published item(s) not adjusted or re-published for more than a year").format(
                count=len(report.stale)
            ),
            [_("item"), _("unit"), _("domain"), _("title"), _("version"), _("last published"), _("days")],
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
    _print_accounts(report.accounts)
    if troubled:
        console.print(
            _("{count} webhook subscription(s) failing or disabled: {ids}; `registry report webhooks` says why").format(
                count=len(troubled), ids=", ".join(troubled)
            ),
            markup=False,
        )


@report_app.command("activity", help=_("Who did what: events per actor, the unit they acted for, role and action."))
def activity(
    ctx: typer.Context,
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help=_("from the start of this day (YYYY-MM-DD)"))
    ] = None,
    unit: Annotated[str | None, typer.Option(help=_("only actors acting for this unit (aliases accepted)"))] = None,
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
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
            _("activity {since} to {day}{unit}: {events} event(s) by {actors} actor(s)").format(
                since=report.since or _("from the start"),
                day=report.as_of,
                unit=_(" in {unit}").format(unit=report.unit) if report.unit else "",
                events=totals["events"],
                actors=totals["actors"],
            ),
            [_("unit"), _("actor"), _("role"), _("action"), _("count")],
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


def _due(entry: supervision.QueueEntry) -> Cell:
    """The deadline and the working days left, for a table cell: red once overdue."""
    # One message per English form rather than ngettext: the catalog's checks (tests/cli/test_i18n.py) read singular
    # messages only, and Chinese has one form anyway.
    left = entry.working_days_left
    if left == 0:
        status = _("due today")
    elif left == 1:
        status = _("1 working day left")
    elif left > 1:
        status = _("{count} working days left").format(count=left)
    elif left == -1:
        status = _("1 working day overdue")
    else:
        status = _("{count} working days overdue").format(count=-left)
    return Cell(f"{entry.deadline.isoformat()} {status}", style="red" if entry.overdue else "")


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
            return _("{label} (due {day})").format(label=label, day=judgement.deadline)


def _print_accounts(accounts: AccountCoverage) -> None:
    """The new-media account list's part of the coverage report."""
    console.print(
        grid(
            _("{count} unit(s) with new-media accounts").format(count=len(accounts.units)),
            [_("unit"), _("open (正常)"), _("suspended (已关停)"), _("closed"), _("in review")],
            [
                [
                    u.unit,
                    _platforms(u.open),
                    _platforms(u.suspended),
                    str(u.closed),
                    str(u.in_review),
                ]
                for u in accounts.units
            ],
        )
    )
    console.print(
        grid(
            _("{count} unit/platform pair(s) with more than one account over time").format(
                count=len(accounts.duplicates)
            ),
            [_("unit"), _("platform"), _("accounts")],
            [[d.unit, d.platform, ", ".join(d.accounts)] for d in accounts.duplicates],
        )
    )
    console.print(
        grid(
            _("{count} account(s) whose 认证主体 does not name the 主办单位").format(count=len(accounts.uncertified)),
            [_("account"), _("unit"), _("platform"), _("name"), _("认证主体")],
            [[f.account_id, f.unit, f.platform, f.name, f.detail] for f in accounts.uncertified],
        )
    )
    console.print(
        grid(
            _("{count} account(s) suspended for more than {days} days").format(
                count=len(accounts.suspended_too_long), days=accounts.suspension_limit
            ),
            [_("account"), _("unit"), _("platform"), _("name"), _("since"), _("days")],
            [
                [f.account_id, f.unit, f.platform, f.name, f.detail[:10], str(f.days)]
                for f in accounts.suspended_too_long
            ],
        )
    )


def _platforms(counts: dict[str, int]) -> str:
    return "、".join(f"{platform} {count}" for platform, count in sorted(counts.items())) or "—"


def _troubled_webhooks(registry: Registry) -> list[str]:
    """The webhook subscriptions that gave a change up or were disabled by their receiver (410)."""
    from registry.push import store as webhook_store
    from registry.push.webhook import Status as WebhookStatus

    with registry.store.reading() as conn:
        rows = webhook_store.every(conn)
    return [r.subscription_id for r in rows if r.status in (WebhookStatus.FAILING, WebhookStatus.DISABLED)]
