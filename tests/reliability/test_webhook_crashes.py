"""The delivery worker (`registry deliver --workers 2`, the real console script) killed with SIGKILL at random moments
while items are published, on a SQLite file and on PostgreSQL, with three subscriptions of different filters and a
receiver on 127.0.0.1 that answers after a few milliseconds.

At every kill no subscription's cursor is ahead of what the receiver acknowledged; after the last one (and a final
`registry deliver --once`) every subscription has every matching change, in log order, and the only repeats are of a
message that subscription had just received when its worker was killed.
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from events.database import open_engine
from projections.public_feed import ChangeFilter
from projections.schema import public_changes
from registry.push.store import webhook_attempts, webhook_subscriptions
from registry.push.subscriptions import Webhooks
from registry.service import Registry
from tests.api.office import Office
from tests.conftest import REGISTRY_BIN, initialise
from tests.reliability.scale import KILLS
from tests.signing import signed_registry
from tests.webhook_receiver import Receiver, Reply, Request

KEY = bytes(range(100, 132))
START_WAIT = 20.0  # seconds for a worker to send its first request (it imports the registry first)

# The subscriptions: a name, the filter an admin gives, and which public changes it matches (domain, kind).
SUBSCRIPTIONS: dict[str, dict[str, str]] = {
    "全部": {},
    "社会救助": {"domain": "社会救助"},
    "取消": {"kind": "取消"},
}


def matches(name: str, domain: str, kind: str) -> bool:
    wanted = SUBSCRIPTIONS[name]
    return wanted.get("domain", domain) == domain and (kind == "cancel" or "kind" not in wanted)


@dataclass
class Kill:
    number: int
    moment: str  # "any time" from the start, or "delivering": after this worker's first request
    requests: int  # requests the receiver had from this worker
    in_flight: bool  # the receiver was answering this worker's request when it was killed
    problems: list[str]


@dataclass
class Series:
    registry: Registry
    office: Office
    url: str
    directory: Path
    receiver: Receiver
    subscriptions: dict[str, str]  # name -> subscription id
    initial: dict[str, int]  # subscription id -> its cursor when it was made
    domains: dict[str, str] = field(default_factory=dict)  # item id -> domain
    live: list[str] = field(default_factory=list)  # the items in the catalog now
    boundaries: list[int] = field(default_factory=list)  # how many requests had arrived when each worker was killed
    kills: list[Kill] = field(default_factory=list)
    horizon: float = 0.3  # how long after a worker's first request to kill it at most (adapts)
    final: subprocess.CompletedProcess[str] | None = None
    seconds: float = 0.0
    published: int = 0


def worker_command(series: Series, *args: str) -> tuple[list[str], dict[str, str]]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    environment |= {"REGISTRY_WEBHOOK_KEY_FILE": str(series.directory / "webhook.key"), "LANG": "C.UTF-8"}
    return [str(REGISTRY_BIN), "--db", series.url, "deliver", *args], environment


# -- what the database and the receiver say ---------------------------------------------------------------------------


def matching(series: Series, name: str) -> list[int]:
    """The positions of the public changes that subscription `name` matches, after its first cursor, in log order."""
    subscription = series.subscriptions[name]
    with series.registry.engine.connect() as conn:
        rows = conn.execute(
            select(public_changes.c.position, public_changes.c.item_id, public_changes.c.kind).order_by(
                public_changes.c.position
            )
        ).all()
    return [
        int(row.position)
        for row in rows
        if row.position > series.initial[subscription] and matches(name, series.domains[row.item_id], row.kind)
    ]


def cursors(series: Series) -> dict[str, int]:
    with series.registry.engine.connect() as conn:
        rows = conn.execute(select(webhook_subscriptions.c.subscription_id, webhook_subscriptions.c.cursor)).all()
    return {row.subscription_id: int(row.cursor) for row in rows}


def given_up(series: Series, subscription: str) -> set[int]:
    with series.registry.engine.connect() as conn:
        rows = conn.execute(
            select(webhook_attempts.c.position)
            .where(webhook_attempts.c.subscription_id == subscription)
            .where(webhook_attempts.c.outcome == "given_up")
        ).all()
    return {int(row.position) for row in rows}


def position_of(request: Request) -> int:
    return int(request.webhook_id.rpartition("_")[2])


def acknowledged(requests: list[Request]) -> set[int]:
    return {position_of(r) for r in requests if r.answered is not None and 200 <= r.answered < 300}


def cursor_problems(series: Series) -> list[str]:
    """Each subscription's cursor is its first one, or a position the receiver acknowledged; and every matching
    change up to it was acknowledged (or given up)."""
    problems = []
    now = cursors(series)
    for name, subscription in series.subscriptions.items():
        cursor = now[subscription]
        acked = acknowledged(series.receiver.received(subscription))
        if cursor != series.initial[subscription] and cursor not in acked:
            problems.append(f"{name}: cursor {cursor} was never acknowledged (acknowledged: {sorted(acked)})")
        skipped = [p for p in matching(series, name) if p <= cursor and p not in acked | given_up(series, subscription)]
        if skipped:
            problems.append(f"{name}: cursor {cursor} is past {skipped}, never acknowledged nor given up")
    return problems


def settle(receiver: Receiver) -> None:
    """Let the receiver's threads finish reading what a killed worker had already written to its sockets."""
    deadline = time.monotonic() + 5
    time.sleep(0.05)
    while any(r.finished is None for r in receiver.received()) and time.monotonic() < deadline:
        time.sleep(0.01)


