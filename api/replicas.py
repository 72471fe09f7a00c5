"""Reads from PostgreSQL streaming replicas (`registry serve --read-url`): which database each read goes to.

Every write goes to the primary. A public read goes to a replica that answers and whose lag is within the limit
(in turn among them; the primary takes its turn too with `primary_reads`), else to the primary: the public side may
lag, and its ETag and `log.position` say which position it shows. A staff read goes to a replica only once that
replica has replayed the primary's WAL up to the actor's last write (read-your-writes): the write's position is the
primary's `pg_current_wal_lsn()` read right after the write committed, the replica's its `pg_last_wal_replay_lsn()`.
A staff mutation's own reads (a receipt's checkpoint) go to the primary.

A monitor thread looks at the primary and each replica every `interval` seconds. A replica's lag is the time since
the primary first held WAL the replica has not replayed, from the primary's WAL positions sampled at each look: it
is known to within one interval, and a replica whose last look is older than the limit counts as lagging. A read
that fails on a replica (refused or lost connection, the server shutting down, a conflict with its recovery, a lock
its recovery holds for longer than LOCK_WAIT) marks the replica down until the monitor sees it answer again, and is
read again from the next choice, the primary last. A replica whose host stops answering altogether is given up after
about five seconds (TCP keepalives and a user timeout on its connections); one whose server hangs with its
connections open (TCP still answering) cannot be timed by the server itself, so a watchdog shuts down the socket of a
replica connection still busy after 60% of its request's time (the monitor's looks: after five seconds), and the
request is read again from the primary in the time left.

A replica is used only while it is a standby of the primary's cluster holding the same database, schema and log: the
monitor compares the primary's and each replica's system identifier, database, schema and the log's first event.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from events.database import display_url, snapshot

log = logging.getLogger("registry.api")
T = TypeVar("T")

MAX_LAG = 10.0  # seconds a replica may lag behind the primary and still serve public reads
LOCK_WAIT = 1000  # ms a replica's read waits for a lock its recovery holds before it is read elsewhere
_NEVER = 1 << 64  # a WAL position no replica reaches: the actor reads the primary
# What the monitor compares between the primary and a replica, in one statement each.
_LOOK = """SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
  ELSE pg_current_wal_insert_lsn() END::text, system_identifier, current_database(), current_schema(),
  to_regclass('events') IS NOT NULL FROM pg_control_system()"""
_FIRST = "SELECT hash FROM events ORDER BY position LIMIT 1"
_REMEMBERED_WRITERS = 10_000  # actors whose last write position is kept (the oldest are forgotten: primary reads)


class NotAStandby(ValueError):
    """A --read-url whose server is not a streaming replica of the primary: `elsewhere` when it is a standby of
    another cluster, database, schema or log, else it is not a standby at all."""

    def __init__(self, url: str, *, elsewhere: bool) -> None:
        super().__init__(url)
        self.url = url
        self.elsewhere = elsewhere


def lsn(text_form: str) -> int:
    """A WAL position (`16/B374D848`) as a number, for comparing."""
    high, low = text_form.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def replica_engine(url: str) -> Engine:
    """An engine for a replica: not pre-pinged (a ping could hang on a hung server before the watchdog has the
    connection; a stale pooled connection fails its first read instead, which is read again elsewhere), quick to give
    up on a server that is down or whose
    host stopped answering, read-only from the start (a standby refuses BEGIN READ WRITE, which a pooled connection
    would otherwise start with after a read-only snapshot: SQLAlchemy resets read_only to False, not to the
    default), waiting at most LOCK_WAIT for a lock its recovery holds, and at most 30 s for any statement not timed
    by a request's deadline (the monitor's)."""
    engine = create_engine(
        url,
        execution_options={"postgresql_readonly": True},
        connect_args={
            "connect_timeout": 2,
            "keepalives": 1,
            "keepalives_idle": 2,
            "keepalives_interval": 1,
            "keepalives_count": 3,
            "tcp_user_timeout": 5000,
        },
    )

    @event.listens_for(engine, "connect")
    def _limits(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.autocommit = True
        dbapi_connection.execute(f"SET lock_timeout = {LOCK_WAIT}")
        dbapi_connection.execute("SET statement_timeout = 30000")
        dbapi_connection.autocommit = False

    return engine


def failed_over(error: BaseException) -> bool:
    """Whether a read that failed with `error` on a replica is read again elsewhere: the connection was refused or
    lost, or the server refused the statement for reasons of its own (shutting down, a conflict with its recovery).
    A request's deadline is checked before this: a statement cut off by it is not read again."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError | InterfaceError)


