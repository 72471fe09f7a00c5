"""D, webhook deliveries: a backlog to 10 receivers, and the delay from commit to delivery under a steady trickle.

Backlog: 10 subscriptions without filters on a SQLite registry whose public read model holds 10,000 publications
(benchmarks/dataset.py's catalog), each still to be sent everything. The registry is `Deliverer.drain()` with the
default settings of `registry deliver` (durable: every answer and cursor move is its own committed transaction);
the floor is the same signed bodies POSTed with httpx by as many threads as the registry's workers, without any
database. The receivers (benchmarks/receivers.py) are another process on 127.0.0.1, answering 200 at once.

Trickle: a registry on SQLite publishing one item every TRICKLE_EVERY seconds, while the real `registry deliver`
runs as its own process with its default poll; the delay is from the publication's recorded time (its commit) to
its arrival at each of the 10 receivers.

Run alone: python -m benchmarks.push [--quick]
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.dataset import catalog_database, copy_of
from benchmarks.sample import Timer, actors, arguments, fresh_sqlite, log, publication_path, report
from events.checkpoint import Signer
from events.database import open_engine, reading
from events.timestamp import parse_time
from projections.public_feed import ChangeFilter, PublicChange, changes_after
from registry.profile import load_profile
from registry.push import store as webhook_store
from registry.push import webhook
from registry.push.delivery import Deliverer, DeliverySettings
from registry.schema import upgrade
from registry.service import Registry

RECEIVERS = 10
FULL_BACKLOG, QUICK_BACKLOG = 10_000, 500
TRICKLE_EVERY = 0.2  # seconds between publications
FULL_TRICKLE, QUICK_TRICKLE = 150, 20  # publications
REGISTRY_BIN = Path(sys.executable).with_name("registry")


@contextmanager
def receivers(count: int) -> Iterator[tuple[list[int], list[list[tuple[str, float]]]]]:
    """The receivers' ports; after the block, the second list holds what arrived ([webhook_id, time] pairs)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.receivers", str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    ports = json.loads(child.stdout.readline())["ports"]
    arrived: list[list[tuple[str, float]]] = []
    try:
        yield ports, arrived
    finally:
        child.stdin.close()
        arrived.append([(str(w), float(t)) for w, t in json.loads(child.stdout.readline())["arrivals"]])
        child.wait(30)


def subscribe(url: str, ports: list[int], cursor: int) -> None:
    engine = open_engine(url)
    with engine.begin() as conn:
        for n, port in enumerate(ports):
            webhook_store.insert(
                conn,
                f"wh_bench{n:02d}",
                f"接收系统{n}",
                f"http://127.0.0.1:{port}/hook",
                dict.fromkeys(webhook_store.FILTERS),
                secrets.token_urlsafe(24),
                cursor,
                "bench",
                datetime.now(UTC),
            )
    engine.dispose()


# -- the backlog --------------------------------------------------------------------------------------------


def backlog(size: int, folder: Path) -> dict[str, Any]:
    path = copy_of(catalog_database(size), folder)
    url = f"sqlite:///{path}"
    engine = open_engine(url)
    upgrade(engine)  # the cached catalog may predate the webhook tables
    key = secrets.token_bytes(32)
    settings = DeliverySettings()
    with receivers(RECEIVERS) as (ports, arrived):
        subscribe(url, ports, 0)
        deliverer = Deliverer(engine, load_profile(), key, settings)
        log(f"delivering {size:,} changes to each of {RECEIVERS} receivers")
        with Timer() as timer:
            done = deliverer.drain()
        deliverer.close()
    expected = size * RECEIVERS
    received = {webhook_id for webhook_id, _ in arrived[0]}
    assert done.delivered == expected and len(received) == expected, (done, len(received))
    with reading(engine) as conn:
        changes = changes_after(conn, ChangeFilter(), 0, size)
    engine.dispose()
    with receivers(RECEIVERS) as (ports, arrived):
        log("the floor: the same bodies POSTed without a database")
        floor = raw_posts(changes, ports, key, settings.workers)
    assert len({webhook_id for webhook_id, _ in arrived[0]}) == expected
    return {
        "changes": size,
        "receivers": RECEIVERS,
        "workers": settings.workers,
        "registry_seconds": timer.seconds,
        "registry_per_second": expected / timer.seconds,
        "floor_seconds": floor,
        "floor_per_second": expected / floor,
    }


