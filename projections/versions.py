"""Every version of every item, with its elements as they stand and when it was authoritative."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from events.codec import canonical_json_of_strings
from events.elements import ItemElements, apply_changes
from events.envelope import StoredEvent, format_time
from events.event import (
    AdjustmentProposed,
    ChangeKind,
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
from events.status import PASSED, Status
from projections.row_store import RowStore, one
from projections.schema import item_versions

# A version's own states besides the lifecycle's: no item is ever in them.
SUPERSEDED, WITHDRAWN = "superseded", "withdrawn"


def elements_of(rows: RowStore, item_id: str, version: int) -> ItemElements:
    return _parsed(one(rows, item_versions, {"item_id": item_id, "version": version})["elements"])


# An item's next events read the elements its last ones wrote (ItemElements is frozen: they may share the object).
@lru_cache(maxsize=64)
def _parsed(text: str) -> ItemElements:
    return ItemElements.model_validate_json(text)


# The last elements made into JSON, by identity: a draft's are written by this projection and the history, and a
# publication's are mostly the very object of its draft (events.codec.decode_appended reuses it). One tuple, read
# and replaced whole, so that threads folding at once can only miss it.
_last_values: tuple[ItemElements, dict[str, Any]] | None = None
_last_json: tuple[ItemElements, str] | None = None


def element_values(elements: ItemElements) -> dict[str, Any]:
    """elements.as_json(), shared: read it, never change it."""
    global _last_values
    last = _last_values
    if last is not None and last[0] is elements:
        return last[1]
    values = elements.as_json()
    _last_values = (elements, values)
    return values


def elements_json(elements: ItemElements) -> str:
    """The elements column: canonical JSON of `elements`."""
    global _last_json
    last = _last_json
    if last is not None and last[0] is elements:
        return last[1]
    text = canonical_json_of_strings(element_values(elements))
    _last_json = (elements, text)
    return text


def latest_published(rows: RowStore, item_id: str) -> int | None:
    published = rows.rows(item_versions, {"item_id": item_id, "state": Status.PUBLISHED})
    return max((int(row["version"]) for row in published), default=None)


def apply(rows: RowStore, stored: StoredEvent) -> None:
    event = stored.data
    match event:
        case ItemDrafted():
            _insert(rows, event.item_id, 1, ChangeKind.ADD, event.elements)
        case ItemRevised():
            elements = apply_changes(elements_of(rows, event.item_id, event.version), event.changes)
            _set(rows, event.item_id, event.version, state=Status.DRAFT, elements=elements_json(elements))
        case ItemSubmitted():
            _set(rows, event.item_id, event.version, state=Status.SUBMITTED, approval_reference="")
        case ReviewPassed():
            _set(rows, event.item_id, event.version, state=PASSED[event.stage])
        case ReviewRejected():
            _set(rows, event.item_id, event.version, state=Status.DRAFT)
        case ItemApproved():
            _set(rows, event.item_id, event.version, state=Status.APPROVED, approval_reference=event.reference)
        case ItemPublished():
            moment = format_time(event.published_at)
            previous = latest_published(rows, event.item_id)
            if previous is not None:
                _set(rows, event.item_id, previous, state=SUPERSEDED, superseded_at=moment)
            _set(
                rows,
                event.item_id,
                event.version,
                state=Status.PUBLISHED,
                published_at=moment,
                elements=elements_json(event.elements),
            )
        case AdjustmentProposed():
            base = latest_published(rows, event.item_id)
            assert base is not None
            elements = apply_changes(elements_of(rows, event.item_id, base), event.changes)
            _insert(rows, event.item_id, event.version, ChangeKind.CHANGE, elements, event.trigger, event.reason)
        case RetirementProposed():
            base = latest_published(rows, event.item_id)
            assert base is not None
            elements = elements_of(rows, event.item_id, base)
            _insert(rows, event.item_id, event.version, ChangeKind.CANCEL, elements, event.trigger, event.reason)
        case ItemRetired():
            moment = format_time(event.retired_at)
            previous = latest_published(rows, event.item_id)
            if previous is not None:
                _set(rows, event.item_id, previous, state=SUPERSEDED, superseded_at=moment)
            _set(rows, event.item_id, event.version, state=Status.RETIRED, published_at=moment)
        case DraftDiscarded():
            _set(rows, event.item_id, 1, state=Status.DISCARDED)
        case PendingChangeWithdrawn():
            _set(rows, event.item_id, event.version, state=WITHDRAWN)
        case _:
            pass


def _insert(
    rows: RowStore,
    item_id: str,
    version: int,
    kind: ChangeKind,
    elements: ItemElements,
    trigger: str = "",
    reason: str = "",
) -> None:
    rows.insert(
        item_versions,
        {
            "item_id": item_id,
            "version": version,
            "kind": kind.value,
            "state": Status.DRAFT,
            "elements": elements_json(elements),
            "trigger": trigger,
            "reason": reason,
            "approval_reference": "",
            "published_at": None,
            "superseded_at": None,
        },
    )


def _set(rows: RowStore, item_id: str, version: int, **values: str) -> None:
    rows.update(item_versions, {"item_id": item_id, "version": version}, values)


def load_json(text: str) -> dict[str, object]:
    value = json.loads(text)
    assert isinstance(value, dict)
    return value
