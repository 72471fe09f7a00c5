"""The read commands: show, list, history. Each has --json with a stable shape."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.app import app
from cli.choice import role, version_state
from cli.choice import status as status_choice
from cli.context import context
from cli.i18n import _, explained
from events.database import reading
from projections import query
from registry.audit import item_chain
from registry.missing import NotFound

if TYPE_CHECKING:
    from projections.retirement import Retirement

# Printing and the domain's labels are imported where they are used: see history().

LIST_PAGE = 100  # a table's default length: a county's thousands of items are paged, not scrolled past
Json = Annotated[bool, typer.Option("--json", help=_("print JSON (a stable shape, documented in docs/cli.md)"))]


@app.command(
    help=_("The authoritative published version of an item (or its draft, if never published), or a given version.")
)
def show(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help=_("the item id"))],
    version: Annotated[int | None, typer.Option(help=_("a given version instead of the authoritative one"))] = None,
    as_json: Json = False,
) -> None:
    from cli.output import console, elements_table, print_json
    from projections.retirement import retirement
    from registry.items.state import Status

    registry = context(ctx).registry()
    state = registry.load(item)[0]
    with registry.store.reading() as conn:
        all_versions = query.versions(conn, item)
        retired = retirement(conn, item)
    if version is not None:
        chosen = next((v for v in all_versions if v["version"] == version), None)
        if chosen is None:
            raise NotFound(
                _("item {item} has no version {version} (it has {versions})").format(
                    item=item, version=version, versions=", ".join(str(v["version"]) for v in all_versions)
                )
            )
    else:
        published = [v for v in all_versions if v["state"] in ("published", "retired")]
        chosen = published[-1] if state.published and published else all_versions[-1]
        if state.status is Status.RETIRED:
            chosen = next(v for v in reversed(all_versions) if v["state"] == "superseded")
    pending = state.pending
    shape: dict[str, Any] = {
        "item_id": item,
        "domain": state.domain,
        "unit": state.unit,
        "status": state.status.value,
        "status_label": state.status.label,
        "version": chosen["version"],
        "version_state": chosen["state"],
        "published_version": state.published.version if state.published else None,
        "published_at": chosen["published_at"],
        "approval_reference": chosen["approval_reference"],
        "elements": chosen["elements"],
        "pending": None
        if pending is None
        else {
            "version": pending.version,
            "kind": pending.kind.value,
            "status": state.status.value,
            "trigger": pending.trigger,
            "reason": pending.reason,
            "rejection": pending.rejection,
        },
        "retirement": _retirement_shape(retired),
    }
    if as_json:
        print_json(shape)
        return
    if retired is not None:
        _print_retirement(item, retired, registry.profile.timezone, last_version_follows=version is None)
    title = _("{item} · {domain} · {unit} · version {version} ({state}) · {status} ({status_value})").format(
        item=item,
        domain=state.domain or "—",
        unit=state.unit,
        version=chosen["version"],
        state=version_state().label(chosen["state"]),
        status=state.status.label,
        status_value=state.status.value,
    )
    console.print(elements_table(chosen["elements"], title))
    if chosen["published_at"]:
        from cli.clock import local_time

        published_at = local_time(chosen["published_at"], registry.profile.timezone)
        console.print(
            _("published {time}, approved by {reference}").format(
                time=published_at, reference=chosen["approval_reference"] or "—"
            ),
            markup=False,
        )
    if pending and version is None and state.published:
        console.print(
            _(
                "note: version {pending} ({kind}) is pending at {status}; "
                "version {version} stays authoritative until it is published"
            ).format(
                pending=pending.version, kind=pending.kind.label, status=state.status.label, version=chosen["version"]
            ),
            markup=False,
        )
    if pending and pending.rejection:
        console.print(_("returned by review: {comment}").format(comment=pending.rejection), markup=False)
    if retired is not None:
        _print_history_hint(item, context(ctx).db)


def _print_history_hint(item: str, db: str | None) -> None:
    """The command that shows the item's whole record, as this user can run it (program name and --db included)."""
    from cli.invocation import program, shell_words
    from cli.output import console

    command = " ".join([program(), *([shell_words("--db", db)] if db else []), shell_words("history", item)])
    console.print(_("its whole record: {command}").format(command=command), markup=False)


