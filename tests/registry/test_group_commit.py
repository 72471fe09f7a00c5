"""Group commit (registry/group_commit.py) on a SQLite file and on PostgreSQL: commands from many threads written in
one transaction, each in its own savepoint. A group is made to happen for certain: the first command of the test
holds the transaction open until the others have queued behind it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from events.database import open_engine, reading
from events.event import ReviewStage
from events.schema import events
from events.store import ConcurrencyConflict
from registry.audit import verify
from registry.group_commit import Transaction
from registry.items.command import DraftItem, ItemCommand, PassReview, SubmitItem
from registry.rules import RuleViolation
from registry.service import Receipt, Registry, now
from tests.registry.test_service import ACTORS, BUDGET

Outcome = Receipt | BaseException


@pytest.fixture
def staffed(registry: Registry) -> Registry:
    for name, unit, role in ACTORS:
        registry.register_actor(name, unit, frozenset({role}))
    return registry


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.001)


def _log(registry: Registry) -> list[Any]:
    """The log as another connection sees it (only what was committed)."""
    engine = open_engine(registry.engine.url.render_as_string(hide_password=False))
    try:
        with reading(engine) as conn:  # BEGIN DEFERRED on SQLite: a reader does not wait for the writer's commit
            return list(conn.execute(select(events).order_by(events.c.position)))
    finally:
        engine.dispose()


def _in_one_group(
    registry: Registry, calls: list[Callable[[], Receipt]], after_return: Callable[[int, Receipt], None] | None = None
) -> list[Outcome]:
    """Run `calls` from threads of their own, queued in this order behind a command that holds the transaction open
    until all of them wait: they are then written as one group. The outcome of each, in order."""
    writer = registry._writer
    release = threading.Event()

    def hold(_: Transaction) -> None:
        release.wait(30)

    holder = threading.Thread(target=writer.run, args=(hold,))
    holder.start()
    _wait_for(lambda: writer._writing and not writer._queue, "the holding command to be written")
    outcomes: list[Outcome | None] = [None] * len(calls)

    def call(index: int) -> None:
        try:
            receipt = calls[index]()
        except BaseException as error:  # the outcome is the test's to check
            outcomes[index] = error
        else:
            outcomes[index] = receipt
            if after_return:
                after_return(index, receipt)

    threads = []
    for index in range(len(calls)):
        thread = threading.Thread(target=call, args=(index,))
        thread.start()
        threads.append(thread)
        _wait_for(lambda: len(writer._queue) == index + 1, f"command {index} to queue")  # noqa: B023
    groups_before = writer.stats.groups
    release.set()
    holder.join(30)
    for thread in threads:
        thread.join(30)
    # The holder's group, then theirs: one group of all of them.
    assert (writer.stats.groups - groups_before, writer.stats.last) == (2, len(calls)), f"not one group: {writer.stats}"
    assert all(outcome is not None for outcome in outcomes)
    return [outcome for outcome in outcomes if outcome is not None]


def _draft(registry: Registry, item: str) -> DraftItem:
    return DraftItem(item_id=item, actor=registry.actor("李财政"), at=now(), domain="财政预决算", elements=BUDGET)


def test_a_group_keeps_each_streams_order_and_rolls_back_only_the_refused_commands(staffed: Registry) -> None:
    drafter, reviewer = staffed.actor("李财政"), staffed.actor("孙初审")
    first = _draft(staffed, "a")
    commands: list[tuple[ItemCommand, int | None]] = [
        (first, None),
        (_draft(staffed, "b"), None),
        (SubmitItem(item_id="a", actor=drafter, at=now()), None),
        # Refused: "b" is a draft, not submitted. Rolled back alone.
        (PassReview(item_id="b", actor=reviewer, at=now(), stage=ReviewStage.PRELIMINARY), None),
        # A conflict: "a" is at version 2 by now, not 1.
        (SubmitItem(item_id="a", actor=drafter, at=now()), 1),
        (PassReview(item_id="a", actor=reviewer, at=now(), stage=ReviewStage.PRELIMINARY), None),
        (SubmitItem(item_id="b", actor=drafter, at=now()), None),
    ]
    calls: list[Callable[[], Receipt]] = [
        lambda command=command, expected=expected: staffed.execute(  # type: ignore[misc]
            command, expected_version=expected, command_id="first" if command is first else None
        )
        for command, expected in commands
    ]

    def fails_after_writing(transaction: Transaction) -> Receipt:
        staffed._execute_in(transaction, _draft(staffed, "z"), None, None, None, None, None, None)
        raise ValueError("a failure after the command's events and projections were written")

    # Rolled back to its savepoint, events, tree nodes and projection rows alike; a retry that writes nothing (kept)
    # and the draft after it see no trace of it.
    calls += [
        lambda: staffed._writer.run(fails_after_writing),
        lambda: staffed.execute(first, command_id="first"),
        lambda: staffed.execute(_draft(staffed, "z")),
    ]
    outcomes = _in_one_group(staffed, calls)
    assert isinstance(outcomes[3], RuleViolation)
    assert isinstance(outcomes[4], ConcurrencyConflict)
    assert isinstance(outcomes[7], ValueError)
    assert isinstance(outcomes[8], Receipt) and outcomes[8].replayed
    kept = [outcome for outcome in outcomes if isinstance(outcome, Receipt) and not outcome.replayed]
    assert len(kept) == 6
    rows = [row for row in _log(staffed) if row.stream_id in ("a", "b", "z")]
    # Each stream's events in the order their commands arrived, versions without gaps, nothing of the refused ones.
    assert [(row.stream_id, row.version, row.type) for row in rows] == [
        ("a", 1, "ItemDrafted"),
        ("b", 1, "ItemDrafted"),
        ("a", 2, "ItemSubmitted"),
        ("a", 3, "ReviewPassed"),
        ("b", 2, "ItemSubmitted"),
        ("z", 1, "ItemDrafted"),
    ]
    assert [receipt.position for receipt in kept] == [row.position for row in rows]
    assert verify(staffed.store).ok
    # The next command, in a group of its own, starts from what the group left.
    staffed.execute(PassReview(item_id="b", actor=reviewer, at=now(), stage=ReviewStage.PRELIMINARY))
    assert staffed.load("b")[1][-1].type == "ReviewPassed"


def test_no_caller_hears_back_before_the_commit_that_holds_its_events(staffed: Registry) -> None:
    seen: dict[int, bool] = {}

    def look(index: int, receipt: Receipt) -> None:
        seen[index] = any(row.position == receipt.position for row in _log(staffed))

    calls: list[Callable[[], Receipt]] = [
        lambda item=item: staffed.execute(_draft(staffed, item))  # type: ignore[misc]
        for item in ("c", "d", "e", "f")
    ]
    _in_one_group(staffed, calls, after_return=look)
    assert seen == {0: True, 1: True, 2: True, 3: True}


def test_a_failed_commit_fails_every_command_of_the_group(staffed: Registry) -> None:
    """A group whose transaction cannot commit acknowledges nobody, and nothing of it is in the log."""
    before = len(_log(staffed))

    def breaks(transaction: Transaction) -> None:
        # A statement that fails outside any savepoint's reach: the whole transaction is lost, as in a failed commit.
        raise KeyboardInterrupt  # BaseException: not a command's own refusal, so the group is given up

    calls: list[Callable[[], Receipt]] = [
        lambda item=item: staffed.execute(_draft(staffed, item))  # type: ignore[misc]
        for item in ("g", "h")
    ]
    calls.append(lambda: staffed._writer.run(breaks))  # type: ignore[arg-type,return-value]
    writer = staffed._writer
    release = threading.Event()
    holder = threading.Thread(target=writer.run, args=(lambda _: release.wait(30),))
    holder.start()
    _wait_for(lambda: writer._writing and not writer._queue, "the holding command")
    outcomes: list[Outcome | None] = [None, None, None]

    def call(index: int) -> None:
        try:
            outcomes[index] = calls[index]()
        except BaseException as error:
            outcomes[index] = error

    threads = [threading.Thread(target=call, args=(index,)) for index in range(3)]
    for index, thread in enumerate(threads):
        thread.start()
        _wait_for(lambda: len(writer._queue) == index + 1, "queueing")  # noqa: B023
    release.set()
    for thread in [holder, *threads]:
        thread.join(30)
    assert all(isinstance(outcome, KeyboardInterrupt) for outcome in outcomes), outcomes
    assert len(_log(staffed)) == before
    # The registry goes on: the drafts can be made again.
    staffed.execute(_draft(staffed, "g"))
    assert verify(staffed.store).ok


def test_many_writers_each_get_their_own_receipt(staffed: Registry) -> None:
    """Sixteen threads carrying items through review at once: every receipt names its own command's events."""
    receipts: dict[str, list[Receipt]] = {}
    errors: list[BaseException] = []

    def work(n: int) -> None:
        item = f"w{n}"
        try:
            receipts[item] = [
                staffed.execute(_draft(staffed, item)),
                staffed.execute(SubmitItem(item_id=item, actor=staffed.actor("李财政"), at=now())),
                staffed.execute(
                    PassReview(item_id=item, actor=staffed.actor("孙初审"), at=now(), stage=ReviewStage.PRELIMINARY)
                ),
            ]
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    rows = {row.position: row for row in _log(staffed)}
    for item, its in receipts.items():
        assert [(rows[r.position].stream_id, rows[r.position].version) for r in its] == [
            (item, 1),
            (item, 2),
            (item, 3),
        ]
    assert verify(staffed.store).ok
