"""What each spawned writer process runs. Kept apart from the tests so that a child imports little."""

from __future__ import annotations

from typing import Any

from events.database import open_engine
from events.envelope import Metadata
from events.event import ItemSubmitted
from events.store import ConcurrencyConflict, EventStore

APPENDED, CONFLICT = 0, 3  # the exit codes of a racer; anything else is a crash
TIMEOUT = 60


def append_after_every_racer_has_read(url: str, stream: str, barrier: Any) -> None:
    """Read the stream's version, wait until every racer has read it too, then append at that version."""
    engine = open_engine(url)
    store = EventStore(engine)
    try:
        with store.reading() as conn:
            version = store.stream_version(conn, stream)
        barrier.wait(TIMEOUT)
        with store.writing() as conn:
            event = ItemSubmitted(item_id=stream, version=version + 1)
            store.append(conn, stream, version, [event], Metadata(actor=f"racer-{stream}"))
    except ConcurrencyConflict:
        raise SystemExit(CONFLICT) from None
    finally:
        engine.dispose()


def append_one_by_one(url: str, stream: str, count: int, barrier: Any) -> None:
    """Append `count` events to `stream`, one transaction each, starting together with the other writers."""
    engine = open_engine(url)
    store = EventStore(engine)
    barrier.wait(TIMEOUT)
    for version in range(count):
        with store.writing() as conn:
            event = ItemSubmitted(item_id=stream, version=version + 1)
            store.append(conn, stream, version, [event], Metadata(actor=stream))
    engine.dispose()
