"""The whole log read back stream by stream for a fold over it (rebuild, verify): StoredEvents in (stream_id,
version) order, decoded trusting what the store appended."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, bindparam, select, tuple_

from events.codec import decode_appended
from events.envelope import Metadata, StoredEvent
from events.schema import events
from events.timestamp import is_stored_form, parse_time

_COLUMNS = (
    events.c.position,
    events.c.stream_id,
    events.c.version,
    events.c.type,
    events.c.schema_version,
    events.c.payload,
    events.c.metadata,
    events.c.recorded_at,
    events.c.prev_hash,
    events.c.hash,
)
_AFTER = tuple_(events.c.stream_id, events.c.version) > tuple_(bindparam("stream_id"), bindparam("version"))


def in_stream_order(
    conn: Connection,
    batch: int,
    progress: Callable[[int], None] | None = None,
    *,
    streams: tuple[str | None, str | None] = (None, None),
    until: int | None = None,
) -> Iterator[StoredEvent]:
    """Every event of the log, by stream and version, read `batch` rows at a time in `conn`'s transaction (and
    decoded one at a time: a batch of rows is smaller than a batch of events). `progress(n)`: n more were read.
    `streams`: only the streams from the first id (included) to the second (excluded), where given; `until`: only
    the events up to that position (a fold shared with another process reads the log as the first one saw it).

    Keyset paging by the unique (stream_id, version): each page is a range of that index, however far into the log.
    """
    # After the first page, the keyset alone says where the next one starts: with the lower bound beside it, SQLite
    # would start every page's search at that bound.
    first = _page(until, streams[1]).where(*([events.c.stream_id >= streams[0]] if streams[0] is not None else []))
    following = _page(until, streams[1]).where(_AFTER)
    metadata = _Metadata()
    rows = conn.execute(first, {"batch": batch}).all()
    while rows:
        for row in rows:
            yield _replayed(row, metadata)
        if progress:
            progress(len(rows))
        last = rows[-1]
        rows = conn.execute(following, {"batch": batch, "stream_id": last[1], "version": last[2]}).all()


def _page(until: int | None, before_stream: str | None) -> Select[Any]:
    """A page of the log by stream and version: events up to position `until`, of streams before `before_stream`."""
    conditions: list[ColumnElement[bool]] = []
    if before_stream is not None:
        conditions.append(events.c.stream_id < before_stream)
    if until is not None:
        conditions.append(events.c.position <= until)
    query = select(*_COLUMNS).where(*conditions).order_by(events.c.stream_id, events.c.version)
    return query.limit(bindparam("batch"))


class _Metadata:
    """Metadata of one row after another. A command's events share their metadata (Metadata is frozen, so they
    can share the object too), and are next to each other in a stream: the last one is the only one to keep."""

    def __init__(self) -> None:
        self.last: tuple[str, Metadata] | None = None

    def __call__(self, text: str) -> Metadata:
        if self.last is None or text != self.last[0]:
            self.last = (text, Metadata.model_validate_json(text))
        return self.last[1]


def _replayed(row: Sequence[Any], decode_metadata: _Metadata) -> StoredEvent:
    position, stream_id, version, type_, schema_version, payload, metadata, recorded_at, prev_hash, hash_ = row
    data = decode_appended(type_, schema_version, payload)
    # By position (the fields' order), a third cheaper than by keyword.
    stored = StoredEvent(
        position,
        stream_id,
        version,
        type_,
        schema_version,
        data,
        decode_metadata(metadata),
        parse_time(recorded_at),
        prev_hash,
        hash_,
    )
    if is_stored_form(recorded_at):
        vars(stored)["recorded_time"] = recorded_at  # what formatting it again would give: its cached value
    return stored
