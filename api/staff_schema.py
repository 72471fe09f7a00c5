"""The staff GraphQL schema: what a signed-in person or a business system's token may see and do.

One mutation per command, Relay style. A resolver builds the command, has the registry execute it, and maps the
receipt or the refusal into the payload: the rules live in `decide` alone. Shares the enums of the public schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import graphene
from graphene.types.generic import GenericScalar
from graphql import GraphQLError, StringValueNode, ValueNode
from pydantic import ValidationError
from sqlalchemy import Connection

from api.language import chinese
from api.scalars import DateTime, ItemId, Offset, PageSize, ShortText
from api.schema import Audience, ChangeKind, Checkpoint, ElementFields, Level, Method, _labelled
from events import checkpoint
from events.checkpoint import SigningKeyError
from events.elements import CHANNELS, ELEMENT_LABELS, PORTAL, FieldChange, ItemElements, diff
from events.envelope import StoredEvent, parse_time
from events.event import ReviewStage as ReviewStageValue
from events.message import N_, Message
from events.store import CommandIdConflict, ConcurrencyConflict
from projections import query
from projections.history import ACTION_LABELS, describe
from registry.actor import Actor, Proof, Role
from registry.actor import Channel as ChannelValue
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
from registry.items.rules import TRIGGERS, publication_problems
from registry.items.state import ItemState, Status
from registry.items.worklist import may_see, next_step, visible
from registry.missing import NotFound
from registry.rules import Rule, RuleViolation
from registry.service import Registry, new_item_id, now
from registry.supervision import report as supervision

PAGE = 50  # items of a listing's page, unless asked otherwise
MAX_KEY = 64  # an idempotency key: a UUID fits; the scoped command id must fit the log's 100 characters


@dataclass(frozen=True)
class Acting:
    """Who acts in a request, as the edge proved it: the actor (with a token's roles only), the proof the log
    records, the token's name, and the request's Idempotency-Key."""

    actor: Actor
    proof: Proof
    token_name: str | None = None
    idempotency_key: str | None = None

    @property
    def scope(self) -> str:
        """What idempotency keys are scoped to: the token, or the session (a digest's first characters)."""
        credential = self.proof.credential or self.actor.actor_id
        return credential if self.proof.channel is ChannelValue.TOKEN else f"session:{credential[:16]}"


T = TypeVar("T")


def _acting(info: graphene.ResolveInfo) -> Acting:
    acting: Acting = info.context["acting"]
    return acting


def _registry(info: graphene.ResolveInfo) -> Registry:
    registry: Registry = info.context["registry"]
    return registry


def _read(info: graphene.ResolveInfo, work: Callable[[Connection], T]) -> T:
    """`work` in a read transaction: on a replica that has replayed the caller's last write, else on the primary
    (api/replicas.py; the primary alone without replicas, and for a mutation's own reads)."""
    read: Callable[[Callable[[Connection], T]], T] = info.context["read"]
    return read(work)


Role_ = _labelled(Role, "Role", "The roles an actor acts in (a token: those it was issued with).")
ItemStatus = _labelled(Status, "ItemStatus", "Where an item, or its pending version, stands.")
ReviewStage = _labelled(ReviewStageValue, "ReviewStage", "A review stage: 初审 or 合法性审查.")
Channel = graphene.Enum.from_enum(ChannelValue, description="How the actor of a step was proven.")


class RejectionStage(graphene.Enum):
    """Where a pending version is sent back from: a review stage, or 审议."""

    PRELIMINARY = "preliminary"
    LEGALITY = "legality"
    APPROVAL = "approval"


class UserErrorCode(graphene.Enum):
    RULE = "RULE"
    CONFLICT = "CONFLICT"
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"

    @property
    def description(self) -> str:
        return _CODE_DESCRIPTIONS[self.name]


_CODE_DESCRIPTIONS = {
    "RULE": "a review rule refused the command: `rule` names it",
    "CONFLICT": "the item moved on since expectedVersion, or the command id names another command",
    "NOT_FOUND": "no such item",
    "INVALID": "an input value cannot be right: `field` names it",
}


class UserError(graphene.ObjectType):
    """Why a mutation changed nothing."""

    code = graphene.Field(UserErrorCode, required=True)
    rule = graphene.String(description="for RULE: the rule's name, e.g. 审查顺序 or 合法性审查主体")
    field = graphene.String(description="the input field at fault, e.g. elements.timeLimit or expectedVersion")
    message = graphene.String(required=True, description="what is wrong, in English")
    text = graphene.String(required=True, description="the same in Chinese, as the workbench shows it")

    @staticmethod
    def refused(refusal: RuleViolation) -> UserError:
        return UserError(code="RULE", rule=refusal.rule.code, message=refusal.message, text=chinese(refusal.text))

    @staticmethod
    def of(code: str, field: str, failure: ConcurrencyConflict | CommandIdConflict | NotFound) -> UserError:
        return UserError(code=code, field=field, message=str(failure), text=chinese(failure.text))


class Receipt(graphene.ObjectType):
    """What a command recorded: the item, its catalog version, the last log position written."""

    item_id = graphene.ID(required=True)
    version = graphene.Int(required=True)
    position = graphene.Int(required=True)
    replayed = graphene.Boolean(
        required=True, description="a retry of a command already recorded: nothing new was appended"
    )
    checkpoint = graphene.Field(
        Checkpoint,
        description="the signed checkpoint of the log up to this receipt's position: after a public change (公布, "
        "取消), the one signed in the same transaction; null when none was signed at exactly that size",
    )

    @staticmethod
    def resolve_checkpoint(root: Receipt, info: graphene.ResolveInfo) -> Checkpoint | None:
        signed = _read(info, lambda conn: checkpoint.latest(conn, size=root.position))
        return Checkpoint.from_row(signed) if signed else None


class Elements(ElementFields):
    """The elements of a version (公开事项要素), as the public catalog names them."""

    @staticmethod
    def of(elements: ItemElements) -> Elements:
        return Elements(**elements.as_json())


class ElementChange(graphene.ObjectType):
    field = graphene.String(required=True, description="the element, e.g. timeLimit")
    label = graphene.String(required=True, description="its Chinese name, e.g. 公开时限")
    old = GenericScalar(description="before: a string, or a list of strings (null: not there)")
    new = GenericScalar(description="after")

    @staticmethod
    def of(change: FieldChange) -> ElementChange:
        return ElementChange(
            field=_camel(change.field), label=ELEMENT_LABELS.get(change.field, ""), old=change.old, new=change.new
        )


class PublishedVersion(graphene.ObjectType):
    version = graphene.Int(required=True)
    elements = graphene.Field(Elements, required=True)
    published_at = DateTime(required=True)
    approval_reference = graphene.String(required=True)


class PendingVersion(graphene.ObjectType):
    """A version on its way to publication: new (增加), an adjustment (变更) or a retirement (取消)."""

    version = graphene.Int(required=True)
    kind = graphene.Field(ChangeKind, required=True)
    elements = graphene.Field(Elements, required=True)
    trigger = graphene.String(required=True)
    reason = graphene.String(required=True)
    approval_reference = graphene.String(required=True)
    rejection = graphene.String(required=True, description="why it was sent back, when it was")


class HistoryStep(graphene.ObjectType):
    """One event of an item's history: who did what, in which role, and how they were proven."""

    position = graphene.Int(required=True, description="the event's log position")
    stream_version = graphene.Int(required=True)
    version = graphene.Int(description="the item version the step concerns")
    action = graphene.String(required=True, description="e.g. draft, submit, legality_review_passed, publish")
    action_label = graphene.String(required=True, description="e.g. 合法性审查通过")
    recorded_at = DateTime(required=True)
    occurred_at = DateTime(required=True, description="when it took effect (a backfill's own time)")
    actor = graphene.String(required=True)
    unit = graphene.String(required=True)
    role = graphene.String(required=True)
    reason = graphene.String(required=True, description="the comment, reason or reference given")
    channel = graphene.Field(
        Channel, required=True, description="cli (asserted by the server's operator), session or token (proven)"
    )
    credential = graphene.String(description="the token id, or a digest of the session id; never a secret")
    backfilled_by = graphene.String(description="补录: the admin who recorded this earlier act")
    changes = graphene.List(graphene.NonNull(ElementChange), required=True)

    @staticmethod
    def of(stored: StoredEvent) -> HistoryStep:
        action, version, reason, changes = describe(stored)
        meta = stored.metadata
        return HistoryStep(
            position=stored.position,
            stream_version=stored.version,
            version=version,
            action=action,
            action_label=ACTION_LABELS.get(action, action),
            recorded_at=stored.recorded_at,
            occurred_at=stored.effective_at,
            actor=meta.actor,
            unit=meta.unit,
            role=meta.role,
            reason=reason,
            channel=meta.channel or ChannelValue.CLI.value,  # events from before channels were asserted at the CLI
            credential=meta.credential,
            backfilled_by=meta.backfilled_by,
            changes=[ElementChange.of(change) for change in changes],
        )


class StaffItem(graphene.ObjectType):
    """An item in whatever state the caller may see: its published and pending versions and its history."""

    id = graphene.ID(required=True)
    status = graphene.Field(ItemStatus, required=True)
    domain = graphene.String(required=True)
    unit = graphene.String(required=True)
    version = graphene.Int(required=True, description="the catalog version: pending, else published")
    stream_version = graphene.Int(
        required=True, description="events recorded for the item: give it as expectedVersion to act only on this state"
    )
    next_step = graphene.String(description="the step the item waits for: draft, revise, preliminary_review, ...")
    published = graphene.Field(PublishedVersion)
    pending = graphene.Field(PendingVersion)
    changes = graphene.List(
        graphene.NonNull(ElementChange),
        required=True,
        description="the pending version against the published one (against nothing, for a new item)",
    )
    history = graphene.List(graphene.NonNull(HistoryStep), required=True, description="oldest first")

    @staticmethod
    def of(item: ItemState, stored: list[StoredEvent]) -> StaffItem:
        published, pending = item.published, item.pending
        step = next_step(item)
        return StaffItem(
            id=item.item_id,
            status=item.status.value,
            domain=item.domain,
            unit=item.unit,
            version=pending.version if pending else published.version if published else item.last_version,
            stream_version=len(stored),
            next_step=step.value if step else None,
            published=PublishedVersion(
                version=published.version,
                elements=Elements.of(published.elements),
                published_at=published.published_at,
                approval_reference=published.approval_reference,
            )
            if published
            else None,
            pending=PendingVersion(
                version=pending.version,
                kind=pending.kind.value,
                elements=Elements.of(pending.elements),
                trigger=pending.trigger,
                reason=pending.reason,
                approval_reference=pending.approval_reference,
                rejection=pending.rejection,
            )
            if pending
            else None,
            changes=[
                ElementChange.of(change)
                for change in diff(published.elements if published else ItemElements(), pending.elements)
            ]
            if pending
            else [],
            history=[HistoryStep.of(event) for event in stored],
        )


class Me(graphene.ObjectType):
    actor_id = graphene.String(required=True)
    unit = graphene.String(required=True)
    roles = graphene.List(graphene.NonNull(Role_), required=True, description="a token's: those it was issued with")
    channel = graphene.Field(Channel, required=True)
    token_id = graphene.String(description="the token acting, if one is")
    token_name = graphene.String(description="the system the token was issued for, e.g. 财政局预算系统")


class QueueEntry(graphene.ObjectType):
    """An item waiting for the caller, as `registry queue` lists it."""

    item_id = graphene.ID(required=True)
    step = graphene.String(required=True, description="revise, draft, preliminary_review, ..., publication")
    step_label = graphene.String(required=True, description="e.g. 初审")
    unit = graphene.String(required=True)
    domain = graphene.String(required=True)
    title = graphene.String(required=True)
    version = graphene.Int(required=True)
    kind = graphene.Field(ChangeKind, required=True)
    waiting_since = DateTime(required=True)
    working_days = graphene.Int(required=True, description="working days waited")
    rejection = graphene.String(required=True, description="why it was sent back, when it was")
    deadline = graphene.Date(
        required=True, description="the day the step is due (the profile's step_limits, counted in working days)"
    )
    working_days_left = graphene.Int(
        required=True, description="working days left to the deadline: 0 due today, negative overdue by that many"
    )
    overdue = graphene.Boolean(required=True, description="past the deadline (workingDaysLeft < 0)")


class ItemSummary(graphene.ObjectType):
    """An item in a listing: enough to find it and open it."""

    id = graphene.ID(required=True)
    title = graphene.String(required=True)
    status = graphene.Field(ItemStatus, required=True)
    domain = graphene.String(required=True)
    unit = graphene.String(required=True)
    version = graphene.Int(required=True, description="the catalog version: pending, else published")
    published_version = graphene.Int(description="the version the public sees (null: none)")
    pending_kind = graphene.Field(ChangeKind, description="what the pending version would do, if there is one")
    rejection = graphene.String(required=True, description="why the pending version was sent back, when it was")
    updated_at = DateTime(required=True)


class ItemPage(graphene.ObjectType):
    total = graphene.Int(required=True, description="items I may see that match, on every page")
    items = graphene.List(graphene.NonNull(ItemSummary), required=True)


class DomainChoice(graphene.ObjectType):
    name = graphene.String(required=True)
    responsible_unit = graphene.String(required=True, description="the unit that owns a pilot domain's items")
    aliases = graphene.List(graphene.NonNull(graphene.String), required=True)
    pilot = graphene.Boolean(required=True, description="one of the 26 pilot domains")


class UnitChoice(graphene.ObjectType):
    name = graphene.String(required=True)
    kind = graphene.String(required=True, description="department, town, center, government, zone")


class Vocabulary(graphene.ObjectType):
    """What a form offers: the jurisdiction profile's domains and units, the standard channels, the triggers."""

    jurisdiction = graphene.String(required=True)
    review_unit = graphene.String(required=True, description="初审 and publication")
    legal_unit = graphene.String(required=True, description="合法性审查")
    domains = graphene.List(graphene.NonNull(DomainChoice), required=True)
    units = graphene.List(graphene.NonNull(UnitChoice), required=True)
    channels = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="the standard 公开渠道和载体 (others: free text)"
    )
    portal = graphene.String(required=True, description="the channel every published version lists (网站优先)")
    triggers = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="an adjustment's triggers, besides 其他：..."
    )


