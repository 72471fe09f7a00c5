"""The live stream of public changes (Server-Sent Events) at /changes/stream, with the feed's filters.

Each public change is one event: `id` its log position, no `event` name (EventSource.onmessage gets it), `data` the
JSON that webhooks carry, {"type", "timestamp", "data"}. A client that reconnects with Last-Event-ID (or
?lastEventId= / ?after=) gets every matching change after it, read from the database, then new ones as they come.

One watcher per app reads the newest public position every `poll` seconds while any stream is open and wakes the
streams when it moves; each stream then reads its own matching changes once. Heartbeats are SSE comments.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import anyio
import anyio.to_thread
import orjson
from anyio.abc import TaskStatus
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from api.deadline import Deadline, DeadlineExceeded, held_to
from api.feeds import BadParameter, read_filter
from events.database import reading
from projections import public_query
from projections.public_feed import ChangeFilter, PublicChange, changes_after
from registry.profile import Profile

log = logging.getLogger("registry.api")
T = TypeVar("T")
PATH = "/changes/stream"
BATCH = 100  # changes read at a time while a stream catches up
_RESUME_PARAMETERS = ("lastEventId", "after")
_READERS = 4  # stream reads at once (each a worker thread and a database connection), however many streams wake


@dataclass(frozen=True)
class StreamSettings:
    """How the live stream behaves: heartbeat (an SSE comment) every `heartbeat` seconds, the public position read
    every `poll` seconds while a stream is open, at most `max_streams` streams at once (beyond: 503, Retry-After),
    and a stream whose client does not take an event within `send_timeout` seconds is ended."""

    heartbeat: float = 15.0
    poll: float = 0.5
    max_streams: int = 500
    send_timeout: float = 30.0


class ChangeWatcher:
    """The newest public position, read every `poll` seconds while anyone waits on it, for every stream of an app.

    `run` is the watcher's task (the app's lifespan runs it); streams `wait_past` a position.
    """

    def __init__(self, read: Callable[[], int], poll: float) -> None:
        self._read = read
        self._poll = poll
        self.position = -1  # not read yet
        self.running = False
        self._moved: anyio.Event | None = None
        self._waiting = 0
        self._someone: anyio.Event | None = None

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Poll while streams wait; sleep on an event while none does. Ends (and wakes every stream) when cancelled.

        A read that fails (the database away, or slower than its deadline) is tried again a period later: the streams
        wait meanwhile, and miss nothing, as each reads its own changes from the log."""
        self.running = True
        self._moved = anyio.Event()
        self._someone = anyio.Event()
        task_status.started()
        try:
            while True:
                if self._waiting == 0:
                    await self._someone.wait()
                    self._someone = anyio.Event()
                    continue
                try:
                    position = await anyio.to_thread.run_sync(self._read)
                except (SQLAlchemyError, DeadlineExceeded) as error:
                    log.warning("the live stream could not read the public position: %s", error)
                    await anyio.sleep(self._poll)
                    continue
                if position != self.position:
                    self.position = position
                    self._wake()
                await anyio.sleep(self._poll)
        finally:
            self.running = False
            self._wake()

    def _wake(self) -> None:
        moved, self._moved = self._moved, anyio.Event()
        if moved is not None:
            moved.set()

    async def wait_past(self, position: int) -> bool:
        """Once the newest public position is past `position`: True; False once the watcher has stopped."""
        self._waiting += 1
        if self._someone is not None:
            self._someone.set()
        try:
            while self.running and self.position <= position:
                assert self._moved is not None
                await self._moved.wait()
            return self.running
        finally:
            self._waiting -= 1


def _resume_from(request: Request) -> int | None:
    """The position a reconnecting client last received: the Last-Event-ID header, else ?lastEventId= or ?after=."""
    given = request.headers.get("last-event-id") or next(
        (request.query_params[name] for name in _RESUME_PARAMETERS if request.query_params.get(name)), ""
    )
    text = given.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise BadParameter(
            f"Last-Event-ID（或 lastEventId / after）的值“{text[:40]}”无效：应为收到的最后一个事件的 id "
            f"(invalid Last-Event-ID {text[:40]!r}: pass the id of the last event received, a log position)"
        )
    return int(text)


def message(change: PublicChange) -> ServerSentEvent:
    """The event of one change: the payload webhooks carry, {"type", "timestamp", "data"}."""
    return ServerSentEvent(data=orjson.dumps(change.payload()).decode(), id=str(change.position))


class ChangeStream:
    """The endpoint (an ASGI app): counts the open streams, refuses more than allowed, and streams each."""

    def __init__(self, engine: Engine, profile: Profile, settings: StreamSettings, deadline: float) -> None:
        self.engine = engine
        self.profile = profile
        self.settings = settings
        self.deadline = deadline  # seconds each read of the database may take
        self.watcher = ChangeWatcher(self._newest, settings.poll)
        self.open = 0
        self._readers = anyio.CapacityLimiter(_READERS)

    def _newest(self) -> int:
        with reading(self.engine) as conn, held_to(conn, Deadline.starting_now(self.deadline)):
            return public_query.public_position(conn)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            flt = read_filter(request.query_params, self.profile, _RESUME_PARAMETERS)
            after = _resume_from(request)
        except BadParameter as error:
            await PlainTextResponse(str(error), 400)(scope, receive, send)
            return
        if not self.watcher.running:
            unavailable = "the live stream is not running on this server (the app's lifespan did not start it)"
            await PlainTextResponse(unavailable, 503)(scope, receive, send)
            return
        if self.open >= self.settings.max_streams:
            busy = f"too many live streams open ({self.settings.max_streams}): try again shortly"
            await PlainTextResponse(busy, 503, {"Retry-After": "5"})(scope, receive, send)
            return
        self.open += 1
        try:
            if after is None:  # from now: read before the response starts, so every change committed after it comes
                try:
                    after = await self._run(self._newest)
                except (SQLAlchemyError, DeadlineExceeded) as error:
                    log.warning("the live stream could not read the public position: %s", error)
                    failed = PlainTextResponse("the live stream cannot read the catalog now", 503, {"Retry-After": "5"})
                    await failed(scope, receive, send)
                    return
            response = EventSourceResponse(
                self._events(flt, after),
                ping=self.settings.heartbeat,
                send_timeout=self.settings.send_timeout,
                headers={"Cache-Control": "no-cache"},
            )
            await response(scope, receive, send)
        finally:
            self.open -= 1

    async def _events(self, flt: ChangeFilter, after: int) -> AsyncIterator[ServerSentEvent]:
        """The matching changes after the position `after`, read from the log, then each new one as it comes."""
        cursor = after
        while True:
            try:
                changes, cursor, more = await self._run(partial(self._read, flt, cursor))
            except (SQLAlchemyError, DeadlineExceeded) as error:
                # Ended cleanly: the client reconnects by itself with the last id it got, and misses nothing.
                log.warning("a live stream could not read its changes and ends: %s", error)
                return
            for change in changes:
                yield message(change)
            if not more and not await self.watcher.wait_past(cursor):
                return  # the server is stopping

    def _read(self, flt: ChangeFilter, after: int) -> tuple[list[PublicChange], int, bool]:
        """The next matching changes after `after`, the position read up to, and whether more may follow at once."""
        with reading(self.engine) as conn, held_to(conn, Deadline.starting_now(self.deadline)):
            newest = public_query.public_position(conn)
            changes = changes_after(conn, flt, after, BATCH)
        if len(changes) == BATCH:
            return changes, changes[-1].position, True
        return changes, max(after, newest), False

    async def _run(self, work: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(work, limiter=self._readers)
