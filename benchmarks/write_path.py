"""W, the write path: items through their whole publication path, one transaction per command.

Three contenders on a SQLite file and on PostgreSQL, each at the same durability:
the registry (Registry.execute), the eventsourcing library (an aggregate with the same six events, saved once per
command) and the floor (raw sqlite3 / psycopg inserting the registry's own event rows, one transaction per command).
"Durable" is SQLite WAL with synchronous=FULL and PostgreSQL's defaults; "relaxed" is synchronous=NORMAL and
PostgreSQL's synchronous_commit=off.

Run alone: python -m benchmarks.write_path [--quick]
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select, text

from benchmarks.sample import (
    Timer,
    actors,
    arguments,
    fresh_sqlite,
    libpq,
    log,
    postgres_available,
    postgres_database,
    publication_path,
    report,
)
from events import merkle_store
from events.checkpoint import Signer
from events.database import open_engine
from events.schema import events
from registry.profile import load_profile
from registry.schema import upgrade
from registry.service import Registry

FULL_ITEMS, QUICK_ITEMS = 2000, 60
COMMANDS_PER_ITEM = 6
Rows = list[list[dict[str, Any]]]  # the event rows of each command, in log order


# -- the registry -------------------------------------------------------------------------------------------


def registry_engine(url: str, durable: bool) -> Engine:
    if url.startswith("sqlite"):
        return open_engine(url, synchronous="FULL" if durable else "NORMAL")
    if durable:
        return open_engine(url)
    return create_engine(url, connect_args={"options": "-csynchronous_commit=off"})


class Clock:
    """Adds up the time spent in one function while a run lasts: the Merkle tree's growth (`merkle_store.append`,
    called by the store inside each append's transaction) and the database's commit (the dialect's `do_commit`:
    on SQLite the WAL's write and fsync), each measured in the registry's own run."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    @contextmanager
    def around(self, owner: Any, name: str) -> Iterator[None]:
        original, own = getattr(owner, name), name in vars(owner)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1

        setattr(owner, name, timed)
        try:
            yield
        finally:
            if own:
                setattr(owner, name, original)
            else:
                delattr(owner, name)  # an instance's method: its class's shows again


def run_registry(url: str, durable: bool, items: int, tree: Clock, commit: Clock) -> tuple[float, Rows]:
    """Seconds for every command of `items` publication paths; and the event rows they wrote, per command."""
    engine = registry_engine(url, durable)
    upgrade(engine)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    registry = Registry(engine, load_profile(), Signer(Ed25519PrivateKey.generate(), "catalog-registry/bench"))
    registry.register_signing_key(None)  # as `registry init` does: publications are signed by the key on record
    people = {actor.actor_id: actor for actor in actors()}
    for actor in people.values():
        registry.register_actor(actor.actor_id, actor.unit, actor.roles)
    commands = [command for n in range(items) for command in publication_path(n, people)]
    with tree.around(merkle_store, "append"), commit.around(engine.dialect, "do_commit"), Timer() as timer:
        for command in commands:
            registry.execute(command)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(events).order_by(events.c.position))]
    engine.dispose()
    by_command: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if not str(row["stream_id"]).startswith(("actor:", "key:")):
            by_command.setdefault(str(row["command_id"]), []).append(row)
    return timer.seconds, list(by_command.values())


# -- many writers in one process: group commit ----------------------------------------------------------------

WRITERS = 16


def run_concurrent(url: str, items: int, group_limit: int) -> dict[str, Any]:
    """WRITERS threads of one process (the server's situation), each carrying its own items through their
    publication path, durable; commands per second and the sizes of the groups the registry wrote."""
    import threading

    engine = registry_engine(url, durable=True)
    upgrade(engine)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signer = Signer(Ed25519PrivateKey.generate(), "catalog-registry/bench")
    registry = Registry(engine, load_profile(), signer, group_limit=group_limit)
    registry.register_signing_key(None)
    people = {actor.actor_id: actor for actor in actors()}
    for actor in people.values():
        registry.register_actor(actor.actor_id, actor.unit, actor.roles)
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        try:
            for n in range(index, items, WRITERS):
                for command in publication_path(n, people):
                    registry.execute(command)
        except BaseException as error:  # reported below: a benchmark must not count failed commands
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(WRITERS)]
    with Timer() as timer:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    stats = registry._writer.stats
    engine.dispose()
    commands = items * COMMANDS_PER_ITEM
    return {
        "rate": commands / timer.seconds,
        "groups": stats.groups,
        "mean_group": stats.commands / stats.groups,
        "max_group": stats.largest,
    }


# -- the floor: the same rows, raw ----------------------------------------------------------------------------

INSERT_COLUMNS = [column.name for column in events.columns]


