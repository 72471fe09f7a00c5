"""The append-only, hash-chained event store on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import Connection, Engine, Row, bindparam, select, text

from events import driver, merkle_store
from events.chain import GENESIS, row_hash
from events.codec import canonical_json, decode_json, encode
from events.database import reading
from events.envelope import Metadata, StoredEvent, format_time, parse_time
from events.event import Event
from events.merkle import Key
from events.message import N_, Message
from events.schema import events

# Any constant will do: every writer of this registry takes the same transaction-scoped lock.
_APPEND_LOCK = 0x52454749  # "REGI"

# The statements of every append, as driver SQL (events.driver): a command runs them in microseconds.
_COLUMNS = tuple(column.name for column in events.columns)
_HEAD = "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
# The stream's version and the log's head in one round trip.
_VERSION_AND_HEAD = (
    "SELECT (SELECT MAX(version) FROM events WHERE stream_id = ?), position, hash, recorded_at"
    " FROM events ORDER BY position DESC LIMIT 1"
)
_STREAM_VERSION = "SELECT MAX(version) FROM events WHERE stream_id = ?"
_INSERT = f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
_STREAM = select(events).where(events.c.stream_id == bindparam("stream_id")).order_by(events.c.version)
_COMMAND = select(events).where(events.c.command_id == bindparam("command_id")).order_by(events.c.position)


@dataclass(frozen=True)
class Head:
    """The newest event of the log, as read under the append lock: where the next append goes, and the earliest
    time it may carry (a clock stepping back must not make the log run backwards)."""

    position: int
    hash: str
    recorded_at: str | None  # None: the log is empty

    def clock(self, now: datetime | None = None) -> datetime:
        """The registry's time for the next append: now, never earlier than this head."""
        moment = now or datetime.now(UTC)
        return max(moment, parse_time(self.recorded_at)) if self.recorded_at is not None else moment


EMPTY = Head(0, GENESIS, None)


class Conflict(Exception):
    """The command cannot be recorded as asked, whatever its rules say: the caller must look again (exit 5)."""


