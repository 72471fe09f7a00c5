"""H, history: `registry history ITEM --json` for an item with 1,000 events in a 1,000,000-event store.

A cold process each time (start-up included: that is what a person waits for), median wall time of several runs,
against the floor: python -c running the same SQL with sqlite3 (the item's history rows; its events, each with the
hash of the event before it) and printing JSON.

Run alone: python -m benchmarks.history [--quick]
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.dataset import HOT_EVENTS, HOT_ITEM, log_database
from benchmarks.sample import arguments, log, report

FULL_EVENTS, QUICK_EVENTS = 1_000_000, 20_000
FULL_RUNS, QUICK_RUNS = 7, 3
REGISTRY = Path(sys.executable).with_name("registry")

FLOOR = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.row_factory = sqlite3.Row
history = [dict(r) for r in conn.execute(
    "SELECT * FROM item_history WHERE item_id = ? ORDER BY position", (sys.argv[2],))]
chain = [dict(r) for r in conn.execute(
    "SELECT e.*, b.hash AS hash_before FROM events e LEFT JOIN events b ON b.position = e.position - 1"
    " WHERE e.stream_id = ? ORDER BY e.position", (sys.argv[2],))]
for row in history:
    row["changes"] = json.loads(row["changes"])
print(json.dumps(history, ensure_ascii=False, indent=2))
"""


def wall(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command[:4]} exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds, done.stdout


def ensure_projections(path: Path) -> None:
    """The history command reads the item_history projection: rebuild it if the log was never folded."""
    conn = sqlite3.connect(path)
    folded = conn.execute("SELECT COUNT(*) FROM projection_positions").fetchone()[0]
    conn.close()
    if not folded:
        log(f"folding the projections of {path} first (untimed)")
        subprocess.run([str(REGISTRY), "--db", f"sqlite:///{path}", "rebuild"], check=True, capture_output=True)


def main() -> None:
    args = arguments(__doc__ or "")
    events = QUICK_EVENTS if args.quick else FULL_EVENTS
    runs = QUICK_RUNS if args.quick else FULL_RUNS
    path = log_database(events)
    ensure_projections(path)
    registry_command = [str(REGISTRY), "--db", f"sqlite:///{path}", "history", HOT_ITEM, "--json"]
    floor_command = [sys.executable, "-c", FLOOR, str(path), HOT_ITEM]
    wall(registry_command)  # warm the page cache for both
    registry_times, floor_times = [], []
    for _ in range(runs):
        seconds, out = wall(registry_command)
        registry_times.append(seconds)
        assert len(json.loads(out)) == HOT_EVENTS
        seconds, out = wall(floor_command)
        floor_times.append(seconds)
        assert len(json.loads(out)) == HOT_EVENTS
    startup, _ = wall([sys.executable, "-c", "pass"])
    result = {
        "registry": statistics.median(registry_times),
        "floor": statistics.median(floor_times),
        "python_startup": startup,
    }
    log(f"H: registry {result['registry']:.3f} s, floor {result['floor']:.3f} s")
    report({"scenario": "H", "events": events, "item_events": HOT_EVENTS, "runs": runs, "results": result})


if __name__ == "__main__":
    main()