# -- the series ------------------------------------------------------------------------------------------------------


def publish_some(series: Series, rng: random.Random, count: int) -> None:
    """`count` public changes: new items in two domains, adjustments and retirements of published ones."""
    office, live = series.office, series.live
    for _ in range(count):
        choice = rng.choice(["new", "new", "adjust", "retire"] if live else ["new"])
        series.published += 1
        if choice == "new":
            domain, unit = rng.choice([("财政预决算", "财政局"), ("社会救助", "民政局")])
            item = f"item-{series.published:03d}"
            office.publish_new(item, domain=domain, unit=unit, name=f"事项{series.published}")
            series.domains[item] = domain
            live.append(item)
        elif choice == "adjust":
            office.publish_adjustment(rng.choice(live), content=f"第{series.published}次调整")
        else:
            item = rng.choice(live)
            office.retire(item)
            live.remove(item)


def kill_one(series: Series, number: int, rng: random.Random) -> Kill:
    """Publish a little, start a worker, publish a little more while it runs, kill it at a random moment."""
    publish_some(series, rng, rng.randint(1, 3))
    before = len(series.receiver.received())
    command, environment = worker_command(series, "--workers", "2", "--poll", "0.05", "--timeout", "5")
    with open(series.directory / f"worker-{number:02d}.err", "w") as errors:
        worker = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=errors)
    moment = rng.choice(["any time", "delivering", "delivering", "delivering"])
    try:
        if moment == "any time":
            time.sleep(rng.uniform(0, 1.5))
        else:
            deadline = time.monotonic() + START_WAIT
            while len(series.receiver.received()) == before and time.monotonic() < deadline and worker.poll() is None:
                time.sleep(0.002)
            if rng.random() < 0.5:
                publish_some(series, rng, 1)  # published while the worker delivers
            time.sleep(rng.uniform(0, series.horizon))
        in_flight = any(r.finished is None for r in series.receiver.received()[before:])
    finally:
        worker.kill()
        worker.wait()
    settle(series.receiver)
    series.boundaries.append(len(series.receiver.received()))
    mine = series.receiver.received()[before:]
    caught_up = all(cursors(series)[s] >= max([0, *matching(series, n)]) for n, s in series.subscriptions.items())
    if moment == "delivering":
        series.horizon *= 0.7 if caught_up else 1.1
    problems = cursor_problems(series)
    if worker.returncode != -9:
        problems.append(f"the worker ended by itself ({worker.returncode}) before it was killed")
    return Kill(number, moment, len(mine), in_flight, problems)