def _seen(info: graphene.ResolveInfo, item_id: str) -> tuple[ItemState, list[StoredEvent]] | None:
    """The item and its events, if it exists and the caller may see it (else None: what they may not see, they
    cannot tell from what is not there)."""
    try:
        item, stored = _read(info, lambda conn: _registry(info).load_in(conn, item_id))
    except NotFound:
        return None
    acted = {event.metadata.actor for event in stored}
    return (item, stored) if may_see(_acting(info).actor, item, acted) else None


def visible_item(info: graphene.ResolveInfo, item_id: str) -> StaffItem | None:
    """The item as the staff schema shows it, if the caller may see it."""
    seen = _seen(info, item_id)
    return StaffItem.of(*seen) if seen else None


class ElementsInput(graphene.InputObjectType):
    """Elements to set: those given (not null) are the ones a revision or an adjustment changes."""

    category = graphene.String(description="一级事项")
    name = graphene.String(description="二级事项")
    subname = graphene.String(description="三级事项")
    content = graphene.String(description="公开内容（要素）")
    basis = graphene.String(description="公开依据")
    time_limit = graphene.String(description="公开时限")
    body = graphene.String(description="公开主体")
    channels = graphene.List(graphene.NonNull(graphene.String), description="公开渠道和载体")
    audience = graphene.List(graphene.NonNull(Audience), description="公开对象")
    audience_note = graphene.String(description="the specific group, when there is one")
    method = graphene.List(graphene.NonNull(Method), description="公开方式")
    levels = graphene.List(graphene.NonNull(Level), description="公开层级")


