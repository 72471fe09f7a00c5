"""Reading the log back for a fold gives the events the store reads, whatever it decodes only when asked."""

from __future__ import annotations

from dataclasses import fields

from events import database
from events.replay import in_stream_order
from registry.demo import STORY, build_demo
from registry.service import Registry


def test_every_replayed_event_has_the_fields_and_times_of_the_stored_event(registry: Registry) -> None:
    build_demo(registry, limit=len(STORY))  # backfills (补录) among them
    stored = {event.position: event for event in registry.store.read_all()}

    with registry.engine.connect() as conn, database.snapshot(conn):
        replayed = list(in_stream_order(conn, batch=7))

    assert sorted(event.position for event in replayed) == sorted(stored)
    assert any(event.metadata.backfilled_by for event in stored.values())
    for event in replayed:
        expected = stored[event.position]
        assert (event.effective_time, event.recorded_time) == (expected.effective_time, expected.recorded_time)
        assert [getattr(event, f.name) for f in fields(event)] == [getattr(expected, f.name) for f in fields(expected)]


def test_a_replayed_part_of_the_log_is_its_streams_up_to_a_position(registry: Registry) -> None:
    build_demo(registry, limit=len(STORY))
    every = [(event.stream_id, event.position) for event in registry.store.read_all()]
    streams = sorted({stream for stream, _ in every})
    low, high, until = streams[1], streams[-2], every[len(every) // 2][1]

    with registry.engine.connect() as conn, database.snapshot(conn):
        part = [(e.stream_id, e.position) for e in in_stream_order(conn, 3, streams=(low, high), until=until)]

    assert part == sorted((s, p) for s, p in every if low <= s < high and p <= until)
