"""The public catalog: per item, its authoritative published version. Drafts and pending versions never enter."""

from __future__ import annotations

from sqlalchemy import Connection, delete

from events.codec import canonical_json
from events.envelope import StoredEvent, format_time
from events.event import ItemPublished, ItemRetired
from projections.schema import item_versions, items, public_catalog


def apply(conn: Connection, stored: StoredEvent) -> None:
    match stored.data:
        case ItemPublished(item_id=item_id, version=version, elements=elements, published_at=published_at):
            owner = conn.execute(
                items.select().with_only_columns(items.c.domain, items.c.unit).where(items.c.item_id == item_id)
            ).one()
            conn.execute(delete(public_catalog).where(public_catalog.c.item_id == item_id))
            conn.execute(
                public_catalog.insert().values(
                    item_id=item_id,
                    version=version,
                    domain=owner.domain,
                    unit=owner.unit,
                    category=elements.category,
                    name=elements.name,
                    subname=elements.subname,
                    content=elements.content,
                    basis=elements.basis,
                    time_limit=elements.time_limit,
                    body=elements.body,
                    channels=canonical_json(list(elements.channels)),
                    audience=canonical_json([a.value for a in elements.audience]),
                    audience_note=elements.audience_note,
                    method=canonical_json([m.value for m in elements.method]),
                    levels=canonical_json([level.value for level in elements.levels]),
                    published_at=format_time(published_at),
                    approval_reference=_approval_reference(conn, item_id, version),
                    position=stored.position,
                )
            )
        case ItemRetired(item_id=item_id):
            conn.execute(delete(public_catalog).where(public_catalog.c.item_id == item_id))
        case _:
            pass


def _approval_reference(conn: Connection, item_id: str, version: int) -> str:
    return str(
        conn.execute(
            item_versions.select()
            .with_only_columns(item_versions.c.approval_reference)
            .where((item_versions.c.item_id == item_id) & (item_versions.c.version == version))
        ).scalar_one()
    )
