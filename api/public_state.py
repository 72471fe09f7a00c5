"""The public state an ETag digests, read on the event loop's thread where the database allows it: SQLite files.

A request answered from the response cache (or with a 304) needs only that state: two index lookups, a few
microseconds in SQLite. Handing them to a worker thread and a pooled connection costs far more than the lookups
(about 0.3 ms: the thread's wake-up, the pool, the transaction; docs/benchmarks.md). So a SQLite server keeps one
connection of its own for them, used only from the event loop's thread, one statement at a time: a single SELECT
is its own consistent snapshot (autocommit, WAL), and with no busy timeout it never waits: when SQLite says busy
(a rare recovery or schema change), or anything else goes wrong, the request takes the worker thread's way, which
waits and meets its deadline as every other read. PostgreSQL is a round trip away: its requests always take that
way.
"""

from __future__ import annotations

import sqlite3
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from projections import public_query


class LoopState:
    """`cache_state` through a SQLite connection of its own (see the module's docstring)."""

    def __init__(self, driver_connection: sqlite3.Connection, statements: dict[bool, str]) -> None:
        self._conn = driver_connection
        self._statements = statements  # by whether the log head is wanted

    @classmethod
    def open(cls, engine: Engine) -> LoopState | None:
        """A reader for `engine`'s database, opened through the engine's pool (its settings) and detached from it;
        None unless the database is a SQLite file. Call it from a worker thread: the pool may wait."""
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or not Path(database).is_file():
            return None  # in-memory databases are one per connection: this one would see another
        pooled = engine.raw_connection()
        driver: Any = pooled.driver_connection
        pooled.detach()  # ours alone, never handed back with its busy timeout changed
        if not isinstance(driver, sqlite3.Connection):
            pooled.close()
            return None
        driver.execute("PRAGMA busy_timeout = 0")
        statements = {log: public_query.cache_state_sql(engine.dialect, log=log) for log in (False, True)}
        reader = cls(driver, statements)
        weakref.finalize(reader, pooled.close)
        return reader

    def read(self, *, log: bool) -> tuple[int, ...] | None:
        """`public_query.cache_state(conn, log=log)`, or None when SQLite cannot answer at once."""
        try:
            row = self._conn.execute(self._statements[log]).fetchone()
        except sqlite3.Error:
            return None
        return tuple(int(n) for n in row)