class Query(graphene.ObjectType):
    me = graphene.Field(Me, required=True, description="Who is acting, in which roles, proven how.")
    queue = graphene.List(
        graphene.NonNull(QueueEntry), required=True, description="What waits for me, oldest first (registry queue)."
    )
    item = graphene.Field(
        StaffItem, id=graphene.Argument(ItemId, required=True), description="An item I may see, or null."
    )
    history = graphene.List(
        graphene.NonNull(HistoryStep),
        id=graphene.Argument(ItemId, required=True),
        description="The history of an item I may see (null: none such), with each step's channel.",
    )
    items = graphene.Field(
        ItemPage,
        required=True,
        search=graphene.Argument(ShortText, description="words of the title, or of the id"),
        status=graphene.Argument(ItemStatus),
        first=graphene.Argument(PageSize, default_value=PAGE, description="page size, default 50, at most 200"),
        offset=graphene.Argument(Offset, default_value=0, description="items to skip: the pages before"),
        description="The items I may see, by unit, domain and id.",
    )
    vocabulary = graphene.Field(Vocabulary, required=True, description="What the drafting forms offer.")
    check = graphene.List(
        graphene.NonNull(UserError),
        required=True,
        item_id=graphene.Argument(
            ItemId,
            description="the draft these elements would revise; with `domain` or `unit`, the id a new draft would take",
        ),
        domain=graphene.Argument(ShortText, description="a new draft's 领域"),
        unit=graphene.Argument(ShortText, description="a new draft's owning unit"),
        elements=graphene.Argument(ElementsInput, required=True, description="every element, as the form holds them"),
        trigger=graphene.Argument(graphene.String, description="an adjustment's trigger: check 变更 of `itemId`"),
        reason=graphene.Argument(graphene.String, description="an adjustment's reason"),
        description="What drafting (or revising `itemId`, or adjusting it with `trigger`) and then submitting these "
        "elements would be refused for, every rule at once (nothing is recorded): what a form shows before it is sent.",
    )

    @staticmethod
    def resolve_me(_root: None, info: graphene.ResolveInfo) -> Me:
        acting = _acting(info)
        return Me(
            actor_id=acting.actor.actor_id,
            unit=acting.actor.unit,
            roles=sorted(role.value for role in acting.actor.roles),
            channel=acting.proof.channel.value,
            token_id=acting.proof.credential if acting.proof.channel is ChannelValue.TOKEN else None,
            token_name=acting.token_name,
        )

    @staticmethod
    def resolve_queue(_root: None, info: graphene.ResolveInfo) -> list[QueueEntry]:
        found = supervision.queue(_registry(info), _acting(info).actor)
        return [
            QueueEntry(
                item_id=e.item_id,
                step=e.step.value,
                step_label=e.step.label,
                unit=e.unit,
                domain=e.domain,
                title=e.title,
                version=e.version,
                kind=e.kind,
                waiting_since=parse_time(e.waiting_since),
                working_days=e.working_days,
                rejection=e.rejection,
                deadline=e.deadline,
                working_days_left=e.working_days_left,
                overdue=e.overdue,
            )
            for e in found.entries
        ]

    @staticmethod
    def resolve_item(_root: None, info: graphene.ResolveInfo, id: str) -> StaffItem | None:
        return visible_item(info, id)

    @staticmethod
    def resolve_history(_root: None, info: graphene.ResolveInfo, id: str) -> list[HistoryStep] | None:
        found = visible_item(info, id)
        return found.history if found else None

    @staticmethod
    def resolve_items(
        _root: None,
        info: graphene.ResolveInfo,
        first: int | None = PAGE,
        offset: int | None = 0,
        search: str | None = None,
        status: Any = None,
    ) -> ItemPage:
        first = PAGE if first is None else first  # null given: the default, as for catalog's page size
        offset = offset or 0
        actor = _acting(info).actor
        wanted = _value(status)
        words = (search or "").split()
        rows, acted = _read(
            info, lambda conn: (query.list_items(conn, status=wanted), query.acted_on(conn, actor.actor_id))
        )
        found = [
            row
            for row in rows
            if visible(
                actor,
                unit=row["unit"],
                status=Status(row["status"]),
                published=row["published_version"] is not None,
                acted=row["item_id"] in acted,
            )
            and all(word in row["title"] or word in row["item_id"] for word in words)
        ]
        return ItemPage(
            total=len(found),
            items=[
                ItemSummary(
                    id=row["item_id"],
                    title=row["title"],
                    status=row["status"],
                    domain=row["domain"],
                    unit=row["unit"],
                    version=row["version"],
                    published_version=row["published_version"],
                    pending_kind=row["pending_kind"],
                    rejection=row["rejection"] or "",
                    updated_at=parse_time(row["updated_at"]),
                )
                for row in found[offset : offset + first]
            ],
        )

    @staticmethod
    def resolve_vocabulary(_root: None, info: graphene.ResolveInfo) -> Vocabulary:
        profile = _registry(info).profile
        return Vocabulary(
            jurisdiction=profile.jurisdiction,
            review_unit=profile.review_unit,
            legal_unit=profile.legal_unit,
            domains=[
                DomainChoice(name=d.name, responsible_unit=d.responsible_unit, aliases=list(d.aliases), pilot=d.pilot)
                for d in profile.domains
            ],
            units=[UnitChoice(name=u.name, kind=u.kind) for u in profile.units],
            channels=list(CHANNELS),
            portal=PORTAL,
            triggers=list(TRIGGERS),
        )

    @staticmethod
    def resolve_check(
        _root: None,
        info: graphene.ResolveInfo,
        elements: Any,
        item_id: str | None = None,
        domain: str | None = None,
        unit: str | None = None,
        trigger: str | None = None,
        reason: str | None = None,
    ) -> list[UserError]:
        given = _elements(elements)
        try:
            complete = ItemElements(**given)
        except ValidationError as invalid:
            return _invalid(invalid)
        new = domain is not None or unit is not None or item_id is None
        if not new and _seen(info, item_id or "") is None:
            return [no_such_item(item_id or "")]
        command = _checked(_acting(info).actor, item_id, new, domain, unit, trigger, reason, given)
        refusals = [
            refusal
            for refusal in _registry(info).check_all([command])
            # a draft's form sent unchanged is submitted without a revision: "changes nothing" is no problem there
            if refusal is not None and not (isinstance(command, ReviseItem) and refusal.rule is Rule.ADJUSTMENT)
        ]
        return [UserError.refused(refusal) for refusal in refusals + publication_problems(complete)]