@pytest.fixture(scope="module")
def series(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Series]:
    directory = tmp_path_factory.mktemp("webhook-crashes")
    if module_db_url.startswith("sqlite"):
        module_db_url = f"sqlite:///{directory / 'registry.db'}"
    engine = open_engine(module_db_url)
    initialise(engine)
    registry = signed_registry(engine)
    office = Office(registry)
    (directory / "webhook.key").write_bytes(KEY)
    receiver = Receiver()
    receiver.default = Reply(delay=0.01)
    webhooks = Webhooks(registry)
    subscriptions, initial = {}, {}
    for name, flt in SUBSCRIPTIONS.items():
        row, _secret = webhooks.subscribe(
            name, receiver.url, ChangeFilter.from_params(flt, registry.profile), office.actors["admin"], KEY
        )
        subscriptions[name], initial[row.subscription_id] = row.subscription_id, row.cursor
    found = Series(registry, office, module_db_url, directory, receiver, subscriptions, initial)
    rng = random.Random(19_2026)
    started = time.perf_counter()
    try:
        for number in range(KILLS):
            found.kills.append(kill_one(found, number, rng))
        command, environment = worker_command(found, "--once", "--timeout", "5")
        found.final = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)
        settle(receiver)
        found.seconds = time.perf_counter() - started
        yield found
    finally:
        receiver.stop()
        engine.dispose()


# -- what must hold --------------------------------------------------------------------------------------------------


def test_at_every_kill_no_cursor_is_ahead_of_the_receivers_acknowledgements(series: Series) -> None:
    assert [(k.number, k.moment, k.problems) for k in series.kills if k.problems] == []
    assert series.receiver.errors == []
    print(
        f"\nwebhook crashes on {series.registry.engine.dialect.name}: {len(series.kills)} SIGKILLs in"
        f" {series.seconds:.1f} s; {series.published} changes published;"
        f" {sum(k.in_flight for k in series.kills)} kills with a request in flight;"
        f" {len(series.receiver.received())} requests, {repeats(series)} repeats"
    )


def test_after_the_kills_every_subscription_has_every_matching_change_in_log_order(series: Series) -> None:
    assert series.final is not None and series.final.returncode == 0, series.final
    assert cursor_problems(series) == []
    for name, subscription in series.subscriptions.items():
        expected = matching(series, name)
        firsts: list[int] = []
        for request in series.receiver.acknowledged(subscription):
            if position_of(request) not in firsts:
                firsts.append(position_of(request))
        assert firsts == expected, name
        assert expected, f"{name} matched nothing: the test shows nothing"
        assert cursors(series)[subscription] == expected[-1], name


def test_a_repeat_is_only_of_the_message_a_subscription_had_just_received_when_its_worker_was_killed(
    series: Series,
) -> None:
    """Each worker's requests to a subscription repeat nothing, but for its first: it may be the last message the
    previous worker sent to that subscription (answered, not yet recorded when the kill came)."""
    requests = series.receiver.received()
    generations = list(zip([0, *series.boundaries], [*series.boundaries, len(requests)], strict=True))
    problems = []
    for name, subscription in series.subscriptions.items():
        seen: list[str] = []
        for worker, (start, end) in enumerate(generations):
            mine = [r.webhook_id for r in requests[start:end] if r.subscription == subscription]
            for index, webhook_id in enumerate(mine):
                if webhook_id in seen and not (index == 0 and webhook_id == seen[-1]):
                    problems.append(f"{name}: worker {worker} sent {webhook_id} again (request {index} of its own)")
                seen.append(webhook_id)
        if len(seen) - len(set(seen)) > len(series.kills):
            problems.append(f"{name}: {len(seen) - len(set(seen))} repeats after {len(series.kills)} kills")
    assert problems == []


def test_the_kills_are_real(series: Series) -> None:
    """Most workers were delivering when killed, and some were killed with a request in flight."""
    assert sum(k.requests > 0 for k in series.kills) >= len(series.kills) // 2
    assert any(k.in_flight for k in series.kills) or repeats(series) > 0


def repeats(series: Series) -> int:
    ids = [r.webhook_id for r in series.receiver.received()]
    return len(ids) - len(set(ids))
