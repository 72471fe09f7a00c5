"""Set-based reads of the public read model for the API: keyset pages, as-of views, batched histories."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Table, and_, func, or_, select

from events.envelope import format_time
from events.schema import events
from projections.schema import public_catalog, public_changes, published_versions


@dataclass(frozen=True)
class CatalogFilter:
    domain: str | None = None
    unit: str | None = None
    level: str | None = None
    audience: str | None = None
    method: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    has_next: bool
    total: int


@dataclass
class PublicItem:
    """A published version as the public sees it."""

    item_id: str
    version: int
    domain: str
    unit: str
    elements: dict[str, Any] = field(default_factory=dict)
    published_at: str = ""
    approval_reference: str = ""


def _source(as_of: datetime | None) -> tuple[Table, list[ColumnElement[bool]]]:
    """The table to read and the conditions that select the versions authoritative at `as_of` (now if None)."""
    if as_of is None:
        return public_catalog, []
    moment = format_time(as_of)
    table = published_versions
    return table, [
        table.c.published_at <= moment,
        or_(table.c.superseded_at.is_(None), table.c.superseded_at > moment),
    ]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(table: Table, conditions: list[ColumnElement[bool]], flt: CatalogFilter) -> list[ColumnElement[bool]]:
    where = list(conditions)
    if flt.domain:
        where.append(table.c.domain == flt.domain)
    if flt.unit:
        where.append(table.c.unit == flt.unit)
    for column, value in ((table.c.levels, flt.level), (table.c.audience, flt.audience), (table.c.method, flt.method)):
        if value:
            where.append(column.like(_like(json.dumps(value)), escape="\\"))
    if flt.search:
        pattern = _like(flt.search)
        where.append(
            or_(
                *(
                    c.like(pattern, escape="\\")
                    for c in (table.c.category, table.c.name, table.c.subname, table.c.content, table.c.basis)
                )
            )
        )
    return where


def catalog_page(conn: Connection, flt: CatalogFilter, as_of: datetime | None, first: int, after: str | None) -> Page:
    """One page of the catalog ordered by item id, starting after the item id `after` (keyset, in SQL)."""
    table, conditions = _source(as_of)
    where = _filtered(table, conditions, flt)
    total = conn.execute(select(func.count()).select_from(table).where(and_(True, *where))).scalar_one()
    query: Select[Any] = select(table).where(and_(True, *where))
    if after is not None:
        query = query.where(table.c.item_id > after)
    rows = conn.execute(query.order_by(table.c.item_id).limit(first + 1)).all()
    return Page([dict(r._mapping) for r in rows[:first]], len(rows) > first, int(total))


def item(conn: Connection, item_id: str, as_of: datetime | None) -> dict[str, Any] | None:
    table, conditions = _source(as_of)
    row = conn.execute(select(table).where(and_(table.c.item_id == item_id, *conditions))).first()
    return dict(row._mapping) if row else None


def histories(conn: Connection, item_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The public history (publications, adjustments, retirements) of each item, in one query."""
    found: dict[str, list[dict[str, Any]]] = {item_id: [] for item_id in item_ids}
    if not item_ids:
        return found
    rows = conn.execute(
        select(public_changes).where(public_changes.c.item_id.in_(item_ids)).order_by(public_changes.c.position)
    )
    for row in rows:
        found[row.item_id].append(dict(row._mapping))
    return found


def changes(conn: Connection, after: int, first: int) -> tuple[list[dict[str, Any]], bool]:
    rows = conn.execute(
        select(public_changes)
        .where(public_changes.c.position > after)
        .order_by(public_changes.c.position)
        .limit(first + 1)
    ).all()
    return [dict(r._mapping) for r in rows[:first]], len(rows) > first


def versions_at(conn: Connection, keys: list[tuple[str, int]]) -> dict[tuple[str, int], dict[str, Any]]:
    """Published versions by (item id, version), in one query."""
    if not keys:
        return {}
    table = published_versions
    rows = conn.execute(select(table).where(or_(*(and_(table.c.item_id == i, table.c.version == v) for i, v in keys))))
    return {(r.item_id, r.version): dict(r._mapping) for r in rows}


def counts_by(conn: Connection, column: str) -> dict[str, int]:
    c = public_catalog.c[column]
    return {str(k): int(n) for k, n in conn.execute(select(c, func.count()).group_by(c))}


def public_position(conn: Connection) -> int:
    """The log position of the last change to the public catalog (0 if none)."""
    return int(conn.execute(select(func.coalesce(func.max(public_changes.c.position), 0))).scalar_one())


def log_head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(select(events.c.position, events.c.hash).order_by(events.c.position.desc()).limit(1)).first()
    return (int(row.position), str(row.hash)) if row else (0, "0" * 64)