def raw_posts(changes: list[PublicChange], ports: list[int], key: bytes, workers: int) -> float:
    """Seconds to POST every change to every receiver, signed as the registry signs, from `workers` threads."""
    jobs = [(n, port) for n, port in enumerate(ports)]

    def work(share: list[tuple[int, int]]) -> None:
        with httpx.Client(follow_redirects=False, trust_env=False) as client:
            for n, port in share:
                secret = webhook.derive_secret(key, f"wh_bench{n:02d}", "floor")
                for change in changes:
                    message_id = webhook.message_id(f"wh_bench{n:02d}", change.position)
                    body = orjson.dumps(change.payload())
                    stamp = int(time.time())
                    answer = client.post(
                        f"http://127.0.0.1:{port}/hook",
                        content=body,
                        headers={
                            "content-type": "application/json",
                            "webhook-id": message_id,
                            "webhook-timestamp": str(stamp),
                            "webhook-signature": webhook.sign(secret, message_id, stamp, body),
                        },
                    )
                    assert answer.status_code == 200

    shares = [jobs[i::workers] for i in range(workers)]
    threads = [threading.Thread(target=work, args=(share,)) for share in shares if share]
    with Timer() as timer:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return timer.seconds


# -- the trickle --------------------------------------------------------------------------------------------


def trickle(publications: int, folder: Path) -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    url = fresh_sqlite(folder / "trickle.db")
    engine = open_engine(url)
    upgrade(engine)
    registry = Registry(engine, load_profile(), Signer(Ed25519PrivateKey.generate(), "catalog-registry/bench"))
    registry.register_signing_key(None)
    people = {actor.actor_id: actor for actor in actors()}
    for actor in people.values():
        registry.register_actor(actor.actor_id, actor.unit, actor.roles)
    key_file = folder / "trickle.webhook-key"
    key_file.write_bytes(secrets.token_bytes(32))
    with receivers(RECEIVERS) as (ports, arrived):
        subscribe(url, ports, registry.store.head()[0])
        worker = subprocess.Popen(
            [str(REGISTRY_BIN), "--db", url, "deliver"],
            env={**os.environ, "REGISTRY_WEBHOOK_KEY_FILE": str(key_file)},
            stdout=subprocess.DEVNULL,
        )
        try:
            time.sleep(2.0)  # the worker's start-up, not part of any delay
            log(f"publishing {publications} items, one every {TRICKLE_EVERY} s, while `registry deliver` runs")
            start = time.monotonic()
            for n in range(publications):
                for command in publication_path(n, people):
                    registry.execute(command)
                time.sleep(max(0.0, start + (n + 1) * TRICKLE_EVERY - time.monotonic()))
            time.sleep(3.0)  # the last ones arrive
        finally:
            worker.terminate()
            worker.wait(30)
    with reading(engine) as conn:
        published = {
            c.position: parse_time(c.published_at).timestamp()
            for c in changes_after(conn, ChangeFilter(), 0, publications)
        }
    engine.dispose()
    delays = [arrival - published[int(webhook_id.rsplit("_", 1)[1])] for webhook_id, arrival in arrived[0]]
    assert len(delays) == publications * RECEIVERS, (len(delays), publications * RECEIVERS)
    delays.sort()
    return {
        "publications": publications,
        "every_seconds": TRICKLE_EVERY,
        "deliveries": len(delays),
        "p50_ms": statistics.median(delays) * 1000,
        "p99_ms": delays[min(len(delays) - 1, int(len(delays) * 0.99))] * 1000,
        "max_ms": delays[-1] * 1000,
        "poll_seconds": DeliverySettings().poll,
    }


def main() -> None:
    args = arguments(__doc__ or "")
    with tempfile.TemporaryDirectory(prefix="bench-push-") as folder:
        result = {
            "backlog": backlog(QUICK_BACKLOG if args.quick else FULL_BACKLOG, Path(folder)),
            "trickle": trickle(QUICK_TRICKLE if args.quick else FULL_TRICKLE, Path(folder)),
        }
    report(result)


if __name__ == "__main__":
    main()
