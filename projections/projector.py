"""Runs every projection over events: inline after each append, or from scratch on rebuild."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, delete, func, select, text

from events import driver, replay
from events.database import scratch
from events.envelope import StoredEvent
from events.schema import events
from projections import actors, bulk_history, history, public_catalog, signing_keys, status, versions
from projections.row_store import BufferedRows, DatabaseRows, RowStore
from projections.schema import PROJECTION_TABLES, projection_positions

# Order matters: later projections read the versions table that earlier ones keep.
APPLIERS: tuple[tuple[str, Callable[[RowStore, StoredEvent], None]], ...] = (
    ("signing_keys", signing_keys.apply),
    ("actors", actors.apply),
    ("item_versions", versions.apply),
    ("items", status.apply),
    ("public_catalog", public_catalog.apply),
    ("item_history", history.apply),
)


def project(conn: Connection, stored_events: Iterable[StoredEvent]) -> int:
    """Apply `stored_events` to every projection and record the last position. Returns that position."""
    last = None
    rows = DatabaseRows(conn)
    for stored in stored_events:
        for _, apply in APPLIERS:
            apply(rows, stored)
        last = stored.position
    if last is not None:
        _record_position(conn, last)
    return last or 0


def _record_position(conn: Connection, position: int) -> None:
    """Every projection's position, in one statement that needs no answer (driver SQL: on the write path)."""
    driver.execute(conn, _SET_POSITIONS, [value for name, _ in APPLIERS for value in (name, position)])


_SET_POSITIONS = (
    f"INSERT INTO projection_positions (name, position) VALUES {', '.join(['(?, ?)'] * len(APPLIERS))}"
    " ON CONFLICT (name) DO UPDATE SET position = excluded.position"
)


def positions(conn: Connection) -> dict[str, int]:
    return {row.name: row.position for row in conn.execute(select(projection_positions))}


def rebuild(
    conn: Connection,
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
    *,
    rows_per_insert: int = 20_000,
) -> int:
    """Empty every projection and fold the whole log into them again; returns the last position.

    The log is read in stream order, `batch` events at a time, and folded by the same appliers as inline, into the
    current stream's rows in memory (BufferedRows); finished streams' rows are inserted once `rows_per_insert` of
    them wait. Memory stays bounded by one stream and one batch, whatever the size of the log. The history, a row
    per item event, is written first by one INSERT … SELECT over the log (bulk_history) where the log allows.
    """
    for table in reversed(PROJECTION_TABLES):
        conn.execute(delete(table))
    conn.execute(delete(projection_positions))
    appliers = APPLIERS
    if bulk_history.insert(conn):  # the history in one statement; the Python fold writes the rest
        appliers = tuple((name, apply) for name, apply in APPLIERS if apply is not history.apply)
    _fold(conn, BufferedRows(conn, PROJECTION_TABLES, rows_per_insert), batch, progress, appliers)
    last = int(conn.execute(select(func.coalesce(func.max(events.c.position), 0))).scalar_one())
    if last:
        _record_position(conn, last)
    return last


def _fold(
    conn: Connection,
    rows: BufferedRows,
    batch: int,
    progress: Callable[[int], None] | None,
    appliers: tuple[tuple[str, Callable[[RowStore, StoredEvent], None]], ...] = APPLIERS,
    schema: str = "main",
) -> None:
    """Every event of the log through `appliers`, stream by stream, into `rows`, flushed at the end. `schema`:
    SQLite's schema of the tables written (main, or temp for scratch tables)."""
    functions = [apply for _, apply in appliers]
    stream = None
    with _page_cache(conn, schema), _fewer_collections():
        for stored in replay.in_stream_order(conn, batch, progress):
            if stored.stream_id != stream:
                rows.end_stream()
                stream = stored.stream_id
            for apply in functions:
                apply(rows, stored)
        rows.end_stream()
        rows.flush()


_PAGE_CACHE_KIB = 64 * 1024


@contextmanager
def _page_cache(conn: Connection, schema: str) -> Iterator[None]:
    """On SQLite, a page cache of _PAGE_CACHE_KIB for the fold's transaction, the connection's own again after.

    The rows go into the tables' indexes in no order, and a small cache writes each touched page out (to the WAL)
    again and again before the commit: with this one it is written about once. Memory, not durability: the fold's
    transaction commits as any other, and the cache's size does not grow with the log.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql(f"PRAGMA {schema}.cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA {schema}.cache_size = {-_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA {schema}.cache_size = {before}")


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector runs after 50,000 allocations instead of 700, while the fold runs; as it was after.

    A fold makes millions of short-lived objects and no reference cycles (none to collect after a fold of 100,000
    events): scanning the youngest ones every 700 allocations was a twelfth of a rebuild. Whatever cycles there
    may be are still collected, a batch of allocations later."""
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


_FRESH = "fresh_"  # the scratch tables' names: a projection table's name after this


@contextmanager
def scratch_tables(conn: Connection) -> Iterator[None]:
    """Empty temporary tables shaped like the projection tables, on `conn`, for `differences` to fold the log into.

    Made before and dropped after, each time in a short transaction of its own that writes nothing but them (so the
    caller's transaction in between may be read-only: PostgreSQL makes no table in a read-only transaction).
    """
    with scratch(conn):
        for table in PROJECTION_TABLES:
            conn.execute(text(f"CREATE TEMP TABLE {_FRESH}{table.name} AS SELECT * FROM {table.name} WHERE 1 = 0"))
    try:
        yield
    finally:
        with scratch(conn):
            for table in PROJECTION_TABLES:
                conn.execute(text(f"DROP TABLE {_FRESH}{table.name}"))


def differences(conn: Connection, batch: int = 5000) -> list[str]:
    """The projection tables whose rows differ from a fresh fold of the log, both read in `conn`'s transaction.

    Call inside `scratch_tables(conn)`: the fold goes into them, and the projections are left as they are, so the
    transaction may be read-only and hold no lock. In one snapshot (`events.database.snapshot`) the projections
    hold the rows of exactly the events the fold reads: every append writes its rows in the append's transaction.
    """
    # Every applier in Python, the history's too: a rebuild writes the history with bulk_history's SQL, and the
    # two are compared here rather than either with itself.
    _fold(conn, BufferedRows(conn, PROJECTION_TABLES, prefix=_FRESH), batch, None, schema="temp")
    found = []
    for table in PROJECTION_TABLES:
        stored, fresh = table.name, _FRESH + table.name
        extra = conn.execute(
            text(f"SELECT COUNT(*) FROM (SELECT * FROM {stored} EXCEPT SELECT * FROM {fresh}) d")
        ).scalar()
        missing = conn.execute(
            text(f"SELECT COUNT(*) FROM (SELECT * FROM {fresh} EXCEPT SELECT * FROM {stored}) d")
        ).scalar()
        if extra or missing:
            found.append(f"{table.name}: {extra} row(s) not in a fresh fold of the log, {missing} row(s) missing")
    return found
