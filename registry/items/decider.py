"""The catalog item decider: decide(command, state) -> events, evolve(state, event) -> state. No I/O."""

from __future__ import annotations

from datetime import datetime
from typing import assert_never

from events.elements import ItemElements, apply_changes, diff
from events.event import (
    AdjustmentProposed,
    ChangeKind,
    DraftDiscarded,
    ItemApproved,
    ItemDrafted,
    ItemEvent,
    ItemPublished,
    ItemRetired,
    ItemRevised,
    ItemSubmitted,
    PendingChangeWithdrawn,
    RetirementProposed,
    ReviewPassed,
    ReviewRejected,
    ReviewStage,
)
from events.message import N_
from registry.actor import Actor, Role
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
from registry.items.rules import (
    known_domain,
    owning_unit,
    require_change,
    require_discardable,
    require_drafter_of,
    require_item_exists,
    require_new_item,
    require_not_author,
    require_other_reviewer,
    require_publishable,
    require_reason,
    require_status,
    require_trigger,
)
from registry.items.state import ItemState, Pending, Published, Status, initial_state
from registry.profile import Profile
from registry.rules import (
    Rule,
    RuleViolation,
    require_approval_reference,
    require_approver,
    require_backfill,
    require_legality_reviewer,
    require_preliminary_reviewer,
    require_publisher,
    require_rejection_comment,
)

REVIEW_STATUS = {
    "preliminary": Status.SUBMITTED,
    "legality": Status.PRELIMINARY_REVIEWED,
    "approval": Status.LEGALITY_REVIEWED,
}
REJECTION = {
    "preliminary": N_("a rejection at 初审 (preliminary)"),
    "legality": N_("a rejection at 合法性审查 (legality)"),
    "approval": N_("a rejection at 审议 (approval)"),
}


def required_role(command: ItemCommand) -> Role:
    """The role an actor acts in when carrying out `command`."""
    match command:
        case DraftItem() | ReviseItem() | SubmitItem() | AdjustItem() | RetireItem() | DiscardItem():
            return Role.DRAFTER
        case PassReview(stage=ReviewStage.PRELIMINARY) | RejectItem(stage="preliminary"):
            return Role.PRELIMINARY_REVIEWER
        case PassReview() | RejectItem(stage="legality"):
            return Role.LEGALITY_REVIEWER
        case ApproveItem() | RejectItem():
            return Role.APPROVER
        case PublishItem():
            return Role.PUBLISHER
        case _:
            assert_never(command)


def effective(command: ItemCommand, clock: datetime, last: datetime | None, backfill_by: Actor | None) -> ItemCommand:
    """`command` as it takes effect: at the registry's `clock` (read inside the append lock), or, for a backfill
    (补录) recorded by the admin `backfill_by`, at the command's own time. `last` is the item's last event's time."""
    if backfill_by is None:
        return command.model_copy(update={"at": clock})
    require_backfill(backfill_by, command.at, last, clock)
    return command


