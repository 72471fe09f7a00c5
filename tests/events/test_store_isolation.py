"""The store's transactions set their own isolation level, whatever the server's default: a writer that waited for
the append lock sees every append made before it got the lock, and a read transaction sees one snapshot."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from events.database import open_engine
from events.envelope import Metadata
from events.event import ItemSubmitted
from events.store import ConcurrencyConflict, EventStore
from registry.schema import upgrade
from tests.session_settings import with_settings

# A server configured with `default_transaction_isolation = 'repeatable read'`, for this test's sessions only.
REPEATABLE_READ_BY_DEFAULT = {"default_transaction_isolation": "repeatable read"}
POLLS = 2000  # looks at pg_locks, 5 ms apart, for a writer to start waiting


def submitted(store: EventStore, stream: str, by: str) -> None:
    """Append version 1 of `stream`, as a writer that read it empty."""
    with store.writing() as conn:
        store.append(conn, stream, 0, [ItemSubmitted(item_id=stream, version=1)], Metadata(actor=by))


def wait_until_a_writer_waits_for_the_append_lock(engine: Engine) -> None:
    """PostgreSQL: until a session waits for this schema's append lock. A SQLite writer shows no such thing; it gets
    the lock by BEGIN IMMEDIATE, before it reads anything, so whenever it starts it reads after the first commit."""
    if engine.dialect.name != "postgresql":
        return
    for _ in range(POLLS):
        with engine.connect() as conn:
            waiting = conn.execute(
                text(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND classid = :key AND objid::bigint = hashtext(current_schema())::bigint & 4294967295)"
                ),
                {"key": 0x52454749},
            ).scalar()
        if waiting:
            return
        time.sleep(0.005)
    pytest.fail("the second writer never waited for the append lock")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The registry's database, as the server gives it: repeatable read by default on PostgreSQL."""
    engine = open_engine(with_settings(db_url, **REPEATABLE_READ_BY_DEFAULT))
    upgrade(engine)
    yield engine
    engine.dispose()


def test_a_writer_that_waited_for_the_append_lock_under_repeatable_read_by_default_gets_a_concurrency_conflict(
    engine: Engine,
) -> None:
    first, second = EventStore(engine), EventStore(engine)
    outcome: list[object] = []

    def race() -> None:
        try:
            submitted(second, "item", "second")
            outcome.append("appended")
        except ConcurrencyConflict:
            outcome.append("conflict")
        except Exception as error:  # an IntegrityError (UniqueViolation events_pkey) is the bug this test is about
            outcome.append(error)

    racer = threading.Thread(target=race)
    with first.writing() as conn:
        first.append(conn, "item", 0, [ItemSubmitted(item_id="item", version=1)], Metadata(actor="first"))
        racer.start()
        wait_until_a_writer_waits_for_the_append_lock(engine)
    racer.join()

    assert outcome == ["conflict"]
    with first.reading() as conn:
        assert [e.metadata.actor for e in first.read_stream(conn, "item")] == ["first"]


def test_a_read_transaction_sees_the_log_as_it_was_at_its_first_read(db_url: str) -> None:
    engine = open_engine(db_url)  # the server's own default: read committed on PostgreSQL
    upgrade(engine)
    store = EventStore(engine)
    submitted(store, "before", "writer")

    with store.reading() as conn:
        head = store.head_in(conn)
        submitted(store, "during", "writer")
        again = store.head_in(conn)

    assert again == head
    assert store.head()[0] == head[0] + 1
    engine.dispose()


def test_a_read_transaction_writes_nothing(postgres_url: str) -> None:
    engine = open_engine(with_settings(postgres_url, **REPEATABLE_READ_BY_DEFAULT))
    upgrade(engine)
    store = EventStore(engine)

    with pytest.raises(DBAPIError, match="read-only transaction"), store.reading() as conn:
        conn.execute(text("DELETE FROM events"))
    engine.dispose()
