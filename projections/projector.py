"""Runs every projection over events: inline after each append, or from scratch on rebuild."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection, delete, func, select, text

from events import driver, replay
from events.database import scratch
from events.envelope import StoredEvent
from events.schema import events
from projections import (
    actors,
    fold_partner,
    history,
    media_accounts,
    public_catalog,
    signing_keys,
    status,
    versions,
)
from projections.row_store import BufferedRows, DatabaseRows, RowStore, TableInserts, Write
from projections.schema import FOLDED, PROJECTION_TABLES, projection_positions

# Order matters: later projections read the versions table that earlier ones keep.
APPLIERS: tuple[tuple[str, Callable[[RowStore, StoredEvent], None]], ...] = (
    ("signing_keys", signing_keys.apply),
    ("actors", actors.apply),
    ("item_versions", versions.apply),
    ("items", status.apply),
    ("public_catalog", public_catalog.apply),
    ("item_history", history.apply),
    ("media_accounts", media_accounts.apply),
)
# The appliers that write tables. The history is a view over the log (projections/history_view.py): only
# `differences` folds it in Python, to compare the view with.
TABLE_APPLIERS = tuple(applier for applier in APPLIERS if applier[1] is not history.apply)


def project(conn: Connection, stored_events: Iterable[StoredEvent]) -> int:
    """Apply `stored_events` to every projection and record the last position. Returns that position."""
    last = None
    rows = DatabaseRows(conn)
    appliers = [apply for _, apply in TABLE_APPLIERS]
    for stored in stored_events:
        for apply in appliers:
            apply(rows, stored)
        last = stored.position
    if last is not None:
        _record_position(conn, last)
    return last or 0


def _record_position(conn: Connection, position: int) -> None:
    """Every projection's position, in one statement that needs no answer (driver SQL: on the write path)."""
    driver.execute(conn, _SET_POSITIONS, [value for name, _ in TABLE_APPLIERS for value in (name, position)])


_SET_POSITIONS = (
    f"INSERT INTO projection_positions (name, position) VALUES {', '.join(['(?, ?)'] * len(TABLE_APPLIERS))}"
    " ON CONFLICT (name) DO UPDATE SET position = excluded.position"
)


def positions(conn: Connection) -> dict[str, int]:
    return {row.name: row.position for row in conn.execute(select(projection_positions))}


T = TypeVar("T")
log = logging.getLogger("registry.rebuild")

Applier = tuple[str, Callable[[RowStore, StoredEvent], None]]

# A log this long is folded by two processes where it can be (a SQLite file, two cores); a partner's start-up
# (its imports, about half a second) is more than a shorter log's fold would gain.
PARTNER_FROM = 20_000
# The first process's share of the events: it also writes every row, its own and the partner's.
OWN_SHARE = 0.4


def rebuild(
    conn: Connection,
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
    *,
    rows_per_insert: int = 20_000,
    partner: bool | None = None,
) -> int:
    """Empty every projection and fold the whole log into them again; returns the last position.
    (`_rebuild` says how; a partner chosen by default that fails is not fatal: the fold is done again alone.)"""
    return _falling_back(conn, partner, lambda wanted: _rebuild(conn, batch, progress, rows_per_insert, wanted))


def _rebuild(
    conn: Connection,
    batch: int,
    progress: Callable[[int], None] | None,
    rows_per_insert: int,
    partner: bool | None,
) -> int:
    """Empty every projection table and fold the whole log into them again; returns the last position.

    The log is read in stream order, `batch` events at a time, through the same appliers as inline, into the current
    stream's rows in memory (BufferedRows); finished streams' rows are inserted once `rows_per_insert` of them wait.
    Memory stays bounded by one stream and a few batches, whatever the size of the log. `partner`: whether a second
    process folds part of the log (fold_partner); None, where it pays. (The history is a view: nothing to write.)
    """
    for table in reversed(PROJECTION_TABLES):
        conn.execute(delete(table))
    conn.execute(delete(projection_positions))
    last = int(conn.execute(select(func.coalesce(func.max(events.c.position), 0))).scalar_one())
    write = TableInserts(conn, PROJECTION_TABLES)
    with _shared(conn, last, partner, TABLE_APPLIERS, batch, rows_per_insert) as shared:
        _fold(conn, write, batch, progress, TABLE_APPLIERS, until=last, rows_per_batch=rows_per_insert, partner=shared)
    if last:
        _record_position(conn, last)
    return last


@contextmanager
def _shared(
    conn: Connection,
    until: int,
    wanted: bool | None,
    appliers: tuple[Applier, ...],
    batch: int,
    rows_per_batch: int,
) -> Iterator[tuple[str, fold_partner.Partner] | None]:
    """(first stream, partner) of a partner process folding the streams from that one on, or None: no partner."""
    database = conn.engine.url.database if conn.dialect.name == "sqlite" else None
    if wanted is False or not database or database == ":memory:" or database.startswith("file:"):
        yield None
        return
    if wanted is None and ((os.cpu_count() or 1) < 2 or until < PARTNER_FROM):
        yield None
        return
    split = conn.exec_driver_sql(
        "SELECT stream_id FROM events WHERE position <= ? ORDER BY stream_id, version LIMIT 1 OFFSET ?",
        (until, int(until * OWN_SHARE)),
    ).scalar()
    if split is None:
        yield None
        return
    names = [name for name, _ in appliers]
    with fold_partner.started(database, split, until, names, batch, rows_per_batch) as partner:
        yield split, partner


