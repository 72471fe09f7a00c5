"""Set-up and upkeep: init, actor add/list, verify, rebuild, demo."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress

from cli.app import actor_app, app
from cli.context import Context, Usage, context
from cli.output import console, error, grid, print_json
from events.checkpoint import create_key
from events.database import display_url, open_engine, reading
from projections import signing_keys
from registry.actor import Role
from registry.audit import verify as verify_log
from registry.schema import upgrade
from registry.service import NotFound

Json = Annotated[bool, typer.Option("--json", help="print JSON")]


@app.command()
def init(
    ctx: typer.Context,
    admin: Annotated[
        str | None, typer.Option(help="register this first admin now, so that nobody can claim admin later")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="the first admin's unit; default the profile's 初审 unit")] = None,
) -> None:
    """Create the registry's tables, or migrate them to the newest schema; with --admin, register the first admin."""
    if unit and not admin:
        raise Usage("--unit is the first admin's unit: give --admin NAME too")
    c = context(ctx)
    engine = open_engine(c.url)
    revision = upgrade(engine)
    console.print(f"registry ready at {display_url(c.url)} (schema {revision})", markup=False)
    with reading(engine) as conn:
        on_record = signing_keys.current(conn)
    engine.dispose()
    # A registry whose key is on record gets no new one by accident: its key file is restored, or rotated on purpose.
    if on_record is None and create_key(c.key_path):
        console.print(
            f"created the checkpoint signing key {c.key_path} (owner-only; keep it out of the database "
            "backups' reach); `registry key --public` prints its public half for verifiers",
            markup=False,
        )
    record_signing_key(c)
    first_admin(c, admin, unit)


def record_signing_key(c: Context) -> None:
    """Record the key file's public key in the log, so that only that key can sign public changes from now on."""
    registry = c.registry()
    if registry.signer is None:
        raise Usage(
            f"no signing key at {c.key_path}: this registry's key is on record, so restore its file there "
            "(or pass --key FILE, or set $REGISTRY_KEY_FILE)"
        )
    by = registry.actor(c.actor_id) if c.actor_id else None
    if registry.register_signing_key(by) is not None:
        console.print(
            f"recorded the signing key {registry.signer.key_id} in the log: publications, adjustments and "
            "retirements are signed with it, and refused without it",
            markup=False,
        )


def first_admin(c: Context, name: str | None, unit: str | None) -> None:
    """Register `name` as the first admin; without a name, say so while no admin exists."""
    registry = c.registry()
    admins = [actor for actor in registry.actors() if actor.has(Role.ADMIN)]
    if name and any(actor.actor_id == name for actor in admins):
        console.print(f"{name} is already an admin: nothing to do", markup=False)  # init may run again, as deploys do
    elif name:
        unit = unit or registry.profile.review_unit
        registry.register_actor(name, unit, frozenset({Role.ADMIN}))
        console.print(
            f"registered the first admin {name} ({unit}); from now on only an admin registers actors", markup=False
        )
    elif not admins:
        console.print(
            "no admin yet: until one exists, anyone may register actors, an admin included. Create the first one "
            "now: `registry init --admin NAME [--unit UNIT]`",
            markup=False,
        )


@actor_app.command("add")
def actor_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="the actor's id: a name, unique in this registry")],
    unit: Annotated[str, typer.Option(help="the unit they work for, e.g. 财政局 or 政务服务局")],
    role: Annotated[
        list[str],
        typer.Option(help="drafter, preliminary_reviewer, legality_reviewer, approver, publisher or admin; repeatable"),
    ],
    as_json: Json = False,
) -> None:
    """Register an actor (once an admin exists, only an admin may: --as ADMIN)."""
    roles = set()
    for value in role:
        try:
            roles.add(Role(value))
        except ValueError:
            raise Usage(f"unknown role {value!r}: use {', '.join(r.value for r in Role)}") from None
    c = context(ctx)
    registry = c.registry()
    registrar = registry.actor(c.actor_id) if c.actor_id else None
    receipt = registry.register_actor(name, unit, frozenset(roles), registrar)
    if as_json:
        print_json({"actor": name, "position": receipt.position})
    else:
        console.print(f"registered {name} ({unit}: {', '.join(sorted(r.value for r in roles))})", markup=False)


