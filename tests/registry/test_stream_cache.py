"""The items a process last wrote are kept (registry/stream_cache.py) only while the log's head says they are
current: another writer's append makes the next command read its item from the log again."""

from __future__ import annotations

from datetime import UTC, datetime

from events.database import open_engine
from events.event import ReviewStage
from registry.items.command import DraftItem, PassReview, SubmitItem
from registry.items.state import ItemState
from registry.service import Registry, now
from registry.stream_cache import Known, StreamCache
from tests.registry.test_service import ACTORS, BUDGET, ITEM
from tests.signing import signed_registry

A, B, C = (1, "a" * 64), (2, "b" * 64), (3, "c" * 64)
LATER = Known(ItemState(item_id="x", last_version=2), 2, datetime(2024, 1, 1, tzinfo=UTC))
EARLIER = Known(ItemState(item_id="x", last_version=1), 1, datetime(2024, 1, 1, tzinfo=UTC))


def test_an_entry_is_given_only_at_the_head_it_was_recorded_at() -> None:
    cache = StreamCache()
    assert cache.get(A, "x") is None
    cache.committed(A, B, {"x": EARLIER})
    assert cache.get(B, "x") == EARLIER
    assert cache.get(C, "x") is None  # someone else appended: forget everything
    assert cache.get(B, "x") is None


def test_a_late_report_of_an_earlier_commit_never_leaves_an_old_state_under_a_newer_head() -> None:
    cache = StreamCache()
    cache.get(A, "x")
    # Two commits on one stream, A -> B -> C, reported in the wrong order.
    cache.committed(B, C, {"x": LATER})
    cache.committed(A, B, {"x": EARLIER})
    assert cache.get(C, "x") is None  # the log is at C: the earlier state must not be given for it
    cache.committed(C, (4, "d" * 64), {"y": LATER})
    assert cache.get((4, "d" * 64), "x") is None


def test_the_cache_keeps_at_most_its_size() -> None:
    cache = StreamCache(size=2)
    cache.get(A, "x")
    cache.committed(A, B, {"x": EARLIER, "y": EARLIER, "z": LATER})
    assert cache.get(B, "x") is None
    assert cache.get(B, "z") == LATER


def test_a_command_sees_what_another_writer_appended_since_this_registry_last_wrote(registry: Registry) -> None:
    staffed = registry
    for name, unit, role in ACTORS:
        staffed.register_actor(name, unit, frozenset({role}))
    # Two registries on one database, as two processes (the server and the CLI) would be.
    other_engine = open_engine(staffed.engine.url.render_as_string(hide_password=False))
    other = signed_registry(other_engine)
    try:
        staffed.execute(
            DraftItem(item_id=ITEM, actor=staffed.actor("李财政"), at=now(), domain="财政预决算", elements=BUDGET)
        )
        other.execute(SubmitItem(item_id=ITEM, actor=other.actor("李财政"), at=now()))
        # `staffed` last saw the item as a draft (version 1): a review is only possible if it reads the submission.
        receipt = staffed.execute(
            PassReview(item_id=ITEM, actor=staffed.actor("孙初审"), at=now(), stage=ReviewStage.PRELIMINARY)
        )
        _, stored = staffed.load(ITEM)
        assert [(event.type, event.version) for event in stored] == [
            ("ItemDrafted", 1),
            ("ItemSubmitted", 2),
            ("ReviewPassed", 3),
        ]
        assert receipt.position == stored[-1].position
    finally:
        other_engine.dispose()
