"""Set-based reads of the public read model for the API: keyset pages, as-of views, batched histories."""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Dialect,
    Engine,
    Select,
    Table,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ClauseElement

from events.elements import ItemElements
from events.envelope import TIME_FORMAT
from events.schema import checkpoints, events
from projections.schema import media_accounts, public_catalog, public_changes, published_versions


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


def _stored_time(moment: datetime) -> str:
    """`moment` as the stored times are written, comparable as text with them in any year.

    format_time's %Y leaves years before 1000 unpadded ("999-..."), which would sort after "2024-...".
    """
    utc = moment.astimezone(UTC)
    return utc.strftime(TIME_FORMAT.replace("%Y", f"{utc.year:04d}"))


_LIST_ELEMENTS = ("channels", "audience", "method", "levels")  # stored as canonical JSON lists


@dataclass(frozen=True)
class PublishedEntry:
    """A published version as the public tables hold it (public_catalog, published_versions)."""

    item_id: str
    version: int
    domain: str
    unit: str
    elements: ItemElements
    published_at: str
    approval_reference: str

    @staticmethod
    def from_row(row: Any) -> PublishedEntry:
        """From a row (or row mapping) of public_catalog or published_versions."""
        elements = ItemElements.model_validate(
            {name: json.loads(row[name]) if name in _LIST_ELEMENTS else row[name] for name in ItemElements.model_fields}
        )
        return PublishedEntry(
            item_id=row["item_id"],
            version=row["version"],
            domain=row["domain"],
            unit=row["unit"],
            elements=elements,
            published_at=row["published_at"],
            approval_reference=row["approval_reference"],
        )


