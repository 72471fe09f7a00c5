"""`registry account …`: the new-media account list (政务新媒体清单). Filings (备案) of an account's opening, change,
suspension and closure, their review and publication; the account now, the list, and the account's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from cli.app import app
from cli.choice import Choice
from cli.choice import stage as stage_choice
from cli.command import Typer
from cli.context import InvalidInput, Usage, cli_proof, context, unit_option
from cli.i18n import _
from events.account import ACCOUNT_LABELS, AccountStatus
from registry.accounts.command import (
    AnyAccountCommand,
    ChangeAccount,
    CloseAccount,
    FileAccount,
    PublishAccount,
    RejectAccount,
    ReviewAccount,
    SuspendAccount,
)
from registry.accounts.rules import next_step
from registry.accounts.service import Accounts, new_account_id
from registry.accounts.state import AccountState
from registry.service import ACCOUNT_STREAM, now

if TYPE_CHECKING:
    from rich.table import Table

    from events.envelope import StoredEvent
    from registry.actor import Actor
    from registry.service import Registry

account_app = Typer(
    help=_(
        "The new-media account list (政务新媒体清单): file an account's opening, change, suspension or closure "
        "(备案), review and publish the filing; show an account, list them, trace an account's history."
    ),
    no_args_is_help=True,
)
app.add_typer(account_app, name="account")

# What an account's events did, in the registry's words (the history's `action` and its label). The review steps
# and publication keep the names the item history gives them (projections/history.py's ACTION_LABELS).
ACCOUNT_ACTION_LABELS = {
    "file": "开设备案",
    "file_change": "变更备案",
    "file_reopening": "变更备案（恢复开通）",
    "file_suspension": "关停备案",
    "file_closure": "注销备案",
}
STEP_LABELS = {"preliminary": "初审", "legality": "合法性审查", "approval": "审议", "publication": "公布"}

Account = Annotated[str, typer.Argument(help=_("the account id (NM-…)"))]
Json = Annotated[
    bool, typer.Option("--json", help=_('print {"account_id", "version", "position", "status", "waiting_for"}'))
]
ReadJson = Annotated[bool, typer.Option("--json", help=_("print JSON (a stable shape, documented in docs/cli.md)"))]
CommandId = Annotated[
    str | None, typer.Option("--command-id", help=_("idempotency key: a retry with the same id records nothing new"))
]
Reason = Annotated[str, typer.Option(help=_("why, in a sentence (变更留痕: the rule refuses a filing without one)"))]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(_("{text!r} is not a date: write it as YYYY-MM-DD").format(text=text)) from None


AccountName = Annotated[str | None, typer.Option("--name", help=_("账号名称 (the account's name)"))]
Platform = Annotated[
    str | None,
    typer.Option(
        help=_(
            "平台: 微信公众号, 微信视频号, 新浪微博, 抖音, 快手, 今日头条, 百家号, 小程序, 移动客户端 (also as lists "
            "write them: 微信, 微博, 抖音号 …), or another written 其他：NAME"
        )
    ),
]
Handle = Annotated[str | None, typer.Option(help=_("平台账号标识: the platform's id or handle of the account"))]
Operator = Annotated[str | None, typer.Option(help=_("运营单位: the contractor that operates the account, if any"))]
CertifiedAs = Annotated[
    str | None, typer.Option("--certified-as", help=_("认证主体: whom the platform's certification names"))
]
OpenedOn = Annotated[
    dt.date | None, typer.Option("--opened-on", parser=_date, metavar="YYYY-MM-DD", help=_("开设日期 (opened on)"))
]
Purpose = Annotated[str | None, typer.Option(help=_("主要内容/定位 (what the account is for)"))]
Link = Annotated[str | None, typer.Option(help=_("链接或二维码: the account's link, or its QR code's text"))]
Contact = Annotated[str | None, typer.Option(help=_("联系人 (internal: shown to staff, never public)"))]


def _statuses() -> dict[str, tuple[str, ...]]:
    aliases = {
        AccountStatus.SUSPENDED: ("关停",),
        AccountStatus.CLOSED: ("注销",),
        AccountStatus.FILED: ("审核中",),
        AccountStatus.REFUSED: ("退回",),
    }
    return {s.value: (s.label, *aliases.get(s, ())) for s in AccountStatus if s is not AccountStatus.NEW}


STATUS = Choice(_statuses)
# Statuses of accounts that were never published: only the internal list (--all) has them.
UNPUBLISHED = (AccountStatus.FILED.value, AccountStatus.REFUSED.value)


def _given(**options: object) -> dict[str, object]:
    """The element options that were given (an empty text too: it clears the element)."""
    return {name: value for name, value in options.items() if value is not None}


@dataclass
class _Session:
    registry: Registry
    accounts: Accounts
    actor: Actor


def _session(ctx: typer.Context) -> _Session:
    c = context(ctx)
    if c.backfill_at is not None or c.backfill_by:
        raise Usage(_("new-media account commands are recorded as they happen: they take no --backfill-at"))
    registry = c.registry()
    return _Session(registry, Accounts(registry), c.actor(registry))


def _execute(
    session: _Session,
    build: type[AnyAccountCommand],
    account_id: str,
    as_json: bool,
    command_id: str | None,
    done: str,
    **fields: object,
) -> None:
    try:
        command = build(account_id=account_id, actor=session.actor, at=now(), **fields)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)
        )
        raise InvalidInput(_("invalid value(s): {problems}").format(problems=problems)) from error
    receipt = session.accounts.execute(command, command_id=command_id, proof=cli_proof())
    state = session.accounts.load(account_id)[0]
    waiting = _waiting_for(session.registry, state)
    if as_json:
        from cli.output import print_json

        print_json(
            {
                "account_id": receipt.item_id,
                "version": receipt.version,
                "position": receipt.position,
                "status": state.status.value,
                "waiting_for": waiting,
            }
        )
        return
    from cli.output import console

    again = _(" (already recorded by an earlier run of this command)") if receipt.replayed else ""
    console.print(
        _("{done}: {account} version {version} (log position {position}){again}").format(
            done=done, account=receipt.item_id, version=receipt.version, position=receipt.position, again=again
        ),
        markup=False,
    )
    console.print(_standing(state, waiting), markup=False)


def _waiting_for(registry: Registry, state: AccountState) -> str | None:
    """The step the pending filing waits for (a review step, or publication), or None without one."""
    if state.pending is None:
        return None
    return next_step(registry.profile, state.pending) or "publication"


def _standing(state: AccountState, waiting: str | None) -> str:
    """Where the account stands, as people read it: `开设备案审核中; 开设备案 version 1 waits for 初审`."""
    if state.pending is None or waiting is None:
        return _("now {status}").format(status=state.status.label)
    return _("now {status}; {kind} version {version} waits for {step}").format(
        status=state.status.label,
        kind=state.pending.kind.label,
        version=state.pending.version,
        step=STEP_LABELS[waiting],
    )


@account_app.command(
    "file",
    help=_(
        "开设备案: file a new account of your unit (or --unit), the 主办单位; it is reviewed (初审 by 政务服务局) and "
        "published into the list. A unit has one account on any one platform (一平台一账号)."
    ),
)
def file_account(
    ctx: typer.Context,
    name: AccountName = None,
    platform: Platform = None,
    handle: Handle = None,
    operator: Operator = None,
    certified_as: CertifiedAs = None,
    opened_on: OpenedOn = None,
    purpose: Purpose = None,
    link: Link = None,
    contact: Contact = None,
    unit: Annotated[str | None, typer.Option(help=_("主办单位 (default: your unit)"))] = None,
    account_id: Annotated[
        str | None,
        typer.Option("--id", help=_("account id (default: a new one, derived from --command-id when given)")),
    ] = None,
    as_json: Json = False,
    command_id: CommandId = None,
) -> None:
    session = _session(ctx)
    elements = _given(
        name=name,
        platform=platform,
        handle=handle,
        operator=operator,
        certified_as=certified_as,
        opened_on=opened_on,
        purpose=purpose,
        link=link,
        contact=contact,
    )
    _execute(
        session,
        FileAccount,
        account_id or new_account_id(command_id),
        as_json,
        command_id,
        _("filed (开设备案)"),
        unit=unit or "",
        elements=elements,
    )


@account_app.command(
    help=_(
        "变更备案: change elements of a published account (only those given change); the published record stays "
        "until the change is published. Without element options, a suspended account's reopening."
    )
)
def change(
    ctx: typer.Context,
    account: Account,
    reason: Reason = "",
    name: AccountName = None,
    platform: Platform = None,
    handle: Handle = None,
    operator: Operator = None,
    certified_as: CertifiedAs = None,
    opened_on: OpenedOn = None,
    purpose: Purpose = None,
    link: Link = None,
    contact: Contact = None,
    as_json: Json = False,
    command_id: CommandId = None,
) -> None:
    session = _session(ctx)
    elements = _given(
        name=name,
        platform=platform,
        handle=handle,
        operator=operator,
        certified_as=certified_as,
        opened_on=opened_on,
        purpose=purpose,
        link=link,
        contact=contact,
    )
    _execute(
        session,
        ChangeAccount,
        account,
        as_json,
        command_id,
        _("change filed (变更备案)"),
        elements=elements,
        fields=frozenset(elements),
        reason=reason,
    )


@account_app.command(help=_("关停: file the suspension of an open account, for a reason; a filed change reopens it."))
def suspend(
    ctx: typer.Context, account: Account, reason: Reason = "", as_json: Json = False, command_id: CommandId = None
) -> None:
    _execute(_session(ctx), SuspendAccount, account, as_json, command_id, _("suspension filed (关停)"), reason=reason)


@account_app.command(help=_("注销: file the closure of an account for good, for a reason; it is never reopened."))
def close(
    ctx: typer.Context, account: Account, reason: Reason = "", as_json: Json = False, command_id: CommandId = None
) -> None:
    _execute(_session(ctx), CloseAccount, account, as_json, command_id, _("closure filed (注销)"), reason=reason)


StageOption = Annotated[
    str | None,
    typer.Option(
        parser=stage_choice(),
        help=_("preliminary (初审), legality (合法性审查) or approval (审议); default: the step the filing waits for"),
    ),
]


def _stage(session: _Session, account_id: str, given: str | None) -> str:
    """The review step asked for, else the one the account's filing waits for. Without one waiting, the profile's
    first (or last) step: the rules then say why nothing can be reviewed."""
    if given:
        return given
    profile = session.registry.profile
    steps = profile.account_review or ("preliminary",)
    pending = session.accounts.load(account_id)[0].pending
    if pending is None:
        return steps[0]
    return next_step(profile, pending) or steps[-1]


@account_app.command(help=_("Pass the pending filing at a review step (初审 by default: the profile's path says)."))
def review(
    ctx: typer.Context,
    account: Account,
    stage: StageOption = None,
    comment: Annotated[str, typer.Option(help=_("the review comment"))] = "",
    reference: Annotated[
        str, typer.Option(help=_("审议: the meeting or document, e.g. 2020年第15次政府常务会议"))
    ] = "",
    as_json: Json = False,
    command_id: CommandId = None,
) -> None:
    session = _session(ctx)
    chosen = _stage(session, account, stage)
    _execute(
        session,
        ReviewAccount,
        account,
        as_json,
        command_id,
        _("{stage} passed").format(stage=STEP_LABELS[chosen]),
        stage=chosen,
        comment=comment,
        reference=reference,
    )


@account_app.command(help=_("Send the pending filing back at a review step, saying why (--comment)."))
def reject(
    ctx: typer.Context,
    account: Account,
    stage: StageOption = None,
    comment: Annotated[str, typer.Option(help=_("why it goes back (required)"))] = "",
    as_json: Json = False,
    command_id: CommandId = None,
) -> None:
    session = _session(ctx)
    chosen = _stage(session, account, stage)
    _execute(
        session,
        RejectAccount,
        account,
        as_json,
        command_id,
        _("rejected at {stage}").format(stage=STEP_LABELS[chosen]),
        stage=chosen,
        comment=comment,
    )


@account_app.command(help=_("公布: the reviewed filing takes effect in the public list."))
def publish(ctx: typer.Context, account: Account, as_json: Json = False, command_id: CommandId = None) -> None:
    _execute(_session(ctx), PublishAccount, account, as_json, command_id, _("published (公布)"))


@account_app.command(
    help=_(
        "The account now: 主办单位, status, the published elements and the filing in review (联系人 included: "
        "this is the staff's view)."
    )
)
def show(ctx: typer.Context, account: Account, as_json: ReadJson = False) -> None:
    from events.account import account_diff
    from events.event import AccountFilingRejected
    from events.timestamp import format_time

    registry = context(ctx).registry()
    state, stored = Accounts(registry).load(account)
    last = stored[-1].data
    rejection = {"stage": last.stage, "comment": last.comment} if isinstance(last, AccountFilingRejected) else None
    published, pending = state.published, state.pending
    shape: dict[str, Any] = {
        "account_id": account,
        "unit": state.unit,
        "status": state.status.value,
        "status_label": state.status.label,
        "version": state.last_version,
        "published": None
        if published is None
        else {
            "version": published.version,
            "published_at": format_time(published.published_at),
            "elements": published.elements.as_json(),
        },
        "pending": None
        if pending is None
        else {
            "version": pending.version,
            "kind": pending.kind.value,
            "reason": pending.reason,
            "filed_by": pending.author,
            "passed": list(pending.passed),
            "waiting_for": _waiting_for(registry, state),
            "elements": pending.elements.as_json(),
            "changes": [
                change.model_dump(mode="json")
                for change in (account_diff(published.elements, pending.elements) if published else ())
            ],
        },
        "rejection": rejection,
    }
    if as_json:
        from cli.output import print_json

        print_json(shape)
        return
    _print_account(shape, registry.profile.timezone)


def _print_account(shape: dict[str, Any], zone: str) -> None:
    from cli.clock import local_time
    from cli.output import console, show_value

    console.print(
        _("{account} · 主办单位 {unit} · {status}").format(
            account=shape["account_id"], unit=shape["unit"], status=shape["status_label"]
        ),
        markup=False,
        style="bold",
    )
    published, pending = shape["published"], shape["pending"]
    if published is not None:
        title = _("published version {version}, {time}").format(
            version=published["version"], time=local_time(published["published_at"], zone)
        )
        console.print(_elements_table(published["elements"], title))
    if pending is not None:
        from events.account import FilingKind

        waiting = pending["waiting_for"]
        console.print(
            _("in review: {kind} version {version}, filed by {actor}, waits for {step}").format(
                kind=FilingKind(pending["kind"]).label,
                version=pending["version"],
                actor=pending["filed_by"] or "—",
                step=STEP_LABELS.get(waiting, waiting),
            ),
            markup=False,
        )
        if pending["reason"]:
            console.print(_("    reason/comment: {reason}").format(reason=pending["reason"]), markup=False)
        if published is None:
            console.print(_elements_table(pending["elements"], _("filed elements")))
        for c in pending["changes"]:
            console.print(
                f"    {ACCOUNT_LABELS.get(c['field'], c['field'])}: {show_value(c['field'], c['old'])} → "
                f"{show_value(c['field'], c['new'])}",
                markup=False,
            )
    if shape["rejection"] is not None:
        rejection = shape["rejection"]
        console.print(
            _("returned by {stage}: {comment}").format(
                stage=STEP_LABELS.get(rejection["stage"], rejection["stage"]), comment=rejection["comment"]
            ),
            markup=False,
        )


def _elements_table(elements: dict[str, Any], title: str) -> Table:
    from rich.table import Table
    from rich.text import Text

    from cli.output import Cell, show_value

    table = Table(title=Text(title), show_header=False, title_justify="left")
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for field, label in ACCOUNT_LABELS.items():
        table.add_row(Text(label), Cell(show_value(field, elements.get(field))))
    return table


# The public list: what was ever published and stands so, a closed account with the day it closed (注销不可恢复: it
# stays on the record).
PUBLIC_STATUSES = (AccountStatus.OPEN, AccountStatus.SUSPENDED, AccountStatus.CLOSED)


@account_app.command(
    "list",
    help=_(
        "The public list (政务新媒体清单): accounts open, suspended or closed (with the day of each one's last "
        "publication), without 联系人; --all: every account, filings in review and refused ones included (internal)."
    ),
)
def list_accounts(
    ctx: typer.Context,
    unit: Annotated[str | None, typer.Option(help=_("主办单位 (host unit)"))] = None,
    platform: Annotated[str | None, typer.Option(help=_("平台 (aliases accepted: 微信, 微博 …)"))] = None,
    status: Annotated[
        str | None,
        typer.Option(
            parser=STATUS,
            help=_(
                "open (正常), suspended (已关停), closed (已注销); with --all also filed (开设备案审核中) and refused "
                "(开设备案退回)"
            ),
        ),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help=_("every account, not only the public list"))] = False,
    as_json: ReadJson = False,
) -> None:
    from projections import media_accounts

    registry = context(ctx).registry()
    unit, platform = _unit_filter(registry, unit), _platform_filter(registry, platform)
    if status in UNPUBLISHED and not every:
        raise Usage(
            _("accounts {status} were never published: list them with --all").format(status=STATUS.label(status))
        )
    with registry.store.reading() as conn:
        if every:
            rows = media_accounts.all_accounts(conn, unit=unit, platform=platform, statuses=[status] if status else ())
            listed = None
        else:
            wanted = [AccountStatus(status)] if status else PUBLIC_STATUSES
            listed = media_accounts.public_list(conn, unit=unit, platform=platform, statuses=wanted)
    if listed is not None:
        _print_public_list([account.as_json() for account in listed], registry.profile.timezone, as_json)
    else:
        _print_all(rows, as_json)


def _unit_filter(registry: Registry, unit: str | None) -> str | None:
    return None if unit is None else unit_option(registry.profile, unit)


def _platform_filter(registry: Registry, platform: str | None) -> str | None:
    if platform is None:
        return None
    from cli.i18n import listing

    found = registry.profile.platform(platform)
    if found is None:
        raise Usage(
            _("--platform: unknown platform {platform!r}: one of {platforms}, or 其他：NAME").format(
                platform=platform, platforms=listing(known.name for known in registry.profile.platforms)
            )
        )
    return found


def _print_public_list(rows: list[dict[str, Any]], zone: str, as_json: bool) -> None:
    from cli.clock import local_time
    from cli.output import console, grid, print_json

    if as_json:
        print_json(rows)
        return
    console.print(
        grid(
            _("{count} account(s) in the public list").format(count=len(rows)),
            [
                _("account"),
                _("host unit"),
                _("account name"),
                _("platform"),
                _("handle"),
                _("certified as"),
                _("status"),
                _("published at"),
            ],
            [
                [
                    r["account_id"],
                    r["unit"],
                    r["name"],
                    r["platform"],
                    r["handle"],
                    r["certified_as"] or "—",
                    AccountStatus(r["status"]).label,
                    local_time(r["published_at"], zone),
                ]
                for r in rows
            ],
        )
    )


def _print_all(rows: list[dict[str, Any]], as_json: bool) -> None:
    from cli.output import console, grid, print_json
    from events.account import FilingKind

    shaped = [
        {
            "account_id": r["account_id"],
            "unit": r["unit"],
            "platform": r["platform"],
            "name": r["name"],
            "status": r["status"],
            "version": r["version"],
            "pending_kind": r["pending_kind"],
            "published_version": r["published_version"],
            "published_at": r["published_at"],
            "updated_at": r["updated_at"],
        }
        for r in rows
    ]
    if as_json:
        print_json(shaped)
        return
    console.print(
        grid(
            _("{count} account(s)").format(count=len(shaped)),
            [_("account"), _("host unit"), _("account name"), _("platform"), _("status"), _("version"), _("public")],
            [
                [
                    r["account_id"],
                    r["unit"],
                    r["name"],
                    r["platform"],
                    AccountStatus(r["status"]).label
                    + (
                        f"（{FilingKind(r['pending_kind']).label}）"
                        if r["pending_kind"] and r["published_version"]
                        else ""
                    ),
                    str(r["version"]),
                    str(r["published_version"] or "—"),
                ]
                for r in shaped
            ],
        )
    )


@account_app.command(
    help=_(
        "The accountability check: every event of the account, who did what, when, why, what changed (old → new), "
        "and whether it verifies."
    )
)
def history(ctx: typer.Context, account: Account, as_json: ReadJson = False) -> None:
    from events.message import N_
    from registry.audit import item_chain
    from registry.missing import NotFound

    c = context(ctx)
    registry = c.registry()
    stream = ACCOUNT_STREAM + account
    with registry.store.reading() as conn:  # the events and their check, as one moment of the log
        stored = registry.store.read_stream(conn, stream)
        if not stored:
            raise NotFound(N_("no account {account!r}: `registry account list` shows them"), account=account)
        verdict = item_chain(conn, stream)
    rows = [_history_row(event) | {"verified": verdict.get(event.position, False)} for event in stored]
    if as_json:
        from cli.output import print_json

        print_json(rows)
    else:
        _print_history(account, rows, registry.profile.timezone)
    if not all(row["verified"] for row in rows):
        raise typer.Exit(6)


def _history_row(stored: StoredEvent) -> dict[str, Any]:
    """One event of an account as `registry history` gives an item's: who, when, why, what changed."""
    action, version, reason, changes = _describe(stored)
    meta = stored.metadata
    return {
        "position": stored.position,
        "stream_version": stored.version,
        "version": version,
        "type": stored.type,
        "action": action,
        "recorded_at": stored.recorded_time,
        "occurred_at": stored.effective_time,
        "claimed_at": meta.occurred_at,
        "backfilled_by": meta.backfilled_by,
        "actor": meta.actor,
        "unit": meta.unit,
        "role": meta.role,
        "reason": reason,
        "changes": changes,
        "hash": stored.hash,
        "channel": meta.channel or "cli",  # events from before the log recorded it: the CLI (projections/history.py)
        "credential": meta.credential,
        "os_user": meta.os_user,
    }