def floor_sqlite(url: str, durable: bool, rows: Rows) -> float:
    """Raw sqlite3 inserting the registry's event rows into the registry's own schema, a transaction per command."""
    engine = open_engine(url)
    upgrade(engine)  # the same table, keys and indexes
    engine.dispose()
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    statement = f"INSERT INTO events ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join('?' * len(INSERT_COLUMNS))})"
    with Timer() as timer:
        for command in rows:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(statement, [[row[c] for c in INSERT_COLUMNS] for row in command])
            conn.execute("COMMIT")
    conn.close()
    return timer.seconds


def floor_postgres(url: str, durable: bool, rows: Rows) -> float:
    """Raw psycopg inserting the same rows into the same schema, one transaction per command."""
    import psycopg

    engine = open_engine(url)
    upgrade(engine)
    engine.dispose()
    options = "" if durable else "-csynchronous_commit=off"
    statement = f"INSERT INTO events ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))})"
    with psycopg.connect(libpq(url), options=options) as conn, Timer() as timer:
        for command in rows:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(statement, [[row[c] for c in INSERT_COLUMNS] for row in command])
    return timer.seconds


# -- the eventsourcing library ------------------------------------------------------------------------------


def run_eventsourcing(url: str, durable: bool, items: int) -> float:
    """The eventsourcing library carrying out the same commands: get the aggregate, call a method, save."""
    from benchmarks.peer import CatalogApplication, eventsourcing_environment

    people = {actor.actor_id: actor for actor in actors()}
    commands = [command for n in range(items) for command in publication_path(n, people)]
    with eventsourcing_environment(url, durable) as environment:
        application = CatalogApplication(env=environment)
        with Timer() as timer:
            for command in commands:
                application.execute(command)
        application.close()
    return timer.seconds


# -- running ------------------------------------------------------------------------------------------------


@contextmanager
def sqlite_file() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="registry-bench-") as folder:
        yield fresh_sqlite(Path(folder) / f"{uuid.uuid4().hex}.db")


@contextmanager
def postgres_url(durable: bool) -> Iterator[str]:
    with postgres_database() as url:
        if not durable:
            name = url.rsplit("/", 1)[1].split("?")[0]
            admin = create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
            admin.dispose()
        yield url


def measure(backend: str, durable: bool, items: int) -> dict[str, Any]:
    """Commands per second of each contender on `backend` at one durability."""
    database: Callable[[], Any] = sqlite_file if backend == "sqlite" else (lambda: postgres_url(durable))
    commands = items * COMMANDS_PER_ITEM
    tree, commit = Clock(), Clock()
    with database() as url:
        registry_seconds, rows = run_registry(url, durable, items, tree, commit)
    with database() as url:
        floor_seconds = (floor_sqlite if backend == "sqlite" else floor_postgres)(url, durable, rows)
    with database() as url:
        peer_seconds = run_eventsourcing(url, durable, items)
    concurrent: dict[str, Any] = {}
    if durable:
        for label, limit in (("grouped", 256), ("one_per_transaction", 1)):
            with database() as url:
                concurrent[label] = run_concurrent(url, items, limit)
        log(
            f"W {backend} {WRITERS} writers: "
            + ", ".join(f"{k} {v['rate']:.0f}/s (mean group {v['mean_group']:.1f})" for k, v in concurrent.items())
        )
    figures: dict[str, Any] = {
        "registry": commands / registry_seconds,
        "eventsourcing": commands / peer_seconds,
        "floor": commands / floor_seconds,
        "tree_ms_per_command": tree.seconds / commands * 1000,
        "tree_share": tree.seconds / registry_seconds,
        "without_tree": commands / (registry_seconds - tree.seconds),
        "commit_ms_per_command": commit.seconds / commands * 1000,
        "commit_share": commit.seconds / registry_seconds,
    }
    if concurrent:
        figures["concurrent"] = concurrent
    log(
        f"W {backend} {'durable' if durable else 'relaxed'}: "
        + ", ".join(f"{k} {figures[k]:.0f}/s" for k in ("registry", "eventsourcing", "floor", "without_tree"))
        + f"; the tree {figures['tree_ms_per_command']:.3f} ms per command ({figures['tree_share']:.1%})"
        + f"; the commit {figures['commit_ms_per_command']:.3f} ms per command ({figures['commit_share']:.1%})"
    )
    return figures


def main() -> None:
    args = arguments(__doc__ or "")
    items = QUICK_ITEMS if args.quick else FULL_ITEMS
    backends = ["sqlite"] + (["postgres"] if postgres_available() else [])
    results: dict[str, Any] = {}
    for backend in backends:
        for durable in (True, False):
            results[f"{backend}/{'durable' if durable else 'relaxed'}"] = measure(backend, durable, items)
    report(
        {
            "scenario": "W",
            "items": items,
            "commands": items * COMMANDS_PER_ITEM,
            "writers": WRITERS,
            "results": results,
            "postgres": "postgres" in backends,
        }
    )


if __name__ == "__main__":
    main()
