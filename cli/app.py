"""The `registry` Typer application and its global options."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.command import Typer
from cli.context import Context
from cli.i18n import _
from events.database import URL_VARIABLE

app = Typer(
    name="registry",
    help=_(
        "The disclosure catalog registry (政务公开事项标准目录): an event-sourced, tamper-evident log of catalog items."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},  # the commands and groups below inherit it
)
actor_app = Typer(
    help=_("Register and list the people who act in the registry; set their passwords, disable them."),
    no_args_is_help=True,
)
app.add_typer(actor_app, name="actor")
token_app = Typer(
    help=_("API tokens: how a departmental business system acts for an actor over HTTP."), no_args_is_help=True
)
app.add_typer(token_app, name="token")
webhook_app = Typer(
    help=_(
        "Webhook subscriptions (推送订阅): business systems sent the public changes that concern them, signed "
        "(Standard Webhooks); `registry deliver` or `registry serve` sends them."
    ),
    no_args_is_help=True,
)
app.add_typer(webhook_app, name="webhook")
report_app = Typer(
    help=_("Reports: coverage against the deadlines, who did what (监督考核), and who signed in."),
    no_args_is_help=True,
)
app.add_typer(report_app, name="report")


def _show_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"registry {version('catalog-registry')}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help=_("database URL (default: ${variable}, else sqlite:///registry.db)").format(variable=URL_VARIABLE),
        ),
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--as", envvar="REGISTRY_ACTOR", help=_("who is acting (a registered actor)"))
    ] = None,
    profile: Annotated[
        Path | None, typer.Option("--profile", help=_("jurisdiction profile (TOML); default: the built-in 鄂托克前旗"))
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help=_(
                "the checkpoint signing key (default: $REGISTRY_KEY_FILE, else beside a SQLite database, else "
                "~/.config/catalog-registry/keys/HOST-PORT-DATABASE.key)"
            ),
        ),
    ] = None,
    backfill_at: Annotated[
        str | None,
        typer.Option(
            "--backfill-at",
            help=_(
                "补录: record an act from before the registry at this time (ISO 8601 with its offset, e.g. "
                "2020-06-01T10:00+08:00); not before the item's last event; needs --backfill-by"
            ),
        ),
    ] = None,
    backfill_by: Annotated[
        str | None, typer.Option("--backfill-by", help=_("the admin who records the backfill (补录)"))
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help=_("print the registry's version and exit")
        ),
    ] = False,
) -> None:
    ctx.obj = Context(
        db=db,
        actor_id=actor,
        profile_path=profile,
        key=key,
        backfill_at=_aware_time("--backfill-at", backfill_at),
        backfill_by=backfill_by,
    )


def _aware_time(option: str, text: str | None) -> datetime | None:
    """A time given with its UTC offset: a bare local time would mean different instants on different servers."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(_("{text!r} is not an ISO 8601 time").format(text=text), param_hint=option) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(
            _("{text!r} has no UTC offset: write it as e.g. {text}+08:00 (Beijing time) or {text}Z").format(text=text),
            param_hint=option,
        )
    return moment
