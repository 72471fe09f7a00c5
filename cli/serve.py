"""Serving the public GraphQL API, and printing its schema."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.app import app
from cli.context import context
from cli.output import console


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    graphiql: Annotated[bool, typer.Option("--graphiql/--no-graphiql", help="serve GraphiQL to browsers")] = True,
    introspection: Annotated[
        bool, typer.Option("--introspection/--no-introspection", help="allow schema introspection")
    ] = True,
) -> None:
    """Serve the authoritative published catalog as GraphQL over HTTP at /graphql (GET and POST), the public
    catalog page on it at /, and /healthz."""
    registry = context(ctx).registry()
    serve_registry(registry.engine, registry.profile, host, port, graphiql, introspection)


def serve_registry(engine: object, profile: object, host: str, port: int, graphiql: bool, introspection: bool) -> None:
    import uvicorn

    from api.app import create_app

    application = create_app(engine, profile, graphiql=graphiql, introspection=introspection)  # type: ignore[arg-type]
    console.print(
        f"serving the catalog page at http://{host}:{port}/ and GraphQL at http://{host}:{port}/graphql"
        + (" (GraphiQL in a browser)" if graphiql else ""),
        markup=False,
    )
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command("schema")
def print_schema() -> None:
    """Print the GraphQL schema (SDL) that portals program against."""
    from api.schema import schema

    typer.echo(str(schema))
