"""Set-up and upkeep: init, actor add/list, verify, rebuild, demo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress

from cli.app import actor_app, app
from cli.choice import role as role_choice
from cli.choice import status as status_choice
from cli.context import Context, Usage, cli_proof, context
from cli.i18n import _, explained, listing, locale_is_chinese
from cli.output import console, error, grid, print_json
from events.checkpoint import create_key
from events.database import display_url, open_engine, reading
from projections import signing_keys
from registry.actor import Role
from registry.audit import verify as verify_log
from registry.schema import upgrade
from registry.service import NotFound

if TYPE_CHECKING:
    from rich.table import Table

    from registry.demo import DemoAccount

Json = Annotated[bool, typer.Option("--json", help=_("print JSON"))]


@app.command(
    help=_(
        "Create the registry's tables, or migrate them to the newest schema; with --admin, register the first admin."
    )
)
def init(
    ctx: typer.Context,
    admin: Annotated[
        str | None, typer.Option(help=_("register this first admin now, so that nobody can claim admin later"))
    ] = None,
    unit: Annotated[str | None, typer.Option(help=_("the first admin's unit; default the profile's 初审 unit"))] = None,
) -> None:
    if unit and not admin:
        raise Usage(_("--unit is the first admin's unit: give --admin NAME too"))
    c = context(ctx)
    engine = open_engine(c.url)
    revision = upgrade(engine)
    console.print(
        _("registry ready at {url} (schema {revision})").format(url=display_url(c.url), revision=revision), markup=False
    )
    with reading(engine) as conn:
        on_record = signing_keys.current(conn)
    engine.dispose()
    # A registry whose key is on record gets no new one by accident: its key file is restored, or rotated on purpose.
    if on_record is None and create_key(c.key_path):
        console.print(
            _(
                "created the checkpoint signing key {path} (owner-only; keep it out of the database "
                "backups' reach); `registry key --public` prints its public half for verifiers"
            ).format(path=c.key_path),
            markup=False,
        )
    record_signing_key(c)
    warn_if_readable_by_others(c.key_path)
    first_admin(c, admin, unit)


def warn_if_readable_by_others(key: Path) -> None:
    """A signing key that the group or everyone may read can sign a forged publication: say so (and how to fix)."""
    mode = key.stat().st_mode & 0o777
    if mode & 0o077:
        error(
            _(
                "warning: the signing key {path} can be read by other users (mode {mode:o}); anyone who reads it can "
                "sign checkpoints as this registry: chmod 600 {path}"
            ).format(path=key, mode=mode)
        )


def record_signing_key(c: Context) -> None:
    """Record the key file's public key in the log, so that only that key can sign public changes from now on."""
    registry = c.registry()
    if registry.signer is None:
        raise Usage(
            _(
                "no signing key at {path}: this registry's key is on record, so restore its file there "
                "(or pass --key FILE, or set $REGISTRY_KEY_FILE)"
            ).format(path=c.key_path)
        )
    by = registry.actor(c.actor_id) if c.actor_id else None
    if registry.register_signing_key(by) is not None:
        console.print(
            _(
                "recorded the signing key {key} in the log: publications, adjustments and "
                "retirements are signed with it, and refused without it"
            ).format(key=registry.signer.key_id),
            markup=False,
        )


def first_admin(c: Context, name: str | None, unit: str | None) -> None:
    """Register `name` as the first admin; without a name, say so while no admin exists."""
    registry = c.registry()
    admins = [actor for actor in registry.actors() if actor.has(Role.ADMIN)]
    if name and any(actor.actor_id == name for actor in admins):
        console.print(
            _("{name} is already an admin: nothing to do").format(name=name), markup=False
        )  # init may run again, as deploys do
    elif name:
        unit = unit or registry.profile.review_unit
        registry.register_actor(name, unit, frozenset({Role.ADMIN}))
        console.print(
            _("registered the first admin {name} ({unit}); from now on only an admin registers actors").format(
                name=name, unit=unit
            ),
            markup=False,
        )
    elif not admins:
        console.print(
            _(
                "no admin yet: until one exists, anyone may register actors, an admin included. Create the first one "
                "now: `registry init --admin NAME [--unit UNIT]`"
            ),
            markup=False,
        )