def decide(command: ItemCommand, item: ItemState, profile: Profile) -> list[ItemEvent]:
    """The events that carrying out `command` on `item` produces. Raises RuleViolation."""
    actor = command.actor
    if not isinstance(command, DraftItem):
        require_item_exists(item)
    match command:
        case DraftItem():
            domain = known_domain(profile, command.domain)
            unit = owning_unit(profile, domain, command.unit, actor)
            require_drafter_of(actor, unit)
            require_new_item(item, command.item_id)
            return [ItemDrafted(item_id=command.item_id, domain=domain, unit=unit, elements=command.elements)]
        case ReviseItem():
            require_drafter_of(actor, item.unit)
            if item.status is Status.PUBLISHED:
                raise RuleViolation(
                    Rule.ADJUSTMENT, N_("a published item changes only through an adjustment (registry adjust)")
                )
            require_status(item, N_("a revision"), Status.DRAFT)
            pending = _pending(item)
            if pending.kind is ChangeKind.CANCEL:
                raise RuleViolation(Rule.ADJUSTMENT, N_("a pending cancellation (取消) has no elements to revise"))
            changes = diff(pending.elements, _updated(pending.elements, command.elements, command.fields))
            require_change(bool(changes), N_("revision"))
            return [ItemRevised(item_id=item.item_id, version=pending.version, changes=changes)]
        case SubmitItem():
            require_drafter_of(actor, item.unit)
            require_status(item, N_("submission"), Status.DRAFT)
            pending = _pending(item)
            if pending.kind is not ChangeKind.CANCEL:
                require_publishable(pending.elements)
            if pending.kind is ChangeKind.CHANGE:
                # Revisions may have brought the adjustment back to the published text.
                require_change(pending.elements != _published(item).elements, N_("adjustment"))
            return [ItemSubmitted(item_id=item.item_id, version=pending.version)]
        case PassReview(stage=ReviewStage.PRELIMINARY):
            require_preliminary_reviewer(actor, profile)
            require_status(item, N_("初审 (preliminary review)"), Status.SUBMITTED)
            require_not_author(_pending(item), actor, N_("review"))
            return [
                ReviewPassed(
                    item_id=item.item_id, version=_pending(item).version, stage=command.stage, comment=command.comment
                )
            ]
        case PassReview():
            require_legality_reviewer(actor, profile)
            require_status(item, N_("合法性审查 (legality review)"), Status.PRELIMINARY_REVIEWED)
            require_not_author(_pending(item), actor, N_("review"))
            require_other_reviewer(_pending(item), actor)
            return [
                ReviewPassed(
                    item_id=item.item_id, version=_pending(item).version, stage=command.stage, comment=command.comment
                )
            ]
        case RejectItem():
            match command.stage:
                case "preliminary":
                    require_preliminary_reviewer(actor, profile)
                case "legality":
                    require_legality_reviewer(actor, profile)
                case "approval":
                    require_approver(actor)
            require_status(item, REJECTION[command.stage], REVIEW_STATUS[command.stage])
            require_not_author(_pending(item), actor, N_("review"))
            require_rejection_comment(command.comment)
            return [
                ReviewRejected(
                    item_id=item.item_id, version=_pending(item).version, stage=command.stage, comment=command.comment
                )
            ]
        case ApproveItem():
            require_approver(actor)
            require_status(item, N_("审议 (approval)"), Status.LEGALITY_REVIEWED)
            require_not_author(_pending(item), actor, N_("approve"))
            require_approval_reference(command.reference)
            return [ItemApproved(item_id=item.item_id, version=_pending(item).version, reference=command.reference)]
        case PublishItem():
            require_publisher(actor, profile)
            require_status(item, N_("公布 (publication)"), Status.APPROVED)
            pending = _pending(item)
            require_not_author(pending, actor, N_("publish"))
            if pending.kind is ChangeKind.CANCEL:
                return [
                    ItemRetired(
                        item_id=item.item_id,
                        version=pending.version,
                        trigger=pending.trigger,
                        reason=pending.reason,
                        retired_at=command.at,
                    )
                ]
            require_publishable(pending.elements)
            return [
                ItemPublished(
                    item_id=item.item_id,
                    version=pending.version,
                    kind=pending.kind,
                    elements=pending.elements,
                    published_at=command.at,
                )
            ]
        case AdjustItem():
            require_drafter_of(actor, item.unit)
            require_status(item, N_("an adjustment"), Status.PUBLISHED)
            require_trigger(command.trigger)
            published = _published(item)
            changes = diff(published.elements, _updated(published.elements, command.elements, command.fields))
            require_change(bool(changes), N_("adjustment"))
            return [
                AdjustmentProposed(
                    item_id=item.item_id,
                    version=item.last_version + 1,
                    trigger=command.trigger,
                    reason=command.reason,
                    changes=changes,
                )
            ]
        case RetireItem():
            require_drafter_of(actor, item.unit)
            require_status(item, N_("a retirement"), Status.PUBLISHED)
            require_trigger(command.trigger)
            require_reason(command.reason)
            return [
                RetirementProposed(
                    item_id=item.item_id, version=item.last_version + 1, trigger=command.trigger, reason=command.reason
                )
            ]
        case DiscardItem():
            require_drafter_of(actor, item.unit)
            require_discardable(item)
            if item.published:
                return [
                    PendingChangeWithdrawn(item_id=item.item_id, version=_pending(item).version, reason=command.reason)
                ]
            return [DraftDiscarded(item_id=item.item_id, reason=command.reason)]
        case _:
            assert_never(command)