def _checked(
    actor: Actor,
    item_id: str | None,
    new: bool,
    domain: str | None,
    unit: str | None,
    trigger: str | None,
    reason: str | None,
    given: dict[str, Any],
) -> ItemCommand:
    """The command a form's check stands for: a new draft, an adjustment of a published item (a trigger is given), or
    a revision of a draft."""
    at, fields = now(), frozenset(given)
    if new:
        chosen = item_id or new_item_id()
        return DraftItem(item_id=chosen, actor=actor, at=at, domain=domain or "", unit=unit or "", elements=given)
    assert item_id is not None
    if trigger is not None:
        return AdjustItem(
            item_id=item_id, actor=actor, at=at, trigger=trigger, reason=reason or "", elements=given, fields=fields
        )
    return ReviseItem(item_id=item_id, actor=actor, at=at, elements=given, fields=fields)


# -- mutations ------------------------------------------------------------------------------------------------------


def key_problem(key: str) -> str | None:
    """What is wrong with an idempotency key (None: nothing)."""
    if not 0 < len(key) <= MAX_KEY or not key.isascii() or not key.isprintable():
        return f"an idempotency key is 1 to {MAX_KEY} printable ASCII characters, e.g. a UUID ({len(key)} given)"
    return None


class CommandId(graphene.Scalar):
    """An idempotency key: 1 to 64 printable ASCII characters, e.g. a UUID. The log's command id is the key scoped to
    the credential that sends it, so two systems' keys never meet."""

    @staticmethod
    def serialize(value: Any) -> str:
        return str(value)

    @staticmethod
    def parse_value(value: Any) -> str:
        if not isinstance(value, str):
            raise GraphQLError("an idempotency key is a string")
        problem = key_problem(value)
        if problem:
            raise GraphQLError(problem)
        return value

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> str:
        if not isinstance(node, StringValueNode):
            raise GraphQLError("an idempotency key is a string", node)
        try:
            return CommandId.parse_value(node.value)
        except GraphQLError as error:
            raise GraphQLError(error.message, node) from None


