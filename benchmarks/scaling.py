"""S, scaling out on PostgreSQL (docs/scaling.md): Q uncached against the primary alone, then against the primary and
one streaming replica with the load split between them (`registry serve --read-url REPLICA --primary-reads`).

The catalog is Q's (benchmarks/dataset.py: published items written straight into the public read model), copied
into a database of its own on the primary (REGISTRY_BENCH_POSTGRES_URL, default the machine's 127.0.0.1:5432; the
database `registry_bench_scaling`, made again when its size differs), which the replica (REGISTRY_BENCH_REPLICA_URL,
default 127.0.0.1:5433, as .ci/pg-replica makes it) streams. The load is Q's uncached one (benchmarks/read_api.py:
16 clients, every request a page no earlier one asked for). Which server answered is counted on the servers
themselves: the scans of the public catalog each made during the run (pg_stat_user_tables, read once the server
has stopped and its backends have reported; each page is the same scans on either server). Both clusters, the
server and the clients share this machine's two cores: the replica adds a second database server's processes, not a
second machine's cores.

Run alone: python -m benchmarks.scaling [--quick]
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.dataset import catalog_database
from benchmarks.read_api import DISTINCT, REGISTRY, WARM_UP, _load, launched, requests_for
from benchmarks.sample import arguments, log, report
from events.database import open_engine
from registry.schema import upgrade

SERVER = os.environ.get("REGISTRY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REPLICA_SERVER = os.environ.get("REGISTRY_BENCH_REPLICA_URL", "postgresql+psycopg://postgres@127.0.0.1:5433/postgres")
DATABASE = "registry_bench_scaling"
TABLES = ("public_catalog", "published_versions", "public_changes")


def _on(server: str, database: str) -> str:
    return make_url(server).set(database=database).render_as_string(hide_password=False)


def postgres_catalog(size: int) -> str:
    """The URL of a database on the primary holding Q's catalog of `size` items (made once per size)."""
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    url = _on(SERVER, DATABASE)
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": DATABASE}).first()
    if exists:
        engine = create_engine(url)
        with engine.connect() as conn:
            held = conn.execute(text("SELECT count(*) FROM public_catalog")).scalar_one()
        engine.dispose()
        if held == size:
            admin.dispose()
            return url
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {DATABASE} WITH (FORCE)"))
    log(f"copying the public catalog of {size:,} items into PostgreSQL ({DATABASE})")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    engine = open_engine(url)
    upgrade(engine)
    source = sqlite3.connect(catalog_database(size))
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        for table in TABLES:
            found = source.execute(f"SELECT * FROM {table}")
            columns = ", ".join(d[0] for d in found.description)
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in found:
                    copy.write_row(row)
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        source.close()
        engine.dispose()
    return url


def caught_up(primary: str, replica: str, timeout: float = 300) -> None:
    """Wait until the replica has replayed all the primary has written."""
    with create_engine(primary).connect() as conn:
        target = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
    engine = create_engine(replica)
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while not conn.execute(text("SELECT pg_last_wal_replay_lsn() >= :t"), {"t": target}).scalar_one():
            if time.monotonic() > deadline:
                raise RuntimeError("the replica did not catch up")
            time.sleep(0.2)
            conn.rollback()
    engine.dispose()


def _scans(url: str) -> int:
    """The scans of the public catalog this server has made: every page a request reads is scans of it, the same
    number on either server (the servers' own counters: a transaction count would count the pool's pre-pings too)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT coalesce(sum(coalesce(idx_scan, 0) + coalesce(seq_scan, 0)), 0) FROM pg_stat_user_tables"
                " WHERE relname = 'public_catalog'"
            )
        ).scalar_one()
    engine.dispose()
    return int(found)


def _settled(url: str, before: int) -> int:
    """The scan count once the server's backends have ended and reported their counts."""
    time.sleep(1.0)
    return _scans(url) - before


@contextmanager
def served(primary: str, replica: str | None) -> Iterator[int]:
    flags = ["--read-url", replica, "--primary-reads"] if replica else []
    with launched(
        lambda port: [str(REGISTRY), "--db", primary, "serve", "--port", str(port), "--no-graphiql", *flags]
    ) as port:
        yield port


def measure(size: int, seconds: float, with_replica: bool) -> dict[str, float]:
    primary, replica = _on(SERVER, DATABASE), _on(REPLICA_SERVER, DATABASE)
    distinct = requests_for("registry", size, min(DISTINCT, size))
    warm, requests = distinct[:WARM_UP], distinct[WARM_UP:]
    before = (_scans(primary), _scans(replica))
    with served(primary, replica if with_replica else None) as port:
        figures = asyncio.run(_load(port, requests, "uncached", seconds, warm))
    on_primary, on_replica = _settled(primary, before[0]), _settled(replica, before[1])
    figures["replica_share"] = on_replica / (on_primary + on_replica) if on_primary + on_replica else 0.0
    name = "primary + replica" if with_replica else "primary alone"
    log(
        f"S {name}, {size:,} items: {figures['rps']:.0f} req/s, p50 {figures['p50_ms']:.1f} ms, "
        f"p99 {figures['p99_ms']:.1f} ms, the replica's share {figures['replica_share']:.0%}"
    )
    return figures


def _missing() -> str | None:
    """Why the scenario cannot run here (no primary, or no streaming replica of it), or None."""
    for name, url in (("primary", SERVER), ("replica", REPLICA_SERVER)):
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                standby = conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one()
        except Exception as error:
            return f"no PostgreSQL {name} answers at {make_url(url).render_as_string()} ({str(error).splitlines()[0]})"
        finally:
            engine.dispose()
        if standby != (name == "replica"):
            return f"the server at {make_url(url).render_as_string()} is not a {name}"
    return None


def main() -> None:
    args = arguments(__doc__ or "")
    size, seconds = (2_000, 3.0) if args.quick else (100_000, 15.0)
    missing = _missing()
    if missing:
        log(f"S skipped: {missing} (.ci/pg-replica makes the replica)")
        report({"scenario": "S", "skipped": f"{missing}; `.ci/pg-replica` makes the replica"})
        return
    primary = postgres_catalog(size)
    caught_up(primary, _on(REPLICA_SERVER, DATABASE))
    results = {
        "primary": measure(size, seconds, with_replica=False),
        "primary_and_replica": measure(size, seconds, with_replica=True),
    }
    report({"scenario": "S", "items": size, "seconds": seconds, "results": results})


if __name__ == "__main__":
    main()
