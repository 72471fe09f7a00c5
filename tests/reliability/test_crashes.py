"""Writers killed with SIGKILL at random moments — inside a write transaction or at any time, while importing a large
file through the real `registry import` or the service, or while taking items through review one command at a time
— on a SQLite file and on PostgreSQL. After every kill the log is whole; after all of them `registry verify` passes.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from events.checkpoint import load_signer
from events.database import open_engine
from events.elements import ItemElements
from registry.audit import verify
from registry.items.command import DraftItem
from registry.profile import load_profile
from registry.schema import upgrade
from registry.service import Registry, now
from tests.conftest import REGISTRY_BIN, Result
from tests.reliability.catalog_file import write_catalog_csv
from tests.reliability.invariant import log_problems, read_facts
from tests.reliability.scale import CLI_IMPORT_KILLS, IMPORT_ROWS, KILLS
from tests.reliability.worker import (
    ELEMENTS,
    forkserver,
    import_until_killed,
    people,
    register_people,
    write_until_killed,
)
from tests.signing import signed_registry, write_test_key

LOCK_WAIT = 60.0  # seconds to wait for a writer to reach its write transaction


class Victim:
    """A writer process to kill: a forked writer of the service, or the real `registry` console script."""

    def __init__(self, alive: Callable[[], bool], kill: Callable[[], None], wait: Callable[[], object]) -> None:
        self.alive, self.kill, self.wait = alive, kill, wait


def write_lock_held(url: str, registry: Registry) -> bool:
    """Whether some writer is inside a write transaction now (holds SQLite's write lock, or our advisory lock)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        probe = sqlite3.connect(str(parsed.database), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()  # rolls back
        return False
    with registry.engine.connect() as conn:  # the lock of this schema's registry (EventStore.writing)
        held = conn.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = :key"
                " AND objid::bigint = hashtext(current_schema())::bigint & 4294967295)"
            ),
            {"key": 0x52454749},
        ).scalar()
    return bool(held)


@dataclass
class Kill:
    kind: str
    moment: str
    in_transaction: bool  # the write lock was seen held right before the kill
    finished_first: bool  # the writer had finished before the kill came
    events_added: int
    problems: list[str]


@dataclass
class Series:
    registry: Registry
    url: str
    directory: Path
    kills: list[Kill] = field(default_factory=list)
    # How long to wait before a kill "at any time", per kind of writer: shortened whenever a writer finished first,
    # lengthened a little when it was still running, so that most kills land mid-run whatever the machine's speed.
    horizons: dict[str, float] = field(
        default_factory=lambda: {
            "writer (service)": 0.5,
            "import (service)": 0.3 + IMPORT_ROWS * 0.01,
            "registry import (CLI)": 1.5 + IMPORT_ROWS * 0.01,
        }
    )
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0


