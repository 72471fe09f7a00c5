"""A command id names one command: a retry of it replays, another command under it is refused and writes nothing."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from events.store import CommandIdConflict
from registry.actor import Role
from registry.items.command import DraftItem, ItemCommand, RetireItem, SubmitItem
from registry.items.state import Status
from registry.service import Registry, now
from tests.registry.test_service import ACTORS, BUDGET, ITEM, review_approve_publish


@pytest.fixture
def two_drafts(registry: Registry) -> Registry:
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}))
    for item_id in ("a", "b"):
        registry.execute(
            DraftItem(item_id=item_id, actor=registry.actor("李财政"), at=now(), domain="财政预决算", elements=BUDGET)
        )
    return registry


def submit(registry: Registry, item_id: str) -> ItemCommand:
    return SubmitItem(item_id=item_id, actor=registry.actor("李财政"), at=now())


def test_a_command_id_used_for_another_item_is_refused(two_drafts: Registry) -> None:
    two_drafts.execute(submit(two_drafts, "a"), command_id="submit-1")
    head = two_drafts.store.head()

    with pytest.raises(CommandIdConflict, match="submit-1"):
        two_drafts.execute(submit(two_drafts, "b"), command_id="submit-1")

    assert two_drafts.store.head() == head
    assert two_drafts.load("b")[0].status is Status.DRAFT


def test_a_command_id_used_for_another_command_on_the_same_item_is_refused(two_drafts: Registry) -> None:
    first = DraftItem(item_id="c", actor=two_drafts.actor("李财政"), at=now(), domain="财政预决算", elements=BUDGET)
    other = first.model_copy(update={"elements": BUDGET.model_copy(update={"content": "另一个内容"})})
    two_drafts.execute(first, command_id="draft-c")

    with pytest.raises(CommandIdConflict):
        two_drafts.execute(other, command_id="draft-c")


def test_a_retry_of_the_same_command_later_replays_its_first_result(two_drafts: Registry) -> None:
    first = two_drafts.execute(submit(two_drafts, "a"), command_id="submit-1")

    again = two_drafts.execute(submit(two_drafts, "a"), command_id="submit-1")  # another `at`: the same command

    assert (again.item_id, again.position, again.replayed) == ("a", first.position, True)


def test_the_fingerprint_is_the_same_in_every_process() -> None:
    # `fields` is a set: its order in a dump would vary with the string hash seed of the process.
    script = "from tests.registry.test_command_id import revision_fingerprint; print(revision_fingerprint())"
    seen = {
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": seed}
        ).stdout
        for seed in ("1", "2", "3", "4")
    }

    assert len(seen) == 1


def revision_fingerprint() -> str:
    from registry.actor import Actor
    from registry.items.command import ReviseItem

    actor = Actor(actor_id="李财政", unit="财政局", roles=frozenset({Role.DRAFTER}))
    fields = frozenset({"name", "content", "basis", "body", "time_limit", "channels"})
    return ReviseItem(item_id="a", actor=actor, at=now(), elements=BUDGET, fields=fields).fingerprint


def test_a_command_id_of_an_actor_registration_cannot_register_another_actor(registry: Registry) -> None:
    registry.register_actor("管理员", "政务服务局", frozenset({Role.ADMIN}), command_id="reg-1")
    head = registry.store.head()

    with pytest.raises(CommandIdConflict):
        registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}), command_id="reg-1")

    assert registry.store.head() == head


def test_a_replay_returns_the_version_the_first_run_left(two_drafts: Registry) -> None:
    two_drafts.register_actor("管理员", "政务服务局", frozenset({Role.ADMIN}))
    admin = two_drafts.actor("管理员")
    for name, unit, role in ACTORS[1:]:
        two_drafts.register_actor(name, unit, frozenset({role}), admin)
    draft = DraftItem(item_id=ITEM, actor=two_drafts.actor("李财政"), at=now(), domain="财政预决算", elements=BUDGET)
    first = two_drafts.execute(draft, command_id="draft-it")
    review_approve_publish(two_drafts)
    retire = RetireItem(item_id=ITEM, actor=two_drafts.actor("李财政"), at=now(), trigger="上级取消", reason="取消")
    two_drafts.execute(retire)  # version 2 is now the item's newest

    again = two_drafts.execute(draft, command_id="draft-it")

    assert (again.version, again.position, again.replayed) == (1, first.position, True)


def test_a_backfill_under_a_used_command_id_at_another_time_is_another_command(registry: Registry) -> None:
    registry.register_actor("管理员", "政务服务局", frozenset({Role.ADMIN}))
    admin = registry.actor("管理员")
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}), admin)
    when = datetime(2020, 6, 1, 10, tzinfo=UTC)
    draft = DraftItem(item_id="old", actor=registry.actor("李财政"), at=when, domain="财政预决算", elements=BUDGET)
    registry.execute(draft, command_id="paper-1", backfill_by=admin)

    with pytest.raises(CommandIdConflict):
        registry.execute(
            draft.model_copy(update={"at": when + timedelta(days=1)}), command_id="paper-1", backfill_by=admin
        )