@actor_app.command("add", help=_("Register an actor (once an admin exists, only an admin may: --as ADMIN)."))
def actor_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=_("the actor's id: a name, unique in this registry"))],
    unit: Annotated[str, typer.Option(help=_("the unit they work for, e.g. 财政局 or 政务服务局"))],
    role: Annotated[
        list[str],
        typer.Option(
            parser=role_choice(),
            help=_(
                "drafter (起草人), preliminary_reviewer (初审人), legality_reviewer (合法性审查人), approver (审议人), "
                "publisher (发布人) or admin (管理员); repeatable"
            ),
        ),
    ],
    as_json: Json = False,
) -> None:
    roles = {Role(value) for value in role}
    c = context(ctx)
    registry = c.registry()
    registrar = registry.actor(c.actor_id) if c.actor_id else None
    receipt = registry.register_actor(name, unit, frozenset(roles), registrar)
    from registry.rules import unusable_roles

    registered = registry.actor(name)
    for refusal in unusable_roles(registered, registry.profile):  # a role the rules refuse this unit every time
        error(
            _("warning: {actor} of {unit} will be refused [{rule}]: {why}").format(
                actor=name, unit=registered.unit, rule=refusal.rule.code, why=explained(refusal)
            )
        )
    if as_json:
        print_json({"actor": name, "position": receipt.position})
    else:
        console.print(
            _("registered {name} ({unit}: {roles})").format(
                name=name, unit=registered.unit, roles=listing(role_choice().label(r.value) for r in sorted(roles))
            ),
            markup=False,
        )


@actor_app.command("list", help=_("The registered actors, with unit and roles."))
def actor_list(ctx: typer.Context, as_json: Json = False) -> None:
    actors = context(ctx).registry().actors()
    if as_json:
        print_json([{"actor": a.actor_id, "unit": a.unit, "roles": sorted(r.value for r in a.roles)} for a in actors])
        return
    console.print(
        grid(
            _("{count} actor(s)").format(count=len(actors)),
            [_("actor"), _("unit"), _("roles")],
            [[a.actor_id, a.unit, listing(_role_names(sorted(a.roles)))] for a in actors],
        )
    )


def _role_names(roles: list[Role]) -> list[str]:
    """Roles as people read them: `drafter (起草人)`, or 起草人 under a Chinese locale."""
    if locale_is_chinese():
        return [r.label for r in roles]
    return [f"{r.value} ({r.label})" for r in roles]


@app.command(
    help=_(
        "Recompute the hash chain and the Merkle tree, check every checkpoint's signature, and compare the "
        "projections with a fresh fold of the log. Exit 6 on any problem, naming the first bad position."
    )
)
def verify(ctx: typer.Context, as_json: Json = False) -> None:
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
        error(
            _("verification FAILED at position {position}: {problem}").format(
                position=result.first_bad_position, problem=result.problem
            )
        )
    elif result.tree_problems:
        error(
            _("the chain verifies, but the Merkle tree or its checkpoints do not: {problems}").format(
                problems="; ".join(result.tree_problems)
            )
        )
    elif result.projection_problems:
        error(
            _("the chain verifies, but projections differ from the log: {problems} (run `registry rebuild`)").format(
                problems="; ".join(result.projection_problems)
            )
        )
    else:
        console.print(
            _(
                "ok: {events} events, chain intact, head {head}; "
                "Merkle tree and signed checkpoints match; projections equal a fresh fold of the log"
            ).format(events=result.events, head=result.head_hash),
            markup=False,
        )
    if not result.ok:
        raise typer.Exit(6)


@app.command(help=_("Drop every projection and fold the whole log into it again (one transaction)."))
def rebuild(ctx: typer.Context) -> None:
    registry = context(ctx).registry()
    total = registry.store.head()[0]
    from projections.projector import rebuild as rebuild_projections

    with Progress(transient=True, console=console) as progress:
        task = progress.add_task(_("rebuilding projections"), total=total)
        with registry.store.writing() as conn:
            last = rebuild_projections(conn, progress=lambda n: progress.advance(task, n))
    console.print(_("rebuilt the projections from {events} events").format(events=last), markup=False)


