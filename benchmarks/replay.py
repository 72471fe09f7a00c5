"""R, replay: `registry rebuild` over a log of 1,000,000 events: events per second and peak memory.

Against the floor (a raw SELECT of the same rows in log order plus json.loads of payload and metadata, in a
python -c process) and the eventsourcing library reading the same number of its own events (notifications made
into domain events, as its followers do). Each runs as a cold process; peak memory is that process's ru_maxrss.
The projections are emptied before each timed rebuild (untimed), so that every run folds into empty tables.

Run alone: python -m benchmarks.replay [--quick]
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.dataset import log_database
from benchmarks.sample import DATA, arguments, log, report

FULL_EVENTS, QUICK_EVENTS = 1_000_000, 20_000
REGISTRY = Path(sys.executable).with_name("registry")

FLOOR = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
count = 0
for row in conn.execute(
    "SELECT position, stream_id, version, type, schema_version, payload, metadata, command_id, recorded_at,"
    " prev_hash, hash FROM events ORDER BY position"
):
    json.loads(row[5])
    json.loads(row[6])
    count += 1
print(count)
"""

PEER = """
import sys
from benchmarks.peer import replay
print(replay(sys.argv[1]))
"""


# Runs the command in a child of its own and prints that child's ru_maxrss (KiB). A process's ru_maxrss keeps the
# high-water mark of the memory it was forked from (Linux carries it across exec), so a child of this process
# would report at least this process's own peak: the launcher, a bare interpreter (-I -S), is small.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\nmaxrss_kib={usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def timed(command: list[str]) -> dict[str, Any]:
    """Wall seconds and peak resident memory (MB, the command's own ru_maxrss) of a cold process running
    `command`; and the last line it printed."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-I", "-S", "-c", LAUNCHER, *command], stdout=out, stderr=err)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        printed, errors = out.read().strip().splitlines(), err.read()
    if done.returncode:
        raise RuntimeError(f"{command[:3]} failed: {errors[-2000:]}")
    peak_kib = int(errors.rsplit("maxrss_kib=", 1)[1].split()[0])
    return {"seconds": seconds, "peak_mb": peak_kib / 1024, "output": printed[-1] if printed else ""}


def empty_projections(path: Path) -> None:
    from projections.schema import PROJECTION_TABLES, projection_positions

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for table in (*PROJECTION_TABLES, projection_positions):
        conn.execute(f"DELETE FROM {table.name}")
    conn.execute("COMMIT")
    conn.close()


def peer_log(events: int) -> Path:
    path = DATA / f"eventsourcing-{events}.db"
    if not path.exists():
        from benchmarks.peer import generate_log

        log(f"generating the eventsourcing library's log of {events:,} events (once; cached)")
        building = path.with_suffix(".building")
        building.unlink(missing_ok=True)
        generate_log(str(building), events)
        conn = sqlite3.connect(building)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
        building.rename(path)
    return path


def main() -> None:
    args = arguments(__doc__ or "")
    events = QUICK_EVENTS if args.quick else FULL_EVENTS
    path = log_database(events)
    peer = peer_log(events)
    empty_projections(path)
    rebuild = timed([str(REGISTRY), "--db", f"sqlite:///{path}", "rebuild"])
    log(f"R registry rebuild: {rebuild['seconds']:.1f} s, {rebuild['peak_mb']:.0f} MB")
    floor = timed([sys.executable, "-c", FLOOR, str(path)])
    log(f"R floor: {floor['seconds']:.1f} s, {floor['peak_mb']:.0f} MB")
    library = timed([sys.executable, "-c", PEER, str(peer)])
    log(f"R eventsourcing: {library['seconds']:.1f} s, {library['peak_mb']:.0f} MB")
    assert int(floor["output"]) == events and int(library["output"]) == events, (floor, library)
    report(
        {
            "scenario": "R",
            "events": events,
            "results": {
                name: {
                    "events_per_second": events / run["seconds"],
                    "seconds": run["seconds"],
                    "peak_mb": run["peak_mb"],
                }
                for name, run in (("registry", rebuild), ("floor", floor), ("eventsourcing", library))
            },
        }
    )


if __name__ == "__main__":
    main()
