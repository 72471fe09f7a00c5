"""Runs every projection over events: inline after each append, or from scratch on rebuild."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Connection, delete, select, text

from events.envelope import StoredEvent
from events.schema import events
from events.store import to_stored
from projections import actors, history, public_catalog, status, versions
from projections.schema import PROJECTION_TABLES, projection_positions

# Order matters: later projections read the versions table that earlier ones keep.
APPLIERS: tuple[tuple[str, Callable[[Connection, StoredEvent], None]], ...] = (
    ("actors", actors.apply),
    ("item_versions", versions.apply),
    ("items", status.apply),
    ("public_catalog", public_catalog.apply),
    ("item_history", history.apply),
)


def project(conn: Connection, stored_events: Iterable[StoredEvent]) -> int:
    """Apply `stored_events` to every projection and record the last position. Returns that position."""
    last = None
    for stored in stored_events:
        for _, apply in APPLIERS:
            apply(conn, stored)
        last = stored.position
    if last is not None:
        _record_position(conn, last)
    return last or 0


def _record_position(conn: Connection, position: int) -> None:
    updated = conn.execute(projection_positions.update().values(position=position)).rowcount
    if updated < len(APPLIERS):
        conn.execute(delete(projection_positions))
        conn.execute(projection_positions.insert(), [{"name": name, "position": position} for name, _ in APPLIERS])


def positions(conn: Connection) -> dict[str, int]:
    return {row.name: row.position for row in conn.execute(select(projection_positions))}


def rebuild(conn: Connection, batch: int = 2000, progress: Callable[[int], None] | None = None) -> int:
    """Empty every projection and fold the whole log into them again, `batch` events at a time."""
    for table in reversed(PROJECTION_TABLES):
        conn.execute(delete(table))
    conn.execute(delete(projection_positions))
    after = 0
    while True:
        rows = conn.execute(
            select(events).where(events.c.position > after).order_by(events.c.position).limit(batch)
        ).all()
        if not rows:
            break
        project(conn, (to_stored(row) for row in rows))
        after = rows[-1].position
        if progress:
            progress(len(rows))
    return after


def differences(conn: Connection) -> list[str]:
    """The projection tables whose rows differ from a fresh fold of the log. Rebuilds inside `conn`: roll back."""
    for table in PROJECTION_TABLES:
        conn.execute(text(f"CREATE TEMP TABLE verify_{table.name} AS SELECT * FROM {table.name}"))
    rebuild(conn)
    found = []
    for table in PROJECTION_TABLES:
        extra = conn.execute(
            text(f"SELECT COUNT(*) FROM (SELECT * FROM verify_{table.name} EXCEPT SELECT * FROM {table.name}) d")
        ).scalar()
        missing = conn.execute(
            text(f"SELECT COUNT(*) FROM (SELECT * FROM {table.name} EXCEPT SELECT * FROM verify_{table.name}) d")
        ).scalar()
        if extra or missing:
            found.append(f"{table.name}: {extra} row(s) not in a fresh fold of the log, {missing} row(s) missing")
    return found
