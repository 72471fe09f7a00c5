"""The item history: one row per event, with who, unit, role, why, and the field-level changes."""

from __future__ import annotations

from events.codec import canonical_json
from events.elements import FieldChange
from events.envelope import StoredEvent, format_time
from events.event import (
    ActorDisabled,
    ActorEvent,
    ActorRegistered,
    AdjustmentProposed,
    DraftDiscarded,
    ItemApproved,
    ItemDrafted,
    ItemPublished,
    ItemRetired,
    ItemRevised,
    ItemSubmitted,
    PasswordSet,
    PendingChangeWithdrawn,
    RetirementProposed,
    ReviewPassed,
    ReviewRejected,
    SigningKeyRegistered,
    TokenIssued,
    TokenRevoked,
)
from projections.row_store import RowStore
from projections.schema import item_history

# The channel of an event written before the log recorded one: every write went through the CLI on the server.
CLI = "cli"

ACTION_LABELS = {
    "draft": "梳理（起草）",
    "revise": "修改",
    "submit": "提交审查",
    "preliminary_review_passed": "初审通过",
    "legality_review_passed": "合法性审查通过",
    "preliminary_rejected": "初审退回",
    "legality_rejected": "合法性审查退回",
    "approval_rejected": "审议退回",
    "approve": "审议通过",
    "publish": "公布",
    "propose_adjustment": "动态调整（变更）",
    "propose_retirement": "动态调整（取消）",
    "retire": "取消公布",
    "discard": "废弃草稿",
    "withdraw": "撤回调整",
}


def describe(stored: StoredEvent) -> tuple[str, int | None, str, tuple[FieldChange, ...]]:
    """(action, item version, reason or comment, element changes) of an item event."""
    event = stored.data
    reason = stored.metadata.reason
    match event:
        case ItemDrafted():
            changes = tuple(
                FieldChange(field=name, old=None, new=value)
                for name, value in event.elements.as_json().items()
                if value not in ("", [])
            )
            return "draft", 1, reason, changes
        case ItemRevised():
            return "revise", event.version, reason, event.changes
        case ItemSubmitted():
            return "submit", event.version, reason, ()
        case ReviewPassed():
            return f"{event.stage.value}_review_passed", event.version, event.comment or reason, ()
        case ReviewRejected():
            return f"{event.stage}_rejected", event.version, event.comment, ()
        case ItemApproved():
            return "approve", event.version, event.reference, ()
        case ItemPublished():
            return "publish", event.version, reason, ()
        case AdjustmentProposed():
            return "propose_adjustment", event.version, _trigger(event.trigger, event.reason), event.changes
        case RetirementProposed():
            return "propose_retirement", event.version, _trigger(event.trigger, event.reason), ()
        case ItemRetired():
            return "retire", event.version, _trigger(event.trigger, event.reason), ()
        case DraftDiscarded():
            return "discard", 1, event.reason, ()
        case PendingChangeWithdrawn():
            return "withdraw", event.version, event.reason, ()
        case ActorRegistered():
            return "register_actor", None, reason, ()
        case SigningKeyRegistered() | PasswordSet() | TokenIssued() | TokenRevoked() | ActorDisabled():
            return type(event).__name__, None, reason, ()


def _trigger(trigger: str, reason: str) -> str:
    return f"{trigger}: {reason}" if reason else trigger


def apply(rows: RowStore, stored: StoredEvent) -> None:
    if isinstance(stored.data, ActorEvent | SigningKeyRegistered):
        return  # not an item's: an actor's or the signing key's history is not an item history
    action, version, reason, changes = describe(stored)
    meta = stored.metadata
    rows.insert(
        item_history,
        {
            "position": stored.position,
            "item_id": stored.stream_id,
            "stream_version": stored.version,
            "version": version,
            "type": stored.type,
            "action": action,
            "recorded_at": format_time(stored.recorded_at),
            "occurred_at": format_time(stored.effective_at),
            "claimed_at": meta.occurred_at,
            "backfilled_by": meta.backfilled_by,
            "actor": meta.actor,
            "unit": meta.unit,
            "role": meta.role,
            "reason": reason,
            "changes": canonical_json([change.model_dump(mode="json") for change in changes]),
            "hash": stored.hash,
            "channel": meta.channel or CLI,
            "credential": meta.credential,
            "os_user": meta.os_user,
        },
    )
