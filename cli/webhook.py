"""Webhook subscriptions (推送订阅) and their deliveries: `webhook add|list|pause|resume|remove|deliveries|replay`,
`deliver`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.app import app, report_app, webhook_app
from cli.context import Context, Usage, cli_proof, context
from cli.i18n import _
from cli.output import Cell, console, grid, print_json

if TYPE_CHECKING:
    from registry.actor import Actor
    from registry.push.store import Attempt, SubscriptionRow
    from registry.push.subscriptions import Webhooks

Json = Annotated[bool, typer.Option("--json", help=_("print JSON"))]
SubscriptionId = Annotated[
    str, typer.Argument(help=_("the subscription's id (wh_…), as `registry webhook list` shows"))
]


def _webhooks(c: Context) -> tuple[Webhooks, Actor | None]:
    from registry.push.subscriptions import Webhooks

    registry = c.registry()
    return Webhooks(registry), registry.actor(c.actor_id) if c.actor_id else None


@webhook_app.command(
    "add",
    help=_(
        "Subscribe a business system to the public changes (增加, 变更, 取消) that match the filters, delivered to URL "
        "as signed Standard Webhooks (an admin's act: --as ADMIN). Prints the signing secret (whsec_…) once: it is "
        "derived from the deployment's webhook key and never stored. Changes after now are sent; see `webhook replay`."
    ),
)
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help=_("where the changes are POSTed (http:// or https://)"))],
    name: Annotated[str, typer.Option("--name", help=_("the system that receives them, e.g. 融媒体中心"))],
    domain: Annotated[str | None, typer.Option("--domain", help=_("only this domain's items"))] = None,
    unit: Annotated[str | None, typer.Option("--unit", help=_("only this unit's items"))] = None,
    level: Annotated[
        str | None, typer.Option("--level", help=_("only items disclosed at this level: county, township, village"))
    ] = None,
    village: Annotated[
        str | None, typer.Option("--village", help=_("only a village's list (嘎查村, as the profile names them)"))
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help=_("only this kind: 增加, 变更, 取消 (add, change, cancel)"))
    ] = None,
    as_json: Json = False,
) -> None:
    from projections.public_feed import ChangeFilter, FeedParameterError
    from registry.push.key import ensure_key
    from registry.push.subscriptions import filter_values
    from registry.push.webhook import decide_subscribe

    c = context(ctx)
    webhooks, by = _webhooks(c)
    given = {"domain": domain, "unit": unit, "level": level, "village": village, "kind": kind}
    try:
        filters = ChangeFilter.from_params({k: v for k, v in given.items() if v is not None}, webhooks.registry.profile)
    except FeedParameterError as failure:
        raise Usage(f"--{failure.parameter}: {failure}") from None
    # Refused before the key is made: a refused act leaves nothing behind, the deployment's webhook key included.
    decide_subscribe("", name, url, filter_values(filters), by)
    key, created = ensure_key(c.webhook_key_path)
    row, secret = webhooks.subscribe(name, url, filters, by, key, proof=cli_proof())
    if as_json:
        print_json({"secret": secret, **_json(row)})
        return
    if created:
        console.print(
            _("created the webhook key {path} (owner-only; keep it with the signing key, out of the database)").format(
                path=c.webhook_key_path
            ),
            markup=False,
        )
    console.print(
        _("subscribed {id} 「{name}」 to {filters} at {url}").format(
            id=row.subscription_id, name=row.name, filters=_filters(row), url=row.url
        ),
        markup=False,
    )
    console.print(_("signing secret (shown once; give it to the receiver, which verifies each message):"), markup=False)
    typer.echo(secret)


@webhook_app.command("list", help=_("Every subscription: filters, status, how far it has got. Never a secret."))
def list_subscriptions(
    ctx: typer.Context,
    removed: Annotated[bool, typer.Option("--removed", help=_("removed subscriptions too"))] = False,
    as_json: Json = False,
) -> None:
    webhooks, _by = _webhooks(context(ctx))
    rows = webhooks.every(removed=removed)
    if as_json:
        print_json([_json(row) for row in rows])
        return
    console.print(
        grid(
            _("{count} webhook subscription(s)").format(count=len(rows)),
            [_("id"), _("name"), _("URL"), _("filters"), _("status"), _("sent up to"), _("given up"), _("last error")],
            [
                [
                    row.subscription_id,
                    row.name,
                    row.url,
                    _filters(row),
                    _status(row),
                    str(row.cursor),
                    str(row.given_up),
                    row.last_error or "",
                ]
                for row in rows
            ],
        )
    )


def _act(ctx: typer.Context, subscription_id: str, act: str, said: str) -> None:
    c = context(ctx)
    webhooks, by = _webhooks(c)
    row: SubscriptionRow = getattr(webhooks, act)(subscription_id, by, proof=cli_proof())
    console.print(said.format(id=row.subscription_id, name=row.name, status=_status(row)), markup=False)


@webhook_app.command("pause", help=_("Stop sending to a subscription until it is resumed (an admin's act)."))
def pause(ctx: typer.Context, subscription_id: SubscriptionId) -> None:
    _act(ctx, subscription_id, "pause", _("{id} 「{name}」: {status}"))


@webhook_app.command(
    "resume",
    help=_(
        "Send again to a paused, failing or disabled (410) subscription, from where it stopped; a waiting retry is "
        "tried now (an admin's act)."
    ),
)
def resume(ctx: typer.Context, subscription_id: SubscriptionId) -> None:
    _act(ctx, subscription_id, "resume", _("{id} 「{name}」: {status}"))


@webhook_app.command(
    "remove", help=_("End a subscription for good (an admin's act); its record and its deliveries stay.")
)
def remove(ctx: typer.Context, subscription_id: SubscriptionId) -> None:
    _act(ctx, subscription_id, "remove", _("{id} 「{name}」: {status}"))


@webhook_app.command(
    "replay",
    help=_(
        "Send every matching public change again from a log position on (an admin's act); receivers that "
        "deduplicate by webhook-id see the ones they had as repeats."
    ),
)
def replay(
    ctx: typer.Context,
    subscription_id: SubscriptionId,
    from_position: Annotated[int, typer.Option("--from", min=1, help=_("the first log position to send again"))],
) -> None:
    c = context(ctx)
    webhooks, by = _webhooks(c)
    row = webhooks.replay(subscription_id, from_position, by, proof=cli_proof())
    console.print(
        _("{id} 「{name}」 sends again from position {position}").format(
            id=row.subscription_id, name=row.name, position=from_position
        ),
        markup=False,
    )


@webhook_app.command("deliveries", help=_("A subscription's recent delivery attempts and their answers, newest first."))
def deliveries(
    ctx: typer.Context,
    subscription_id: SubscriptionId,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help=_("how many attempts"))] = 20,
    as_json: Json = False,
) -> None:
    webhooks, _by = _webhooks(context(ctx))
    row, attempts = webhooks.attempts(subscription_id, limit)
    if as_json:
        print_json({"subscription": _json(row), "attempts": [_attempt_json(a) for a in attempts]})
        return
    console.print(
        grid(
            _("{id} 「{name}」 ({status}): {count} recent attempt(s)").format(
                id=row.subscription_id, name=row.name, status=_status(row), count=len(attempts)
            ),
            [_("at"), _("position"), _("attempt"), _("outcome"), _("answer"), _("ms")],
            [
                [
                    a.at,
                    str(a.position),
                    str(a.attempt),
                    Cell(a.outcome, "green" if a.outcome == "delivered" else "red"),
                    a.detail,
                    str(a.duration_ms),
                ]
                for a in attempts
            ],
        )
    )


@app.command(
    help=_(
        "Deliver the webhooks: send each subscription its matching public changes, in log order, retrying failures "
        "on the Standard Webhooks schedule. Runs until stopped (Ctrl-C), or with --once until nothing is due now. "
        "`registry serve` does the same in the background; several workers never send one change at once."
    )
)
def deliver(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help=_("deliver what is due now, then stop"))] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help=_("subscriptions delivered at once"))] = 4,
    poll: Annotated[float, typer.Option(min=0.05, help=_("seconds between looks for new changes"))] = 0.25,
    timeout: Annotated[float, typer.Option(min=0.1, help=_("seconds a receiver has to answer"))] = 15.0,
    as_json: Json = False,
) -> None:
    import signal
    import threading

    from registry.push.delivery import Deliverer, DeliverySettings
    from registry.push.key import load_key

    c = context(ctx)
    registry = c.registry()
    key = load_key(c.webhook_key_path)
    if key is None:
        raise Usage(
            _(
                "no webhook key at {path}: `registry webhook add` creates it ($REGISTRY_WEBHOOK_KEY_FILE: elsewhere)"
            ).format(path=c.webhook_key_path)
        )
    settings = DeliverySettings(workers=workers, poll=poll, total_timeout=timeout)
    deliverer = Deliverer(registry.engine, registry.profile, key, settings)
    if once:
        done = deliverer.drain()
        deliverer.close()
        counts = {
            "delivered": done.delivered,
            "failed": done.failed,
            "given_up": done.given_up,
            "disabled": done.disabled,
        }
        if as_json:
            print_json(counts)
        else:
            console.print(
                _(
                    "{delivered} delivered, {failed} failed (retried later), {given_up} given up, {disabled} disabled"
                ).format(**counts),
                markup=False,
            )
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    console.print(_("delivering webhooks (Ctrl-C stops)"), markup=False)
    try:
        deliverer.run(stop)
    except KeyboardInterrupt:
        stop.set()


@report_app.command(
    "webhooks",
    help=_(
        "The webhook subscriptions' deliveries: which are failing (a change given up after the last retry) or "
        "disabled (410), how many matching changes each still has to send, the last error."
    ),
)
def webhooks_report(ctx: typer.Context, as_json: Json = False) -> None:
    from projections.public_feed import ChangeFilter, changes_after
    from registry.push.store import every

    registry = context(ctx).registry()
    with registry.store.reading() as conn:
        rows = every(conn)
        backlog = {
            row.subscription_id: len(
                changes_after(
                    conn,
                    ChangeFilter.from_params({k: v for k, v in row.filters.items() if v}, registry.profile),
                    row.cursor,
                    BACKLOG_SHOWN + 1,
                )
            )
            for row in rows
        }
    if as_json:
        print_json([{**_json(row), "backlog": backlog[row.subscription_id]} for row in rows])
        return
    troubled = sum(row.status.value in ("failing", "disabled") for row in rows)
    console.print(
        grid(
            _("{count} webhook subscription(s), {troubled} failing or disabled").format(
                count=len(rows), troubled=troubled
            ),
            [
                _("id"),
                _("name"),
                _("status"),
                _("since"),
                _("to send"),
                _("given up"),
                _("last delivered"),
                _("last error"),
            ],
            [
                [
                    row.subscription_id,
                    row.name,
                    Cell(_status(row), "red" if row.status.value in ("failing", "disabled") else "green"),
                    row.failing_since or "",
                    _backlog(backlog[row.subscription_id]),
                    str(row.given_up),
                    row.last_delivered_at or "",
                    row.last_error or "",
                ]
                for row in rows
            ],
        )
    )


BACKLOG_SHOWN = 10_000


def _backlog(count: int) -> str:
    return f"{BACKLOG_SHOWN}+" if count > BACKLOG_SHOWN else str(count)


# -- shown ---------------------------------------------------------------------------------------------------------


def _filters(row: SubscriptionRow) -> str:
    from events.elements import Level
    from events.event import ChangeKind

    labels = {
        "domain": _("domain"),
        "unit": _("unit"),
        "level": _("level"),
        "village": _("village"),
        "kind": _("kind"),
    }
    shown = []
    for name, value in row.filters.items():
        if value is None:
            continue
        if name == "level":
            value = Level(value).label
        elif name == "kind":
            value = ChangeKind(value).label
        shown.append(f"{labels[name]} {value}")
    return ", ".join(shown) or _("every public change")


def _status(row: SubscriptionRow) -> str:
    from cli.i18n import locale_is_chinese

    return row.status.label if locale_is_chinese() else row.status.value


def _json(row: SubscriptionRow) -> dict[str, Any]:
    return {
        "id": row.subscription_id,
        "name": row.name,
        "url": row.url,
        "filters": {name: value for name, value in row.filters.items() if value is not None},
        "status": row.status.value,
        "cursor": row.cursor,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "given_up": row.given_up,
        "last_error": row.last_error,
        "last_delivered_at": row.last_delivered_at,
        "failing_since": row.failing_since,
        "created_by": row.created_by,
        "created_at": row.created_at,
    }


def _attempt_json(a: Attempt) -> dict[str, Any]:
    return {
        "position": a.position,
        "webhook_id": a.message_id,
        "attempt": a.attempt,
        "at": a.at,
        "duration_ms": a.duration_ms,
        "status_code": a.status_code,
        "outcome": a.outcome,
        "detail": a.detail,
    }