@app.command(
    help=_(
        "Create (or reuse) demo.db with a realistic sample catalog, show how to look at it, and serve it "
        "(the public catalog page at /, GraphQL at /graphql)."
    )
)
def demo(
    ctx: typer.Context,
    fresh: Annotated[bool, typer.Option("--fresh", help=_("start again from an empty demo.db"))] = False,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help=_("serve the GraphQL API afterwards"))] = True,
    host: Annotated[str, typer.Option(help=_("address to serve on"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help=_("port to serve on"))] = 8000,
) -> None:
    from pathlib import Path

    from cli.serve import listen
    from registry.demo import LAST_ITEM, build_demo, sign_in_accounts

    listening = listen(host, port) if serve else None  # a busy port is said first, not after the hints
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
        registry.load(LAST_ITEM)
        console.print(_("reusing the demo registry at {url}").format(url=display_url(url)), markup=False)
    except NotFound:
        if registry.store.head()[0]:
            raise Usage(
                _("{url} holds another registry or an unfinished demo; use --fresh").format(url=display_url(url))
            ) from None
        registry.register_signing_key(None)
        built = build_demo(registry)
        console.print(
            _(
                "built the demo registry at {url}: {actors} actors, {items} items in {domains} domains, "
                "{accounts} new-media accounts"
            ).format(
                url=display_url(url),
                actors=built.actors,
                items=built.items,
                domains=built.domains,
                accounts=built.accounts,
            )
            + " ("
            + listing(f"{status_choice().label(status)} {count}" for status, count in built.statuses.items())
            + ")",
            markup=False,
        )
    console.print("\n" + "\n".join(demo_hints(url, host, port, serve)), markup=False)
    console.print()
    console.print(demo_accounts(sign_in_accounts(registry, cli_proof()), host, port))
    if serve:
        from cli.serve import serve_registry

        serve_registry(
            registry.engine,
            registry.profile,
            host,
            port,
            graphiql=True,
            introspection=True,
            signer=registry.signer,
            listening=listening,
            webhook_key=c.webhook_key_path,
        )


def demo_accounts(accounts: list[DemoAccount], host: str, port: int) -> Table:
    """The demo's sign-in accounts as a table: name, unit, roles and the demo password, under the workbench's URL."""
    return grid(
        _(
            "Sign in to the staff workbench at {url} as one of these (demo data only: never use these passwords "
            "anywhere else):"
        ).format(url=f"http://{host}:{port}/staff/"),
        [_("actor"), _("unit"), _("roles"), _("password")],
        [[a.name, a.unit, listing(_role_names(sorted(a.roles))), a.password] for a in accounts],
    )


def demo_hints(url: str, host: str, port: int, serving: bool) -> list[str]:
    """What `demo` prints to try next: commands indented by two spaces, each runnable as printed (a note after `#`),
    then how to get `registry` on the PATH when it is not."""
    import shlex

    from cli.invocation import path_hint, program, shell_words

    def command(*words: str, note: str) -> str:
        return f"  {program()} {shell_words('--db', url, *words)}   # {note}"

    address = f"http://{host}:{port}"
    query = '{"query": "{ catalog(first: 5) { totalCount edges { node { id name unit levels } } } }"}'
    lines = [
        _("Look at it:"),
        command("list", "--status", "published", note=_("the public catalog, a hundred items a page")),
        command("list", "--domain", "财政预决算", note=_("one of the 26 pilot domains, in every status")),
        command("show", "czj-juesuan", note=_("published, with an adjustment pending")),
        command("history", "czj-juesuan", note=_("who did what, and whether it verifies")),
        command("queue", "--as", "孙初审", note=_("what waits for a preliminary reviewer (初审)")),
        command("report", "coverage", "--as-of", "2020-12-31", note=_("监督考核: who met the 2020 deadlines")),
        command("verify", note=_("recompute the chain, the Merkle tree and the projections")),
    ]
    if serving:
        lines += [
            f"  curl -s {address}/graphql -H 'content-type: application/json' -d {shlex.quote(query)}"
            + "   # "
            + _("the public GraphQL API"),
            _(
                "Open {address}/ in a browser for the public catalog page (政务公开专区), {address}/graphql for "
                "GraphiQL; Ctrl-C stops the server."
            ).format(address=address),
        ]
    else:
        options = [] if (host, port) == ("127.0.0.1", 8000) else ["--host", host, "--port", str(port)]
        lines.append(
            command(
                "serve", *options, note=_("the public page at {address}/, GraphQL at /graphql").format(address=address)
            )
        )
    activate = path_hint()
    if activate:
        lines += ["", _("`registry` is not on your PATH here; to type it as the README does, run:"), f"  {activate}"]
    return lines
