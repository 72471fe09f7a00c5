"""A writer whose sixteen threads have their commands written in groups (registry/group_commit.py), killed with
SIGKILL at random moments once it has answered some, on a SQLite file and on PostgreSQL: every command it
acknowledged is in the log where its receipt says, only unanswered ones are lost, the log is whole, `registry verify`
passes after every kill, and the next writer carries on.

Each thread also reads its own items before its next command: a read that misses a command it was acknowledged for
shows an acknowledgement before the commit too. On PostgreSQL that is how it shows, mostly: a commit there takes less
time than a thread needs to write its acknowledgement down, so a kill seldom lands between the two.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from events.database import open_engine
from registry.audit import verify
from registry.schema import upgrade
from registry.service import Registry
from tests.conftest import Result
from tests.reliability.invariant import log_problems, read_facts
from tests.reliability.scale import size
from tests.reliability.test_crashes import write_lock_held
from tests.reliability.worker import forkserver, register_people, write_in_groups_until_killed
from tests.signing import signed_registry, write_test_key

GROUP_KILLS = size(8, 60)  # writers killed per backend
FIRST_ANSWERS = 16  # answers a writer gives before it may be killed
ANSWER_WAIT = 60.0  # seconds a writer may take to give them
HORIZON = 0.6  # seconds, at most, from those answers to the kill
MOMENTS = ("at any time", "in a write transaction", "right after an acknowledgement")  # taken in turn

GROUP_KEYS = ("groups", "commands", "largest")  # what the writer says of its groups in groups.json

# Where each acknowledged command's events are: command id -> [(position, stream, stream version)].
Log = dict[str, list[tuple[int, str, int]]]


@dataclass
class Kill:
    moment: str
    in_transaction: bool  # the write lock was seen held right before the kill
    running: bool  # the writer was alive when the kill came (it never stops by itself)
    answers: list[dict[str, Any]]  # what the writer answered and its threads saw, complete lines only
    unanswered_in_log: int  # commands sent and committed, whose answer the kill cut off: allowed
    lost: int  # commands sent and not in the log: allowed, since nobody was told they were
    groups: int  # the groups this writer wrote, and the commands in them (refused and replayed ones included)
    grouped: int
    largest_group: int
    problems: list[str]


@dataclass
class Series:
    registry: Registry
    url: str
    directory: Path
    kills: list[Kill] = field(default_factory=list)
    seconds: float = 0.0


def complete_lines(paths: list[Path]) -> list[str]:
    """The lines of `paths` that were written whole (a kill may cut the last one short)."""
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        found += text[: text.rfind("\n") + 1].splitlines()
    return found


def acknowledged(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in complete_lines(sorted(directory.glob("acknowledged-*.jsonl")))]


def answered_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.glob("acknowledged-*.jsonl"))


def read_log(registry: Registry) -> Log:
    log: Log = {}
    for row in registry.store.read_rows():
        log.setdefault(str(row.command_id), []).append((int(row.position), str(row.stream_id), int(row.version)))
    return log


def answer_problems(answers: list[dict[str, Any]], log: Log) -> list[str]:
    """What the log contradicts of the writers' answers: an acknowledged command must be there, at the position and
    stream version its receipt and claim say; a refused one must have left nothing; a replay must name the first.
    And what the writers saw go wrong: a conflict, an acknowledged command that a later read missed, an error."""
    problems = []
    for answer in answers:
        command_id, where = answer["id"], log.get(answer["id"], [])
        if answer["outcome"] == "accepted":
            versions = list(range(answer["stream_version"] + 1, answer["stream_version"] + 1 + len(where)))
            positions = list(range(answer["position"] - len(where) + 1, answer["position"] + 1))
            if not where:
                problems.append(f"{command_id} was acknowledged at {answer['position']} and is not in the log")
            elif where != list(zip(positions, [answer["item"]] * len(where), versions, strict=True)):
                problems.append(f"{command_id} was acknowledged as {answer}; the log has {where}")
        elif answer["outcome"] == "refused":
            if where:
                problems.append(f"{command_id} was refused and is in the log at {where}")
        elif answer["outcome"] == "replayed":
            if not answer["replayed"] or not where or answer["position"] != where[-1][0]:
                problems.append(f"{command_id} was sent again and answered {answer}; the log has {where}")
        elif answer["outcome"] == "unseen":
            problems.append(f"{command_id} was acknowledged at {answer['position']}; a later read did not see it")
        elif answer["outcome"] == "conflict":
            problems.append(f"{command_id} conflicted on an item only its thread writes: {answer['error']}")
        else:
            problems.append(f"{command_id} raised: {answer.get('error')}")
    return problems


def wait_for(condition: Callable[[], bool], alive: Callable[[], bool], seconds: float, pause: float = 0.0005) -> None:
    deadline = time.monotonic() + seconds
    while alive() and time.monotonic() < deadline and not condition():
        time.sleep(pause)


def kill_one(series: Series, number: int, rng: random.Random, answers_before: list[dict[str, Any]]) -> Kill:
    """Start writer `number`, let it answer FIRST_ANSWERS commands, kill it at a random moment after, and check what
    the log holds of everything every writer so far acknowledged."""
    directory = series.directory / f"writer-{number:03d}"
    directory.mkdir()
    process = forkserver().Process(
        target=write_in_groups_until_killed,
        args=(series.url, f"g{number}", str(series.directory / "registry.key"), str(directory)),
    )
    process.start()
    wait_for(
        lambda: len(complete_lines(list(directory.glob("acknowledged-*")))) >= FIRST_ANSWERS,
        process.is_alive,
        ANSWER_WAIT,
    )
    moment = MOMENTS[number % len(MOMENTS)]
    time.sleep(rng.uniform(0, HORIZON))
    if moment == "in a write transaction":
        wait_for(lambda: write_lock_held(series.url, series.registry), process.is_alive, ANSWER_WAIT)
    elif moment == "right after an acknowledgement":  # the moment an acknowledgement before its commit would show
        seen = answered_bytes(directory)
        wait_for(lambda: answered_bytes(directory) > seen, process.is_alive, ANSWER_WAIT, pause=0)
    in_transaction = moment == "in a write transaction" and process.is_alive()
    running = process.is_alive()
    process.kill()
    process.join()
    answers = acknowledged(directory)
    log = read_log(series.registry)
    sent = set(complete_lines(sorted(directory.glob("sent-*.jsonl"))))
    unanswered = sent - {answer["id"] for answer in answers}
    written = directory / "groups.json"
    groups = json.loads(written.read_text(encoding="utf-8")) if written.exists() else dict.fromkeys(GROUP_KEYS, 0)
    problems = answer_problems(answers_before + answers, log)
    problems += log_problems(series.registry.store, read_facts(series.registry.store))
    checked = verify(series.registry.store)
    if not checked.ok:
        problems.append(f"verify: {checked}")
    if not running:
        problems.append(f"the writer stopped by itself with exit code {process.exitcode}")
    return Kill(
        moment,
        in_transaction,
        running,
        answers,
        sum(1 for command_id in unanswered if command_id in log),
        sum(1 for command_id in unanswered if command_id not in log),
        groups["groups"],
        groups["commands"],
        groups["largest"],
        problems,
    )


@pytest.fixture(scope="module")
def series(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Series]:
    """GROUP_KILLS group-committing writers killed one after another on one registry (publications sign)."""
    directory = tmp_path_factory.mktemp("group-crashes")
    if module_db_url.startswith("sqlite"):
        module_db_url = f"sqlite:///{directory / 'registry.db'}"
    engine = open_engine(module_db_url)
    upgrade(engine)
    write_test_key(directory / "registry.key")
    registry = signed_registry(engine)
    register_people(registry)
    found = Series(registry, module_db_url, directory)
    rng = random.Random(20261)
    started = time.perf_counter()
    for number in range(GROUP_KILLS):
        found.kills.append(kill_one(found, number, rng, [a for k in found.kills for a in k.answers]))
    found.seconds = time.perf_counter() - started
    yield found
    engine.dispose()


def test_every_acknowledged_command_is_in_the_log_and_the_log_is_whole_after_every_kill(series: Series) -> None:
    """At its receipt's position and claimed stream version; refused commands left nothing; chain, gapless
    positions, whole commands, projections, tree and checkpoints at the head; `verify` passes."""
    assert [(n, k.moment, k.problems) for n, k in enumerate(series.kills) if k.problems] == []
    outcomes = Counter(a["outcome"] for k in series.kills for a in k.answers)
    print(
        f"\ngroup commit crashes on {series.registry.engine.dialect.name}: {len(series.kills)} SIGKILLs in"
        f" {series.seconds:.1f} s; answers {dict(outcomes)}; groups {sum(k.groups for k in series.kills)},"
        f" largest {max(k.largest_group for k in series.kills)};"
        f" unanswered but committed {sum(k.unanswered_in_log for k in series.kills)},"
        f" lost {sum(k.lost for k in series.kills)}; events {series.registry.store.head()[0]}"
    )


def test_every_writer_after_a_kill_carries_on(series: Series) -> None:
    accepted = [sum(a["outcome"] == "accepted" for a in k.answers) for k in series.kills]

    assert all(k.running for k in series.kills)
    assert all(accepted), accepted


def test_the_writer_wrote_groups_of_more_than_one_command(series: Series) -> None:
    assert max(k.largest_group for k in series.kills) > 1
    assert sum(k.grouped for k in series.kills) > sum(k.groups for k in series.kills)


def test_the_kills_cut_commands_off_before_their_answer(series: Series) -> None:
    """The kills are real: they hit commands in flight, some of them inside a group's transaction."""
    assert sum(k.lost for k in series.kills) > 0
    assert any(k.in_transaction for k in series.kills)


def test_registry_verify_passes_after_the_kills(series: Series, cli: Callable[..., Result]) -> None:
    done = cli("--db", series.url, "verify", "--json")

    assert done.code == 0, done.out + done.err
    assert json.loads(done.out)["ok"] is True
