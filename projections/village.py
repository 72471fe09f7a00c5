"""The village lists (嘎查村公开目录): the published items disclosed at 村级, read from the public catalog rows."""

from __future__ import annotations

from sqlalchemy import Connection, select

from events.elements import Level
from projections.public_query import PublishedEntry
from projections.schema import public_catalog

# Levels are stored as a canonical JSON list, e.g. ["county","village"].
_AT_VILLAGE_LEVEL = f'%"{Level.VILLAGE.value}"%'


def village_list(conn: Connection, unit: str | None = None) -> list[PublishedEntry]:
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
    return [PublishedEntry.from_row(row) for row in conn.execute(query).mappings()]
