"""Opening a database: the URL, and the engine settings each backend needs for an accountability log."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

DEFAULT_URL = "sqlite:///registry.db"
URL_VARIABLE = "REGISTRY_DATABASE_URL"


def database_url(given: str | None = None) -> str:
    """`given`, else $REGISTRY_DATABASE_URL, else sqlite:///registry.db; a bare postgresql:// uses psycopg 3."""
    url = given or os.environ.get(URL_VARIABLE) or DEFAULT_URL
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def open_engine(url: str, *, synchronous: str = "FULL") -> Engine:
    """An engine for `url`. SQLite: WAL, synchronous=FULL, busy timeout, and writers serialized by BEGIN IMMEDIATE."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, synchronous)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    # Pooled: closing the last connection to a WAL database checkpoints it, which costs a sync per command.
    engine = create_engine(url, pool_size=5, max_overflow=10, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.connection.driver_connection.execute(f"BEGIN {mode}")  # the driver's own: once per transaction

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def snapshot(conn: Connection) -> Iterator[Connection]:
    """A read-only transaction on `conn` that sees the database as it was at its first read, whatever commits
    meanwhile, and takes no lock that a writer waits for: SQLite's BEGIN DEFERRED in WAL mode (writers use BEGIN
    IMMEDIATE), PostgreSQL's REPEATABLE READ, READ ONLY."""
    if conn.dialect.name == "postgresql":
        # Stated here, as every transaction of the registry states its level: the server's default may be anything.
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    else:
        conn = conn.execution_options(sqlite_begin="DEFERRED")
    with conn.begin():
        yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A `snapshot` on a connection of its own."""
    with engine.connect() as conn, snapshot(conn) as read:
        yield read


@contextmanager
def scratch(conn: Connection) -> Iterator[Connection]:
    """A transaction on `conn` for its temporary tables only, which takes no write lock either: SQLite's BEGIN
    DEFERRED (the temporary database is the connection's own), PostgreSQL's READ COMMITTED, read-write (a read-only
    transaction makes no table, not even a temporary one)."""
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="READ COMMITTED", postgresql_readonly=False)
    else:
        conn = conn.execution_options(sqlite_begin="DEFERRED")
    with conn.begin():
        yield conn
