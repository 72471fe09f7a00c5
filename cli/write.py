"""The write commands: each builds one domain command, runs it through the service, prints a receipt."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from cli.app import app
from cli.choice import stage as stage_choice
from cli.context import InvalidInput, Usage, cli_proof, context
from cli.element_input import (
    AudienceNote,
    AudienceOption,
    Basis,
    Body,
    Category,
    Channel,
    Content,
    FromFile,
    LevelOption,
    MethodOption,
    Name,
    Subname,
    TimeLimit,
    collect,
)
from cli.i18n import _
from cli.output import console, print_json
from events.event import ReviewStage
from registry.items.command import (
    AdjustItem,
    ApproveItem,
    DiscardItem,
    DraftItem,
    ItemCommand,
    PassReview,
    PublishItem,
    RejectItem,
    RetireItem,
    ReviseItem,
    SubmitItem,
)
from registry.service import Receipt, new_item_id, now

Json = Annotated[bool, typer.Option("--json", help=_('print {"item_id", "version", "position"}'))]
CommandId = Annotated[
    str | None, typer.Option("--command-id", help=_("idempotency key: a retry with the same id records nothing new"))
]
ExpectedVersion = Annotated[
    int | None,
    typer.Option("--expected-version", help=_("refuse (exit 5) unless the item's stream is at this version")),
]
Item = Annotated[str, typer.Argument(help=_("the item id"))]


def _run(
    ctx: typer.Context,
    build: type[ItemCommand],
    item_id: str,
    as_json: bool,
    command_id: str | None,
    expected_version: int | None,
    done: str,
    **fields: object,
) -> Receipt:
    c = context(ctx)
    registry = c.registry()
    actor = c.actor(registry)
    backfill_by = c.backfill(registry)
    try:
        command = build(item_id=item_id, actor=actor, at=c.backfill_at or now(), **fields)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)
        )
        raise InvalidInput(_("invalid value(s): {problems}").format(problems=problems)) from error
    receipt = registry.execute(
        command, command_id=command_id, expected_version=expected_version, backfill_by=backfill_by, proof=cli_proof()
    )
    if as_json:
        print_json(receipt.as_json())
    else:
        again = _(" (already recorded by an earlier run of this command)") if receipt.replayed else ""
        console.print(
            _("{done}: {item} version {version} (log position {position}){again}").format(
                done=done, item=receipt.item_id, version=receipt.version, position=receipt.position, again=again
            ),
            markup=False,
        )
    return receipt


@app.command(help=_("梳理: draft a new catalog item (version 1). Elements may stay incomplete until submission."))
def draft(
    ctx: typer.Context,
    domain: Annotated[str | None, typer.Option(help=_("领域, e.g. 财政预决算 (aliases accepted)"))] = None,
    unit: Annotated[
        str | None, typer.Option(help=_("owning unit (default: the domain's responsible unit, else yours)"))
    ] = None,
    item_id: Annotated[str | None, typer.Option("--id", help=_("item id (default: a new random id)"))] = None,
    category: Category = None,
    name: Name = None,
    subname: Subname = None,
    content: Content = None,
    basis: Basis = None,
    time_limit: TimeLimit = None,
    body: Body = None,
    channel: Channel = None,
    audience: AudienceOption = None,
    audience_note: AudienceNote = None,
    method: MethodOption = None,
    level: LevelOption = None,
    source: FromFile = None,
    as_json: Json = False,
    command_id: CommandId = None,
) -> None:
    elements, _given, extras = collect(
        source,
        ("domain", "unit"),
        category=category,
        name=name,
        subname=subname,
        content=content,
        basis=basis,
        time_limit=time_limit,
        body=body,
        channels=channel,
        audience=audience,
        audience_note=audience_note,
        method=method,
        levels=level,
    )
    _run(
        ctx,
        DraftItem,
        item_id or new_item_id(command_id),
        as_json,
        command_id,
        None,
        _("drafted"),
        domain=domain or str(extras.get("domain", "")),
        unit=unit or str(extras.get("unit", "")),
        elements=elements,
    )


@app.command(help=_("Change elements of the pending version (a draft, or a version returned by a review)."))
def revise(
    ctx: typer.Context,
    item: Item,
    category: Category = None,
    name: Name = None,
    subname: Subname = None,
    content: Content = None,
    basis: Basis = None,
    time_limit: TimeLimit = None,
    body: Body = None,
    channel: Channel = None,
    audience: AudienceOption = None,
    audience_note: AudienceNote = None,
    method: MethodOption = None,
    level: LevelOption = None,
    source: FromFile = None,
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    elements, fields, _extras = collect(
        source,
        category=category,
        name=name,
        subname=subname,
        content=content,
        basis=basis,
        time_limit=time_limit,
        body=body,
        channels=channel,
        audience=audience,
        audience_note=audience_note,
        method=method,
        levels=level,
    )
    if not fields:
        raise Usage(_("say what to change: element options (see --help) or --from FILE.json"))
    _run(ctx, ReviseItem, item, as_json, command_id, expected_version, _("revised"), elements=elements, fields=fields)


@app.command(help=_("Send the pending version to review (初审 comes next)."))
def submit(
    ctx: typer.Context,
    item: Item,
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    _run(ctx, SubmitItem, item, as_json, command_id, expected_version, _("submitted"))


@app.command(help=_("Pass or reject the pending version at a review stage."))
def review(
    ctx: typer.Context,
    item: Item,
    stage: Annotated[
        str,
        typer.Option(
            parser=stage_choice(),
            help=_("preliminary (初审), legality (合法性审查) or approval (审议, --reject only)"),
        ),
    ],
    passed: Annotated[bool | None, typer.Option("--pass/--reject", help=_("pass the version, or send it back"))] = None,
    comment: Annotated[str, typer.Option(help=_("the review comment (required for --reject)"))] = "",
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    if passed is None:
        raise Usage(_("say --pass or --reject"))
    if passed and stage == "approval":
        raise Usage(_("approval is passed with `registry approve ITEM --reference TEXT`"))
    if passed:
        _run(
            ctx,
            PassReview,
            item,
            as_json,
            command_id,
            expected_version,
            _("preliminary review (初审) passed")
            if stage == "preliminary"
            else _("legality review (合法性审查) passed"),
            stage=ReviewStage(stage),
            comment=comment,
        )
    else:
        _run(
            ctx,
            RejectItem,
            item,
            as_json,
            command_id,
            expected_version,
            _("rejected at {stage}, back to drafting").format(stage=_STAGE_NAMES[stage]),
            stage=stage,
            comment=comment,
        )


@app.command(help=_("审议: approve the pending version (after 合法性审查)."))
def approve(
    ctx: typer.Context,
    item: Item,
    reference: Annotated[str, typer.Option(help=_("the meeting or document, e.g. 2020年第15次政府常务会议"))] = "",
    comment: Annotated[str, typer.Option(help=_("an optional comment"))] = "",
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    _run(
        ctx,
        ApproveItem,
        item,
        as_json,
        command_id,
        expected_version,
        _("approved"),
        reference=reference,
        comment=comment,
    )


@app.command(
    help=_("公布: make the approved version authoritative (or retire the item, for an approved cancellation).")
)
def publish(
    ctx: typer.Context,
    item: Item,
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    _run(ctx, PublishItem, item, as_json, command_id, expected_version, _("published"))


@app.command(
    help=_("动态调整（变更）: open version N+1 of a published item; version N stays public until N+1 is published.")
)
def adjust(
    ctx: typer.Context,
    item: Item,
    trigger: Annotated[
        str, typer.Option(help=_("法律法规修订, 职能调整, 上级取消, 依据失效, 合并/分设, or 其他：TEXT"))
    ],
    reason: Annotated[str, typer.Option(help=_("why, in a sentence"))] = "",
    category: Category = None,
    name: Name = None,
    subname: Subname = None,
    content: Content = None,
    basis: Basis = None,
    time_limit: TimeLimit = None,
    body: Body = None,
    channel: Channel = None,
    audience: AudienceOption = None,
    audience_note: AudienceNote = None,
    method: MethodOption = None,
    level: LevelOption = None,
    source: FromFile = None,
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    elements, fields, _extras = collect(
        source,
        category=category,
        name=name,
        subname=subname,
        content=content,
        basis=basis,
        time_limit=time_limit,
        body=body,
        channels=channel,
        audience=audience,
        audience_note=audience_note,
        method=method,
        levels=level,
    )
    _run(
        ctx,
        AdjustItem,
        item,
        as_json,
        command_id,
        expected_version,
        _("adjustment opened"),
        trigger=trigger,
        reason=reason,
        elements=elements,
        fields=fields,
    )


@app.command(help=_("动态调整（取消）: propose retiring a published item; it goes through review and approval first."))
def retire(
    ctx: typer.Context,
    item: Item,
    reason: Annotated[str, typer.Option(help=_("why the item leaves the catalog"))],
    trigger: Annotated[
        str, typer.Option(help=_("法律法规修订, 职能调整, 上级取消, 依据失效, 合并/分设, or 其他：TEXT"))
    ],
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    _run(
        ctx,
        RetireItem,
        item,
        as_json,
        command_id,
        expected_version,
        _("retirement proposed"),
        reason=reason,
        trigger=trigger,
    )


@app.command(help=_("Abandon a never-published draft, or withdraw a pending adjustment or retirement."))
def discard(
    ctx: typer.Context,
    item: Item,
    reason: Annotated[str, typer.Option(help=_("why"))] = "",
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    _run(ctx, DiscardItem, item, as_json, command_id, expected_version, _("discarded"), reason=reason)


_STAGE_NAMES = {"preliminary": "初审", "legality": "合法性审查", "approval": "审议"}