def _retirement_shape(retired: Retirement | None) -> dict[str, Any] | None:
    """The retirement in `show --json`: times as stored (UTC)."""
    if retired is None:
        return None
    return {
        "version": retired.version,
        "retired_at": retired.retired_at,
        "trigger": retired.trigger,
        "reason": retired.reason,
        "approval_reference": retired.approval_reference,
        "approved_by": retired.approved_by,
        "approved_at": retired.approved_at,
        "backfilled": retired.backfilled,
    }


def _print_retirement(item: str, retired: Retirement, zone: str, last_version_follows: bool) -> None:
    """That the item was retired, when, why and on whose approval; then, unless another version was asked for,
    that its last published version follows."""
    from cli.clock import local_time
    from cli.i18n import _
    from cli.output import console

    why = "：".join(part for part in (retired.trigger, retired.reason) if part) or "—"
    console.print(
        _("retired {time} (version {version}, 取消): {why}").format(
            time=local_time(retired.retired_at, zone), version=retired.version, why=why
        )
        + (_(" (补录: recorded later by an admin)") if retired.backfilled else ""),
        markup=False,
        style="bold",
    )
    console.print(
        _("approved by {unit}: {reference}, {time}").format(
            unit=retired.approved_by or "—",
            reference=retired.approval_reference or "—",
            time=local_time(retired.approved_at, zone),
        ),
        markup=False,
    )
    if last_version_follows:
        console.print(
            _("{item} is no longer in the public catalog; its last published version was:").format(item=item),
            markup=False,
        )
    else:
        console.print(_("{item} is no longer in the public catalog").format(item=item), markup=False)


@app.command("list", help=_("Every item with its status, drafts included (internal listing)."))
def list_items(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            parser=status_choice(),
            help=_(
                "draft (梳理中), submitted (待初审), preliminary_reviewed (待合法性审查), legality_reviewed (待审议), "
                "approved (待公布), published (已公布), retired (已取消) or discarded (已废弃)"
            ),
        ),
    ] = None,
    unit: Annotated[str | None, typer.Option(help=_("owning unit"))] = None,
    domain: Annotated[str | None, typer.Option(help=_("领域"))] = None,
    limit: Annotated[
        int | None,
        typer.Option(min=0, help=_("at most this many items (default: 100 in a table, all in JSON; 0: all)")),
    ] = None,
    offset: Annotated[int, typer.Option(min=0, help=_("skip this many items first (the next page)"))] = 0,
    as_json: Json = False,
) -> None:
    from cli.output import console, grid, print_json
    from events.event import ChangeKind
    from registry.items.state import Status

    registry = context(ctx).registry()
    if domain:
        from cli.context import Usage
        from registry.items.rules import known_domain
        from registry.rules import RuleViolation

        try:
            domain = known_domain(registry.profile, domain)
        except RuleViolation as unknown:  # a misspelt filter says so, rather than listing nothing
            raise Usage(_("--domain: {problem}").format(problem=explained(unknown))) from None
    if unit:
        from cli.context import unit_option

        unit = unit_option(registry.profile, unit)
    page = (None if as_json else LIST_PAGE) if limit is None else (limit or None)
    with registry.store.reading() as conn:
        rows = query.list_items(conn, status, unit, domain, limit=page, offset=offset)
        total = query.count_items(conn, status, unit, domain) if page is not None or offset else len(rows)
    if as_json:
        print_json(rows)
        return
    if not rows and offset:
        console.print(
            _("no items at offset {offset}: there are {count}").format(offset=offset, count=total), markup=False
        )
        return
    shown = (
        _("{count} item(s)").format(count=total)
        if len(rows) == total
        else _("items {first}–{last} of {count}").format(first=offset + 1, last=offset + len(rows), count=total)
    )
    console.print(
        grid(
            shown,
            [_("item"), _("unit"), _("domain"), _("title"), _("status"), _("version"), _("public")],
            [
                [
                    r["item_id"],
                    r["unit"],
                    r["domain"] or "—",
                    r["title"] or "—",
                    Status(r["status"]).label
                    + (
                        f"（{ChangeKind(r['pending_kind']).label}）"
                        if r["pending_kind"] and r["published_version"]
                        else ""
                    ),
                    str(r["version"]),
                    str(r["published_version"] or "—"),
                ]
                for r in rows
            ],
        )
    )
    following = offset + len(rows)
    if following < total:
        filters = [
            *(["--status", status] if status else []),
            *(["--unit", unit] if unit else []),
            *(["--domain", domain] if domain else []),
        ]
        page_size = ["--limit", str(limit)] if limit else []
        console.print(
            _("more: {command} (the next {count})").format(
                command=_runnable(ctx, "list", *filters, *page_size, "--offset", str(following)),
                count=min(len(rows), total - following),
            ),
            markup=False,
        )
        console.print(
            _("all {count}: {command}").format(count=total, command=_runnable(ctx, "list", *filters, "--limit", "0")),
            markup=False,
        )


