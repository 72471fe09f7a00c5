"""The village lists (嘎查村公开目录): the published items disclosed at 村级, read from the public catalog rows."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping, select

from events.elements import ItemElements, Level
from projections.schema import public_catalog

# Levels are stored as a canonical JSON list, e.g. ["county","village"].
_AT_VILLAGE_LEVEL = f'%"{Level.VILLAGE.value}"%'


@dataclass(frozen=True)
class VillageEntry:
    """One line of a village list: exactly the authoritative published version of the item."""

    item_id: str
    version: int
    domain: str
    unit: str
    elements: ItemElements
    published_at: str
    approval_reference: str


def village_list(conn: Connection, unit: str | None = None) -> list[VillageEntry]:
    """The items whose published version includes 村级, optionally of one unit (a town or department).

    There is no village table: "the same item has the same content" at banner and village level because both
    read the same public catalog row, which changes only when a reviewed version is published.
    """
    query = (
        select(public_catalog)
        .where(public_catalog.c.levels.like(_AT_VILLAGE_LEVEL))
        .order_by(public_catalog.c.unit, public_catalog.c.domain, public_catalog.c.item_id)
    )
    if unit:
        query = query.where(public_catalog.c.unit == unit)
    return [_entry(row) for row in conn.execute(query).mappings()]


def _entry(row: RowMapping) -> VillageEntry:
    lists = ("channels", "audience", "method", "levels")
    elements = ItemElements.model_validate(
        {field: json.loads(row[field]) if field in lists else row[field] for field in ItemElements.model_fields}
    )
    return VillageEntry(
        item_id=row["item_id"],
        version=row["version"],
        domain=row["domain"],
        unit=row["unit"],
        elements=elements,
        published_at=row["published_at"],
        approval_reference=row["approval_reference"],
    )
