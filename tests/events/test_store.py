"""The event store on a real SQLite file and on PostgreSQL: appends, reads, the hash chain, concurrency control."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from events.chain import GENESIS, ChainCheck
from events.database import open_engine
from events.envelope import Metadata
from events.event import ActorRegistered, Event, ItemSubmitted, ReviewPassed, ReviewStage
from events.schema import events
from events.store import AppendResult, ConcurrencyConflict, EventStore
from registry.schema import upgrade

WHO = Metadata(actor="李财政", unit="财政局", role="drafter", reason="测试")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = open_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> EventStore:
    return EventStore(engine)


def some_events(stream: str, count: int) -> list[Event]:
    return [ItemSubmitted(item_id=stream, version=n) for n in range(1, count + 1)]


def append(
    store: EventStore,
    stream: str,
    new_events: list[Event],
    *,
    command_id: str | None = None,
    now: datetime | None = None,
) -> AppendResult:
    """Append at the stream's current version, as a writer that has just read it would."""
    with store.writing() as conn:
        version = store.stream_version(conn, stream)
        metadata = WHO.model_copy(update={"command_id": command_id})
        return store.append(conn, stream, version, new_events, metadata, now=now)


def event_count(store: EventStore) -> int:
    with store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(events)).scalar_one())


def first_problem(store: EventStore) -> tuple[int, str] | None:
    check = ChainCheck()
    for row in store.read_rows():
        if not check.feed(row):
            return check.problem
    return None


def expected_hash(row: Any) -> str:
    """SHA-256 of the canonical JSON of every column but `hash`, payload and metadata as JSON values."""
    fields = {name: value for name, value in row._mapping.items() if name != "hash"}
    fields["payload"] = json.loads(fields["payload"])
    fields["metadata"] = json.loads(fields["metadata"])
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.fixture
def three_streams(store: EventStore) -> EventStore:
    """A log of 7 events interleaving three streams: a, b, a, c, b."""
    append(store, "a", some_events("a", 2))
    append(store, "b", some_events("b", 1))
    append(store, "a", [ReviewPassed(item_id="a", version=1, stage=ReviewStage.PRELIMINARY, comment="同意")])
    append(store, "c", [ActorRegistered(actor_id="孙初审", unit="政务服务局", roles=("preliminary_reviewer",))])
    append(store, "b", some_events("b", 2))
    return store


# -- append and read -------------------------------------------------------------------------------


def test_appended_events_are_read_back_from_their_stream(store: EventStore) -> None:
    written = [ItemSubmitted(item_id="a", version=1), ReviewPassed(item_id="a", version=1, stage=ReviewStage.LEGALITY)]
    append(store, "a", written)

    with store.reading() as conn:
        read = store.read_stream(conn, "a")

    assert [(e.data, e.type, e.metadata.actor, e.metadata.reason) for e in read] == [
        (written[0], "ItemSubmitted", "李财政", "测试"),
        (written[1], "ReviewPassed", "李财政", "测试"),
    ]


def test_a_stream_holds_only_its_own_events(three_streams: EventStore) -> None:
    with three_streams.reading() as conn:
        read = three_streams.read_stream(conn, "b")

    assert {e.stream_id for e in read} == {"b"} and len(read) == 3


def test_the_append_result_is_what_the_log_then_holds(store: EventStore) -> None:
    result = append(store, "a", some_events("a", 3))

    assert list(result.events) == list(store.read_all())
    assert (result.version, result.position) == (3, 3)


def test_positions_run_from_1_without_gaps_across_streams(three_streams: EventStore) -> None:
    assert [e.position for e in three_streams.read_all()] == [1, 2, 3, 4, 5, 6, 7]


def test_versions_are_contiguous_within_each_stream(three_streams: EventStore) -> None:
    versions: dict[str, list[int]] = {}
    for stored in three_streams.read_all():
        versions.setdefault(stored.stream_id, []).append(stored.version)

    assert versions == {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1]}