def _runnable(ctx: typer.Context, *words: str) -> str:
    """`words` as a command this user can run as printed: the program as they can type it, and the global --db and
    --profile they gave."""
    from cli.invocation import program, shell_words

    c = context(ctx)
    given = [*(["--db", c.db] if c.db else []), *(["--profile", str(c.profile_path)] if c.profile_path else [])]
    return " ".join([program(), shell_words(*given, *words)])


@app.command(
    help=_("The accountability check: every event of the item, who did what, when, why, and whether it verifies.")
)
def history(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help=_("the item id"))],
    as_json: Json = False,
) -> None:
    # Neither the profile nor the domain model: a cold `registry history` is mostly start-up (docs/benchmarks.md).
    engine = context(ctx).engine()
    with reading(engine) as conn:
        rows = query.history(conn, item)
        if not rows:  # every event of an item has its history row; an actor's stream has none
            raise NotFound(_("no item {item!r}").format(item=item))
        verdict = item_chain(conn, item)
    for row in rows:
        row["verified"] = verdict.get(row["position"], False)
    if as_json:
        from cli.output import print_json

        print_json(rows)
    else:
        _print_history(item, rows, context(ctx).timezone)
    if not all(row["verified"] for row in rows):
        raise typer.Exit(6)


def _print_history(item: str, rows: list[dict[str, Any]], zone: str) -> None:
    """One block per event, readable at any terminal width; times in the jurisdiction's zone."""
    from cli.clock import local_time
    from cli.output import console, show_value
    from events.elements import ELEMENT_LABELS
    from projections.history import ACTION_LABELS

    console.print(_("history of {item}: {count} event(s)").format(item=item, count=len(rows)), markup=False)
    for r in rows:
        when = local_time(r["occurred_at"], zone, seconds=True)
        version = f" v{r['version']}" if r["version"] else ""
        chain = _("chain ok") if r["verified"] else _("CHAIN BROKEN")
        console.print(
            f"\n#{r['position']}  {when}  {ACTION_LABELS.get(r['action'], r['action'])}{version}  "
            f"{r['actor']} · {r['unit'] or '—'} · {role().label(r['role']) if r['role'] else '—'} · {_channel(r)}  "
            f"[{chain}]",
            markup=False,
            style="bold" if r["verified"] else "bold red",
        )
        if r["backfilled_by"]:
            recorded = local_time(r["recorded_at"], zone, seconds=True)
            console.print(
                _("    补录 (backfill): recorded {time} by {admin}").format(time=recorded, admin=r["backfilled_by"]),
                markup=False,
            )
        if r["reason"]:
            console.print(_("    reason/comment: {reason}").format(reason=r["reason"]), markup=False)
        for c in r["changes"]:
            console.print(
                f"    {ELEMENT_LABELS.get(c['field'], c['field'])}: {show_value(c['field'], c['old'])} → "
                f"{show_value(c['field'], c['new'])}",
                markup=False,
            )


def _channel(row: dict[str, Any]) -> str:
    """How the actor was proven: `session` or `token tok_…` (proven), or `cli (user NAME)` (asserted with --as by
    whoever ran the command on the server)."""
    channel = str(row["channel"])
    if channel == "cli":
        return _("cli (user {user})").format(user=row["os_user"]) if row["os_user"] else "cli"
    return f"{channel} {row['credential']}" if channel == "token" and row["credential"] else channel
