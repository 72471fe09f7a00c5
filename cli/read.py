"""The read commands: show, list, history. Each has --json with a stable shape."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.app import app
from cli.context import context
from events.database import reading
from projections import query
from registry.audit import item_chain
from registry.missing import NotFound

# Printing and the domain's labels are imported where they are used: see history().

Json = Annotated[bool, typer.Option("--json", help="print JSON (a stable shape, documented in docs/cli.md)")]


@app.command()
def show(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help="the item id")],
    version: Annotated[int | None, typer.Option(help="a given version instead of the authoritative one")] = None,
    as_json: Json = False,
) -> None:
    """The authoritative published version of an item (or its draft, if never published), or a given version."""
    from cli.output import console, elements_table, print_json
    from registry.state import Status

    registry = context(ctx).registry()
    state, _ = registry.load(item)
    with registry.store.reading() as conn:
        all_versions = query.versions(conn, item)
    if version is not None:
        chosen = next((v for v in all_versions if v["version"] == version), None)
        if chosen is None:
            raise NotFound(
                f"item {item} has no version {version} (it has {', '.join(str(v['version']) for v in all_versions)})"
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
    }
    if as_json:
        print_json(shape)
        return
    title = (
        f"{item} · {state.domain or '—'} · {state.unit} · version {chosen['version']} ({chosen['state']})"
        f" · {state.status.label} ({state.status.value})"
    )
    console.print(elements_table(chosen["elements"], title))
    if chosen["published_at"]:
        console.print(
            f"published {chosen['published_at']}, approved by {chosen['approval_reference'] or '—'}", markup=False
        )
    if pending and version is None and state.published:
        console.print(
            f"note: version {pending.version} ({pending.kind.label}) is pending at {state.status.label}; "
            f"version {chosen['version']} stays authoritative until it is published",
            markup=False,
        )
    if pending and pending.rejection:
        console.print(f"returned by review: {pending.rejection}", markup=False)


@app.command("list")
def list_items(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            help="draft, submitted, preliminary_reviewed, legality_reviewed, approved, published, retired, discarded"
        ),
    ] = None,
    unit: Annotated[str | None, typer.Option(help="owning unit")] = None,
    domain: Annotated[str | None, typer.Option(help="领域")] = None,
    as_json: Json = False,
) -> None:
    """Every item with its status, drafts included (internal listing)."""
    from cli.output import console, grid, print_json
    from registry.state import Status

    if status is not None and status not in {s.value for s in Status}:
        from cli.context import Usage

        raise Usage(f"--status must be one of {', '.join(s.value for s in Status if s is not Status.NEW)}")
    registry = context(ctx).registry()
    if domain:
        known = registry.profile.domain(domain)
        domain = known.name if known else domain
    if unit:
        found = registry.profile.unit(unit)
        unit = found.name if found else unit
    with registry.store.reading() as conn:
        rows = query.list_items(conn, status, unit, domain)
    if as_json:
        print_json(rows)
        return
    console.print(
        grid(
            f"{len(rows)} item(s)",
            ["item", "unit", "domain", "title", "status", "version", "public"],
            [
                [
                    r["item_id"],
                    r["unit"],
                    r["domain"] or "—",
                    r["title"] or "—",
                    Status(r["status"]).label
                    + (f" ({r['pending_kind']})" if r["pending_kind"] and r["published_version"] else ""),
                    str(r["version"]),
                    str(r["published_version"] or "—"),
                ]
                for r in rows
            ],
        )
    )


@app.command()
def history(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help="the item id")],
    as_json: Json = False,
) -> None:
    """The accountability check: every event of the item, who did what, when, why, and whether it verifies."""
    # Neither the profile nor the domain model: a cold `registry history` is mostly start-up (docs/benchmarks.md).
    engine = context(ctx).engine()
    with reading(engine) as conn:
        rows = query.history(conn, item)
        if not rows:  # every event of an item has its history row; an actor's stream has none
            raise NotFound(f"no item {item!r}")
        verdict = item_chain(conn, item)
    for row in rows:
        row["verified"] = verdict.get(row["position"], False)
    if as_json:
        from cli.output import print_json

        print_json(rows)
    else:
        _print_history(item, rows)
    if not all(row["verified"] for row in rows):
        raise typer.Exit(6)


def _print_history(item: str, rows: list[dict[str, Any]]) -> None:
    """One block per event, readable at any terminal width."""
    from cli.output import console, show_value
    from events.elements import ELEMENT_LABELS
    from projections.history import ACTION_LABELS

    console.print(f"history of {item}: {len(rows)} event(s)", markup=False)
    for r in rows:
        when = r["occurred_at"][:19].replace("T", " ")
        version = f" v{r['version']}" if r["version"] else ""
        chain = "chain ok" if r["verified"] else "CHAIN BROKEN"
        console.print(
            f"\n#{r['position']}  {when} UTC  {ACTION_LABELS.get(r['action'], r['action'])}{version}  "
            f"{r['actor']} · {r['unit'] or '—'} · {r['role'] or '—'} · {_channel(r)}  [{chain}]",
            markup=False,
            style="bold" if r["verified"] else "bold red",
        )
        if r["backfilled_by"]:
            recorded = r["recorded_at"][:19].replace("T", " ")
            console.print(f"    补录 (backfill): recorded {recorded} UTC by {r['backfilled_by']}", markup=False)
        if r["reason"]:
            console.print(f"    reason/comment: {r['reason']}", markup=False)
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
        return f"cli (user {row['os_user']})" if row["os_user"] else "cli"
    return f"{channel} {row['credential']}" if channel == "token" and row["credential"] else channel
