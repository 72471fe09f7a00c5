"""The whole log read back stream by stream for a fold over it (rebuild, verify): StoredEvents in (stream_id,
version) order, decoded trusting what the store appended."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

import orjson
from sqlalchemy import Connection

from events import driver
from events.codec import decode_appended
from events.envelope import Metadata, StoredEvent
from events.timestamp import format_time, is_stored_form, parse_time

_COLUMNS = "position, stream_id, version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash"


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
    Read by the driver (events.driver): plain tuples, without SQLAlchemy's result rows.
    """
    bounds: list[str] = []
    values: list[Any] = []
    if streams[1] is not None:
        bounds.append("stream_id < ?")
        values.append(streams[1])
    if until is not None:
        bounds.append("position <= ?")
        values.append(until)
    # After the first page, the keyset alone says where the next one starts: with the lower bound beside it, SQLite
    # would start every page's search at that bound.
    first = [*bounds, *(["stream_id >= ?"] if streams[0] is not None else [])]
    following = [*bounds, "(stream_id, version) > (?, ?)"]
    metadata = _Metadata()
    rows = driver.fetch_all(conn, _page(first), [*values, *([streams[0]] if streams[0] is not None else []), batch])
    while rows:
        for row in rows:
            yield _replayed(row, metadata)
        if progress:
            progress(len(rows))
        last = rows[-1]
        rows = driver.fetch_all(conn, _page(following), [*values, last[1], last[2], batch])


def _page(conditions: list[str]) -> str:
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {_COLUMNS} FROM events{where} ORDER BY stream_id, version LIMIT ?"


class _Metadata:
    """Metadata of one row after another. A command's events share their metadata (Metadata is frozen, so they
    can share the object too), and are next to each other in a stream: the last one is the only one to keep."""

    def __init__(self) -> None:
        self.last: tuple[str, Metadata] | None = None

    def __call__(self, text: str) -> Metadata:
        if self.last is None or text != self.last[0]:
            self.last = (text, Metadata.model_validate_json(text))
        return self.last[1]


class Replayed(StoredEvent):
    """A StoredEvent read back for a fold, whose metadata and time are decoded when first asked for.

    The projections' rebuild asks an event for its time as stored (recorded_time), and for its metadata only to
    know whether it was backfilled, which the metadata's JSON says without the model (a third of the decoding of
    an event). Each field is that of the StoredEvent the store would read (the fields `metadata` and `recorded_at`
    are decoded from the stored texts in the instance's __dict__ on first use).
    """

    _metadata_text: str
    _recorded_text: str
    _metadata_cache: _Metadata

    @cached_property
    def metadata(self) -> Metadata:
        return self._metadata_cache(self._metadata_text)

    @cached_property
    def recorded_at(self) -> datetime:
        return parse_time(self._recorded_text)

    @cached_property
    def recorded_time(self) -> str:
        text = self._recorded_text
        return text if is_stored_form(text) else format_time(self.recorded_at)

    @property
    def effective_time(self) -> str:
        if "metadata" not in vars(self):
            text = self._metadata_text
            # The store writes canonical JSON (events.chain): this pair is there when backfilled_by is null. It can
            # be nothing else: a flat object's strings escape every quote, so no string holds it.
            if _NOT_BACKFILLED in text or not _backfill(orjson.loads(text)):
                return self.recorded_time  # StoredEvent.effective_time's answer, without the model
        return super().effective_time


_NOT_BACKFILLED = '"backfilled_by":null'


def _backfill(metadata: dict[str, Any]) -> bool:
    """Whether metadata's JSON object is a backfill's (StoredEvent.effective_at's test)."""
    return bool(metadata.get("backfilled_by") and metadata.get("occurred_at"))


def _replayed(row: Sequence[Any], decode_metadata: _Metadata) -> StoredEvent:
    position, stream_id, version, type_, schema_version, payload, metadata, recorded_at, prev_hash, hash_ = row
    # Made without the dataclass's __init__ (which would set every field, the lazy ones too): its fields in the
    # instance's dictionary, as __init__ puts them, and the texts the lazy ones are decoded from.
    stored = Replayed.__new__(Replayed)
    vars(stored).update(
        position=position,
        stream_id=stream_id,
        version=version,
        type=type_,
        schema_version=schema_version,
        data=decode_appended(type_, schema_version, payload),
        prev_hash=prev_hash,
        hash=hash_,
        _metadata_text=metadata,
        _recorded_text=recorded_at,
        _metadata_cache=decode_metadata,
    )
    if is_stored_form(recorded_at):
        vars(stored)["recorded_time"] = recorded_at  # what formatting it again would give: its cached value
    return stored
