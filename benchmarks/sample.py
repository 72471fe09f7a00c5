"""What every benchmark shares: realistic items and actors, databases to run on, timing and the JSON result."""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from events.elements import ItemElements
from events.event import ReviewStage
from registry.actor import Actor, Role
from registry.items.command import ApproveItem, DraftItem, ItemCommand, PassReview, PublishItem, SubmitItem

POSTGRES_URL = os.environ.get("REGISTRY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATA = Path(__file__).with_name(".data")  # generated databases, cached by size (gitignored)

DOMAINS = [("财政预决算", "财政局"), ("社会救助", "民政局"), ("义务教育", "教育体育局"), ("户籍管理", "公安局")]
STAFF: list[tuple[str, str, Role]] = [
    ("孙初审", "政务服务局", Role.PRELIMINARY_REVIEWER),
    ("周法务", "法务中心", Role.LEGALITY_REVIEWER),
    ("王审议", "旗人民政府", Role.APPROVER),
    ("吴发布", "政务服务局", Role.PUBLISHER),
]
DRAFTERS = {unit: f"起草人{index}" for index, (_, unit) in enumerate(DOMAINS)}
START = datetime(2024, 3, 1, 1, 0, tzinfo=UTC)


def actors() -> list[Actor]:
    """The drafters of each domain's unit and the four reviewers, approver and publisher."""
    people = [(name, unit, Role.DRAFTER) for unit, name in DRAFTERS.items()] + STAFF
    return [Actor(actor_id=name, unit=unit, roles=frozenset({role})) for name, unit, role in people]


def elements(n: int) -> ItemElements:
    """The elements of item number `n`: the size and shape of a real catalog row."""
    return ItemElements(
        category="财政预决算",
        name=f"政府预算（第{n}项）",
        content="一般公共预算、政府性基金预算、国有资本经营预算、社会保险基金预算，政府债务限额、余额等，"
        f"“三公”经费预算情况说明（{n}）",
        basis="《中华人民共和国预算法》《中华人民共和国预算法实施条例》《地方预决算公开操作规程》",
        time_limit="本级人民代表大会或其常务委员会批准后20日内",
        body="财政局",
        channels=("政府网站", "政务服务中心", "公开查阅点"),
        audience=("public",),
        method=("proactive",),
        levels=("county",),
    )


def item_id(n: int) -> str:
    return f"bench-{n:07d}"


def publication_path(n: int, people: dict[str, Actor]) -> list[ItemCommand]:
    """The six commands that take item `n` from drafting to publication."""
    domain, unit = DOMAINS[n % len(DOMAINS)]
    item, at = item_id(n), START + timedelta(minutes=n)
    return [
        DraftItem(item_id=item, actor=people[DRAFTERS[unit]], at=at, domain=domain, elements=elements(n)),
        SubmitItem(item_id=item, actor=people[DRAFTERS[unit]], at=at),
        PassReview(item_id=item, actor=people["孙初审"], at=at, stage=ReviewStage.PRELIMINARY, comment="要素齐全"),
        PassReview(item_id=item, actor=people["周法务"], at=at, stage=ReviewStage.LEGALITY, comment="依据合法"),
        ApproveItem(item_id=item, actor=people["王审议"], at=at, reference="2024年第3次政府常务会议"),
        PublishItem(item_id=item, actor=people["吴发布"], at=at),
    ]


# -- databases ----------------------------------------------------------------------------------------------


def fresh_sqlite(path: Path) -> str:
    """A SQLite URL for `path`, with any earlier file (and its WAL) removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:  # any failure to reach it means: skip PostgreSQL, and say so in the result
        return False
    return True


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one contender; dropped afterwards."""
    name = f"registry_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def libpq(url: str) -> str:
    """The libpq form of a SQLAlchemy PostgreSQL URL, for raw psycopg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_version() -> str:
    engine = create_engine(POSTGRES_URL)
    with engine.connect() as conn:
        version = str(conn.execute(text("SHOW server_version")).scalar())
    engine.dispose()
    return version


# -- measuring ----------------------------------------------------------------------------------------------


class Timer:
    """Wall time of a block, in seconds."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self._start


def peak_memory_mb() -> float:
    """This process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="the small sizes: a quick run to check the harness")
    return parser.parse_args()


def report(result: dict[str, Any]) -> None:
    """Print the scenario's one JSON result (the last line of stdout is what benchmarks/run.py reads)."""
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


def log(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()