def _source(as_of: datetime | None) -> tuple[Table, list[ColumnElement[bool]], dict[str, Any]]:
    """The table to read, the conditions that select the versions authoritative at `as_of` (now if None), and the
    values of their parameters."""
    if as_of is None:
        return public_catalog, [], {}
    table = published_versions
    moment: BindParameter[str] = bindparam("moment")
    return (
        table,
        [table.c.published_at <= moment, or_(table.c.superseded_at.is_(None), table.c.superseded_at > moment)],
        {"moment": _stored_time(as_of)},
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(
    table: Table, conditions: list[ColumnElement[bool]], flt: CatalogFilter
) -> tuple[list[ColumnElement[bool]], dict[str, Any]]:
    """The conditions of the filter `flt` on `table` after `conditions`, and the values of their parameters."""
    where = list(conditions)
    params: dict[str, Any] = {}
    if flt.domain:
        where.append(table.c.domain == bindparam("domain"))
        params["domain"] = flt.domain
    if flt.unit:
        where.append(table.c.unit == bindparam("unit"))
        params["unit"] = flt.unit
    for column, name in ((table.c.levels, "level"), (table.c.audience, "audience"), (table.c.method, "method")):
        value = getattr(flt, name)
        if value:
            where.append(column.like(bindparam(name), escape="\\"))
            params[name] = _like(json.dumps(value))
    if flt.search:
        pattern: BindParameter[str] = bindparam("search")
        where.append(
            or_(
                *(
                    c.ilike(pattern, escape="\\")  # ASCII letters in any case on both backends (more on PostgreSQL)
                    for c in (table.c.category, table.c.name, table.c.subname, table.c.content, table.c.basis)
                )
            )
        )
        params["search"] = _like(flt.search)
    return where, params


@dataclass(frozen=True)
class _Prepared:
    """A statement compiled for one dialect: its SQL, its parameters in order (None: by name) and their defaults."""

    sql: str
    order: tuple[str, ...] | None
    defaults: dict[str, Any]


# Statements of the public reads compiled once per dialect and shape (which filters, asOf or not, a cursor or not,
# how many ids): building and compiling a statement cost more than SQLite takes to answer it (docs/benchmarks.md).
_PREPARED: dict[tuple[Any, ...], _Prepared] = {}
_PREPARED_KEPT = 1024


def _fetch(
    conn: Connection, shape: tuple[Any, ...], build: Callable[[], ClauseElement], params: dict[str, Any]
) -> tuple[list[str], list[Any]]:
    """The column names and rows of the statement `build()` with `params`, compiled once per dialect and `shape`.

    Run as the driver's SQL through the connection (its events, errors and transaction are SQLAlchemy's), and the
    rows read straight off the driver's cursor: the columns read here are text and numbers, which the drivers give
    as they are (booleans aside: SQLite's are 0 and 1).
    """
    dialect = conn.dialect
    key = (dialect.name, dialect.driver, dialect.paramstyle, *shape)
    prepared = _PREPARED.get(key)
    if prepared is None:
        compiled = cast(SQLCompiler, build().compile(dialect=dialect))
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        prepared = _Prepared(compiled.string, order, dict(compiled.params))
        if len(_PREPARED) >= _PREPARED_KEPT:
            _PREPARED.clear()
        _PREPARED[key] = prepared
    given = {**prepared.defaults, **params}
    arguments = tuple(given[name] for name in prepared.order) if prepared.order is not None else given
    result = conn.exec_driver_sql(prepared.sql, arguments)
    try:
        cursor = result.cursor
        assert cursor is not None and cursor.description is not None
        return [column[0] for column in cursor.description], list(cursor.fetchall())
    finally:
        result.close()


def _dicts(names: list[str], rows: list[Any]) -> list[dict[str, Any]]:
    return [dict(zip(names, row, strict=True)) for row in rows]


def catalog_page(conn: Connection, flt: CatalogFilter, as_of: datetime | None, first: int, after: str | None) -> Page:
    """One page of the catalog ordered by item id, starting after the item id `after` (keyset, in SQL)."""
    table, conditions, params = _source(as_of)
    where, filter_params = _filtered(table, conditions, flt)
    params = {**params, **filter_params}
    shape = (table.name, *sorted(params))
    total = _total(conn, table, where, shape, params, (table.name, flt, as_of))

    def build() -> Select[Any]:
        query: Select[Any] = select(table).where(and_(True, *where))
        if after is not None:
            query = query.where(table.c.item_id > bindparam("after"))
        return query.order_by(table.c.item_id).limit(bindparam("limit"))

    names, rows = _fetch(
        conn, ("page", *shape, after is not None), build, {**params, "after": after, "limit": first + 1}
    )
    return Page(_dicts(names, rows[:first]), len(rows) > first, total)


# Per database (engine): (table, filter, as of) -> (position of the last public change, matching items).
_TOTALS: weakref.WeakKeyDictionary[Engine, dict[tuple[Any, ...], tuple[int, int]]] = weakref.WeakKeyDictionary()
_TOTALS_KEPT = 1024


def _total(
    conn: Connection,
    table: Table,
    where: list[ColumnElement[bool]],
    shape: tuple[Any, ...],
    params: dict[str, Any],
    key: tuple[Any, ...],
) -> int:
    """How many rows match, counted once per state of the public catalog.

    Counting is the one part of a page that grows with the catalog (a million items take tens of milliseconds).
    The public tables change only together with a new public_changes row, so the position of the last one says
    whether an earlier count still holds. One statement either way: it reads that position, and counts only when
    the position is not the one the remembered count was made at (CASE evaluates its branch lazily).
    """
    totals = _TOTALS.setdefault(conn.engine, {})
    known_position, known_total = totals.get(key, (-1, 0))

    def build() -> Select[Any]:
        position = func.coalesce(func.max(public_changes.c.position), 0)
        count = select(func.count()).select_from(table).where(and_(True, *where)).scalar_subquery()
        return select(position, case((position == bindparam("known"), None), else_=count))

    _, rows = _fetch(conn, ("total", *shape), build, {**params, "known": known_position})
    position, counted = rows[0]
    if counted is None:
        return known_total
    if len(totals) >= _TOTALS_KEPT:
        totals.clear()
    totals[key] = (int(position), int(counted))
    return int(counted)


def item(conn: Connection, item_id: str, as_of: datetime | None) -> dict[str, Any] | None:
    table, conditions, params = _source(as_of)

    def build() -> Select[Any]:
        return select(table).where(and_(table.c.item_id == bindparam("item_id"), *conditions))

    names, rows = _fetch(conn, ("item", table.name), build, {**params, "item_id": item_id})
    return dict(zip(names, rows[0], strict=True)) if rows else None


def histories(conn: Connection, item_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The public history (publications, adjustments, retirements) of each item, in one query."""
    found: dict[str, list[dict[str, Any]]] = {item_id: [] for item_id in item_ids}
    if not item_ids:
        return found
    names = [f"id{index}" for index in range(len(item_ids))]

    def build() -> Select[Any]:
        table = public_changes
        return select(table).where(table.c.item_id.in_([bindparam(n) for n in names])).order_by(table.c.position)

    columns, rows = _fetch(conn, ("histories", len(names)), build, dict(zip(names, item_ids, strict=True)))
    native = conn.dialect.supports_native_boolean
    for row in _dicts(columns, rows):
        if not native:  # SQLite's 0 and 1, as SQLAlchemy's Boolean reads them
            row["backfilled"] = bool(row["backfilled"])
        found[row["item_id"]].append(row)
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


@dataclass(frozen=True)
class DomainPublications:
    """A domain as the public can see it: how many items it has, when it was first and last published."""

    count: int
    first_published_at: str | None
    last_published_at: str | None


def domain_publications(conn: Connection, as_of: datetime | None) -> dict[str, DomainPublications]:
    """Per domain: its items in the catalog at `as_of` (now if None), and the first and the last publication of a
    version of any of them by then (a retired item's publications count: they were public)."""
    table, conditions, params = _source(as_of)
    counts: dict[str, int] = {
        str(domain): int(n)
        for domain, n in conn.execute(
            select(table.c.domain, func.count()).where(and_(True, *conditions)).group_by(table.c.domain), params
        )
    }
    versions = published_versions
    until = [versions.c.published_at <= _stored_time(as_of)] if as_of else []
    spans = {
        row.domain: (row.first, row.last)
        for row in conn.execute(
            select(
                versions.c.domain,
                func.min(versions.c.published_at).label("first"),
                func.max(versions.c.published_at).label("last"),
            )
            .where(and_(True, *until))
            .group_by(versions.c.domain)
        )
    }
    return {
        domain: DomainPublications(counts.get(domain, 0), *spans.get(domain, (None, None)))
        for domain in {*counts, *spans}
    }


def public_position(conn: Connection) -> int:
    """The log position of the last change to the public catalog (0 if none)."""
    return int(conn.execute(select(func.coalesce(func.max(public_changes.c.position), 0))).scalar_one())


def log_head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(select(events.c.position, events.c.hash).order_by(events.c.position.desc()).limit(1)).first()
    return (int(row.position), str(row.hash)) if row else (0, "0" * 64)


def checkpoint_page(conn: Connection, after: int | None, first: int) -> tuple[list[dict[str, Any]], bool]:
    """Signed checkpoints, newest first, starting below size `after`."""
    query = select(checkpoints).order_by(checkpoints.c.size.desc())
    if after is not None:
        query = query.where(checkpoints.c.size < after)
    rows = conn.execute(query.limit(first + 1)).all()
    return [dict(r._mapping) for r in rows[:first]], len(rows) > first


def event_hash(conn: Connection, position: int) -> str:
    return str(conn.execute(select(events.c.hash).where(events.c.position == position)).scalar_one())


def _cache_state_query(log: bool) -> Select[Any]:
    # The public position: the last public change of the catalog or of the new-media account list (an account's row
    # keeps the position of its last publication: a filing in review moves nothing public).
    positions = union_all(
        select(func.max(public_changes.c.position).label("position")),
        select(func.max(media_accounts.c.published_position).label("position")),
    ).subquery()
    state = [
        select(func.coalesce(func.max(positions.c.position), 0)).scalar_subquery(),
        select(func.coalesce(func.max(checkpoints.c.size), 0)).scalar_subquery(),
    ]
    if log:
        state.append(select(func.coalesce(func.max(events.c.position), 0)).scalar_subquery())
    return select(*state)


def cache_state(conn: Connection, *, log: bool = False) -> tuple[int, ...]:
    """(the public position: the last public change's, of the catalog or of the account list; the newest checkpoint's
    size) in one statement: what public answers depend on; with `log`, the log head's position (0 for an empty log)
    too."""
    _, rows = _fetch(conn, ("cache_state", log), lambda: _cache_state_query(log), {})
    return tuple(int(n) for n in rows[0])


def cache_state_sql(dialect: Dialect, *, log: bool = False) -> str:
    """The statement of `cache_state` as SQL for `dialect`'s driver, without parameters."""
    return str(_cache_state_query(log).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