def _describe(stored: StoredEvent) -> tuple[str, int, str, list[dict[str, Any]]]:
    """(action, filing version, reason or comment, element changes) of an account event."""
    from events.event import (
        AccountChangeFiled,
        AccountClosureFiled,
        AccountFiled,
        AccountFilingRejected,
        AccountPublished,
        AccountReviewPassed,
        AccountSuspensionFiled,
    )

    event, reason = stored.data, stored.metadata.reason
    match event:
        case AccountFiled(elements=elements):
            filled = [(name, value) for name, value in elements.as_json().items() if value not in ("", None)]
            return "file", 1, reason, [{"field": name, "old": None, "new": value} for name, value in filled]
        case AccountChangeFiled(version=version, changes=changes, reopen=reopen):
            action = "file_reopening" if reopen else "file_change"
            return action, version, event.reason, [change.model_dump(mode="json") for change in changes]
        case AccountSuspensionFiled(version=version):
            return "file_suspension", version, event.reason, []
        case AccountClosureFiled(version=version):
            return "file_closure", version, event.reason, []
        case AccountReviewPassed(version=version, stage=stage, comment=comment, reference=reference):
            action = "approve" if stage == "approval" else f"{stage}_review_passed"
            return action, version, "; ".join(part for part in (reference, comment) if part), []
        case AccountFilingRejected(version=version, stage=stage, comment=comment):
            return f"{stage}_rejected", version, comment, []
        case AccountPublished(version=version):
            return "publish", version, reason, []
    return stored.type, stored.version, reason, []  # not an account's event: the stream says so in `type`


