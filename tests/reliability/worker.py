"""What the writer processes of the reliability tests run. Kept apart from the tests so that a child imports little.

The tests start these through a forkserver that has imported this module once, so a new writer starts in
milliseconds rather than the second a fresh interpreter needs to import the registry.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Any

from events.checkpoint import load_signer
from events.database import open_engine
from events.elements import ItemElements
from events.event import ReviewStage
from events.store import ConcurrencyConflict
from registry.actor import Actor, Role
from registry.items.command import (
    AdjustItem,
    ApproveItem,
    DiscardItem,
    DraftItem,
    ItemCommand,
    PassReview,
    PublishItem,
    RejectItem,
    RetireItem,
    ReviseItem,
    SubmitItem,
)
from registry.items.state import ItemState, Status
from registry.profile import load_profile
from registry.rules import RuleViolation
from registry.service import NotFound, Registry, now
from registry.transfer.importing import import_catalog
from tests.signing import signed_registry

TIMEOUT = 300
CRASHED = 70  # a writer's exit code when any of its commands raised something other than a refusal or a conflict

# The office: who may do what, and a drafter of another unit whom the rules refuse.
PEOPLE: dict[str, tuple[str, str, Role]] = {
    "drafter": ("李财政", "财政局", Role.DRAFTER),
    "other drafter": ("张民政", "民政局", Role.DRAFTER),
    "preliminary": ("孙初审", "政务服务局", Role.PRELIMINARY_REVIEWER),
    "legality": ("周法务", "法务中心", Role.LEGALITY_REVIEWER),
    "approver": ("王审议", "旗人民政府", Role.APPROVER),
    "publisher": ("吴发布", "政务服务局", Role.PUBLISHER),
}
ELEMENTS: dict[str, Any] = {
    "category": "财政预决算",
    "name": "政府预算",
    "content": "一般公共预算收支",
    "basis": "《中华人民共和国预算法》",
    "time_limit": "信息形成或者变更之日起20个工作日内",
    "body": "财政局",
    "channels": ["政府网站"],
    "audience": ["public"],
    "method": ["proactive"],
    "levels": ["county"],
}
DOMAIN = "财政预决算"

# The next steps of an item by its status, each with who takes it; repeats weigh the choice.
STEPS: dict[Status, list[tuple[str, str]]] = {
    Status.NEW: [("draft", "drafter")],
    Status.DRAFT: [("submit", "drafter")] * 4 + [("revise", "drafter")] * 2 + [("discard", "drafter")],
    Status.SUBMITTED: [("pass preliminary", "preliminary")] * 4 + [("reject preliminary", "preliminary")],
    Status.PRELIMINARY_REVIEWED: [("pass legality", "legality")] * 4 + [("reject legality", "legality")],
    Status.LEGALITY_REVIEWED: [("approve", "approver")] * 4 + [("reject approval", "approver")],
    Status.APPROVED: [("publish", "publisher")],
    Status.PUBLISHED: [("adjust", "drafter")] * 6 + [("retire", "drafter")],
    Status.RETIRED: [("adjust", "drafter"), ("draft", "drafter")],
    Status.DISCARDED: [("submit", "drafter"), ("draft", "drafter")],
}


def people(registry: Registry) -> dict[str, Actor]:
    return {key: registry.actor(name) for key, (name, _, _) in PEOPLE.items()}


def register_people(registry: Registry) -> None:
    for name, unit, role in PEOPLE.values():
        registry.register_actor(name, unit, frozenset({role}))


def build(step: str, item_id: str, actor: Actor, rng: random.Random) -> ItemCommand:
    """The command for `step` on `item_id`, by `actor`."""
    at = now()
    changed = ItemElements.model_validate({**ELEMENTS, "content": f"一般公共预算收支（{rng.randrange(10**6)}）"})
    builders: dict[str, Callable[[], ItemCommand]] = {
        "draft": lambda: DraftItem(
            item_id=item_id, actor=actor, at=at, domain=DOMAIN, elements=ItemElements.model_validate(ELEMENTS)
        ),
        "revise": lambda: ReviseItem(
            item_id=item_id, actor=actor, at=at, elements=changed, fields=frozenset({"content"})
        ),
        "submit": lambda: SubmitItem(item_id=item_id, actor=actor, at=at),
        "pass preliminary": lambda: PassReview(item_id=item_id, actor=actor, at=at, stage=ReviewStage.PRELIMINARY),
        "reject preliminary": lambda: RejectItem(
            item_id=item_id, actor=actor, at=at, stage="preliminary", comment="缺依据"
        ),
        "pass legality": lambda: PassReview(item_id=item_id, actor=actor, at=at, stage=ReviewStage.LEGALITY),
        "reject legality": lambda: RejectItem(
            item_id=item_id, actor=actor, at=at, stage="legality", comment="依据失效"
        ),
        "approve": lambda: ApproveItem(item_id=item_id, actor=actor, at=at, reference="2024年第1次政府常务会议"),
        "reject approval": lambda: RejectItem(item_id=item_id, actor=actor, at=at, stage="approval", comment="再议"),
        "publish": lambda: PublishItem(item_id=item_id, actor=actor, at=at),
        "adjust": lambda: AdjustItem(
            item_id=item_id,
            actor=actor,
            at=at,
            trigger="法律法规修订",
            elements=changed,
            fields=frozenset({"content"}),
        ),
        "retire": lambda: RetireItem(item_id=item_id, actor=actor, at=at, trigger="依据失效", reason="规程已废止"),
        "discard": lambda: DiscardItem(item_id=item_id, actor=actor, at=at, reason="重复"),
    }
    return builders[step]()


def private_items(writer: int, writers: int, count: int) -> list[str]:
    """The items only `writer` touches: every `writers`-th of `count`."""
    return [f"own-{n:03d}" for n in range(writer, count, writers)]


def shared_items(count: int) -> list[str]:
    return [f"shared-{n:02d}" for n in range(count)]


def race(
    url: str, writer: int, writers: int, commands: int, shared: int, private: int, barrier: Any, outcomes: str
) -> None:
    """Carry out `commands` commands, half on the shared items, half on this writer's own; write what became of each.

    Each command is the next step of the item as the writer last read it, now and then by the wrong person. On a
    shared item the writer claims the version it read half of the time (`--expected-version`), so it races; on its
    own items it always does, and nobody else writes them, so a conflict there would be a bug. Some accepted commands
    are sent again with the same command id, as a client retries after a lost reply.
    """
    engine = open_engine(url)
    registry = signed_registry(engine)
    rng = random.Random(writer)
    who = people(registry)
    mine, theirs = private_items(writer, writers, private), shared_items(shared)
    crashed = False
    barrier.wait(TIMEOUT)
    with Path(outcomes).open("w", encoding="utf-8") as out:
        for number in range(commands):
            is_shared = rng.random() < 0.5
            item_id = rng.choice(theirs if is_shared else mine)
            record = attempt(
                registry, who, rng, item_id, f"w{writer}-{number}", claim=not is_shared or rng.random() < 0.5
            )
            record["shared"] = is_shared
            crashed = crashed or record["outcome"] == "crash"
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    engine.dispose()
    if crashed:
        raise SystemExit(CRASHED)


def attempt(
    registry: Registry, who: dict[str, Actor], rng: random.Random, item_id: str, command_id: str, *, claim: bool
) -> dict[str, Any]:
    """Read the item, choose and run its next step; what happened, as a JSON-able record."""
    try:
        state, stored = registry.load(item_id)
    except NotFound:
        state, stored = ItemState(), []
    step, person = rng.choice(STEPS[state.status])
    if rng.random() < 0.1:
        person = rng.choice(list(who))  # the wrong person, now and then
    command = build(step, item_id, who[person], rng)
    expected = len(stored) if claim else None
    record: dict[str, Any] = {"id": command_id, "item": item_id, "step": step, "person": person, "expected": expected}
    try:
        receipt = registry.execute(command, command_id=command_id, expected_version=expected)
    except ConcurrencyConflict:
        record["outcome"] = "conflict"
    except RuleViolation as refusal:
        record.update(outcome="refused", rule=refusal.rule.code)
    except NotFound:
        record["outcome"] = "not found"
    except Exception:
        record.update(outcome="crash", error=traceback.format_exc())
    else:
        record.update(outcome="accepted", position=receipt.position)
        if rng.random() < 0.1:
            record["retried"] = retried(registry, command, command_id, expected, receipt.position)
    return record


def retried(registry: Registry, command: ItemCommand, command_id: str, expected: int | None, position: int) -> str:
    """Send an accepted command again with its command id: "replayed" when nothing new was recorded."""
    try:
        again = registry.execute(command, command_id=command_id, expected_version=expected)
    except Exception:
        return traceback.format_exc()
    return "replayed" if again.replayed and again.position == position else f"recorded again at {again.position}"


def write_until_killed(url: str, prefix: str, key: str, seed: int) -> None:
    """Take items through their whole life one command at a time (publications sign checkpoints), with batches of
    drafts in between (`execute_all`, correlation id `batch:NAME:SIZE`), until the process is killed."""
    engine = open_engine(url)
    profile = load_profile()
    registry = Registry(engine, profile, load_signer(Path(key), f"catalog-registry/{profile.jurisdiction}"))
    who = people(registry)
    rng = random.Random(seed)
    life = ["draft", "submit", "pass preliminary", "pass legality", "approve", "publish"]
    owner = {"draft": "drafter", "submit": "drafter", "pass preliminary": "preliminary"}
    owner |= {"pass legality": "legality", "approve": "approver", "publish": "publisher"}
    number = 0
    while True:
        number += 1
        if rng.random() < 0.3:
            size = rng.randint(2, 20)
            batch = [build("draft", f"{prefix}-{number}-{n}", who["drafter"], rng) for n in range(size)]
            registry.execute_all(batch, correlation_id=f"batch:{prefix}-{number}:{size}")
            continue
        for step in life:
            registry.execute(build(step, f"{prefix}-{number}", who[owner[step]], rng))


GROUP_THREADS = 16  # the threads of one writer process whose commands are written in groups
ITEMS_PER_THREAD = 3


def write_in_groups_until_killed(url: str, prefix: str, key: str, directory: str) -> None:
    """Take items through their life from GROUP_THREADS threads of this one process (so that their commands are
    written in groups: registry/group_commit.py), each thread on items of its own, until the process is killed.

    In `directory`, thread N writes `sent-N.jsonl`, a line for each command before `execute` (flushed), and
    `acknowledged-N.jsonl`, a line for each answer once `execute` returned or raised (flushed and fsynced before the
    thread goes on): the command id, item, stream version claimed, outcome, and for an accepted command its receipt.
    `groups.json` says, now and then, how many groups were written, how many commands they held, the largest.
    """
    engine = open_engine(url)
    profile = load_profile()
    registry = Registry(engine, profile, load_signer(Path(key), f"catalog-registry/{profile.jurisdiction}"))
    who = people(registry)
    threads = [
        threading.Thread(
            target=carry_items, args=(registry, who, f"{prefix}-t{n:02d}", Path(directory), n), daemon=True
        )
        for n in range(GROUP_THREADS)
    ]
    for thread in threads:
        thread.start()
    groups, written = Path(directory) / "groups.json", Path(directory) / "groups.json.new"
    while True:
        stats = registry._writer.stats
        written.write_text(
            json.dumps({"groups": stats.groups, "commands": stats.commands, "largest": stats.largest}),
            encoding="utf-8",
        )
        os.replace(written, groups)
        time.sleep(0.02)


def carry_items(registry: Registry, who: dict[str, Actor], prefix: str, directory: Path, thread: int) -> None:
    """One thread of `write_in_groups_until_killed`: the next step of one of its items, again and again, each command
    with its expected stream version, now and then by the wrong person (refused) or sent again with its command id
    (replayed). Nobody else writes these items: a conflict, or a read of an item that misses a command this thread
    was acknowledged for, is a bug (recorded as outcome "conflict" and "unseen")."""
    rng = random.Random(prefix)
    items = [f"{prefix}-{n}" for n in range(ITEMS_PER_THREAD)]
    last_acknowledged: dict[str, tuple[str, int]] = {}  # item -> the last command accepted on it, and its position
    sent_file = (directory / f"sent-{thread:02d}.jsonl").open("a", encoding="utf-8")
    answers = (directory / f"acknowledged-{thread:02d}.jsonl").open("a", encoding="utf-8")

    def acknowledge(record: dict[str, Any]) -> None:
        answers.write(json.dumps(record, ensure_ascii=False) + "\n")
        answers.flush()
        os.fsync(answers.fileno())

    for number in range(10**9):
        item_id = rng.choice(items)
        try:
            state, stored = registry.load(item_id)
        except NotFound:
            state, stored = ItemState(), []
        if item_id in last_acknowledged and last_acknowledged[item_id][1] not in {e.position for e in stored}:
            earlier, position = last_acknowledged[item_id]
            acknowledge({"id": earlier, "item": item_id, "outcome": "unseen", "position": position})
        step, person = rng.choice(STEPS[state.status])
        if rng.random() < 0.05:
            person = rng.choice(list(who))
        command = build(step, item_id, who[person], rng)
        command_id = f"{prefix}-{number}"
        record: dict[str, Any] = {"id": command_id, "item": item_id, "step": step, "stream_version": len(stored)}
        sent_file.write(command_id + "\n")
        sent_file.flush()
        try:
            receipt = registry.execute(command, command_id=command_id, expected_version=len(stored))
        except RuleViolation as refusal:
            record.update(outcome="refused", rule=refusal.rule.code)
        except ConcurrencyConflict as conflict:
            record.update(outcome="conflict", error=str(conflict))
        except Exception:
            record.update(outcome="crash", error=traceback.format_exc())
        else:
            record.update(outcome="accepted", position=receipt.position, version=receipt.version)
            last_acknowledged[item_id] = (command_id, receipt.position)
        acknowledge(record)
        if record["outcome"] == "accepted" and rng.random() < 0.05:
            try:
                again = registry.execute(command, command_id=command_id, expected_version=len(stored))
            except Exception:
                acknowledge({**record, "outcome": "crash", "error": traceback.format_exc()})
            else:
                acknowledge({**record, "outcome": "replayed", "position": again.position, "replayed": again.replayed})


def import_until_killed(url: str, path: str) -> None:
    """`registry import` of a large file through the service, as the CLI runs it."""
    engine = open_engine(url)
    registry = signed_registry(engine)
    import_catalog(registry, Path(path), unit="财政局", actor=people(registry)["drafter"])


def forkserver() -> ForkServerContext:
    """Processes forked from a server that has imported this module."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context