def test_the_database_refuses_a_second_event_at_the_same_stream_version(store: EventStore, engine: Engine) -> None:
    append(store, "a", some_events("a", 1))
    with engine.connect() as conn:
        row = dict(conn.execute(select(events)).one()._mapping)

    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(events.insert().values({**row, "position": 2}))


def test_recorded_times_never_run_backwards_when_the_clock_steps_back(store: EventStore) -> None:
    noon = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    append(store, "a", some_events("a", 1), now=noon)
    append(store, "b", some_events("b", 1), now=noon - timedelta(hours=1))

    assert [e.recorded_at for e in store.read_all()] == [noon, noon]


# -- the hash chain --------------------------------------------------------------------------------


def test_the_first_event_links_to_the_genesis_hash(three_streams: EventStore) -> None:
    first = next(three_streams.read_all())

    assert first.prev_hash == GENESIS == "0" * 64


def test_each_event_links_to_the_hash_of_the_event_before_it(three_streams: EventStore) -> None:
    stored = list(three_streams.read_all())

    assert [e.prev_hash for e in stored[1:]] == [e.hash for e in stored[:-1]]


def test_each_hash_is_sha256_of_the_canonical_json_of_the_other_fields(three_streams: EventStore) -> None:
    rows = list(three_streams.read_rows())

    assert [row.hash for row in rows] == [expected_hash(row) for row in rows]


def test_a_log_written_by_the_store_verifies_with_chain_check(three_streams: EventStore) -> None:
    assert first_problem(three_streams) is None


def test_the_head_is_the_position_and_hash_of_the_newest_event(three_streams: EventStore) -> None:
    newest = list(three_streams.read_all())[-1]

    assert three_streams.head() == (7, newest.hash)


def test_the_head_of_an_empty_log_is_the_genesis_hash(store: EventStore) -> None:
    assert store.head() == (0, GENESIS)


def test_chain_check_names_an_event_whose_payload_was_edited(three_streams: EventStore, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.position == 4).values(payload='{"item_id":"a","version":9}'))

    problem = first_problem(three_streams)

    assert problem is not None and problem[0] == 4


def test_chain_check_names_the_gap_left_by_a_deleted_event(three_streams: EventStore, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(events).where(events.c.position == 5))

    problem = first_problem(three_streams)

    assert problem is not None and problem[0] == 5


def test_chain_check_finds_an_event_rewritten_with_a_recomputed_hash(three_streams: EventStore, engine: Engine) -> None:
    with engine.begin() as conn:
        row = conn.execute(select(events).where(events.c.position == 3)).one()
        forged = json.dumps({**json.loads(row.metadata), "actor": "别人"}, ensure_ascii=False)
        conn.execute(update(events).where(events.c.position == 3).values(metadata=forged))
        rewritten = conn.execute(select(events).where(events.c.position == 3)).one()
        conn.execute(update(events).where(events.c.position == 3).values(hash=expected_hash(rewritten)))

    problem = first_problem(three_streams)

    assert problem is not None and problem[0] == 4


# -- concurrency control and idempotency ------------------------------------------------------------


def test_a_wrong_expected_version_raises_a_concurrency_conflict(store: EventStore) -> None:
    append(store, "a", some_events("a", 2))

    with pytest.raises(ConcurrencyConflict) as conflict, store.writing() as conn:
        store.append(conn, "a", 1, some_events("a", 1), WHO)

    assert (conflict.value.stream_id, conflict.value.expected, conflict.value.actual) == ("a", 1, 2)


def test_a_conflicting_append_records_nothing(store: EventStore) -> None:
    append(store, "a", some_events("a", 2))

    with pytest.raises(ConcurrencyConflict), store.writing() as conn:
        store.append(conn, "a", 0, some_events("a", 1), WHO)

    assert event_count(store) == 2


def test_a_repeated_command_id_returns_the_original_result(store: EventStore) -> None:
    original = append(store, "a", some_events("a", 2), command_id="cmd-1")
    append(store, "b", some_events("b", 1))

    again = append(store, "a", some_events("a", 1), command_id="cmd-1")

    assert (again.replayed, again.stream_id, again.events) == (True, "a", original.events)