class Retry:
    """The field of every mutation's input: its idempotency key."""

    command_id = graphene.Field(
        CommandId,
        description="default: the Idempotency-Key header; a retry with the same key and input records nothing new "
        "and returns the first receipt",
    )


class Target(Retry):
    """The fields of a mutation on an existing item: the item, and the state of it the command is meant for."""

    item_id = graphene.Field(ItemId, required=True)
    expected_version = graphene.Int(
        description="the item's streamVersion this command is meant for: CONFLICT, and nothing recorded, if it moved on"
    )


_P = TypeVar("_P")


@dataclass(frozen=True)
class Given:
    """What a command is built with besides its input: the actor, the time, and the scoped command id."""

    actor: Actor
    at: datetime
    command_id: str | None


class Outcome:
    """Fields of every mutation's payload."""

    item = graphene.Field(StaffItem, description="the item afterwards (null if I may not see it)")
    receipt = graphene.Field(Receipt, description="null when userErrors says why nothing was recorded")
    user_errors = graphene.List(graphene.NonNull(UserError), required=True)


def carry_out(
    payload: Callable[..., _P],
    info: graphene.ResolveInfo,
    given: dict[str, Any],
    build: Callable[[Given], ItemCommand],
    *,
    existing: bool = True,
) -> _P:
    """Build the command, have the registry execute it, and map the receipt or the refusal into the payload.

    A command on an `existing` item the caller may not see is answered as one on an item that does not exist: a
    refusal would tell that it exists and whose it is."""
    acting = _acting(info)
    if existing and _seen(info, given["item_id"]) is None:
        return payload(item=None, receipt=None, user_errors=[no_such_item(given["item_id"])])
    key = given.get("command_id") or acting.idempotency_key  # both checked by key_problem() before execution
    command_id = f"{acting.scope}:{key}" if key else None
    try:
        command = build(Given(acting.actor, now(), command_id))
        receipt = _registry(info).execute(
            command, command_id=command_id, expected_version=given.get("expected_version"), proof=acting.proof
        )
    except ValidationError as invalid:
        return _refused(payload, info, given, *_invalid(invalid))
    except RuleViolation as refusal:
        return _refused(payload, info, given, UserError.refused(refusal))
    except ConcurrencyConflict as moved_on:
        return _refused(payload, info, given, UserError.of("CONFLICT", "expectedVersion", moved_on))
    except CommandIdConflict as taken:
        return _refused(payload, info, given, UserError.of("CONFLICT", "commandId", taken))
    except NotFound as missing:
        return _refused(payload, info, given, UserError.of("NOT_FOUND", "itemId", missing))
    except SigningKeyError as unsigned:  # the server's configuration, not the caller's input
        raise GraphQLError(str(unsigned), extensions={"code": "SIGNING_KEY"}) from unsigned
    recorded = Receipt(
        item_id=receipt.item_id, version=receipt.version, position=receipt.position, replayed=receipt.replayed
    )
    return payload(item=visible_item(info, receipt.item_id), receipt=recorded, user_errors=[])


