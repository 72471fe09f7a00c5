"""Staff access: `actor password`, `actor disable`, `token create|list|revoke` and `report access`.

The acts (a password set, a token issued or revoked, an actor disabled) are an admin's, decided by the rules and
recorded in the actor's stream; a password or a token's secret is read or shown here once and nowhere else.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from cli.app import actor_app, report_app, token_app
from cli.context import Context, InvalidInput, Usage, cli_proof, context
from cli.i18n import _, explained, listing
from cli.output import console, error, grid, print_json
from events.message import N_
from registry.actor import Role
from registry.service import now

if TYPE_CHECKING:
    from registry.access import Token
    from registry.actor import Actor
    from registry.service import Registry

Json = Annotated[bool, typer.Option("--json", help=_("print JSON (a stable shape, documented in docs/cli.md)"))]
DEFAULT_EXPIRY = "90d"
ACCESS_EVENTS = {  # the events of the access audit, as the table names them (JSON keeps the keys)
    "login": N_("登录 signed in"),
    "login_failed": N_("登录失败 wrong name or password"),
    "locked_out": N_("锁定 refused: too many failures"),
    "logout": N_("退出 signed out"),
}
TOKEN_STATES = {"active": N_("active"), "expired": N_("expired"), "revoked": N_("revoked")}  # JSON keeps the keys


def _admin(c: Context, registry: Registry) -> Actor | None:
    """The admin acting (--as), or None: the rules refuse an act that needs one, naming the rule."""
    return registry.actor(c.actor_id) if c.actor_id else None


# -- passwords and disabling ----------------------------------------------------------------------------------------


@actor_app.command(
    "password",
    help=_("Set or reset an actor's password for signing in (an admin's act: --as ADMIN); ends their sessions."),
)
def password(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=_("the actor whose password to set or reset"))],
    from_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help=_("read the password from one line of standard input instead of asking")),
    ] = False,
    as_json: Json = False,
) -> None:
    from registry.admin import decide_password
    from registry.credentials import WeakPassword

    c = context(ctx)
    registry = c.registry()
    by = _admin(c, registry)
    # Ask the rules before asking for a password that would be refused anyway (set_password asks them again).
    decide_password(registry.actor(name), by)
    try:
        chosen = _read_password(name, from_stdin)
        receipt = registry.set_password(name, chosen, by, proof=cli_proof())
    except WeakPassword as weak:
        raise InvalidInput(_("{problem}; nothing was changed").format(problem=explained(weak))) from None
    if as_json:
        print_json({"actor": name, "position": receipt.position})
    else:
        console.print(
            _(
                "set the password of {name} (recorded at log position {position}); their browser sessions are ended"
            ).format(name=name, position=receipt.position),
            markup=False,
        )


def _read_password(name: str, from_stdin: bool) -> str:
    """One line of standard input, or asked twice on the terminal without echo. Never an option: argv is public."""
    from registry.credentials import require_strong

    if from_stdin:
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if not sys.stdin.isatty():
        raise Usage(_("no terminal to ask for the password on: give it on standard input with --password-stdin"))
    first = typer.prompt(_("new password for {name}").format(name=name), hide_input=True)
    require_strong(first)  # say so now, not after the second time
    if typer.prompt(_("the same password again"), hide_input=True) != first:
        raise InvalidInput(_("the two passwords differ; nothing was changed"))
    return str(first)


@actor_app.command(
    "disable",
    help=_(
        "Disable an actor (an admin's act: --as ADMIN): they may no longer act; their sessions end and their tokens "
        "are revoked. Their history stays."
    ),
)
def disable(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=_("the actor who may no longer act"))],
    reason: Annotated[str, typer.Option(help=_("why, recorded in the log (e.g. 调离岗位)"))],
    as_json: Json = False,
) -> None:
    c = context(ctx)
    registry = c.registry()
    registry.disable_actor(name, reason, _admin(c, registry), proof=cli_proof())
    if as_json:
        print_json({"actor": name, "disabled": True})
    else:
        console.print(
            _("{name} is disabled: they may no longer act, their sessions are ended and their tokens revoked").format(
                name=name
            ),
            markup=False,
        )


# -- API tokens -----------------------------------------------------------------------------------------------------


@token_app.command(
    "create",
    help=_(
        "Issue an API token for a business system (an admin's act: --as ADMIN). Prints the token once: only its "
        "SHA-256 digest is kept."
    ),
)
def create(
    ctx: typer.Context,
    actor: Annotated[str, typer.Option("--actor", help=_("the actor the business system acts for"))],
    name: Annotated[str, typer.Option("--name", help=_("the system that uses the token, e.g. 财政局预算系统"))],
    role: Annotated[
        list[str] | None,
        typer.Option("--role", help=_("a role the token may act in, one of the actor's; repeatable (default: all)")),
    ] = None,
    expires: Annotated[
        str,
        typer.Option(
            "--expires",
            help=_(
                "Nd or Nh from now, a date (it stops working as that day begins, in the profile's time zone), "
                "a time with its offset, or never"
            ),
        ),
    ] = DEFAULT_EXPIRY,
    as_json: Json = False,
) -> None:
    roles = frozenset(_role(value) for value in role or [])
    c = context(ctx)
    registry = c.registry()
    zone = registry.profile.timezone
    expires_at = expiry(expires, now(), ZoneInfo(registry.profile.timezone))
    token, secret = registry.issue_token(actor, name, roles, expires_at, _admin(c, registry), proof=cli_proof())
    if as_json:
        print_json({"token": secret, **_token_json(token)})
    else:
        console.print(
            _("issued {token} 「{name}」 for {actor} in {roles}, expires {expires}:").format(
                token=token.token_id,
                name=token.name,
                actor=token.actor_id,
                roles=listing(token.roles),
                expires=_time(token.expires_at, zone) if token.expires_at else _("never"),
            )
            + f"\n\n{secret}\n",
            markup=False,
        )
    error(
        _(
            "this is the only time the token is shown: put it in the business system's secret store now. The "
            "registry keeps only its digest; if it is lost, revoke it (`registry token revoke {token}`) and create "
            "another"
        ).format(token=token.token_id)
    )


@token_app.command(
    "list",
    help=_(
        "Every API token, oldest first: who it acts for, in which roles, until when, last used, revoked, issued by. "
        "Never a secret."
    ),
)
def list_tokens(
    ctx: typer.Context,
    actor: Annotated[str | None, typer.Option("--actor", help=_("only this actor's tokens"))] = None,
    as_json: Json = False,
) -> None:
    from projections import actors
    from registry import access
    from registry.missing import NotFound

    registry = context(ctx).registry()
    zone = registry.profile.timezone
    with registry.store.reading() as conn:
        if actor is not None and actors.find(conn, actor) is None:
            raise NotFound(_("unknown actor {actor!r}: `registry actor list` shows them").format(actor=actor))
        tokens = access.list_tokens(conn, actor)
    if as_json:
        print_json([_token_json(token) for token in tokens])
        return
    console.print(
        grid(
            (_("{count} token(s) of {actor}") if actor else _("{count} token(s)")).format(
                count=len(tokens), actor=actor
            ),
            [
                _("token"),
                _("actor"),
                _("name"),
                _("roles"),
                _("created"),
                _("expires"),
                _("last used"),
                _("state"),
                _("issued by"),
            ],
            [
                [
                    t.token_id,
                    t.actor_id,
                    t.name,
                    listing(t.roles),
                    _time(t.created_at, zone),
                    _time(t.expires_at, zone) if t.expires_at else _("never"),
                    _time(t.last_used_at, zone),
                    _(TOKEN_STATES[_state(t)]) + (f" {_time(t.revoked_at, zone)}" if t.revoked_at else ""),
                    t.issued_by or "—",
                ]
                for t in tokens
            ],
        )
    )


@token_app.command(
    "revoke",
    help=_(
        "Revoke an API token (an admin's act: --as ADMIN): it no longer authenticates anyone. Revoking it again "
        "records nothing."
    ),
)
def revoke(
    ctx: typer.Context,
    token_id: Annotated[
        str, typer.Argument(metavar="ID", help=_("the token's id (tok_…), as `registry token list` shows"))
    ],
    as_json: Json = False,
) -> None:
    c = context(ctx)
    registry = c.registry()
    zone = registry.profile.timezone
    token = registry.revoke_token(token_id, _admin(c, registry), proof=cli_proof())
    if as_json:
        print_json(_token_json(token))
    else:
        console.print(
            _("{token} 「{name}」 of {actor} is revoked (since {time}): it no longer authenticates anyone").format(
                token=token.token_id, name=token.name, actor=token.actor_id, time=_time(token.revoked_at, zone)
            ),
            markup=False,
        )


def _token_json(token: Token) -> dict[str, Any]:
    """What may be said of a token: everything but its secret and digest."""
    return {
        "token_id": token.token_id,
        "actor": token.actor_id,
        "name": token.name,
        "roles": list(token.roles),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "issued_by": token.issued_by,
        "state": _state(token),
    }


def _state(token: Token) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "active" if token.usable_at(now()) else "expired"


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise Usage(
            _("unknown role {value!r}: use {roles}").format(value=value, roles=", ".join(r.value for r in Role))
        ) from None


def expiry(text: str, moment: datetime, zone: ZoneInfo) -> datetime | None:
    """When a token given `--expires text` at `moment` stops working: Nd or Nh later; a date, as it begins in
    `zone`; a time with its UTC offset; or never (None)."""
    value = text.strip()
    try:
        if value == "never":
            return None
        if relative := re.fullmatch(r"(\d+)([dh])", value):
            count = int(relative[1])
            return moment + (timedelta(days=count) if relative[2] == "d" else timedelta(hours=count))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return datetime.combine(date.fromisoformat(value), time(), zone).astimezone(UTC)
        given = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise Usage(
            _("--expires {text!r}: use Nd, Nh, a date (YYYY-MM-DD), a time with its offset, or never").format(text=text)
        ) from None
    if given.tzinfo is None:
        raise Usage(
            _("--expires {text!r} has no UTC offset: write it as e.g. {value}+08:00 (Beijing time)").format(
                text=text, value=value
            )
        )
    return given.astimezone(UTC)


# -- the access audit -----------------------------------------------------------------------------------------------


@report_app.command(
    "access",
    help=_(
        "Who signed in, failed to, was refused after too many failures, or signed out: the access audit, oldest first."
    ),
)
def access_report(
    ctx: typer.Context,
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help=_("from the start of this day (YYYY-MM-DD, the profile's time zone)")),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help=_("only sign-ins with this name (an actor's or not)"))
    ] = None,
    as_json: Json = False,
) -> None:
    from registry import access

    registry = context(ctx).registry()
    zone = registry.profile.timezone
    start = datetime.combine(since.date(), time(), ZoneInfo(registry.profile.timezone)) if since else None
    with registry.store.reading() as conn:
        entries = access.access_entries(conn, start, name)
    totals = {event: sum(entry["event"] == event for entry in entries) for event in ACCESS_EVENTS}
    if as_json:
        print_json(
            {
                "since": since.date().isoformat() if since else None,
                "name": name,
                "entries": entries,
                "totals": totals,
            }
        )
        return
    console.print(
        grid(
            _(
                "access {period}{who}: {logins} sign-in(s), {failures} failure(s), {locked} refused for too many "
                "failures, {logouts} sign-out(s)"
            ).format(
                period=_("from {day}").format(day=since.date()) if since else _("from the start"),
                who=_(" for {name}").format(name=name) if name else "",
                logins=totals["login"],
                failures=totals["login_failed"],
                locked=totals["locked_out"],
                logouts=totals["logout"],
            ),
            [_("at"), _("name"), _("client"), _("event")],
            [
                [
                    _time(e["at"], zone, seconds=True),
                    e["name"],
                    e["client"],
                    _(ACCESS_EVENTS[e["event"]]) if e["event"] in ACCESS_EVENTS else e["event"],
                ]
                for e in entries
            ],
        )
    )


def _time(text: str | None, zone: str, seconds: bool = False) -> str:
    """A stored time as people read it: in the jurisdiction's zone, the zone named."""
    from cli.clock import local_time

    return local_time(text, zone, seconds=seconds)
