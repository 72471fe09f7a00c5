"""The public state read on the event loop's thread (api/public_state.py): the same state as a snapshot reads, on a
SQLite file only; an answer kept or a 304 given without a worker thread, a pooled connection or a slot; and when it
cannot read, the request takes the worker thread's way with the same answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, event

from api.app import ServerLimits
from api.public_state import LoopState
from projections import public_query
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import serving

QUERY = "{ catalog(first: 5) { totalCount edges { node { id name } } } }"
LOG = "{ log { position } }"


def opened(registry: Registry) -> LoopState | None:
    box: list[LoopState | None] = []
    worker = threading.Thread(target=lambda: box.append(LoopState.open(registry.engine)))
    worker.start()
    worker.join()
    return box[0]


@pytest.mark.parametrize("log", [False, True])
def test_it_reads_what_a_snapshot_reads(registry: Registry, log: bool) -> None:
    office = Office(registry)
    office.publish_new("czj-yusuan")
    office.draft("czj-caogao")
    reader = opened(registry)
    if registry.engine.dialect.name != "sqlite":
        assert reader is None  # a round trip away: the worker thread's way
        return
    assert reader is not None

    with registry.engine.connect() as conn:
        expected = public_query.cache_state(conn, log=log)
    office.publish_new("czj-juesuan")
    with registry.engine.connect() as conn:
        moved = public_query.cache_state(conn, log=log)

    assert expected != moved
    assert reader.read(log=log) == moved
    assert len(moved) == (3 if log else 2)


def test_an_in_memory_database_has_none() -> None:
    """Each connection to it is a database of its own."""
    assert LoopState.open(create_engine("sqlite://")) is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_when_sqlite_cannot_answer_it_says_none(registry: Registry) -> None:
    reader = opened(registry)
    assert reader is not None
    reader._conn.close()

    assert reader.read(log=False) is None


class Statements:
    """The statements the engine sends, from any thread."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        self.sent.append(statement)


@pytest.fixture
def statements(registry: Registry) -> Iterator[Statements]:
    seen = Statements()
    event.listen(registry.engine, "before_cursor_execute", seen)
    yield seen
    event.remove(registry.engine, "before_cursor_execute", seen)


def test_an_answer_asked_again_on_sqlite_costs_no_statement_of_the_pool(
    registry: Registry, statements: Statements
) -> None:
    Office(registry).publish_new("czj-yusuan")
    with serving(registry.engine, registry.profile) as api:
        first = api.post(QUERY)
        etag = first.headers["etag"]
        before = len(statements.sent)
        again, revalidated = api.post(QUERY), api.post(QUERY, headers={"If-None-Match": etag})
        sent = statements.sent[before:]

    assert again.content == first.content and again.headers["etag"] == etag
    assert revalidated.status_code == 304
    if registry.engine.dialect.name == "sqlite":
        assert sent == []
    else:
        assert sent  # the worker thread reads the state on a pooled connection


def test_a_kept_answer_is_given_while_every_slot_is_taken(registry: Registry) -> None:
    """A worker thread and a pooled connection are what the slots share out: a kept answer needs neither."""
    if registry.engine.dialect.name != "sqlite":
        pytest.skip("on PostgreSQL every request reads the state in a worker thread, within a slot")
    Office(registry).publish_new("czj-yusuan")
    held, release = threading.Event(), threading.Event()

    def hold(*_: Any) -> None:
        held.set()
        release.wait(timeout=30)

    with serving(registry.engine, registry.profile, limits=ServerLimits(concurrent=1, queue=0.2)) as api:
        kept = api.post(QUERY)
        event.listen(registry.engine, "checkout", hold)
        try:
            worker = threading.Thread(target=api.post, args=("{ units { name } }",))  # takes the only slot
            worker.start()
            assert held.wait(timeout=30)
            again = api.post(QUERY)
            turned_away = api.post("{ domains { name } }")
        finally:
            release.set()
            event.remove(registry.engine, "checkout", hold)
        worker.join()

    assert again.status_code == 200 and again.content == kept.content
    assert turned_away.status_code == 503


def test_a_request_takes_the_worker_threads_way_when_the_loop_cannot_read(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = Office(registry)
    office.publish_new("czj-yusuan")
    monkeypatch.setattr(LoopState, "read", lambda *_args, **_kwargs: None)
    with serving(registry.engine, registry.profile) as api:
        first = api.post(QUERY)
        again = api.post(QUERY, headers={"If-None-Match": first.headers["etag"]})
        log = api.post(LOG)
        office.draft("czj-caogao")
        moved = api.post(LOG, headers={"If-None-Match": log.headers["etag"]})

    assert again.status_code == 304
    assert moved.status_code == 200
    assert moved.json()["data"]["log"]["position"] > log.json()["data"]["log"]["position"]