def no_such_item(item_id: str) -> UserError:
    """What the caller is told of an item that does not exist, or that they may not see."""
    return UserError.of("NOT_FOUND", "itemId", NotFound(N_("no item {item!r}"), item=item_id))


def _refused(payload: Callable[..., _P], info: graphene.ResolveInfo, given: dict[str, Any], *errors: UserError) -> _P:
    item_id = given.get("item_id")
    return payload(item=visible_item(info, item_id) if item_id else None, receipt=None, user_errors=list(errors))


def _invalid(error: ValidationError) -> list[UserError]:
    return [
        UserError(
            code="INVALID",
            field=".".join(_camel(str(part)) for part in e["loc"]),
            message=e["msg"],
            text=chinese(_invalid_text(e["loc"], e["type"], e.get("ctx") or {})),
        )
        for e in error.errors(include_url=False)
    ]


_INVALID = {
    "string_too_long": N_("{element} is too long: at most {max_length} characters"),
    "value_error": N_("{element} contains control characters or other characters that cannot be stored"),
}


def _invalid_text(where: tuple[int | str, ...], kind: str, context: dict[str, Any]) -> Message:
    """An element's validation error told in words (the Chinese of pydantic's few messages for our elements)."""
    element = next((ELEMENT_LABELS[str(part)] for part in where if str(part) in ELEMENT_LABELS), str(where[-1]))
    template = _INVALID.get(kind, N_("{element} is not a valid value"))
    return Message(template, element=element, max_length=context.get("max_length", ""))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _elements(given: Any) -> dict[str, Any]:
    """The elements given (null ones left out), enum members as their values."""
    return {
        name: [getattr(v, "value", v) for v in value] if isinstance(value, list) else value
        for name, value in dict(given or {}).items()
        if value is not None
    }


