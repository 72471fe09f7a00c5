"""P, proofs: inclusion and consistency proofs from the Merkle tree of a 1,000,000-event log.

Two measures on the log that R and H use (a SQLite file), and on a log of 20,000 events beside it to show that a
proof's cost grows with log n, not n:
- in one process, the time to build an inclusion proof for random leaves against the whole log, and a consistency
  proof between random sizes (`events.merkle_store`, as `registry prove` and GraphQL's `proof` call it), with the
  SQL statements each one ran; every proof is checked by the offline verifier (`events/proof.py`);
- a cold `registry prove ITEM --json` (start-up included: what a person waits for), median wall time.

Run alone: python -m benchmarks.proof [--quick]
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from benchmarks.dataset import HOT_ITEM, log_database
from benchmarks.history import REGISTRY, ensure_projections, wall
from benchmarks.sample import arguments, log, report
from events import checkpoint, driver, merkle_store, proof
from events.database import open_engine
from events.schema import events

FULL_EVENTS, QUICK_EVENTS, SMALL_EVENTS = 1_000_000, 20_000, 20_000
FULL_PROOFS, QUICK_PROOFS = 1_000, 100
CLI_RUNS = 7


def signed_checkpoint(path: Path) -> int:
    """Sign a checkpoint of the whole log with a key kept beside the file (made once); its tree size."""
    key = path.with_suffix(".key")
    checkpoint.create_key(key)
    with sqlite3.connect(path) as conn:  # one checkpoint of the whole log is enough: sign it once
        signed = conn.execute("SELECT MAX(size) FROM checkpoints").fetchone()[0]
        if signed is not None and signed == conn.execute("SELECT MAX(position) FROM events").fetchone()[0]:
            return int(signed)
    done = wall([str(REGISTRY), "--db", f"sqlite:///{path}", "--key", str(key), "checkpoint", "--json"])
    return int(json.loads(done[1])["size"])


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def in_process(path: Path, size: int, proofs: int) -> dict[str, Any]:
    """Median and p99 milliseconds (and statements) per inclusion and per consistency proof, each one verified."""
    engine = open_engine(f"sqlite:///{path}")
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    driver.observers.append(count)  # the tree's reads go straight to the driver (events/driver.py)
    chance = random.Random(7)
    figures: dict[str, Any] = {}
    with engine.connect() as conn:
        root = merkle_store.root(conn, size)
        leaves = [chance.randrange(size) for _ in range(proofs)]
        hashes = dict(
            conn.execute(
                select(events.c.position, events.c.hash).where(events.c.position.in_([leaf + 1 for leaf in leaves]))
            ).all()
        )
        times, used, lengths = [], [], []
        for leaf in leaves:
            before, start = statements, time.perf_counter()
            path_ = merkle_store.inclusion_proof(conn, leaf, size)
            times.append(time.perf_counter() - start)
            used.append(statements - before)
            lengths.append(len(path_))
            proof.verify_inclusion(leaf, size, proof.leaf_hash(bytes.fromhex(hashes[leaf + 1])), path_, root)
        figures["inclusion"] = _summary(times, used, max(lengths))
        times, used, lengths = [], [], []
        for _ in range(proofs):
            old = chance.randrange(1, size)
            before, start = statements, time.perf_counter()
            path_ = merkle_store.consistency_proof(conn, old, size)
            times.append(time.perf_counter() - start)
            used.append(statements - before)
            lengths.append(len(path_))
            proof.verify_consistency(old, size, path_, merkle_store.root(conn, old), root)
        figures["consistency"] = _summary(times, used, max(lengths))
    driver.observers.remove(count)
    engine.dispose()
    return figures


def _summary(seconds: list[float], statements: list[int], hashes: int) -> dict[str, float]:
    return {
        "p50_ms": statistics.median(seconds) * 1000,
        "p99_ms": _percentile(seconds, 0.99) * 1000,
        "statements": max(statements),
        "hashes": hashes,
    }


def cold_cli(path: Path, runs: int) -> float:
    command = [str(REGISTRY), "--db", f"sqlite:///{path}", "--key", str(path.with_suffix(".key")), "prove", HOT_ITEM]
    wall([*command, "--json"])  # warm the page cache
    public_key = proof.read_public_key(checkpoint.load_signer(path.with_suffix(".key"), "bench").public_key)
    times = []
    for _ in range(runs):
        seconds, out = wall([*command, "--json"])
        document = json.loads(out)
        assert proof.verify_document(document, public_key).startswith("ok")
        times.append(seconds)
    return statistics.median(times)


def measure(events_count: int, proofs: int, runs: int) -> dict[str, Any]:
    path = log_database(events_count)
    ensure_projections(path)
    size = signed_checkpoint(path)
    figures = in_process(path, size, proofs)
    figures["cli_seconds"] = cold_cli(path, runs)
    figures["size"] = size
    log(
        f"P at {size:,}: inclusion p50 {figures['inclusion']['p50_ms']:.2f} ms, consistency p50"
        f" {figures['consistency']['p50_ms']:.2f} ms, cold prove {figures['cli_seconds']:.2f} s"
    )
    return figures


def main() -> None:
    args = arguments(__doc__ or "")
    proofs = QUICK_PROOFS if args.quick else FULL_PROOFS
    runs = 3 if args.quick else CLI_RUNS
    large = QUICK_EVENTS if args.quick else FULL_EVENTS
    results = {"large": measure(large, proofs, runs)}
    results["small"] = measure(SMALL_EVENTS if not args.quick else 2_000, proofs, runs)
    report({"scenario": "P", "proofs": proofs, "runs": runs, "results": results})


if __name__ == "__main__":
    main()