def evolve(item: ItemState, event: ItemEvent, actor: str = "") -> ItemState:
    """The item after `event` (recorded for `actor`). Never raises: events are facts, rules may change."""
    match event:
        case ItemDrafted():
            pending = Pending(version=1, kind=ChangeKind.ADD, elements=event.elements, authors=frozenset({actor}))
            return ItemState(
                item_id=event.item_id,
                status=Status.DRAFT,
                domain=event.domain,
                unit=event.unit,
                last_version=1,
                pending=pending,
            )
        case ItemRevised():
            pending = _pending(item)
            return _with(
                item,
                pending.model_copy(
                    update={
                        "elements": apply_changes(pending.elements, event.changes),
                        "authors": pending.authors | {actor},
                    }
                ),
                Status.DRAFT,
            )
        case ItemSubmitted():
            pending = _pending(item).model_copy(
                update={
                    "preliminary_reviewer": None,
                    "legality_reviewer": None,
                    "approval_reference": "",
                    "rejection": "",
                }
            )
            return _with(item, pending, Status.SUBMITTED)
        case ReviewPassed(stage=ReviewStage.PRELIMINARY):
            return _with(
                item, _pending(item).model_copy(update={"preliminary_reviewer": actor}), Status.PRELIMINARY_REVIEWED
            )
        case ReviewPassed():
            return _with(item, _pending(item).model_copy(update={"legality_reviewer": actor}), Status.LEGALITY_REVIEWED)
        case ReviewRejected():
            return _with(item, _pending(item).model_copy(update={"rejection": event.comment}), Status.DRAFT)
        case ItemApproved():
            return _with(
                item, _pending(item).model_copy(update={"approval_reference": event.reference}), Status.APPROVED
            )
        case ItemPublished():
            published = Published(
                version=event.version,
                elements=event.elements,
                published_at=event.published_at,
                approval_reference=item.pending.approval_reference if item.pending else "",
            )
            return item.model_copy(update={"status": Status.PUBLISHED, "published": published, "pending": None})
        case AdjustmentProposed():
            published = _published(item)
            pending = Pending(
                version=event.version,
                kind=ChangeKind.CHANGE,
                trigger=event.trigger,
                reason=event.reason,
                elements=apply_changes(published.elements, event.changes),
                authors=frozenset({actor}),
            )
            return _with(item.model_copy(update={"last_version": event.version}), pending, Status.DRAFT)
        case RetirementProposed():
            pending = Pending(
                version=event.version,
                kind=ChangeKind.CANCEL,
                trigger=event.trigger,
                reason=event.reason,
                elements=_published(item).elements,
                authors=frozenset({actor}),
            )
            return _with(item.model_copy(update={"last_version": event.version}), pending, Status.DRAFT)
        case ItemRetired():
            return item.model_copy(update={"status": Status.RETIRED, "pending": None})
        case DraftDiscarded():
            return item.model_copy(update={"status": Status.DISCARDED, "pending": None})
        case PendingChangeWithdrawn():
            return item.model_copy(update={"status": Status.PUBLISHED, "pending": None})
        case _:
            assert_never(event)


def fold(events: list[tuple[ItemEvent, str]]) -> ItemState:
    """The state after `events`, each with the actor who caused it."""
    item = initial_state
    for event, actor in events:
        item = evolve(item, event, actor)
    return item


def _updated(elements: ItemElements, values: ItemElements, fields: frozenset[str]) -> ItemElements:
    return elements.model_copy(update={field: getattr(values, field) for field in fields})


def _pending(item: ItemState) -> Pending:
    assert item.pending is not None, "a pending version exists in every status between DRAFT and APPROVED"
    return item.pending


def _published(item: ItemState) -> Published:
    assert item.published is not None, "a PUBLISHED item has a published version"
    return item.published


def _with(item: ItemState, pending: Pending, status: Status) -> ItemState:
    return item.model_copy(update={"pending": pending, "status": status})
