"""The live items of a unit with the elements of their newest and published versions: what an import matches."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, or_, select

from events.elements import ItemElements
from events.status import Status
from projections.schema import item_versions, items

_GONE = (Status.RETIRED, Status.DISCARDED)


@dataclass(frozen=True)
class IndexedItem:
    item_id: str
    domain: str
    status: str
    pending: ItemElements | None  # the version on its way (a draft, an adjustment in review …), if any
    published: ItemElements | None  # the authoritative public version, if any


def unit_items(conn: Connection, unit: str) -> list[IndexedItem]:
    """Every item of `unit` that is neither retired nor discarded, ordered by item id."""
    rows = conn.execute(
        select(
            items.c.item_id,
            items.c.domain,
            items.c.status,
            items.c.version,
            items.c.published_version,
            item_versions.c.version.label("row_version"),
            item_versions.c.elements,
        )
        .join(
            item_versions,
            and_(
                item_versions.c.item_id == items.c.item_id,
                or_(item_versions.c.version == items.c.version, item_versions.c.version == items.c.published_version),
            ),
        )
        .where(and_(items.c.unit == unit, items.c.status.not_in(_GONE)))
        .order_by(items.c.item_id, item_versions.c.version)
    ).all()
    found: dict[str, IndexedItem] = {}
    for row in rows:
        elements = ItemElements.model_validate_json(row.elements)
        known = found.get(row.item_id) or IndexedItem(row.item_id, row.domain, row.status, None, None)
        if row.row_version == row.published_version:
            known = IndexedItem(known.item_id, known.domain, known.status, known.pending, elements)
        if row.row_version == row.version and row.version != row.published_version:
            known = IndexedItem(known.item_id, known.domain, known.status, elements, known.published)
        found[row.item_id] = known
    return list(found.values())


def existing_ids(conn: Connection, candidates: list[str]) -> set[str]:
    """Those of `candidates` that name an item, in any unit or status."""
    found: set[str] = set()
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        found.update(conn.execute(select(items.c.item_id).where(items.c.item_id.in_(chunk))).scalars())
    return found
