"""The write commands: each builds one domain command, runs it through the service, prints a receipt."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from cli.app import app
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
from cli.output import console, print_json
from events.event import ReviewStage
from registry.command import (
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

Json = Annotated[bool, typer.Option("--json", help='print {"item_id", "version", "position"}')]
CommandId = Annotated[
    str | None, typer.Option("--command-id", help="idempotency key: a retry with the same id records nothing new")
]
ExpectedVersion = Annotated[
    int | None, typer.Option("--expected-version", help="refuse (exit 5) unless the item's stream is at this version")
]
Item = Annotated[str, typer.Argument(help="the item id")]


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
        raise InvalidInput(f"invalid value(s): {problems}") from error
    receipt = registry.execute(
        command, command_id=command_id, expected_version=expected_version, backfill_by=backfill_by, proof=cli_proof()
    )
    if as_json:
        print_json(receipt.as_json())
    else:
        again = " (already recorded by an earlier run of this command)" if receipt.replayed else ""
        console.print(
            f"{done}: {receipt.item_id} version {receipt.version} (log position {receipt.position}){again}",
            markup=False,
        )
    return receipt


@app.command()
def draft(
    ctx: typer.Context,
    domain: Annotated[str | None, typer.Option(help="领域, e.g. 财政预决算 (aliases accepted)")] = None,
    unit: Annotated[
        str | None, typer.Option(help="owning unit (default: the domain's responsible unit, else yours)")
    ] = None,
    item_id: Annotated[str | None, typer.Option("--id", help="item id (default: a new random id)")] = None,
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
    """梳理: draft a new catalog item (version 1). Elements may stay incomplete until submission."""
    elements, _, extras = collect(
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
        "drafted",
        domain=domain or str(extras.get("domain", "")),
        unit=unit or str(extras.get("unit", "")),
        elements=elements,
    )


@app.command()
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
    """Change elements of the pending version (a draft, or a version returned by a review)."""
    elements, fields, _ = collect(
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
        raise Usage("say what to change: element options (see --help) or --from FILE.json")
    _run(ctx, ReviseItem, item, as_json, command_id, expected_version, "revised", elements=elements, fields=fields)


@app.command()
def submit(
    ctx: typer.Context,
    item: Item,
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    """Send the pending version to review (初审 comes next)."""
    _run(ctx, SubmitItem, item, as_json, command_id, expected_version, "submitted")


@app.command()
def review(
    ctx: typer.Context,
    item: Item,
    stage: Annotated[
        str, typer.Option(help="preliminary (初审), legality (合法性审查) or approval (审议, --reject only)")
    ],
    passed: Annotated[bool | None, typer.Option("--pass/--reject", help="pass the version, or send it back")] = None,
    comment: Annotated[str, typer.Option(help="the review comment (required for --reject)")] = "",
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    """Pass or reject the pending version at a review stage."""
    if stage not in ("preliminary", "legality", "approval"):
        raise Usage(f"--stage must be preliminary, legality or approval, not {stage!r}")
    if passed is None:
        raise Usage("say --pass or --reject")
    if passed and stage == "approval":
        raise Usage("approval is passed with `registry approve ITEM --reference TEXT`")
    if passed:
        _run(
            ctx,
            PassReview,
            item,
            as_json,
            command_id,
            expected_version,
            f"{stage} review passed",
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
            f"rejected at {stage}, back to drafting",
            stage=stage,
            comment=comment,
        )


@app.command()
def approve(
    ctx: typer.Context,
    item: Item,
    reference: Annotated[str, typer.Option(help="the meeting or document, e.g. 2020年第15次政府常务会议")] = "",
    comment: Annotated[str, typer.Option(help="an optional comment")] = "",
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    """审议: approve the pending version (after 合法性审查)."""
    _run(
        ctx, ApproveItem, item, as_json, command_id, expected_version, "approved", reference=reference, comment=comment
    )


@app.command()
def publish(
    ctx: typer.Context,
    item: Item,
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    """公布: make the approved version authoritative (or retire the item, for an approved cancellation)."""
    _run(ctx, PublishItem, item, as_json, command_id, expected_version, "published")


@app.command()
def adjust(
    ctx: typer.Context,
    item: Item,
    trigger: Annotated[str, typer.Option(help="法律法规修订, 职能调整, 上级取消, 依据失效, 合并/分设, or 其他：TEXT")],
    reason: Annotated[str, typer.Option(help="why, in a sentence")] = "",
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
    """动态调整（变更）: open version N+1 of a published item; version N stays public until N+1 is published."""
    elements, fields, _ = collect(
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
        "adjustment opened",
        trigger=trigger,
        reason=reason,
        elements=elements,
        fields=fields,
    )


@app.command()
def retire(
    ctx: typer.Context,
    item: Item,
    reason: Annotated[str, typer.Option(help="why the item leaves the catalog")],
    trigger: Annotated[str, typer.Option(help="法律法规修订, 职能调整, 上级取消, 依据失效, 合并/分设, or 其他：TEXT")],
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    """动态调整（取消）: propose retiring a published item; it goes through review and approval first."""
    _run(
        ctx,
        RetireItem,
        item,
        as_json,
        command_id,
        expected_version,
        "retirement proposed",
        reason=reason,
        trigger=trigger,
    )


@app.command()
def discard(
    ctx: typer.Context,
    item: Item,
    reason: Annotated[str, typer.Option(help="why")] = "",
    as_json: Json = False,
    command_id: CommandId = None,
    expected_version: ExpectedVersion = None,
) -> None:
    """Abandon a never-published draft, or withdraw a pending adjustment or retirement."""
    _run(ctx, DiscardItem, item, as_json, command_id, expected_version, "discarded", reason=reason)
