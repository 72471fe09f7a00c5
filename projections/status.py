"""The status view: every item, drafts included, where it stands now. For internal listing and queues."""

from __future__ import annotations

from events.envelope import StoredEvent
from events.event import (
    AdjustmentProposed,
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
from projections.row_store import RowStore
from projections.schema import items
from projections.versions import elements_of, latest_published


def apply(rows: RowStore, stored: StoredEvent) -> None:
    event = stored.data
    moment = stored.effective_time
    values: dict[str, object]
    match event:
        case ItemDrafted():
            rows.insert(
                items,
                {
                    "item_id": event.item_id,
                    "domain": event.domain,
                    "unit": event.unit,
                    "title": event.elements.title,
                    "status": Status.DRAFT,
                    "version": 1,
                    "published_version": None,
                    "pending_kind": "add",
                    "rejection": "",
                    "updated_at": moment,
                    "position": stored.position,
                },
            )
            return
        case ItemRevised():
            values = {"title": elements_of(rows, event.item_id, event.version).title}
        case ItemSubmitted():
            values = {"status": Status.SUBMITTED, "rejection": ""}
        case ReviewPassed():
            values = {"status": PASSED[event.stage]}
        case ReviewRejected():
            values = {"status": Status.DRAFT, "rejection": event.comment}
        case ItemApproved():
            values = {"status": Status.APPROVED}
        case ItemPublished():
            values = {
                "status": Status.PUBLISHED,
                "published_version": event.version,
                "pending_kind": None,
                "title": event.elements.title,
            }
        case AdjustmentProposed():
            values = {
                "status": Status.DRAFT,
                "version": event.version,
                "pending_kind": "change",
                "rejection": "",
                "title": elements_of(rows, event.item_id, event.version).title,
            }
        case RetirementProposed():
            values = {"status": Status.DRAFT, "version": event.version, "pending_kind": "cancel", "rejection": ""}
        case ItemRetired():
            values = {"status": Status.RETIRED, "pending_kind": None}
        case DraftDiscarded():
            values = {"status": Status.DISCARDED, "pending_kind": None}
        case PendingChangeWithdrawn():
            published = latest_published(rows, event.item_id)
            values = {
                "status": Status.PUBLISHED,
                "pending_kind": None,
                "rejection": "",
                "title": elements_of(rows, event.item_id, published or 1).title,
            }
        case _:
            return
    rows.update(items, {"item_id": stored.stream_id}, {"updated_at": moment, "position": stored.position, **values})
