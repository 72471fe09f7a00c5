"""Group commit: the commands that arrive while a write transaction is being written wait, and are then written
together in one transaction, each in a savepoint of its own, with one commit (one fsync) for the group.

A command that is refused or conflicts is rolled back to its savepoint alone; the group goes on. Nobody hears back
before the commit that holds their events: every caller waits until its group's commit returned, and if the commit
fails, every command of the group fails with it (none was acknowledged). The callers' threads take turns at the
writing (leader and followers): the first to find nobody writing becomes the leader and writes groups until its
own command is in, then hands the lead to the oldest waiting command. Positions stay gapless and in commit order:
the group holds the append lock (events.store.EventStore.writing) from its first command to its commit, and its
commands append one after another in the order they arrived.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy import Connection

from events import driver
from events.store import EventStore, Head
from registry.stream_cache import Known

T = TypeVar("T")
GROUP_LIMIT = 256  # commands in one transaction at most: a group's latency stays bounded


@dataclass
class Transaction:
    """What a command is carried out in: the group's connection, and what the commands before it left."""

    conn: Connection
    start: Head  # the log's head when the group's transaction began, read under the append lock
    head: Head  # the head after the commands kept so far: the next append goes after it
    known: dict[str, Known] = field(default_factory=dict)  # streams as the kept commands left them
    _staged: tuple[Head, dict[str, Known]] | None = None  # what the running command wrote, until it is kept

    def wrote(self, head: Head, streams: dict[str, Known]) -> None:
        """The running command appended up to `head`, leaving `streams` so (kept if its savepoint is released)."""
        self._staged = (head, streams)

    def _keep(self, staged: tuple[Head, dict[str, Known]] | None) -> None:
        if staged is not None:
            self.head = staged[0]
            self.known.update(staged[1])


@dataclass
class GroupStats:
    groups: int = 0
    commands: int = 0
    largest: int = 0
    last: int = 0

    def add(self, size: int) -> None:
        self.groups, self.commands, self.largest, self.last = (
            self.groups + 1,
            self.commands + size,
            max(self.largest, size),
            size,
        )


class _Job(Generic[T]):
    def __init__(self, work: Callable[[Transaction], T]) -> None:
        self.work = work
        self.result: T | None = None
        self.error: BaseException | None = None
        self.finished = False
        self.lead = False
        self.wake = threading.Event()


class GroupCommit:
    """Writes commands in groups on `store`; `committed(transaction)` runs after each group's commit."""

    def __init__(
        self, store: EventStore, committed: Callable[[Transaction], None], *, limit: int = GROUP_LIMIT
    ) -> None:
        self.store = store
        self.committed = committed
        self.limit = limit
        self._lock = threading.Lock()
        self._queue: deque[_Job[object]] = deque()
        self._writing = False
        self.stats = GroupStats()  # what the groups written so far were like (benchmarks report them)

    def run(self, work: Callable[[Transaction], T]) -> T:
        """Carry out `work` in a group's transaction; returns its result once the group committed, or raises what
        it raised (rolled back alone) or what the commit raised (nothing of the group was written)."""
        job: _Job[T] = _Job(work)
        with self._lock:
            self._queue.append(job)  # type: ignore[arg-type]
            lead = not self._writing
            self._writing = True
        if not lead:
            job.wake.wait()
        if not job.finished:  # woken to lead, or leading from the start
            self._lead(job)
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def _lead(self, own: _Job[T]) -> None:
        while True:
            with self._lock:
                if own.finished:
                    self._hand_over()  # the rest is written by the next caller; this one has its answer
                    return
                group = [self._queue.popleft() for _ in range(min(self.limit, len(self._queue)))]
            try:
                self._write(group)
            except BaseException:  # this thread must stop (it was interrupted): someone else goes on writing
                with self._lock:
                    self._hand_over()
                raise

    def _hand_over(self) -> None:
        """Wake the oldest waiting command to lead, or note that nobody writes. Call holding the lock."""
        if self._queue:
            successor = self._queue[0]
            successor.lead = True
            successor.wake.set()
        else:
            self._writing = False

    def _write(self, group: list[_Job[object]]) -> None:
        transaction: Transaction | None = None
        try:
            with self.store.writing() as conn:
                head = self.store.head_for_append(conn)
                transaction = Transaction(conn, head, head)
                for job in group:
                    _carry_out(transaction, job)
        except BaseException as error:  # the commit (or the connection) failed: nothing of the group was written
            for job in group:
                if job.error is None:
                    job.error, job.result = error, None
        else:
            self.stats.add(len(group))
            self.committed(transaction)  # must not raise (the commands are in, and their callers hear so)
        finally:
            for job in group:
                job.finished = True
                if not job.lead:
                    job.wake.set()


def _carry_out(transaction: Transaction, job: _Job[object]) -> None:
    """One command in its own savepoint: released when it succeeds, rolled back alone when it raises."""
    conn = transaction.conn
    driver.execute(conn, "SAVEPOINT command")
    transaction._staged = None
    try:
        job.result = job.work(transaction)
    except Exception as error:
        try:
            driver.execute(conn, "ROLLBACK TO SAVEPOINT command")
            driver.execute(conn, "RELEASE SAVEPOINT command")
        except Exception:
            # The transaction itself is gone (SQLite rolls it back on some I/O errors, a PostgreSQL connection may
            # be lost): the whole group fails, with this command's error, and nothing of it was written.
            raise error from None
        job.error = error
    else:
        driver.execute(conn, "RELEASE SAVEPOINT command")
        transaction._keep(transaction._staged)
