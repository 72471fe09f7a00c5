"""Real OS processes writing to one log at once, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from events.chain import ChainCheck
from events.database import open_engine
from events.elements import ItemElements
from events.envelope import Metadata
from events.event import ItemSubmitted
from events.store import EventStore
from registry.actor import Role
from registry.items.command import DraftItem
from registry.schema import upgrade
from registry.service import Registry, now
from tests.conftest import REGISTRY_BIN
from tests.events.writer import APPENDED, CONFLICT, TIMEOUT, append_after_every_racer_has_read, append_one_by_one

SPAWN = multiprocessing.get_context("spawn")
BUDGET = ItemElements(
    name="政府预算",
    content="一般公共预算",
    basis="《中华人民共和国预算法》",
    time_limit="批准后20日内",
    body="财政局",
    channels=("政府网站",),
    audience=("public",),
    method=("proactive",),
    levels=("county",),
)


def run_processes(target: Callable[..., None], argument_lists: list[tuple[Any, ...]]) -> list[int | None]:
    """Start one spawned process per argument tuple, wait for all, return their exit codes."""
    processes = [SPAWN.Process(target=target, args=arguments) for arguments in argument_lists]
    for process in processes:
        process.start()
    for process in processes:
        process.join(TIMEOUT)
        if process.is_alive():
            process.kill()
    return [process.exitcode for process in processes]


@pytest.fixture
def store(db_url: str) -> Iterator[EventStore]:
    engine = open_engine(db_url)
    upgrade(engine)
    yield EventStore(engine)
    engine.dispose()


def test_of_two_processes_appending_at_the_same_version_exactly_one_wins(db_url: str, store: EventStore) -> None:
    with store.writing() as conn:
        store.append(conn, "item", 0, [ItemSubmitted(item_id="item", version=1)], Metadata(actor="setup"))
    barrier = SPAWN.Barrier(2)

    exit_codes = run_processes(append_after_every_racer_has_read, [(db_url, "item", barrier)] * 2)

    assert sorted(exit_codes, key=str) == [APPENDED, CONFLICT]
    with store.reading() as conn:
        assert [e.version for e in store.read_stream(conn, "item")] == [1, 2]


def test_processes_appending_to_different_streams_leave_a_gapless_valid_chain(db_url: str, store: EventStore) -> None:
    writers, each = 4, 15
    barrier = SPAWN.Barrier(writers)

    exit_codes = run_processes(append_one_by_one, [(db_url, f"stream-{n}", each, barrier) for n in range(writers)])

    assert exit_codes == [0] * writers
    check = ChainCheck()
    assert all(check.feed(row) for row in store.read_rows()), check.problem
    stored = list(store.read_all())
    assert [e.position for e in stored] == list(range(1, writers * each + 1))
    for n in range(writers):
        assert [e.version for e in stored if e.stream_id == f"stream-{n}"] == list(range(1, each + 1))


def test_of_two_registry_commands_claiming_the_same_expected_version_one_wins_and_the_other_exits_5(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}))
    drafter = registry.actor("李财政")
    registry.execute(DraftItem(item_id="ys", actor=drafter, at=now(), domain="财政预决算", elements=BUDGET))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    racers = [
        subprocess.Popen(
            [str(REGISTRY_BIN), "--db", db_url, "--as", "李财政", *command, "ys", "--expected-version", "1"],
            cwd=tmp_path,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in (["submit"], ["discard", "--reason", "重复"])
    ]

    messages = [racer.communicate(timeout=TIMEOUT)[1] for racer in racers]
    outcomes = sorted(zip([racer.returncode for racer in racers], messages, strict=True))

    assert [code for code, _ in outcomes] == [0, 5]
    assert not [message for message in messages if "Traceback" in message]
    assert "concurrency conflict on ys" in outcomes[1][1]
    assert len(registry.load("ys")[1]) == 2
