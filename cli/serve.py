"""Serving the public GraphQL API, and printing its schema."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.app import app
from cli.context import Usage, context
from cli.i18n import _
from cli.output import console

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from api.app import ServerLimits
    from api.replicas import Reads
    from api.staff_auth import SignInPolicy
    from events.checkpoint import Signer


@app.command(
    help=_(
        "Serve the authoritative published catalog as GraphQL over HTTP at /graphql (GET and POST), the public "
        "catalog page on it at /, and /healthz; and the staff side: POST /staff/login and /staff/logout, and "
        "/staff/graphql for signed-in staff and API tokens (docs/staff-api.md). Publications made there are signed "
        "with the registry's key (--key, $REGISTRY_KEY_FILE or beside the database)."
    )
)
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help=_("address to listen on"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help=_("port to listen on"))] = 8000,
    graphiql: Annotated[bool, typer.Option("--graphiql/--no-graphiql", help=_("serve GraphiQL to browsers"))] = True,
    introspection: Annotated[
        bool, typer.Option("--introspection/--no-introspection", help=_("allow schema introspection"))
    ] = True,
    deadline: Annotated[
        float,
        typer.Option(
            min=0.1,
            help=_("seconds after which a GraphQL request is cut off (PostgreSQL: each statement's timeout too)"),
        ),
    ] = 10.0,
    concurrent: Annotated[
        int, typer.Option(min=1, help=_("GraphQL requests worked on at once (each holds a database connection)"))
    ] = 8,
    queue: Annotated[
        float, typer.Option(min=0, help=_("seconds a request waits for one of those before it gets 503 Retry-After"))
    ] = 2.0,
    cache_mb: Annotated[
        int,
        typer.Option(
            min=0, help=_("megabytes of public answers kept by their ETag and given again without executing (0: none)")
        ),
    ] = 64,
    session_idle: Annotated[
        int, typer.Option(min=1, help=_("minutes a staff sign-in session lives without a request"))
    ] = 30,
    session_lifetime: Annotated[
        int, typer.Option(min=1, help=_("hours a staff sign-in session lives at most, however busy"))
    ] = 12,
    deliver: Annotated[
        bool,
        typer.Option(
            "--deliver/--no-deliver",
            help=_("deliver the webhooks in the background (off: a separate `registry deliver` does)"),
        ),
    ] = True,
    read_url: Annotated[
        list[str] | None,
        typer.Option(
            "--read-url",
            metavar="URL",
            envvar="REGISTRY_READ_URLS",
            help=_(
                "a PostgreSQL streaming replica of the database that public GraphQL reads go to (repeat it for more; "
                "$REGISTRY_READ_URLS: separated by spaces); writes go to the primary, and a staff read goes to a "
                "replica only once it has replayed that actor's last write (docs/scaling.md)"
            ),
        ),
    ] = None,
    replica_lag: Annotated[
        float,
        typer.Option(min=0, help=_("seconds a replica may lag behind the primary and still serve public reads")),
    ] = 10.0,
    primary_reads: Annotated[
        bool,
        typer.Option(
            "--primary-reads/--no-primary-reads",
            help=_("with --read-url: the primary takes its turn at the public reads too (off: replicas only)"),
        ),
    ] = False,
) -> None:
    from datetime import timedelta

    from api.app import ServerLimits
    from api.staff_auth import SignInPolicy

    c = context(ctx)
    registry = c.registry()
    reads = open_reads(registry.engine, read_url or [], replica_lag, primary_reads)
    limits = ServerLimits(deadline=deadline, concurrent=concurrent, queue=queue, cache_bytes=cache_mb * 2**20)
    sign_in = SignInPolicy(idle=timedelta(minutes=session_idle), absolute=timedelta(hours=session_lifetime))
    serve_registry(
        registry.engine,
        registry.profile,
        host,
        port,
        graphiql,
        introspection,
        limits,
        signer=registry.signer,
        sign_in=sign_in,
        webhook_key=c.webhook_key_path if deliver else None,
        reads=reads,
    )


def open_reads(primary: Engine, urls: list[str], max_lag: float, primary_reads: bool) -> Reads | None:
    """The read replicas at `urls` (api/replicas.py), None without any; Usage for a URL that cannot be one."""
    if not urls:
        if primary_reads:
            raise Usage(_("--primary-reads shares the public reads with replicas: give them with --read-url"))
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from api.replicas import NotAStandby, Reads
    from events.database import database_url, display_url

    for url in urls:
        if not url.strip():
            raise Usage(_("--read-url: an empty URL (is $REGISTRY_READ_URLS set to nothing?)"))

    if primary.dialect.name != "postgresql":
        raise Usage(
            _("--read-url: read replicas are PostgreSQL streaming replicas, and the database here is {kind}").format(
                kind=primary.dialect.name
            )
        )
    urls = [database_url(url) for url in urls]
    for url in urls:
        try:
            backend = make_url(url).get_backend_name()
        except (ArgumentError, ValueError) as error:
            shown, reason = _without_password(url), _without_password(str(error))
            raise Usage(_("--read-url {url}: not a database URL ({reason})").format(url=shown, reason=reason)) from None
        if backend != "postgresql":
            raise Usage(_("--read-url {url}: not a PostgreSQL URL").format(url=display_url(url)))
    if len(set(urls)) < len(urls):
        raise Usage(_("--read-url: the same replica is given twice"))
    try:
        reads = Reads.open(primary, urls, max_lag=max_lag, primary_reads=primary_reads)
    except NotAStandby as refusal:
        message = (
            _(
                "--read-url {url}: not a standby of this database: another cluster, another database or schema, "
                "or another log"
            )
            if refusal.elsewhere
            else _(
                "--read-url {url}: not a standby (pg_is_in_recovery() is false there): "
                "its data would not follow this database"
            )
        )
        raise Usage(message.format(url=refusal.url)) from None
    for replica in reads.replicas:
        state = _("replaying, {lag:.1f} s behind").format(lag=replica.lag) if replica.up else _("not answering yet")
        console.print(_("read replica {url}: {state}").format(url=replica.url, state=state), markup=False)
    return reads


def _without_password(text: str) -> str:
    """`text` with the password of any URL in it masked: a URL that cannot be parsed is still shown without it."""
    import re

    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def serve_registry(
    engine: object,
    profile: object,
    host: str,
    port: int,
    graphiql: bool,
    introspection: bool,
    limits: ServerLimits | None = None,
    *,
    signer: Signer | None = None,
    sign_in: SignInPolicy | None = None,
    listening: socket.socket | None = None,
    webhook_key: Path | None = None,
    reads: Reads | None = None,
) -> None:
    """Serve on `listening` (a socket from `listen`), or on host:port; with `webhook_key` (its path), deliver the
    webhooks in the background."""
    import uvicorn

    from api.app import ServerLimits, create_app
    from registry.push.delivery import Background, DeliverySettings

    application = create_app(
        engine,  # type: ignore[arg-type]
        profile,  # type: ignore[arg-type]
        graphiql=graphiql,
        introspection=introspection,
        limits=limits or ServerLimits(),
        signer=signer,
        sign_in=sign_in,
        reads=reads,
    )
    listening = listening or listen(host, port)  # before saying "serving": a busy port is a usage error, not a crash
    console.print(
        _("serving the catalog page at http://{host}:{port}/ and GraphQL at http://{host}:{port}/graphql").format(
            host=host, port=port
        )
        + (_(" (GraphiQL in a browser)") if graphiql else "")
        + _("; staff sign in at http://{host}:{port}/staff/login and act at http://{host}:{port}/staff/graphql").format(
            host=host, port=port
        )
        + ("" if signer else _(" (no signing key here: publications through it are refused)")),
        markup=False,
    )
    _log_to_stderr()
    deliveries = (
        Background(engine, profile, webhook_key, DeliverySettings())  # type: ignore[arg-type]
        if webhook_key
        else None
    )
    if deliveries:
        deliveries.start()
    try:
        uvicorn.Server(uvicorn.Config(application, log_level="warning")).run(sockets=[listening])
    finally:
        if deliveries:
            deliveries.stop()


def _log_to_stderr() -> None:
    """The API's own log lines (refused requests, faults with their tracebacks) on stderr, timed like uvicorn's."""
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    for name in ("registry.api", "registry.push.delivery"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on host:port, as uvicorn would open it; Usage (exit 2) when the port is taken."""
    try:
        family, kind, protocol, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as failure:
        raise Usage(
            _("--host {host}: not an address of this machine ({reason})").format(host=host, reason=failure.strerror)
        ) from None
    listening = socket.socket(family, kind, protocol)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT is free; one in use is not
    try:
        listening.bind(address)
    except OSError as failure:
        listening.close()
        if failure.errno == errno.EADDRINUSE:
            raise Usage(
                _(
                    "port {port} on {host} is in use (another registry serve?): stop it, or choose another port: "
                    "--port N (make demo PORT=N)"
                ).format(port=port, host=host)
            ) from None
        raise Usage(
            _("cannot listen on {host}:{port}: {reason}").format(host=host, port=port, reason=failure.strerror)
        ) from None
    listening.listen(2048)
    return listening


@app.command(
    "schema", help=_("Print the GraphQL schema (SDL) that portals program against, or with --staff the staff one.")
)
def print_schema(
    staff: Annotated[
        bool,
        typer.Option("--staff", help=_("the staff schema (/staff/graphql) that business systems program against")),
    ] = False,
) -> None:
    if staff:
        from api.staff_schema import staff_schema

        typer.echo(str(staff_schema))
        return
    from api.schema import schema

    typer.echo(str(schema))
