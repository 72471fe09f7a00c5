"""The write path's statements, run by the database driver itself inside a SQLAlchemy transaction.

SQLAlchemy's work per executed statement (parameter processing, an execution context, a result object) is tens
of microseconds: on the write path, where a command is a dozen small statements, that was most of a command's
time. These helpers hand SQL text, written once with `?` placeholders and translated once per driver, straight to
the driver's cursor on the connection that holds the transaction (sqlite3, psycopg 3), so it runs in that same
transaction. Everything else in the registry stays SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table

Parameters = Sequence[Any]


def _driver(conn: Connection) -> Any:
    """The DB-API connection under `conn` (a sqlite3 or psycopg connection)."""
    return conn.connection.driver_connection


@lru_cache(maxsize=512)
def native(sql: str, paramstyle: str) -> str:
    """`sql` with its `?` placeholders in the driver's style (psycopg's are `%s`)."""
    if paramstyle == "qmark":
        return sql
    return sql.replace("%", "%%").replace("?", "%s")


def execute(conn: Connection, sql: str, parameters: Parameters = ()) -> Any:
    """Run `sql` in `conn`'s transaction; returns the driver's cursor (for fetchone/fetchall)."""
    cursor = _driver(conn).cursor()
    cursor.execute(native(sql, conn.dialect.paramstyle), parameters)
    return cursor


def execute_many(conn: Connection, sql: str, rows: Iterable[Parameters]) -> None:
    """Run `sql` once per row of parameters (the driver's executemany), in `conn`'s transaction."""
    cursor = _driver(conn).cursor()
    cursor.executemany(native(sql, conn.dialect.paramstyle), list(rows))
    cursor.close()


def fetch_one(conn: Connection, sql: str, parameters: Parameters = ()) -> tuple[Any, ...] | None:
    cursor = execute(conn, sql, parameters)
    row: tuple[Any, ...] | None = cursor.fetchone()
    cursor.close()
    return row


def fetch_all(conn: Connection, sql: str, parameters: Parameters = ()) -> list[tuple[Any, ...]]:
    cursor = execute(conn, sql, parameters)
    rows: list[tuple[Any, ...]] = cursor.fetchall()
    cursor.close()
    return rows


def quoted(conn: Connection, name: str) -> str:
    """A table or column name as the dialect quotes it (`index` is a keyword)."""
    return str(conn.dialect.identifier_preparer.quote(name))


@lru_cache(maxsize=128)
def _insert_text(table: Table, quote: Any) -> str:
    columns = [column.name for column in table.columns]
    return (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)})"
        f" VALUES ({', '.join('?' * len(columns))})"
    )


def insert_sql(conn: Connection, table: Table) -> str:
    """INSERT of every column of `table`, in the table's column order, with `?` placeholders."""
    return _insert_text(table, conn.dialect.identifier_preparer.quote)
