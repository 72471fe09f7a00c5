"""`registry verify` while writers publish, on a SQLite file and on PostgreSQL: it checks the log as it stood when it
began (one snapshot: the chain, the Merkle tree, the checkpoints and a fresh fold of the projections), without the
append lock. A publication committed at any moment of the check is neither counted nor taken for tampering, and no
writer waits for the check."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import pytest
from sqlalchemy import Engine, event

from events import driver
from events.database import open_engine
from registry.audit import Verification, verify
from registry.service import Registry
from tests.registry.transfer.catalog_files import complete, people, publish
from tests.session_settings import with_settings

LOCK_WAIT = 5  # seconds a writer of these tests waits for the append lock before it gives up, failing the test
VERIFICATIONS = 8
MOST_ITEMS = 200  # a writer's bound, should the verifications take that long


def describe(result: Verification) -> str:
    return f"{result.first_bad_position}: {result.problem} / {result.tree_problems} / {result.projection_problems}"


def impatient(url: str) -> Engine:
    """An engine whose writers give up on the append lock after LOCK_WAIT seconds, where the registry's wait a
    minute (SQLite) or for ever (PostgreSQL): a check that held the lock then fails the test rather than stall it."""
    engine = open_engine(with_settings(url, lock_timeout=f"{LOCK_WAIT}s"))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _wait_less(dbapi_connection: Any, _record: Any) -> None:  # after open_engine's own settings
            dbapi_connection.execute(f"PRAGMA busy_timeout={LOCK_WAIT * 1000}")

    return engine


@pytest.fixture
def published(registry: Registry) -> Registry:
    """A registry with actors and two published items, each publication with its signed checkpoint."""
    people(registry)
    publish(registry, "czj-yusuan", complete("政府预算"))
    publish(registry, "czj-juesuan", complete("政府决算"))
    return registry


@pytest.fixture
def writer(published: Registry, db_url: str) -> Iterator[Registry]:
    """Another writer of the same registry, on its own connections, as another process would be."""
    engine = impatient(db_url)
    yield Registry(engine, published.profile, published.signer)
    engine.dispose()


@contextmanager
def publishing_before(engine: Engine, fragment: str, action: Callable[[], None]) -> Iterator[None]:
    """Run `action` once, just before `engine` first sends a statement that contains `fragment`, through SQLAlchemy
    or through the driver (events.driver, whose observers see its statements)."""
    done: list[bool] = []

    def first(sql: str) -> None:
        if fragment in sql and not done:
            done.append(True)
            action()

    @event.listens_for(engine, "before_cursor_execute")
    def _publish_first(*arguments: Any) -> None:
        first(arguments[2])

    driver.observers.append(first)
    try:
        yield
    finally:
        driver.observers.remove(first)


# Where in the check a publication commits: after a first batch of the chain (the progress callback), or before the
# first statement that reads the tree, reads the checkpoints, folds the log afresh, or compares the projections.
MOMENTS = {
    "the chain": None,
    "the Merkle tree": "merkle_nodes",
    "the checkpoints": "checkpoints",
    "the fresh fold": "ORDER BY stream_id, version",
    "the comparison of the projections": "EXCEPT",
}


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_publication_committed_while_verify_checks_is_no_false_alarm(
    published: Registry, writer: Registry, moment: str
) -> None:
    before = published.store.head()[0]
    late: list[str] = []

    def publish_late() -> None:
        if not late:
            late.append("czj-late")
            publish(writer, "czj-late", complete("政府采购"))

    fragment = MOMENTS[moment]
    with publishing_before(published.engine, fragment, publish_late) if fragment else nullcontext():
        result = verify(published.store, progress=lambda _: publish_late() if fragment is None else None, batch=5)

    assert late == ["czj-late"]  # it ran, and was not kept waiting (it would have raised)
    assert published.store.head()[0] > before
    assert result.ok, describe(result)
    assert result.events == before


def test_verify_raises_no_false_alarm_while_writers_publish(published: Registry, db_url: str) -> None:
    stop = threading.Event()
    started = [threading.Event(), threading.Event()]
    failures: list[BaseException] = []

    def write(number: int) -> None:
        engine = impatient(db_url)
        registry = Registry(engine, published.profile, published.signer)
        try:
            for n in range(MOST_ITEMS):
                if stop.is_set():
                    break
                publish(registry, f"w{number}-{n}", complete(f"事项{number}-{n}"))
                started[number].set()
        except BaseException as failure:
            failures.append(failure)
        finally:
            started[number].set()
            engine.dispose()

    writers = [threading.Thread(target=write, args=(number,)) for number in range(len(started))]
    for thread in writers:
        thread.start()
    for ready in started:
        ready.wait(60)
    heads, results = [published.store.head()[0]], []
    for _ in range(VERIFICATIONS):
        results.append(verify(published.store))
        heads.append(published.store.head()[0])
    stop.set()
    for thread in writers:
        thread.join(120)

    assert failures == []
    assert [describe(r) for r in results if not r.ok] == []
    assert heads[-1] > heads[0]  # the writers published while the checks ran
    assert all(earlier <= r.events <= later for r, earlier, later in zip(results, heads[:-1], heads[1:], strict=True))