def _value(given: Any) -> Any:
    return getattr(given, "value", given)


class DraftItemPayload(graphene.relay.ClientIDMutation, Outcome):
    """梳理: draft a new item (version 1), as a drafter of its owning unit."""

    class Input(Retry):
        item_id = graphene.Field(ItemId, description="the new item's id (default: derived from commandId, else random)")
        domain = graphene.Field(ShortText, description="领域, e.g. 财政预决算 (aliases accepted)")
        unit = graphene.Field(ShortText, description="owning unit (default: the domain's responsible unit, else mine)")
        elements = graphene.Field(ElementsInput, required=True, description="may stay incomplete until submission")

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> DraftItemPayload:
        return carry_out(
            cls,
            info,
            given,
            lambda g: DraftItem(
                item_id=given.get("item_id") or new_item_id(g.command_id),
                actor=g.actor,
                at=g.at,
                domain=given.get("domain") or "",
                unit=given.get("unit") or "",
                elements=_elements(given["elements"]),
            ),
            existing=False,
        )


class ReviseItemPayload(graphene.relay.ClientIDMutation, Outcome):
    """Change elements of a draft (the pending version at 梳理)."""

    class Input(Target):
        elements = graphene.Field(ElementsInput, required=True, description="the elements to change, and only those")

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> ReviseItemPayload:
        changed = _elements(given["elements"])
        return carry_out(
            cls,
            info,
            given,
            lambda g: ReviseItem(
                item_id=given["item_id"], actor=g.actor, at=g.at, elements=changed, fields=frozenset(changed)
            ),
        )


class SubmitItemPayload(graphene.relay.ClientIDMutation, Outcome):
    """Send the pending version to review (its elements must then be complete)."""

    class Input(Target):
        pass

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> SubmitItemPayload:
        return carry_out(cls, info, given, lambda g: SubmitItem(item_id=given["item_id"], actor=g.actor, at=g.at))


class PassReviewPayload(graphene.relay.ClientIDMutation, Outcome):
    """Pass 初审 or 合法性审查."""

    class Input(Target):
        stage = graphene.Field(ReviewStage, required=True)
        comment = graphene.String()

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> PassReviewPayload:
        return carry_out(
            cls,
            info,
            given,
            lambda g: PassReview(
                item_id=given["item_id"],
                actor=g.actor,
                at=g.at,
                stage=_value(given["stage"]),
                comment=given.get("comment") or "",
            ),
        )


