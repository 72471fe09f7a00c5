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
that fails on a replica (refused or lost connection, the server shutting down, a conflict with its recovery) marks
the replica down until the monitor sees it answer again, and is read again from the next choice, the primary last.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from events.database import display_url, snapshot

log = logging.getLogger("registry.api")
T = TypeVar("T")

MAX_LAG = 10.0  # seconds a replica may lag behind the primary and still serve public reads
_REMEMBERED_WRITERS = 10_000  # actors whose last write position is kept (the oldest are forgotten: primary reads)


class NotAStandby(ValueError):
    """A --read-url whose server is not a streaming replica of the primary: `elsewhere` when it is a standby of
    another cluster, else it is not a standby at all."""

    def __init__(self, url: str, *, elsewhere: bool) -> None:
        super().__init__(url)
        self.url = url
        self.elsewhere = elsewhere


def lsn(text_form: str) -> int:
    """A WAL position (`16/B374D848`) as a number, for comparing."""
    high, low = text_form.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def replica_engine(url: str) -> Engine:
    """An engine for a replica: pre-pinged like the primary's, and quick to give up on a server that is down."""
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 2})


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
    up: bool = False
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

    @classmethod
    def primary_only(cls, engine: Engine) -> Reads:
        return cls(engine, ())

    @classmethod
    def open(cls, primary: Engine, urls: Sequence[str], **settings: float | bool) -> Reads:
        """Reads over the replicas at `urls`. Raises NotAStandby for a server that answers but is not a standby of
        the primary (same system identifier); one that does not answer yet is used once it does."""
        replicas = [Replica(display_url(url), replica_engine(url)) for url in urls]
        with primary.connect() as conn:
            identifier = conn.execute(text("SELECT system_identifier FROM pg_control_system()")).scalar_one()
        for replica in replicas:
            try:
                with replica.engine.connect() as conn:
                    recovering, theirs = conn.execute(
                        text("SELECT pg_is_in_recovery(), system_identifier FROM pg_control_system()")
                    ).one()
            except OperationalError as error:
                log.warning("read replica %s does not answer yet: %s", replica.url, str(error).splitlines()[0])
                continue
            if not recovering:
                raise NotAStandby(replica.url, elsewhere=False)
            if theirs != identifier:
                raise NotAStandby(replica.url, elsewhere=True)
        reads = cls(primary, replicas, **settings)  # type: ignore[arg-type]
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
    ) -> T:
        """`work` in one snapshot on the first of `engines` that can give it: when it fails on a replica with an error
        `failed_over` names and `again` allows (not the request's deadline, say), the replica is marked down and the
        next engine is tried."""
        for engine in engines[:-1]:
            try:
                with engine.connect() as conn, snapshot(conn) as read:
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
        with self.primary.connect() as conn:
            position = lsn(conn.execute(text("SELECT pg_current_wal_lsn()")).scalar_one())
        with self._lock:
            self._written[actor_id] = max(position, self._written.pop(actor_id, 0))
            while len(self._written) > _REMEMBERED_WRITERS:
                _, forgotten = self._written.popitem(last=False)
                self._floor = max(self._floor, forgotten)  # a forgotten actor waits for this much

    # -- the monitor ---------------------------------------------------------------------------------------------

    def look(self) -> None:
        """One look at the primary's WAL position and at each replica's replay position and lag."""
        now = self.clock()
        try:
            with self.primary.connect() as conn:
                head = lsn(conn.execute(text("SELECT pg_current_wal_lsn()")).scalar_one())
        except OperationalError:
            return  # the primary is away: nothing to measure the replicas against
        self._samples.append((now, head))
        while len(self._samples) > 2 and self._samples[1][0] < now - self.max_lag - 2 * self.interval:
            self._samples.popleft()
        for replica in self.replicas:
            try:
                with replica.engine.connect() as conn:
                    recovering, replayed = conn.execute(
                        text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
                    ).one()
            except OperationalError as error:
                if replica.up:
                    log.warning("read replica %s does not answer: %s", replica.url, _first_line(error))
                replica.up = False
                continue
            if not recovering or replayed is None:
                if replica.up or replica.seen == float("-inf"):
                    log.warning("read replica %s is no longer a standby: not read from", replica.url)
                replica.up = False
                replica.seen = now
                continue
            replica.replayed = lsn(replayed)
            replica.lag = self._lag(replica.replayed, now)
            if not replica.up:
                log.info("read replica %s answers (lag %.1f s)", replica.url, replica.lag)
            replica.up = True
            replica.seen = now

    def _lag(self, replayed: int, now: float) -> float:
        """Seconds since the primary first held WAL past `replayed`, by the samples (0 when none is past it)."""
        for when, head in self._samples:
            if head > replayed:
                return now - when
        return 0.0

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
            self._thread.join()
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


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]