@actor_app.command("list")
def actor_list(ctx: typer.Context, as_json: Json = False) -> None:
    """The registered actors, with unit and roles."""
    actors = context(ctx).registry().actors()
    if as_json:
        print_json([{"actor": a.actor_id, "unit": a.unit, "roles": sorted(r.value for r in a.roles)} for a in actors])
        return
    console.print(
        grid(
            f"{len(actors)} actor(s)",
            ["actor", "unit", "roles"],
            [[a.actor_id, a.unit, ", ".join(sorted(f"{r.value} ({r.label})" for r in a.roles))] for a in actors],
        )
    )


@app.command()
def verify(ctx: typer.Context, as_json: Json = False) -> None:
    """Recompute the hash chain and the Merkle tree, check every checkpoint's signature, and compare the
    projections with a fresh fold of the log. Exit 6 on any problem, naming the first bad position."""
    registry = context(ctx).registry()
    result = verify_log(registry.store)
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "events": result.events,
                "head_hash": result.head_hash,
                "first_bad_position": result.first_bad_position,
                "problem": result.problem or None,
                "projection_problems": result.projection_problems,
                "tree_problems": result.tree_problems,
            }
        )
    elif result.first_bad_position is not None:
        error(f"verification FAILED at position {result.first_bad_position}: {result.problem}")
    elif result.tree_problems:
        error("the chain verifies, but the Merkle tree or its checkpoints do not: " + "; ".join(result.tree_problems))
    elif result.projection_problems:
        error(
            "the chain verifies, but projections differ from the log: "
            + "; ".join(result.projection_problems)
            + " (run `registry rebuild`)"
        )
    else:
        console.print(
            f"ok: {result.events} events, chain intact, head {result.head_hash}; "
            "Merkle tree and signed checkpoints match; projections equal a fresh fold of the log",
            markup=False,
        )
    if not result.ok:
        raise typer.Exit(6)


@app.command()
def rebuild(ctx: typer.Context) -> None:
    """Drop every projection and fold the whole log into it again (one transaction)."""
    registry = context(ctx).registry()
    total, _ = registry.store.head()
    from projections.projector import rebuild as rebuild_projections

    with Progress(transient=True, console=console) as progress:
        task = progress.add_task("rebuilding projections", total=total)
        with registry.store.writing() as conn:
            last = rebuild_projections(conn, progress=lambda n: progress.advance(task, n))
    console.print(f"rebuilt the projections from {last} events", markup=False)


@app.command()
def demo(
    ctx: typer.Context,
    fresh: Annotated[bool, typer.Option("--fresh", help="start again from an empty demo.db")] = False,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="serve the GraphQL API afterwards")] = True,
    host: Annotated[str, typer.Option(help="address to serve on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to serve on")] = 8000,
) -> None:
    """Create (or reuse) demo.db with a realistic sample catalog, show how to look at it, and serve it
    (the public catalog page at /, GraphQL at /graphql)."""
    from pathlib import Path

    from registry.demo import ITEMS as DEMO_ITEMS
    from registry.demo import build_demo

    c = context(ctx)
    url = c.db or "sqlite:///demo.db"
    if fresh and url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    engine = open_engine(url)
    upgrade(engine)
    c.db = url
    create_key(c.key_path)
    registry = c.registry()
    try:
        registry.load(DEMO_ITEMS[-1]["id"])
        console.print(f"reusing the demo registry at {display_url(url)}", markup=False)
    except NotFound:
        if registry.store.head()[0]:
            raise Usage(f"{display_url(url)} holds another registry or an unfinished demo; use --fresh") from None
        registry.register_signing_key(None)
        summary = build_demo(registry)
        console.print(f"built the demo registry at {display_url(url)}: {summary}", markup=False)
    console.print(
        "\nLook at it:\n"
        f"  registry --db {url} list\n"
        f"  registry --db {url} list --status published --json\n"
        f"  registry --db {url} show czj-juesuan      (published, with an adjustment pending)\n"
        f"  registry --db {url} history czj-juesuan   (who did what, and whether it verifies)\n"
        f"  registry --db {url} verify\n"
        + (
            f"  curl -s http://{host}:{port}/graphql -H 'content-type: application/json' "
            '-d \'{"query": "{ catalog { totalCount edges { node { id name unit levels } } } }"}\'\n'
            f"  open http://{host}:{port}/ in a browser: the public catalog page (政务公开专区) on the API\n"
            f"  open http://{host}:{port}/graphql in a browser for GraphiQL; Ctrl-C stops the server\n"
            if serve
            else ""
        ),
        markup=False,
    )
    if serve:
        from cli.serve import serve_registry

        serve_registry(
            registry.engine, registry.profile, host, port, graphiql=True, introspection=True, signer=registry.signer
        )
