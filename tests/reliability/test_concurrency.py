"""Eight writer processes race on shared items while each also works on its own, on a SQLite file and on PostgreSQL:
nothing accepted is lost or doubled, nothing refused is recorded, nobody crashes, and the log stays whole."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from events.database import open_engine
from registry.audit import verify
from registry.schema import upgrade
from registry.service import Registry
from tests.reliability.invariant import log_problems, read_facts
from tests.reliability.scale import COMMANDS_PER_WRITER, PRIVATE_ITEMS, SHARED_ITEMS, WRITERS
from tests.reliability.worker import TIMEOUT, forkserver, race, register_people
from tests.signing import signed_registry


@dataclass
class Race:
    registry: Registry
    exit_codes: list[int | None]
    outcomes: list[dict[str, Any]]
    setup_commands: set[str]
    seconds: float


@pytest.fixture(scope="module")
def finished_race(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Race]:
    """The registry after WRITERS processes ran COMMANDS_PER_WRITER commands each, all starting at once."""
    db_url, tmp_path = module_db_url, tmp_path_factory.mktemp("race")
    engine = open_engine(db_url)
    upgrade(engine)
    registry = signed_registry(engine)
    register_people(registry)
    setup_commands = set(read_facts(registry.store).commands)
    context = forkserver()
    barrier = context.Barrier(WRITERS)
    files = [tmp_path / f"writer-{n}.jsonl" for n in range(WRITERS)]
    processes = [
        context.Process(
            target=race,
            args=(db_url, n, WRITERS, COMMANDS_PER_WRITER, SHARED_ITEMS, PRIVATE_ITEMS, barrier, str(files[n])),
        )
        for n in range(WRITERS)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join(TIMEOUT)
        if process.is_alive():
            process.kill()
            process.join()
    seconds = time.perf_counter() - started
    outcomes = [json.loads(line) for file in files if file.exists() for line in file.read_text("utf-8").splitlines()]
    yield Race(registry, [p.exitcode for p in processes], outcomes, setup_commands, seconds)
    engine.dispose()


def test_every_writer_finishes_and_every_command_is_accepted_refused_or_in_conflict(finished_race: Race) -> None:
    crashes = [o["error"] for o in finished_race.outcomes if o["outcome"] == "crash"]

    assert finished_race.exit_codes == [0] * WRITERS, crashes[:3]
    assert len(finished_race.outcomes) == WRITERS * COMMANDS_PER_WRITER
    assert {o["outcome"] for o in finished_race.outcomes} <= {"accepted", "refused", "conflict"}
    tally = Counter(o["outcome"] for o in finished_race.outcomes)
    rules = Counter(o["rule"] for o in finished_race.outcomes if o["outcome"] == "refused")
    print(
        f"\nconcurrency on {finished_race.registry.engine.dialect.name}: {WRITERS} processes x {COMMANDS_PER_WRITER}"
        f" commands in {finished_race.seconds:.1f} s: {dict(tally)}; refusals by rule {dict(rules)}"
    )


def test_every_accepted_command_is_in_the_log_exactly_once_and_nothing_else_is(finished_race: Race) -> None:
    facts = read_facts(finished_race.registry.store)
    accepted = {o["id"]: o for o in finished_race.outcomes if o["outcome"] == "accepted"}
    turned_down = {o["id"] for o in finished_race.outcomes if o["outcome"] != "accepted"}

    for command_id, outcome in accepted.items():
        assert facts.commands.get(command_id) == [(outcome["position"], outcome["item"])], command_id
    assert set(facts.commands) - finished_race.setup_commands == set(accepted)
    assert turned_down.isdisjoint(facts.commands)
    assert facts.size == len(finished_race.setup_commands) + len(accepted)


def test_a_retried_command_id_records_nothing_new(finished_race: Race) -> None:
    retries = [o["retried"] for o in finished_race.outcomes if "retried" in o]

    assert retries
    assert set(retries) == {"replayed"}


def test_conflicts_happen_only_where_writers_race(finished_race: Race) -> None:
    """The shared items really were raced for; an item only one writer touches never conflicts."""
    conflicts = [o for o in finished_race.outcomes if o["outcome"] == "conflict"]

    assert conflicts
    assert all(o["shared"] and o["expected"] is not None for o in conflicts)


def test_the_log_verifies_and_the_projections_equal_a_fresh_rebuild(finished_race: Race) -> None:
    assert log_problems(finished_race.registry.store) == []
    result = verify(finished_race.registry.store)
    assert result.ok, (result.first_bad_position, result.problem, result.projection_problems, result.tree_problems)
    assert result.events == len(finished_race.setup_commands) + sum(
        o["outcome"] == "accepted" for o in finished_race.outcomes
    )