def test_a_repeated_command_id_appends_nothing(store: EventStore) -> None:
    append(store, "a", some_events("a", 2), command_id="cmd-1")
    head = store.head()

    append(store, "a", some_events("a", 1), command_id="cmd-1")

    assert store.head() == head and event_count(store) == 2


# -- reading the whole log -------------------------------------------------------------------------


def test_read_all_yields_every_event_in_position_order_across_batches(store: EventStore) -> None:
    for n in range(10):
        append(store, f"s{n % 3}", some_events(f"s{n % 3}", 1))

    assert [e.position for e in store.read_all(batch=3)] == list(range(1, 11))


def test_read_all_starts_after_the_given_position(three_streams: EventStore) -> None:
    assert [e.position for e in three_streams.read_all(after=4, batch=2)] == [5, 6, 7]


def test_read_all_fetches_each_batch_only_when_it_gets_there(store: EventStore) -> None:
    append(store, "a", some_events("a", 4))
    reader = store.read_all(batch=2)
    seen = [next(reader).position]

    append(store, "b", some_events("b", 3))
    seen.extend(e.position for e in reader)

    assert seen == [1, 2, 3, 4, 5, 6, 7]


# -- the Merkle frontier each store keeps after its own append ------------------------------------------------


def _tree_is_right(store: EventStore) -> None:
    from events import merkle_store
    from events.proof import leaf_hash, node_hash

    problem = merkle_store.check(store.reading)
    assert problem is None, problem.what
    with store.reading() as conn:
        hashes = [bytes.fromhex(h) for h in conn.execute(select(events.c.hash).order_by(events.c.position)).scalars()]
        stored = merkle_store.root(conn, len(hashes))

    def reference(leaves: list[bytes]) -> bytes:  # RFC 9162 2.1.1, recursively, from the events' hashes alone
        if len(leaves) == 1:
            return leaf_hash(leaves[0])
        k = 1 << ((len(leaves) - 1).bit_length() - 1)
        return node_hash(reference(leaves[:k]), reference(leaves[k:]))

    assert stored == reference(hashes)


def test_two_writers_taking_turns_grow_one_right_tree(engine: Engine) -> None:
    """Each store remembers the frontier of its last append; the other's appends in between must make it read the
    frontier again, not grow the tree from a stale one."""
    first, second = EventStore(engine), EventStore(engine)
    for turn in range(7):
        append(first, f"a-{turn}", some_events(f"a-{turn}", 1 + turn % 3))
        append(first, f"b-{turn}", some_events(f"b-{turn}", 2))  # from its own cached frontier
        append(second, f"c-{turn}", some_events(f"c-{turn}", 1 + turn % 2))
    _tree_is_right(first)


def test_a_rolled_back_append_leaves_no_stale_frontier(engine: Engine) -> None:
    store = EventStore(engine)
    append(store, "kept", some_events("kept", 3))
    with pytest.raises(RuntimeError), store.writing() as conn:
        store.append(conn, "lost", 0, some_events("lost", 2), WHO)
        raise RuntimeError("the command failed after its append")
    append(store, "after", some_events("after", 1))
    append(store, "after-2", some_events("after-2", 4))
    assert event_count(store) == 8
    _tree_is_right(store)


def test_a_frontier_from_a_rolled_back_append_is_not_taken_for_another_writers_events(engine: Engine) -> None:
    """A store's rolled-back append of k events, then another writer's k other events at the same positions: the
    first store's remembered frontier names the right position but the wrong log, and must not be used."""
    first, second = EventStore(engine), EventStore(engine)
    append(first, "kept", some_events("kept", 3))
    with pytest.raises(RuntimeError), first.writing() as conn:
        first.append(conn, "lost", 0, some_events("lost", 2), WHO)
        raise RuntimeError("the command failed after its append")
    append(second, "other", some_events("other", 2))  # the same two positions, other events
    append(first, "after", some_events("after", 1))
    _tree_is_right(first)