def _fold(
    conn: Connection,
    write: Write,
    batch: int,
    progress: Callable[[int], None] | None,
    appliers: tuple[Applier, ...],
    *,
    until: int,
    rows_per_batch: int,
    partner: tuple[str, fold_partner.Partner] | None = None,
    schema: str = "main",
) -> None:
    """Every event of the log up to position `until` through `appliers`, into `write`: all of it here, or the
    streams before a partner's first one here and the partner's rows written as they come. `schema`: SQLite's
    schema of the tables written (main, or temp for scratch tables)."""
    with _page_cache(conn, schema):
        if partner is None:
            fold_part(conn, write, batch, progress, appliers, until=until, rows_per_batch=rows_per_batch)
            return
        first, helper = partner

        def between_pages(read: int) -> None:
            if progress:
                progress(read)
            helper.take(write, progress)

        streams = (None, first)
        fold_part(conn, write, batch, between_pages, appliers, streams, until=until, rows_per_batch=rows_per_batch)
        helper.take(write, progress, wait=True)


def fold_part(
    conn: Connection,
    write: Write,
    batch: int,
    progress: Callable[[int], None] | None,
    appliers: tuple[Applier, ...],
    streams: tuple[str | None, str | None] = (None, None),
    *,
    until: int | None,
    rows_per_batch: int,
) -> None:
    """The events of `streams` (replay.in_stream_order's) up to position `until` through `appliers`, stream by
    stream, into BufferedRows that hand them to `write`; flushed at the end."""
    functions = [apply for _, apply in appliers]
    rows = BufferedRows(FOLDED, write, rows_per_batch)
    stream = None
    with _fewer_collections():
        for stored in replay.in_stream_order(conn, batch, progress, streams=streams, until=until):
            if stored.stream_id != stream:
                rows.end_stream()
                stream = stored.stream_id
            for apply in functions:
                apply(rows, stored)
        rows.end_stream()
        rows.flush()


def appliers_named(names: list[str]) -> tuple[Applier, ...]:
    """The appliers of these names, in APPLIERS' order (a partner process is told them by name)."""
    return tuple(applier for applier in APPLIERS if applier[0] in names)


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
        for table in FOLDED:
            conn.execute(text(f"CREATE TEMP TABLE {_FRESH}{table.name} AS SELECT * FROM {table.name} WHERE 1 = 0"))
    try:
        yield
    finally:
        with scratch(conn):
            for table in FOLDED:
                conn.execute(text(f"DROP TABLE {_FRESH}{table.name}"))


def differences(conn: Connection, batch: int = 5000, *, partner: bool | None = None) -> list[str]:
    """The projection tables whose rows differ from a fresh fold of the log (`_differences`); a partner chosen by
    default that fails is not fatal: the fold is done again alone."""
    return _falling_back(conn, partner, lambda wanted: _differences(conn, batch, wanted))


def _falling_back(conn: Connection, partner: bool | None, work: Callable[[bool | None], T]) -> T:
    """`work(partner)`. When the partner was left to the default (None) and fails to start or dies (a deployment
    that cannot run `python -m projections.fold_partner`, a process limit), the work is rolled back to a savepoint
    and done again in one process, so that the fold's second core is a speed-up and never a new way to fail."""
    if partner is not None:
        return work(partner)
    try:
        with conn.begin_nested():
            return work(None)
    except fold_partner.PartnerFailed as failure:
        log.warning("the partner fold failed, folding in one process: %s", failure)
    return work(False)


def _differences(conn: Connection, batch: int, partner: bool | None) -> list[str]:
    """The projection tables whose rows differ from a fresh fold of the log, both read in `conn`'s transaction.

    Call inside `scratch_tables(conn)`: the fold goes into them, and the projections are left as they are, so the
    transaction may be read-only and hold no lock. In one snapshot (`events.database.snapshot`) the projections
    hold the rows of exactly the events the fold reads: every append writes its rows in the append's transaction.
    """
    # Every applier in Python, the history's too: the history is a view over the log in SQL (history_view), and the
    # two definitions are compared here.
    last = int(conn.execute(select(func.coalesce(func.max(events.c.position), 0))).scalar_one())
    write = TableInserts(conn, FOLDED, prefix=_FRESH)
    with _shared(conn, last, partner, APPLIERS, batch, rows_per_batch=20_000) as partner_fold:
        _fold(
            conn, write, batch, None, APPLIERS, until=last, rows_per_batch=20_000, partner=partner_fold, schema="temp"
        )
    found = []
    for table in FOLDED:
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
