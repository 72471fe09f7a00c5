"""The item history: one row per event, with who, unit, role, why, and the field-level changes."""

from __future__ import annotations

from typing import Any

from events.codec import canonical_json, canonical_json_of_strings
from events.elements import FieldChange
from events.envelope import StoredEvent
from events.event import (
    AccountEvent,
    ActorRegistered,
    AdjustmentProposed,
    AdminEvent,
    AnyEvent,
    DraftDiscarded,
    ItemApproved,
    ItemDrafted,
    ItemPublished,
    ItemRetired,
    ItemRevised,
    ItemSubmitted,
    PendingChangeWithdrawn,
    RetirementProposed,
    ReviewPassed,
    ReviewRejected,
)
from projections.row_store import RowStore
from projections.schema import item_history
from projections.versions import element_values

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
    action, version, reason = _step(stored)
    event = stored.data
    match event:
        case ItemDrafted():
            changes = tuple(FieldChange(field=name, old=None, new=value) for name, value in _drafted(event))
            return action, version, reason, changes
        case ItemRevised() | AdjustmentProposed():
            return action, version, reason, event.changes
        case _:
            return action, version, reason, ()


def _step(stored: StoredEvent) -> tuple[str, int | None, str]:
    """(action, item version, reason or comment) of an item event."""
    event = stored.data
    reason = stored.metadata.reason
    match event:
        case ItemDrafted():
            return "draft", 1, reason
        case ItemRevised():
            return "revise", event.version, reason
        case ItemSubmitted():
            return "submit", event.version, reason
        case ReviewPassed():
            return f"{event.stage.value}_review_passed", event.version, event.comment or reason
        case ReviewRejected():
            return f"{event.stage}_rejected", event.version, event.comment
        case ItemApproved():
            return "approve", event.version, event.reference
        case ItemPublished():
            return "publish", event.version, reason
        case AdjustmentProposed():
            return "propose_adjustment", event.version, _trigger(event.trigger, event.reason)
        case RetirementProposed():
            return "propose_retirement", event.version, _trigger(event.trigger, event.reason)
        case ItemRetired():
            return "retire", event.version, _trigger(event.trigger, event.reason)
        case DraftDiscarded():
            return "discard", 1, event.reason
        case PendingChangeWithdrawn():
            return "withdraw", event.version, event.reason
        case ActorRegistered():
            return "register_actor", None, reason
        case _:  # an admin's other acts: keys, credentials, webhook subscriptions
            return type(event).__name__, None, reason


def _drafted(event: ItemDrafted) -> list[tuple[str, Any]]:
    """(element, value) of every element a draft filled in: its changes, each from None."""
    return [(name, value) for name, value in element_values(event.elements).items() if value not in ("", [])]


_NO_CHANGES = canonical_json([])


def _changes_json(event: AnyEvent) -> str:
    """The changes column: canonical JSON of describe's changes as FieldChange.model_dump(mode="json") gives them,
    without making the FieldChange models of a draft (a tenth of a rebuild)."""
    match event:
        case ItemDrafted():
            changes = [{"field": name, "old": None, "new": value} for name, value in _drafted(event)]
            return canonical_json_of_strings(changes)  # elements are strings
        case ItemRevised(changes=changes) | AdjustmentProposed(changes=changes) if changes:
            return canonical_json([change.model_dump(mode="json") for change in changes])
        case _:
            return _NO_CHANGES


def _trigger(trigger: str, reason: str) -> str:
    return f"{trigger}: {reason}" if reason else trigger


def apply(rows: RowStore, stored: StoredEvent) -> None:
    if isinstance(stored.data, AdminEvent | AccountEvent):
        return  # not an item's: an actor's, the signing key's, a webhook's or an account's history is not an item's
    action, version, reason = _step(stored)
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
            "recorded_at": stored.recorded_time,
            "occurred_at": stored.effective_time,
            "claimed_at": meta.occurred_at,
            "backfilled_by": meta.backfilled_by,
            "actor": meta.actor,
            "unit": meta.unit,
            "role": meta.role,
            "reason": reason,
            "changes": _changes_json(stored.data),
            "hash": stored.hash,
            "channel": meta.channel or CLI,
            "credential": meta.credential,
            "os_user": meta.os_user,
        },
    )