def kill_one(series: Series, number: int, rng: random.Random) -> Kill:
    """Start writer number `number`, kill it at a random moment, and look at the log it leaves."""
    url, directory, registry = series.url, series.directory, series.registry
    spaced = max(1, KILLS // max(1, CLI_IMPORT_KILLS))
    if number % spaced == 0 and number // spaced < CLI_IMPORT_KILLS:
        kind = "registry import (CLI)"
    else:
        kind = ("writer (service)", "import (service)")[number % 2]
    moment = rng.choice(["in a write transaction", "at any time"])
    before = registry.store.head()[0]
    target: Callable[..., None]
    arguments: tuple[object, ...]
    horizon = series.horizons[kind]
    if kind == "writer (service)":
        target, arguments = write_until_killed, (url, f"k{number}", str(directory / "registry.key"), number)
        settle = 0.01
    else:
        names = [f"k{number}事项{row:05d}" for row in range(IMPORT_ROWS)]
        path = write_catalog_csv(directory / f"big-{number:03d}.csv", names)
        series.files.append(path.name)
        target, arguments = import_until_killed, (url, str(path))
        settle = series.horizons["import (service)"] / 2  # the write transaction is most of an import's time
    if kind == "registry import (CLI)":
        environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        command = [str(REGISTRY_BIN), "--db", url, "--as", "李财政", "import", str(path), "--unit", "财政局"]
        cli = subprocess.Popen(
            command, cwd=directory, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        victim = Victim(lambda: cli.poll() is None, cli.kill, cli.wait)
    else:
        process = forkserver().Process(target=target, args=arguments)
        process.start()
        victim = Victim(process.is_alive, process.kill, process.join)
    in_transaction = False
    if moment == "at any time":
        time.sleep(rng.uniform(0, horizon))
    else:
        deadline = time.monotonic() + LOCK_WAIT
        while victim.alive() and time.monotonic() < deadline and not write_lock_held(url, registry):
            time.sleep(0.001)
        in_transaction = victim.alive()
        time.sleep(rng.uniform(0, settle))
    finished_first = not victim.alive()
    victim.kill()
    victim.wait()
    series.horizons[kind] *= 0.6 if finished_first else 1.1
    facts = read_facts(registry.store)
    problems = log_problems(registry.store, facts)
    problems += [f"{file} is in the log {count} times" for file, count in facts.sources.items() if count != IMPORT_ROWS]
    return Kill(kind, moment, in_transaction, finished_first, facts.size - before, problems)


@pytest.fixture(scope="module")
def series(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Series]:
    """KILLS writers killed one after another on one registry (with a signing key, so publications sign)."""
    directory = tmp_path_factory.mktemp("crashes")
    if module_db_url.startswith("sqlite"):
        module_db_url = f"sqlite:///{directory / 'registry.db'}"
    engine = open_engine(module_db_url)
    upgrade(engine)
    write_test_key(directory / "registry.key")  # the key signed_registry records: the writers load it from the file
    registry = signed_registry(engine)
    register_people(registry)
    found = Series(registry, module_db_url, directory)
    rng = random.Random(20260)
    started = time.perf_counter()
    for number in range(KILLS):
        found.kills.append(kill_one(found, number, rng))
    found.seconds = time.perf_counter() - started
    yield found
    engine.dispose()


def test_after_every_kill_the_log_is_whole(series: Series) -> None:
    """Chain, gapless positions, contiguous versions, complete commands and batches, every import all or nothing,
    projections, tree and checkpoints at the log's head."""
    assert [(n, k.kind, k.problems) for n, k in enumerate(series.kills) if k.problems] == []
    tally = Counter((k.kind, "mid-transaction" if k.in_transaction else k.moment) for k in series.kills)
    print(
        f"\ncrashes on {series.registry.engine.dialect.name}: {len(series.kills)} SIGKILLs in {series.seconds:.1f} s,"
        f" {sum(not k.finished_first for k in series.kills)} mid-run; {dict(tally)};"
        f" events {series.registry.store.head()[0]};"
        f" imports landed whole {sum(1 for k in series.kills if k.events_added >= IMPORT_ROWS)}"
    )


def test_most_kills_land_while_the_writer_is_running(series: Series) -> None:
    """The kills are real: most of them hit a running writer, some inside its write transaction."""
    assert sum(not k.finished_first for k in series.kills) >= len(series.kills) // 2
    assert any(k.in_transaction for k in series.kills)


def test_registry_verify_passes_after_the_kills(series: Series, cli: Callable[..., Result]) -> None:
    done = cli("--db", series.url, "verify", "--json")

    assert done.code == 0, done.out + done.err
    assert json.loads(done.out)["ok"] is True
    result = verify(series.registry.store)
    assert result.ok and not result.projection_problems


def test_the_registry_takes_writes_after_the_kills(series: Series) -> None:
    profile = load_profile()
    signer = load_signer(series.directory / "registry.key", f"catalog-registry/{profile.jurisdiction}")
    registry = Registry(series.registry.engine, profile, signer)
    drafter = people(registry)["drafter"]

    receipt = registry.execute(
        DraftItem(
            item_id="after-the-kills",
            actor=drafter,
            at=now(),
            domain="财政预决算",
            elements=ItemElements.model_validate(ELEMENTS),
        )
    )

    assert receipt.position == registry.store.head()[0]
    assert log_problems(registry.store) == []