def _action_label(row: dict[str, Any], kinds: dict[int, str]) -> str:
    from projections.history import ACTION_LABELS

    action = row["action"]
    if action == "publish" and row["version"] in kinds:
        return f"公布（{kinds[row['version']]}）"
    return ACCOUNT_ACTION_LABELS.get(action) or ACTION_LABELS.get(action, action)


_FILING_KINDS = {
    "file": "开设备案",
    "file_change": "变更备案",
    "file_reopening": "变更备案",
    "file_suspension": "关停",
    "file_closure": "注销",
}


def _print_history(account: str, rows: list[dict[str, Any]], zone: str) -> None:
    """One block per event, as `registry history ITEM` prints an item's (cli/read.py)."""
    from cli.choice import role
    from cli.clock import local_time
    from cli.output import console, show_value
    from cli.read import _channel

    kinds = {r["version"]: _FILING_KINDS[r["action"]] for r in rows if r["action"] in _FILING_KINDS}
    console.print(_("history of {item}: {count} event(s)").format(item=account, count=len(rows)), markup=False)
    for r in rows:
        when = local_time(r["occurred_at"], zone, seconds=True)
        chain = _("chain ok") if r["verified"] else _("CHAIN BROKEN")
        console.print(
            f"\n#{r['position']}  {when}  {_action_label(r, kinds)} v{r['version']}  "
            f"{r['actor']} · {r['unit'] or '—'} · {role().label(r['role']) if r['role'] else '—'} · {_channel(r)}  "
            f"[{chain}]",
            markup=False,
            style="bold" if r["verified"] else "bold red",
        )
        if r["reason"]:
            console.print(_("    reason/comment: {reason}").format(reason=r["reason"]), markup=False)
        for c in r["changes"]:
            console.print(
                f"    {ACCOUNT_LABELS.get(c['field'], c['field'])}: {show_value(c['field'], c['old'])} → "
                f"{show_value(c['field'], c['new'])}",
                markup=False,
            )
