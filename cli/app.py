"""The `registry` Typer application and its global options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.context import Context
from events.database import URL_VARIABLE

app = typer.Typer(
    name="registry",
    help=(
        "The disclosure catalog registry (政务公开事项标准目录): an event-sourced, tamper-evident log of catalog items."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
actor_app = typer.Typer(help="Register and list the people who act in the registry.", no_args_is_help=True)
app.add_typer(actor_app, name="actor")


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help=f"database URL (default: ${URL_VARIABLE}, else sqlite:///registry.db)"),
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--as", envvar="REGISTRY_ACTOR", help="who is acting (a registered actor)")
    ] = None,
    profile: Annotated[
        Path | None, typer.Option("--profile", help="jurisdiction profile (TOML); default: the built-in 鄂托克前旗")
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key", help="the checkpoint signing key (default: $REGISTRY_KEY_FILE, else beside the database)"
        ),
    ] = None,
) -> None:
    ctx.obj = Context(db=db, actor_id=actor, profile_path=profile, key=key)