class RejectReviewPayload(graphene.relay.ClientIDMutation, Outcome):
    """Send the pending version back to drafting from a review stage or from 审议, saying what to fix."""

    class Input(Target):
        stage = graphene.Field(RejectionStage, required=True)
        comment = graphene.String(required=True, description="退回意见: what to fix")

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> RejectReviewPayload:
        return carry_out(
            cls,
            info,
            given,
            lambda g: RejectItem(
                item_id=given["item_id"], actor=g.actor, at=g.at, stage=_value(given["stage"]), comment=given["comment"]
            ),
        )


class ApproveItemPayload(graphene.relay.ClientIDMutation, Outcome):
    """审议: approve the pending version, citing the meeting or document."""

    class Input(Target):
        reference = graphene.String(required=True, description="the meeting or document, e.g. 2024年第3次政府常务会议")
        comment = graphene.String()

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> ApproveItemPayload:
        return carry_out(
            cls,
            info,
            given,
            lambda g: ApproveItem(
                item_id=given["item_id"],
                actor=g.actor,
                at=g.at,
                reference=given["reference"],
                comment=given.get("comment") or "",
            ),
        )


class PublishItemPayload(graphene.relay.ClientIDMutation, Outcome):
    """公布: make the approved version public (or carry out an approved retirement)."""

    class Input(Target):
        pass

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> PublishItemPayload:
        return carry_out(cls, info, given, lambda g: PublishItem(item_id=given["item_id"], actor=g.actor, at=g.at))


class ProposeAdjustmentPayload(graphene.relay.ClientIDMutation, Outcome):
    """动态调整（变更）: open a new pending version of a published item with the elements given changed."""

    class Input(Target):
        trigger = graphene.String(required=True, description="e.g. 法律法规修订, 职能调整, or 其他：...")
        reason = graphene.String()
        elements = graphene.Field(ElementsInput, required=True, description="the elements to change, and only those")

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> ProposeAdjustmentPayload:
        changed = _elements(given["elements"])
        return carry_out(
            cls,
            info,
            given,
            lambda g: AdjustItem(
                item_id=given["item_id"],
                actor=g.actor,
                at=g.at,
                trigger=given["trigger"],
                reason=given.get("reason") or "",
                elements=changed,
                fields=frozenset(changed),
            ),
        )


class ProposeRetirementPayload(graphene.relay.ClientIDMutation, Outcome):
    """动态调整（取消）: propose taking a published item out of the public catalog."""

    class Input(Target):
        trigger = graphene.String(required=True, description="e.g. 上级取消")
        reason = graphene.String(required=True)

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> ProposeRetirementPayload:
        return carry_out(
            cls,
            info,
            given,
            lambda g: RetireItem(
                item_id=given["item_id"], actor=g.actor, at=g.at, trigger=given["trigger"], reason=given["reason"]
            ),
        )


class DiscardItemPayload(graphene.relay.ClientIDMutation, Outcome):
    """Abandon a never-published draft, or withdraw a pending adjustment or retirement."""

    class Input(Target):
        reason = graphene.String()

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> DiscardItemPayload:
        return carry_out(
            cls,
            info,
            given,
            lambda g: DiscardItem(item_id=given["item_id"], actor=g.actor, at=g.at, reason=given.get("reason") or ""),
        )


class Mutation(graphene.ObjectType):
    draft_item = DraftItemPayload.Field()
    revise_item = ReviseItemPayload.Field()
    submit_item = SubmitItemPayload.Field()
    pass_review = PassReviewPayload.Field()
    reject_review = RejectReviewPayload.Field()
    approve_item = ApproveItemPayload.Field()
    publish_item = PublishItemPayload.Field()
    propose_adjustment = ProposeAdjustmentPayload.Field()
    propose_retirement = ProposeRetirementPayload.Field()
    discard_item = DiscardItemPayload.Field()


def _schema() -> graphene.Schema:
    """The items' queries and mutations (above) with the new-media accounts' (api.staff_accounts, which builds on this
    module's types and so is imported once they are defined)."""
    from api.staff_accounts import AccountMutation, AccountQuery

    class StaffQuery(AccountQuery, Query):
        class Meta:
            name = "Query"

    class StaffMutation(AccountMutation, Mutation):
        class Meta:
            name = "Mutation"

    return graphene.Schema(query=StaffQuery, mutation=StaffMutation, auto_camelcase=True)


staff_schema = _schema()
