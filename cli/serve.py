"""Serving the public GraphQL API, and printing its schema."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cli.app import app
from cli.context import context
from cli.output import console

if TYPE_CHECKING:
    from api.app import ServerLimits
    from api.staff_auth import SignInPolicy
    from events.checkpoint import Signer


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    graphiql: Annotated[bool, typer.Option("--graphiql/--no-graphiql", help="serve GraphiQL to browsers")] = True,
    introspection: Annotated[
        bool, typer.Option("--introspection/--no-introspection", help="allow schema introspection")
    ] = True,
    deadline: Annotated[
        float,
        typer.Option(
            min=0.1, help="seconds after which a GraphQL request is cut off (PostgreSQL: each statement's timeout too)"
        ),
    ] = 10.0,
    concurrent: Annotated[
        int, typer.Option(min=1, help="GraphQL requests worked on at once (each holds a database connection)")
    ] = 8,
    queue: Annotated[
        float, typer.Option(min=0, help="seconds a request waits for one of those before it gets 503 Retry-After")
    ] = 2.0,
    session_idle: Annotated[
        int, typer.Option(min=1, help="minutes a staff sign-in session lives without a request")
    ] = 30,
    session_lifetime: Annotated[
        int, typer.Option(min=1, help="hours a staff sign-in session lives at most, however busy")
    ] = 12,
) -> None:
    """Serve the authoritative published catalog as GraphQL over HTTP at /graphql (GET and POST), the public
    catalog page on it at /, and /healthz; and the staff side: POST /staff/login and /staff/logout, and
    /staff/graphql for signed-in staff and API tokens (docs/staff-api.md). Publications made there are signed with
    the registry's key (--key, $REGISTRY_KEY_FILE or beside the database)."""
    from datetime import timedelta

    from api.app import ServerLimits
    from api.staff_auth import SignInPolicy

    registry = context(ctx).registry()
    limits = ServerLimits(deadline=deadline, concurrent=concurrent, queue=queue)
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
    )


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
) -> None:
    import uvicorn

    from api.app import ServerLimits, create_app

    application = create_app(
        engine,  # type: ignore[arg-type]
        profile,  # type: ignore[arg-type]
        graphiql=graphiql,
        introspection=introspection,
        limits=limits or ServerLimits(),
        signer=signer,
        sign_in=sign_in,
    )
    console.print(
        f"serving the catalog page at http://{host}:{port}/ and GraphQL at http://{host}:{port}/graphql"
        + (" (GraphiQL in a browser)" if graphiql else "")
        + f"; staff sign in at http://{host}:{port}/staff/login and act at http://{host}:{port}/staff/graphql"
        + ("" if signer else " (no signing key here: publications through it are refused)"),
        markup=False,
    )
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command("schema")
def print_schema(
    staff: Annotated[
        bool, typer.Option("--staff", help="the staff schema (/staff/graphql) that business systems program against")
    ] = False,
) -> None:
    """Print the GraphQL schema (SDL) that portals program against, or with --staff the staff one."""
    if staff:
        from api.staff_schema import staff_schema

        typer.echo(str(staff_schema))
        return
    from api.schema import schema

    typer.echo(str(schema))