class ConcurrencyConflict(Conflict):
    """The stream moved on since it was read: another writer won the race."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        self.text = Message(
            N_("concurrency conflict on {stream}: expected version {expected}, found {actual}; reload and try again"),
            stream=stream_id,
            expected=expected,
            actual=actual,
        )
        super().__init__(str(self.text))
        self.stream_id, self.expected, self.actual = stream_id, expected, actual


class CommandIdConflict(Conflict):
    """A command id already names another command: a retry must repeat the command it retries."""

    def __init__(self, command_id: str, stream_id: str) -> None:
        self.text = Message(
            N_(
                "command id {command!r} was already used for a different command (on {stream}); "
                "a command id names one command: use a new id for a new command"
            ),
            command=command_id,
            stream=stream_id,
        )
        super().__init__(str(self.text))
        self.command_id, self.stream_id = command_id, stream_id


@dataclass(frozen=True)
class AppendResult:
    stream_id: str
    events: tuple[StoredEvent, ...]
    replayed: bool = False  # True when the command id had been applied before
    head: Head | None = None  # the log's head after this append (None for a replay)

    @property
    def version(self) -> int:
        return self.events[-1].version

    @property
    def position(self) -> int:
        return self.events[-1].position


class EventStore:
    """Appends serialized by a write lock, so positions are gapless and in commit order on both backends."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # The Merkle frontier after this store's last append, with the log head (position, hash) it belongs to.
        # The head's hash chains over every event before it, so a log whose head is the same holds the same
        # leaves and the same frontier: another writer's append, or a rolled-back one, changes the head, and the
        # frontier is then read from the database again. Saves a statement per command.
        self._frontier: tuple[int, str, dict[Key, bytes]] | None = None

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction that holds the append lock from its start to its commit."""
        with self.engine.connect() as conn:
            postgresql = conn.dialect.name == "postgresql"
            if postgresql:
                # Read committed whatever the server's default: each statement after the lock sees every append
                # committed before it. A repeatable-read snapshot would date from before the wait for the lock, and
                # the next position would already be taken.
                conn = conn.execution_options(isolation_level="READ COMMITTED")
            with conn.begin():
                if postgresql:
                    # One lock per schema: registries in different schemas of a database do not wait on each other.
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"), {"key": _APPEND_LOCK}
                    )
                yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction that sees the log as it was at its first read and takes no write lock."""
        with reading(self.engine) as conn:
            yield conn

    def head_for_append(self, conn: Connection) -> Head:
        """The log's head, read under the append lock (call inside `writing()`): one statement."""
        row = driver.fetch_one(conn, _HEAD)
        return Head(int(row[0]), str(row[1]), str(row[2])) if row else EMPTY

    def append(
        self,
        conn: Connection,
        stream_id: str,
        expected_version: int,
        new_events: Sequence[Event],
        metadata: Metadata,
        *,
        now: datetime | None = None,
        check_replay: bool = True,
        head: Head | None = None,
    ) -> AppendResult:
        """Append `new_events` to `stream_id` if it is still at `expected_version`. Call inside `writing()`.

        `check_replay=False` skips looking for an earlier run of the command id: for a caller that has just made the
        id, or looked for it itself inside this same write transaction. `head`: the log's head as the caller read it
        in this transaction (`head_for_append`), when it knows the stream's version itself (read in this
        transaction, or known to be current at this head); the stream's unique (stream, version) key still refuses
        a version taken twice.
        """
        if check_replay and metadata.command_id:
            earlier = self.replay(conn, metadata.command_id, stream_id, metadata.fingerprint)
            if earlier:
                return AppendResult(stream_id=earlier[0].stream_id, events=tuple(earlier), replayed=True)
        if head is None:
            row = driver.fetch_one(conn, _VERSION_AND_HEAD, (stream_id,))  # None: the log is empty
            actual = int(row[0] or 0) if row else 0
            if actual != expected_version:
                raise ConcurrencyConflict(stream_id, expected_version, actual)
            head = Head(int(row[1]), str(row[2]), str(row[3])) if row else EMPTY
        position, prev_hash = head.position, head.hash
        moment = format_time(now or datetime.now(UTC))
        if head.recorded_at is not None and head.recorded_at > moment:
            moment = head.recorded_at  # a clock stepping back must not make the log run backwards
        recorded_at = parse_time(moment)
        meta_json = metadata.model_dump(mode="json")
        meta_text = canonical_json(meta_json)
        stored: list[StoredEvent] = []
        rows = []
        for offset, event in enumerate(new_events, start=1):
            name, schema_version, payload = encode(event)
            position += 1
            version = expected_version + offset
            digest = row_hash(
                position=position,
                stream_id=stream_id,
                version=version,
                type=name,
                schema_version=schema_version,
                payload=payload,
                metadata=meta_json,
                command_id=metadata.command_id,
                recorded_at=moment,
                prev_hash=prev_hash,
            )
            values = {
                "position": position,
                "stream_id": stream_id,
                "version": version,
                "type": name,
                "schema_version": schema_version,
                "payload": canonical_json(payload),
                "metadata": meta_text,
                "command_id": metadata.command_id,
                "recorded_at": moment,
                "prev_hash": prev_hash,
                "hash": digest,
            }
            rows.append(tuple(values[column] for column in _COLUMNS))
            stored.append(
                StoredEvent(
                    position=position,
                    stream_id=stream_id,
                    version=version,
                    type=name,
                    schema_version=schema_version,
                    data=event,  # type: ignore[arg-type]
                    metadata=metadata,
                    recorded_at=recorded_at,
                    prev_hash=prev_hash,
                    hash=digest,
                )
            )
            prev_hash = digest
        driver.execute_many(conn, _INSERT, rows)
        first = stored[0].position - 1
        cached = self._frontier
        known = cached[2] if cached is not None and cached[:2] == (first, stored[0].prev_hash) else None
        self._frontier = None  # until the nodes are stored
        frontier = merkle_store.append(conn, first, [event.hash for event in stored], known)
        self._frontier = (position, prev_hash, frontier)
        return AppendResult(stream_id=stream_id, events=tuple(stored), head=Head(position, prev_hash, moment))

    def frontier(self, size: int, head_hash: str) -> dict[Key, bytes] | None:
        """The Merkle frontier of the tree of `size` leaves if this store's last append left it (None otherwise)."""
        cached = self._frontier
        return dict(cached[2]) if cached is not None and cached[:2] == (size, head_hash) else None

    def stream_version(self, conn: Connection, stream_id: str) -> int:
        row = driver.fetch_one(conn, _STREAM_VERSION, (stream_id,))
        return int(row[0] or 0) if row else 0

    def clock(self, conn: Connection) -> datetime:
        """The registry's time for an append: now, never earlier than the log's head. Call inside `writing()`,
        so that no append can come between this reading and the one it times."""
        return self.head_for_append(conn).clock()

    def replay(self, conn: Connection, command_id: str, stream_id: str, fingerprint: str | None) -> list[StoredEvent]:
        """The events of an earlier run of this command (empty if none). Raises CommandIdConflict when the id
        was used for another command: another stream, or another fingerprint (type, actor and payload)."""
        earlier = self.find_command(conn, command_id)
        if earlier:
            recorded = earlier[0].metadata.fingerprint
            # Events recorded before fingerprints were (None) can only be compared by their stream.
            if earlier[0].stream_id != stream_id or (recorded and fingerprint and recorded != fingerprint):
                raise CommandIdConflict(command_id, earlier[0].stream_id)
        return earlier

    def find_command(self, conn: Connection, command_id: str) -> list[StoredEvent]:
        """The events an earlier run of this command recorded (empty if none)."""
        rows = conn.execute(_COMMAND, {"command_id": command_id}).all()
        return [to_stored(row) for row in rows]

    def read_stream(self, conn: Connection, stream_id: str) -> list[StoredEvent]:
        rows = conn.execute(_STREAM, {"stream_id": stream_id}).all()
        return [to_stored(row) for row in rows]

    def read_all(self, after: int = 0, batch: int = 2000) -> Iterator[StoredEvent]:
        """Every event after position `after`, in order, fetched `batch` rows at a time (constant memory)."""
        for row in self.read_rows(after, batch):
            yield to_stored(row)

    def read_rows(self, after: int = 0, batch: int = 2000) -> Iterator[Row[tuple[object, ...]]]:
        """The raw rows after `after`, batch by batch, each batch in its own short read transaction."""
        while True:
            with self.reading() as conn:
                rows = conn.execute(
                    select(events).where(events.c.position > after).order_by(events.c.position).limit(batch)
                ).all()
            if not rows:
                return
            yield from rows
            after = rows[-1].position

    def head(self) -> tuple[int, str]:
        """(position, hash) of the newest event; (0, genesis) for an empty log."""
        with self.reading() as conn:
            return self.head_in(conn)

    def head_in(self, conn: Connection) -> tuple[int, str]:
        row = conn.execute(select(events.c.position, events.c.hash).order_by(events.c.position.desc()).limit(1)).first()
        return (int(row.position), str(row.hash)) if row else (0, GENESIS)


@lru_cache(maxsize=256)
def _metadata(text: str) -> Metadata:
    """A command's events share their metadata (Metadata is frozen, so they can share the object too)."""
    return Metadata.model_validate_json(text)


def to_stored(row: Row[tuple[object, ...]]) -> StoredEvent:
    r = row._mapping
    return StoredEvent(
        position=int(r["position"]),
        stream_id=str(r["stream_id"]),
        version=int(r["version"]),
        type=str(r["type"]),
        schema_version=int(r["schema_version"]),
        data=decode_json(str(r["type"]), int(r["schema_version"]), str(r["payload"])),
        metadata=_metadata(str(r["metadata"])),
        recorded_at=parse_time(str(r["recorded_at"])),
        prev_hash=str(r["prev_hash"]),
        hash=str(r["hash"]),
    )
