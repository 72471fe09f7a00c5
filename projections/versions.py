"""Every version of every item, with its elements as they stand and when it was authoritative."""

from __future__ import annotations

import json

from sqlalchemy import Connection, and_, select, update

from events.codec import canonical_json
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
from projections.schema import item_versions


def elements_of(conn: Connection, item_id: str, version: int) -> ItemElements:
    text = conn.execute(
        select(item_versions.c.elements).where(
            and_(item_versions.c.item_id == item_id, item_versions.c.version == version)
        )
    ).scalar_one()
    return ItemElements.model_validate_json(text)


def latest_published(conn: Connection, item_id: str) -> int | None:
    return conn.execute(
        select(item_versions.c.version)
        .where(and_(item_versions.c.item_id == item_id, item_versions.c.state == "published"))
        .order_by(item_versions.c.version.desc())
        .limit(1)
    ).scalar()


def apply(conn: Connection, stored: StoredEvent) -> None:
    event = stored.data
    match event:
        case ItemDrafted():
            _insert(conn, event.item_id, 1, ChangeKind.ADD, event.elements)
        case ItemRevised():
            elements = apply_changes(elements_of(conn, event.item_id, event.version), event.changes)
            _set(conn, event.item_id, event.version, state="draft", elements=canonical_json(elements.as_json()))
        case ItemSubmitted():
            _set(conn, event.item_id, event.version, state="submitted", approval_reference="")
        case ReviewPassed():
            _set(conn, event.item_id, event.version, state=f"{event.stage.value}_reviewed")
        case ReviewRejected():
            _set(conn, event.item_id, event.version, state="draft")
        case ItemApproved():
            _set(conn, event.item_id, event.version, state="approved", approval_reference=event.reference)
        case ItemPublished():
            moment = format_time(event.published_at)
            previous = latest_published(conn, event.item_id)
            if previous is not None:
                _set(conn, event.item_id, previous, state="superseded", superseded_at=moment)
            _set(
                conn,
                event.item_id,
                event.version,
                state="published",
                published_at=moment,
                elements=canonical_json(event.elements.as_json()),
            )
        case AdjustmentProposed():
            base = latest_published(conn, event.item_id)
            assert base is not None
            elements = apply_changes(elements_of(conn, event.item_id, base), event.changes)
            _insert(conn, event.item_id, event.version, ChangeKind.CHANGE, elements, event.trigger, event.reason)
        case RetirementProposed():
            base = latest_published(conn, event.item_id)
            assert base is not None
            elements = elements_of(conn, event.item_id, base)
            _insert(conn, event.item_id, event.version, ChangeKind.CANCEL, elements, event.trigger, event.reason)
        case ItemRetired():
            moment = format_time(event.retired_at)
            previous = latest_published(conn, event.item_id)
            if previous is not None:
                _set(conn, event.item_id, previous, state="superseded", superseded_at=moment)
            _set(conn, event.item_id, event.version, state="retired", published_at=moment)
        case DraftDiscarded():
            _set(conn, event.item_id, 1, state="discarded")
        case PendingChangeWithdrawn():
            _set(conn, event.item_id, event.version, state="withdrawn")
        case _:
            pass


def _insert(
    conn: Connection,
    item_id: str,
    version: int,
    kind: ChangeKind,
    elements: ItemElements,
    trigger: str = "",
    reason: str = "",
) -> None:
    conn.execute(
        item_versions.insert().values(
            item_id=item_id,
            version=version,
            kind=kind.value,
            state="draft",
            elements=canonical_json(elements.as_json()),
            trigger=trigger,
            reason=reason,
            approval_reference="",
        )
    )


def _set(conn: Connection, item_id: str, version: int, **values: str) -> None:
    conn.execute(
        update(item_versions)
        .where(and_(item_versions.c.item_id == item_id, item_versions.c.version == version))
        .values(**values)
    )


def load_json(text: str) -> dict[str, object]:
    value = json.loads(text)
    assert isinstance(value, dict)
    return value
