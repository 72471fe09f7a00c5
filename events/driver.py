"""The write path's statements, run by the database driver itself inside a SQLAlchemy transaction.

SQLAlchemy's work per executed statement (parameter processing, an execution context, a result object) is tens
of microseconds: on the write path, where a command is a dozen small statements, that was most of a command's
time. These helpers hand SQL text, written once with `?` placeholders and translated once per driver, straight to
the driver's cursor on the connection that holds the transaction (sqlite3, psycopg 3), so it runs in that same
transaction. Everything else in the registry stays SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, StatementError

Parameters = Sequence[Any]

# Called with each statement's SQL before it runs (tests count statements, as SQLAlchemy's before_cursor_execute
# event lets them count its own): empty, it costs one test of a list per statement.
observers: list[Callable[[str], None]] = []


def _driver(conn: Connection) -> Any:
    """The DB-API connection under `conn` (a sqlite3 or psycopg connection)."""
    return conn.connection.driver_connection


def native(sql: str, paramstyle: str) -> str:
    """`sql` with its `?` placeholders in the driver's style (psycopg's are `%s`), told to the observers."""
    for observer in observers:
        observer(sql)
    return _native(sql, paramstyle)


@lru_cache(maxsize=512)
def _native(sql: str, paramstyle: str) -> str:
    if paramstyle == "qmark":
        return sql
    return sql.replace("%", "%%").replace("?", "%s")


def execute(conn: Connection, sql: str, parameters: Parameters = ()) -> None:
    """Run `sql`, whose answer nobody reads, in `conn`'s transaction (`pipelined`: sent without waiting)."""
    try:
        _driver(conn).cursor().execute(native(sql, conn.dialect.paramstyle), parameters)
    except conn.dialect.loaded_dbapi.Error as error:
        raise _as_sqlalchemy(conn, sql, parameters, error) from error


def execute_many(conn: Connection, sql: str, rows: Iterable[Parameters]) -> None:
    """Run `sql` once per row of parameters (the driver's executemany), in `conn`'s transaction."""
    listed = list(rows)
    try:
        _driver(conn).cursor().executemany(native(sql, conn.dialect.paramstyle), listed)
    except conn.dialect.loaded_dbapi.Error as error:
        raise _as_sqlalchemy(conn, sql, listed, error) from error


def fetch_one(conn: Connection, sql: str, parameters: Parameters = ()) -> tuple[Any, ...] | None:
    try:
        cursor = _driver(conn).cursor()
        cursor.execute(native(sql, conn.dialect.paramstyle), parameters)
        row: tuple[Any, ...] | None = cursor.fetchone()
    except conn.dialect.loaded_dbapi.Error as error:
        raise _as_sqlalchemy(conn, sql, parameters, error) from error
    cursor.close()
    return row


def fetch_all(conn: Connection, sql: str, parameters: Parameters = ()) -> list[tuple[Any, ...]]:
    try:
        cursor = _driver(conn).cursor()
        cursor.execute(native(sql, conn.dialect.paramstyle), parameters)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    except conn.dialect.loaded_dbapi.Error as error:
        raise _as_sqlalchemy(conn, sql, parameters, error) from error
    cursor.close()
    return rows


def _as_sqlalchemy(conn: Connection, sql: str, parameters: Any, error: Exception) -> StatementError:
    """A driver's error as SQLAlchemy raises it (OperationalError, IntegrityError …, the driver's error as `orig`),
    so that callers handle a driver statement's failure as they handle any other statement's. (Each function has its
    own try/except rather than a shared context manager: this wraps every statement of the write path.)"""
    return DBAPIError.instance(sql, parameters, error, conn.dialect.loaded_dbapi.Error)


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, psycopg's pipeline mode: statements whose answer nobody reads go out without waiting for
    it, and only a read (fetch_one, fetch_all) or the block's end waits, for all of them at once; an error of any
    of them is raised there at the latest. On SQLite, in-process, nothing to save: the statements run as they come.
    Only driver statements may run inside (SQLAlchemy reads a statement's answer at once)."""
    if conn.dialect.name == "postgresql":
        try:
            with _driver(conn).pipeline():
                yield
        except conn.dialect.loaded_dbapi.Error as error:
            raise _as_sqlalchemy(conn, "(pipeline)", (), error) from error
    else:
        yield