@dataclass
class Replica:
    """What the monitor last saw of one replica."""

    url: str  # without its password: for logs and /healthz
    engine: Engine
    up: bool = False  # answers, is a standby, and holds the primary's database, schema and log
    replayed: int = 0  # pg_last_wal_replay_lsn(), as a number
    lag: float = float("inf")  # seconds
    seen: float = float("-inf")  # the monotonic time of the last look that reached it


@dataclass
class Reads:
    """Where reads go: the primary `engine` and its `replicas` (see the module's docstring)."""

    primary: Engine
    replicas: Sequence[Replica]
    max_lag: float = MAX_LAG
    primary_reads: bool = False
    interval: float = 0.5
    clock: Callable[[], float] = time.monotonic
    _turn: Iterator[int] = field(default_factory=itertools.count)
    _samples: deque[tuple[float, int]] = field(default_factory=deque)  # (when, the primary's WAL position)
    _written: OrderedDict[str, int] = field(default_factory=OrderedDict)  # actor -> WAL position of its last write
    _floor: int = 0  # the last write of any actor no longer in _written
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _due: dict[int, float] = field(default_factory=dict)  # a busy replica connection's socket -> when to shut it
    _watch: threading.Lock = field(default_factory=threading.Lock)
    _watchdog: threading.Thread | None = None

    @classmethod
    def primary_only(cls, engine: Engine) -> Reads:
        return cls(engine, ())

    @classmethod
    def open(cls, primary: Engine, urls: Sequence[str], **settings: float | bool) -> Reads:
        """Reads over the replicas at `urls`. Raises NotAStandby for a server that answers but is not a standby of
        the primary's cluster holding its database, schema and log; one that does not answer yet is used once it
        does, if it is one."""
        replicas = [Replica(display_url(url), replica_engine(url)) for url in urls]
        reads = cls(primary, replicas, **settings)  # type: ignore[arg-type]
        ours = reads._identity(primary)
        for replica in replicas:
            try:
                theirs = reads._identity(replica.engine)
            except DBAPIError as error:
                log.warning("read replica %s does not answer yet: %s", replica.url, _first_line(error))
                continue
            if not theirs.recovering:
                raise NotAStandby(replica.url, elsewhere=False)
            if not theirs.holds(ours):
                raise NotAStandby(replica.url, elsewhere=True)
        reads.look()
        return reads

    # -- choosing ------------------------------------------------------------------------------------------------

    def public(self) -> list[Engine]:
        """The engines to read a public request from, in order: a fresh replica in turn, the others, the primary."""
        fresh = [r.engine for r in self.replicas if self._fresh(r)]
        choices = [*fresh, self.primary] if self.primary_reads else fresh
        if not choices:
            return [self.primary]
        first = next(self._turn) % len(choices)
        ordered = choices[first:] + choices[:first]
        return ordered if ordered[-1] is self.primary else [*ordered, self.primary]

    def staff(self, actor_id: str) -> list[Engine]:
        """The engines to read a staff request of `actor_id` from: replicas that have replayed the actor's last
        write and are fresh, then the primary."""
        with self._lock:
            wrote = self._written.get(actor_id, self._floor)
        caught_up = [r.engine for r in self.replicas if self._fresh(r) and r.replayed >= wrote]
        return [*caught_up, self.primary]

    def _fresh(self, replica: Replica) -> bool:
        return replica.up and replica.lag <= self.max_lag and self.clock() - replica.seen <= self.max_lag

    def read(
        self,
        engines: Sequence[Engine],
        work: Callable[[Connection], T],
        *,
        again: Callable[[BaseException], bool] = lambda _error: True,
        seconds: float = 30.0,
    ) -> T:
        """`work` in one snapshot on the first of `engines` that can give it: when it fails on a replica with an error
        `failed_over` names and `again` allows (not the request's deadline, say), the replica is marked down and the
        next engine is tried. A replica's connection is given `seconds` (the watchdog)."""
        for engine in engines[:-1]:
            try:
                with engine.connect() as conn, self.guarded(conn, seconds), snapshot(conn) as read:
                    return work(read)
            except (OperationalError, InterfaceError) as error:
                if not (failed_over(error) and again(error)):
                    raise
                self.failed(engine, error)
        with engines[-1].connect() as conn, snapshot(conn) as read:
            return work(read)

    def failed(self, engine: Engine, error: BaseException) -> None:
        """A read on `engine` failed with `error`: a replica is not chosen again until the monitor sees it answer."""
        for replica in self.replicas:
            if replica.engine is engine and replica.up:
                replica.up = False
                log.warning("read replica %s failed, reading from the primary: %s", replica.url, _first_line(error))

    # -- read-your-writes ----------------------------------------------------------------------------------------

    def wrote(self, actor_id: str) -> None:
        """`actor_id` has just written (committed): its reads wait for a replica that replayed this far."""
        if not self.replicas:
            return
        try:
            # The insert position, not the write position: with synchronous_commit off, the commit's record may
            # not be written out yet when the command returns.
            with self.primary.connect() as conn:
                position = lsn(conn.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one())
        except DBAPIError as error:
            log.warning("cannot read the primary's WAL position after a write: %s", _first_line(error))
            position = _NEVER  # the actor reads the primary until its next write is recorded
        with self._lock:
            earlier = self._written.pop(actor_id, 0)
            # A write read after another's may have read an earlier position (max); a position that could not be
            # read (_NEVER) holds only until this one.
            self._written[actor_id] = position if earlier == _NEVER else max(position, earlier)
            while len(self._written) > _REMEMBERED_WRITERS:
                _, forgotten = self._written.popitem(last=False)
                if forgotten != _NEVER:  # a position that could not be read must not send every actor to the primary
                    self._floor = max(self._floor, forgotten)  # a forgotten actor waits for this much

    # -- the monitor ---------------------------------------------------------------------------------------------

    def look(self) -> None:
        """One look at the primary's WAL position and identity, and at each replica's replay position, lag and
        identity."""
        now = self.clock()
        ours: _Identity | None = None
        try:
            ours = self._identity(self.primary)
        except DBAPIError as error:
            log.warning("the replicas' monitor cannot reach the primary: %s", _first_line(error))
        if ours is not None:  # else the replicas are measured against the last positions seen
            self._samples.append((now, ours.position))
            while len(self._samples) > 2 and self._samples[1][0] < now - self.max_lag - 2 * self.interval:
                self._samples.popleft()
        for replica in self.replicas:
            try:
                theirs = self._identity(replica.engine)
            except DBAPIError as error:
                if replica.up:
                    log.warning("read replica %s does not answer: %s", replica.url, _first_line(error))
                replica.up = False
                continue
            usable = theirs.recovering and (ours is None or theirs.holds(ours))
            if not usable:
                if replica.up or replica.seen == float("-inf"):
                    log.warning("read replica %s is not a standby of this database's log: not read from", replica.url)
                replica.up = False
                replica.seen = now
                continue
            replica.replayed = theirs.position
            replica.lag = self._lag(replica.replayed, now)
            if not replica.up:
                log.info("read replica %s answers (lag %.1f s)", replica.url, replica.lag)
            replica.up = True
            replica.seen = now

    def _identity(self, engine: Engine) -> _Identity:
        with engine.connect() as conn, self.guarded(conn, 5.0), conn.begin():
            recovering, position, system, database, schema, has_log = conn.execute(text(_LOOK)).one()
            first = conn.execute(text(_FIRST)).scalar() if has_log else None
        return _Identity(bool(recovering), lsn(position) if position else 0, int(system), database, schema, first)

    def _lag(self, replayed: int, now: float) -> float:
        """Seconds since the primary first held WAL past `replayed`, by the samples (0 when none is past it;
        infinite when even the oldest is, and the samples do not go back `max_lag` yet: how far behind is unknown)."""
        if not self._samples:
            return float("inf")
        oldest, head = self._samples[0]
        if head > replayed and now - oldest < self.max_lag:
            return float("inf")
        for when, head in self._samples:
            if head > replayed:
                return now - when
        return 0.0

    @contextmanager
    def guarded(self, conn: Connection, seconds: float) -> Iterator[None]:
        """While the block runs: if `conn` is a replica's and still busy after `seconds`, its socket is shut down
        (the watchdog), which ends the statement it waits on with a lost connection."""
        if conn.engine is self.primary or not self.replicas:
            yield
            return
        fd = conn.connection.driver_connection.pgconn.socket  # type: ignore[union-attr]
        with self._watch:
            self._due[fd] = self.clock() + seconds
            if self._watchdog is None:
                self._watchdog = threading.Thread(target=self._watching, name="read-replicas-watchdog", daemon=True)
                self._watchdog.start()
        try:
            yield
        finally:
            with self._watch:  # after this, the watchdog never touches the descriptor, which may be reused
                self._due.pop(fd, None)

    def _watching(self) -> None:
        while not self._stop.wait(0.25):
            now = self.clock()
            with self._watch:
                for fd, due in list(self._due.items()):
                    if now >= due:
                        del self._due[fd]
                        _shut_down(fd)

    def start(self) -> None:
        """Look every `interval` seconds in a thread of its own, until `stop`."""
        if not self.replicas or self._thread is not None:
            return

        def run() -> None:
            while not self._stop.wait(self.interval):
                try:
                    self.look()
                except Exception:
                    log.exception("the read replicas' monitor failed a look")

        self._thread = threading.Thread(target=run, name="read-replicas", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)  # a look stuck on a replica's host ends within its TCP timeouts
        for replica in self.replicas:
            replica.engine.dispose()

    def status(self) -> list[dict[str, object]]:
        """What /healthz says of the replicas."""
        return [
            {
                "url": r.url,
                "up": r.up,
                "lag": None if r.lag == float("inf") else round(r.lag, 3),
                "serving": self._fresh(r),
            }
            for r in self.replicas
        ]


@dataclass(frozen=True)
class _Identity:
    """What the monitor reads of a server: whether it is in recovery, its WAL position (a standby's replayed, the
    primary's inserted), its cluster, database, schema and its log's first event (None: no log, or empty)."""

    recovering: bool
    position: int
    system: int
    database: str
    schema: str | None
    first: str | None

    def holds(self, primary: _Identity) -> bool:
        """Whether this standby holds the `primary`'s database, schema and log (a first event it has not replayed
        yet is not a difference)."""
        same_place = (self.system, self.database, self.schema) == (primary.system, primary.database, primary.schema)
        return same_place and (self.first is None or self.first == primary.first)


def _shut_down(fd: int) -> None:
    """Shut the socket `fd` down both ways (through a duplicate, so that the driver's descriptor stays its own): the
    read blocked on it returns at once."""
    try:
        with socket.socket(fileno=os.dup(fd)) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
    except OSError as error:
        log.warning("the read replicas' watchdog could not shut a connection down: %s", error)
    else:
        log.warning("a read on a replica was still busy past its time: its connection was shut down")


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]
