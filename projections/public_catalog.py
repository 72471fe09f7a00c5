"""What the public sees: the current catalog, every version that was ever public, and the feed of public changes.

Drafts, pending versions, review comments and actors never enter these tables.
"""

from __future__ import annotations

from typing import Any

from events.codec import canonical_json_of_strings
from events.elements import ItemElements
from events.envelope import StoredEvent, format_time
from events.event import ItemPublished, ItemRetired
from projections.row_store import RowStore, one
from projections.schema import item_versions, items, public_catalog, public_changes, published_versions


def element_columns(elements: ItemElements) -> dict[str, Any]:
    """The element columns shared by the public tables (lists as canonical JSON)."""
    return {
        "category": elements.category,
        "name": elements.name,
        "subname": elements.subname,
        "content": elements.content,
        "basis": elements.basis,
        "time_limit": elements.time_limit,
        "body": elements.body,
        # Tuples of strings and of StrEnum members: JSON lists of the strings, of the members' values.
        "channels": canonical_json_of_strings(elements.channels),
        "audience": canonical_json_of_strings(elements.audience),
        "audience_note": elements.audience_note,
        "method": canonical_json_of_strings(elements.method),
        "levels": canonical_json_of_strings(elements.levels),
    }


def apply(rows: RowStore, stored: StoredEvent) -> None:
    match stored.data:
        case ItemPublished(item_id=item_id, version=version, kind=kind, elements=elements, published_at=published_at):
            moment = format_time(published_at)
            owner = one(rows, items, {"item_id": item_id})
            version_row = one(rows, item_versions, {"item_id": item_id, "version": version})
            row = {
                "item_id": item_id,
                "version": version,
                "domain": owner["domain"],
                "unit": owner["unit"],
                **element_columns(elements),
                "published_at": moment,
                "approval_reference": version_row["approval_reference"],
                "position": stored.position,
            }
            rows.delete(public_catalog, {"item_id": item_id})
            rows.insert(public_catalog, row)
            _supersede(rows, item_id, moment)
            rows.insert(published_versions, {**row, "superseded_at": None})
            _feed(
                rows, stored, item_id, version, kind.value, moment, _why(version_row["trigger"], version_row["reason"])
            )
        case ItemRetired(item_id=item_id, version=version, trigger=trigger, reason=reason, retired_at=retired_at):
            moment = format_time(retired_at)
            rows.delete(public_catalog, {"item_id": item_id})
            _supersede(rows, item_id, moment)
            _feed(rows, stored, item_id, version, "cancel", moment, _why(trigger, reason))
        case _:
            pass


def _supersede(rows: RowStore, item_id: str, moment: str) -> None:
    rows.update(published_versions, {"item_id": item_id, "superseded_at": None}, {"superseded_at": moment})


def _feed(rows: RowStore, stored: StoredEvent, item_id: str, version: int, kind: str, moment: str, why: str) -> None:
    rows.insert(
        public_changes,
        {
            "position": stored.position,
            "item_id": item_id,
            "version": version,
            "kind": kind,
            "published_at": moment,
            "reason": why,
            "backfilled": stored.metadata.backfilled_by is not None,
        },
    )


def _why(trigger: str, reason: str) -> str:
    return "：".join(part for part in (trigger, reason) if part)
