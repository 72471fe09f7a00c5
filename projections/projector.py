"""Runs every projection over events: inline after each append, or from scratch on rebuild."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, delete, func, select, text, tuple_

from events import driver
from events.database import scratch
from events.envelope import StoredEvent
from events.schema import events
from events.store import to_stored
from projections import actors, history, public_catalog, signing_keys, status, versions
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


_SET_POSITIONS = "UPDATE projection_positions SET position = ?"  # driver SQL (events.driver)


def _record_position(conn: Connection, position: int) -> None:
    cursor = driver.execute(conn, _SET_POSITIONS, (position,))
    updated = cursor.rowcount
    cursor.close()
    if updated < len(APPLIERS):
        conn.execute(delete(projection_positions))
        conn.execute(projection_positions.insert(), [{"name": name, "position": position} for name, _ in APPLIERS])


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
    them wait. Memory stays bounded by one stream and one batch, whatever the size of the log.
    """
    for table in reversed(PROJECTION_TABLES):
        conn.execute(delete(table))
    conn.execute(delete(projection_positions))
    _fold(conn, BufferedRows(conn, PROJECTION_TABLES, rows_per_insert), batch, progress)
    last = int(conn.execute(select(func.coalesce(func.max(events.c.position), 0))).scalar_one())
    if last:
        _record_position(conn, last)
    return last


def _fold(conn: Connection, rows: BufferedRows, batch: int, progress: Callable[[int], None] | None) -> None:
    """Every event of the log through every applier, stream by stream, into `rows`, flushed at the end."""
    key = tuple_(events.c.stream_id, events.c.version)
    after: tuple[str, int] | None = None
    stream = None
    while True:
        query = select(events).order_by(events.c.stream_id, events.c.version).limit(batch)
        if after is not None:
            query = query.where(key > tuple_(*after))
        found = conn.execute(query).all()
        if not found:
            break
        for row in found:
            stored = to_stored(row)
            if stored.stream_id != stream:
                rows.end_stream()
                stream = stored.stream_id
            for _, apply in APPLIERS:
                apply(rows, stored)
        after = (str(found[-1].stream_id), int(found[-1].version))
        if progress:
            progress(len(found))
    rows.end_stream()
    rows.flush()


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
    _fold(conn, BufferedRows(conn, PROJECTION_TABLES, prefix=_FRESH), batch, None)
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
