"""A request's deadline: when it is cut off, and how the database and the executor are held to it."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from sqlalchemy import Connection

from api.executor import ShortPathContext

DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"  # the error's extensions.code
_QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement ended by statement_timeout (or a cancel)
_PROGRESS_STEPS = 10_000  # SQLite virtual machine steps between two looks at the clock (well under a millisecond)


class DeadlineExceeded(Exception):
    """The request's deadline passed before its work was done."""


@dataclass(frozen=True)
class Deadline:
    seconds: float
    ends: float  # on time.monotonic()'s clock

    @classmethod
    def starting_now(cls, seconds: float) -> Deadline:
        return cls(seconds, time.monotonic() + seconds)

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def passed(self) -> bool:
        return time.monotonic() >= self.ends

    def cut_off(self, *errors: BaseException | None) -> bool:
        """Whether the deadline has passed, or one of `errors` is its doing: the executor stopping, or the database
        ending a statement (PostgreSQL's query_canceled, SQLite's interrupt)."""
        if self.passed():
            return True
        for error in errors:
            original = getattr(error, "orig", None)  # the driver's error in SQLAlchemy's
            if isinstance(error, DeadlineExceeded) or getattr(original, "sqlstate", None) == _QUERY_CANCELED:
                return True
            if str(original) == "interrupted":
                return True
        return False

    def error(self) -> GraphQLError:
        return GraphQLError(
            f"the request was cut off after {self.seconds:g} s: ask for less (smaller pages, fewer fields or proofs)",
            extensions={"code": DEADLINE_EXCEEDED},
        )


@contextmanager
def held_to(conn: Connection, deadline: Deadline) -> Iterator[None]:
    """Inside a transaction of `conn`: no SQL statement runs past `deadline`.

    PostgreSQL: statement_timeout, for this transaction only (SET LOCAL), so writers sharing the engine keep none.
    SQLite has no statement timeout: a progress handler interrupts the statement instead (sqlite3_interrupt's error,
    "interrupted"), and is removed again before the connection goes back to the pool.
    """
    if deadline.passed():
        raise DeadlineExceeded
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, math.ceil(deadline.remaining() * 1000))}")
        yield
        return
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.set_progress_handler(lambda: int(deadline.passed()), _PROGRESS_STEPS)
    try:
        yield
    finally:
        raw.set_progress_handler(None, _PROGRESS_STEPS)


class DeadlineContext(ShortPathContext):
    """The executor, stopping once the deadline in the context (`deadline`) has passed: every object looks at the
    clock before its fields are resolved, so a large answer stops growing within one object's work."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ends: float = self.context_value["deadline"].ends  # looked at before every object: kept at hand

    def before_fields(self) -> None:
        if time.monotonic() >= self._ends:
            raise DeadlineExceeded
