"""Webhook deliveries: each subscription is sent its matching public changes in log order, at least once.

A worker (`registry deliver`, or the background task of `registry serve`) takes a subscription that is due, holds
its lock (PostgreSQL: a session advisory lock; SQLite: a lock file beside the database; both released by the
operating system or the server when the worker dies), reads the changes after the subscription's cursor, and sends
them one at a time. Each answer is recorded, and the cursor moved, in one transaction after the answer came: a
worker killed between sending and recording sends that one change again (receivers deduplicate by webhook-id), and
the cursor is never ahead of an acknowledgement. A change is not sent before the earlier ones to that subscriber
were acknowledged or given up after the last retry.
"""

from __future__ import annotations

import asyncio
import email.utils
import fcntl
import hashlib
import logging
import os
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import httpx
import orjson
from sqlalchemy import Connection, Engine, func, select, text

from events.database import is_sqlite, reading
from events.timestamp import format_time
from projections.public_feed import ChangeFilter, PublicChange, changes_after
from projections.schema import public_changes
from registry.profile import Profile
from registry.push import store as webhook_store
from registry.push import webhook
from registry.push.key import load_key
from registry.push.store import Attempt, SubscriptionRow
from registry.push.webhook import Status

log = logging.getLogger("registry.push.delivery")

USER_AGENT = "catalog-registry-webhooks/1"
DETAIL_LIMIT = 300  # characters of an answer or error kept with the attempt


@dataclass(frozen=True)
class DeliverySettings:
    """How deliveries are made. `total_timeout` bounds waiting for and reading an answer; `max_answer` is the most
    of an answer read (the rest is not); `schedule` the waits between attempts of one change (webhook's)."""

    connect_timeout: float = 5.0
    total_timeout: float = 15.0
    max_answer: int = 64 * 1024
    schedule: tuple[float, ...] = webhook.RETRY_SCHEDULE
    poll: float = 0.25  # seconds between looks for new changes when there is nothing to send
    workers: int = 4  # subscriptions delivered at once
    batch: int = 200  # changes read at a time for one subscription


@dataclass
class Round:
    """What one pass over the due subscriptions did."""

    delivered: int = 0
    failed: int = 0
    given_up: int = 0
    disabled: int = 0
    busy: int = 0  # subscriptions another worker held

    @property
    def attempts(self) -> int:
        return self.delivered + self.failed + self.given_up + self.disabled

    def add(self, other: Round) -> None:
        for name in ("delivered", "failed", "given_up", "disabled", "busy"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    detail: str
    retry_after: float | None
    seconds: float


class Deliverer:
    """Delivers the webhooks of one registry database."""

    def __init__(
        self,
        engine: Engine,
        profile: Profile,
        webhook_key: bytes,
        settings: DeliverySettings = DeliverySettings(),
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.profile = profile
        self.key = webhook_key
        self.settings = settings
        self.rng = rng or random.Random()
        self.locks = _locks_for(engine)
        self._local = threading.local()
        self._sessions: list[_Session] = []
        self._sessions_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._stopping = threading.Event()
        self._known_public = -1  # the newest public position seen, to skip rounds when nothing changed

    # -- running --------------------------------------------------------------------------------------------------

    def run(self, stop: threading.Event, wake: threading.Event | None = None) -> None:
        """Deliver until `stop` is set: a round whenever there may be work, else wait `poll` (or until `wake`)."""
        self._stopping = stop
        try:
            while not stop.is_set():
                try:
                    done = self.run_once()
                except Exception:  # the database was away, say: log it and try again after a pause
                    log.exception("webhook delivery round failed")
                    done = Round()
                if done.attempts == 0:
                    (wake or stop).wait(self.settings.poll)
                    if wake is not None:
                        wake.clear()
        finally:
            self.close()

    def run_once(self) -> Round:
        """One pass: every subscription that is due gets its matching changes sent, up to `batch` of them."""
        now = datetime.now(UTC)
        with reading(self.engine) as conn:
            due = webhook_store.due(conn, now)
            newest = _public_position(conn)
        waiting = [row for row in due if row.cursor < newest]
        total = Round()
        if not waiting:
            return total
        if self._pool is None:  # one pool for the deliverer's life: each thread keeps its HTTP connections
            self._pool = ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="webhook")
        for done in self._pool.map(self._turn, [row.subscription_id for row in waiting]):
            total.add(done)
        return total

    def drain(self, limit: float | None = None) -> Round:
        """Rounds until nothing is due now (retries waiting for later are left), or `limit` seconds passed."""
        started = time.monotonic()
        total = Round()
        while True:
            done = self.run_once()
            total.add(done)
            if done.attempts == 0 or (limit is not None and time.monotonic() - started > limit):
                return total

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        with self._sessions_lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    # -- one subscription ---------------------------------------------------------------------------------------

    def _turn(self, subscription_id: str) -> Round:
        done = Round()
        with self.locks.hold(subscription_id) as held:
            if not held:
                done.busy += 1
                return done
            with reading(self.engine) as conn:
                row = webhook_store.find(conn, subscription_id)
                if row is None or not _due(row, datetime.now(UTC)):
                    return done
                changes = changes_after(conn, _filter(row, self.profile), row.cursor, self.settings.batch)
            for change in changes:
                if self._stopping.is_set():
                    break
                outcome, row_after = self._deliver(row, change)
                setattr(done, outcome, getattr(done, outcome) + 1)
                if row_after is None or outcome not in ("delivered", "given_up"):
                    break  # moved by an admin meanwhile, or waiting for a retry, or disabled
                row = row_after
        return done

    def _deliver(self, row: SubscriptionRow, change: PublicChange) -> tuple[str, SubscriptionRow | None]:
        """Send one change and record the answer; returns the outcome and the subscription as it is now (None when
        an admin moved it meanwhile)."""
        message_id = webhook.message_id(row.subscription_id, change.position)
        body = orjson.dumps(change.payload())
        answer = self._post(row, message_id, body)
        attempt_number = row.attempts + 1
        delivered = answer.status_code is not None and 200 <= answer.status_code < 300
        now = datetime.now(UTC)
        status, cursor, attempts, next_at, error = row.status, row.cursor, 0, None, None
        if delivered:
            outcome, status, cursor = "delivered", Status.ACTIVE, change.position
        elif answer.status_code == 410:
            outcome, status, attempts, error = "disabled", Status.DISABLED, row.attempts, answer.detail
        else:
            error = answer.detail
            retry_after = answer.retry_after if answer.status_code in (429, 503) else None
            wait = webhook.retry_delay(attempt_number, retry_after, self.settings.schedule, self.rng)
            if wait is None:
                outcome, status, cursor = "given_up", Status.FAILING, change.position
            else:
                outcome, attempts = "failed", attempt_number
                next_at = format_time(now + timedelta(seconds=wait))
        stored_outcome = {"disabled": "gone"}.get(outcome, outcome)
        attempt = Attempt(
            subscription_id=row.subscription_id,
            position=change.position,
            message_id=message_id,
            attempt=attempt_number,
            at=format_time(now),
            duration_ms=round(answer.seconds * 1000),
            status_code=answer.status_code,
            outcome=stored_outcome,
            detail=answer.detail,
        )
        with self.engine.begin() as conn:
            moved = webhook_store.record(
                conn,
                row,
                attempt,
                cursor=cursor,
                attempts=attempts,
                next_attempt_at=next_at,
                status=status,
                error=error,
            )
        if outcome == "given_up":
            log.warning("webhook %s gave up on position %s: %s", row.subscription_id, change.position, error)
        return outcome, moved

    def _post(self, row: SubscriptionRow, message_id: str, body: bytes) -> Answer:
        secret = webhook.derive_secret(self.key, row.subscription_id, row.nonce)
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": webhook.sign(secret, message_id, timestamp, body),
        }
        settings = self.settings
        started = time.monotonic()
        session = self._session()
        sending = _send(session.client, row.url, body, headers, settings)
        try:
            # The whole answer within total_timeout: httpx's own timeouts bound each wait, and a receiver that
            # dribbles its answer a byte at a time would hold the worker for as long as it liked.
            status_code, read, retry_after = session.loop.run_until_complete(
                asyncio.wait_for(sending, settings.total_timeout)
            )
        except (TimeoutError, httpx.TimeoutException):
            return Answer(None, "timed out", None, time.monotonic() - started)
        except httpx.HTTPError as error:
            return Answer(None, _clip(f"{type(error).__name__}: {error}"), None, time.monotonic() - started)
        return Answer(status_code, _detail(status_code, read), retry_after, time.monotonic() - started)

    def _session(self) -> _Session:
        """This thread's event loop and HTTP client (connections kept alive between deliveries)."""
        session: _Session | None = getattr(self._local, "session", None)
        if session is None:
            session = _Session.open(self.settings)
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session


@dataclass
class _Session:
    loop: asyncio.AbstractEventLoop
    client: httpx.AsyncClient

    @classmethod
    def open(cls, settings: DeliverySettings) -> _Session:
        loop = asyncio.new_event_loop()
        # No redirects: a delivery goes to the registered URL only. No proxies from the environment either.
        client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            headers={"accept": "*/*"},
            timeout=httpx.Timeout(settings.total_timeout, connect=settings.connect_timeout),
        )
        return cls(loop, client)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


async def _send(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], settings: DeliverySettings
) -> tuple[int, bytes, float | None]:
    """POST and read at most `max_answer` bytes of the answer: its status, what was read, its Retry-After."""
    async with client.stream("POST", url, content=body, headers=headers) as answer:
        read = bytearray()
        async for chunk in answer.aiter_raw():
            read += chunk[: settings.max_answer - len(read)]
            if len(read) >= settings.max_answer:
                break
        return answer.status_code, bytes(read), _retry_after(answer.headers.get("retry-after"))


class Background:
    """Deliveries in a thread beside a server (`registry serve`): they begin once the webhook key exists (the first
    `registry webhook add` creates it, perhaps while the server runs) and end when `stop` is called."""

    def __init__(self, engine: Engine, profile: Profile, key_path: Path, settings: DeliverySettings) -> None:
        self.engine = engine
        self.profile = profile
        self.key_path = key_path
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-deliveries", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(wait)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                key = load_key(self.key_path)
            except ValueError:
                log.exception("cannot read the webhook key")
                key = None
            if key is not None:
                Deliverer(self.engine, self.profile, key, self.settings).run(self._stop)
                return
            self._stop.wait(max(self.settings.poll, 1.0))


def _due(row: SubscriptionRow, now: datetime) -> bool:
    return row.status.delivers and (row.next_attempt_at is None or row.next_attempt_at <= format_time(now))


def _filter(row: SubscriptionRow, profile: Profile) -> ChangeFilter:
    return ChangeFilter.from_params({name: value for name, value in row.filters.items() if value}, profile)


def _public_position(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(public_changes.c.position), 0))).scalar_one())


def _detail(status_code: int, read: bytes) -> str:
    answer = read.decode("utf-8", errors="replace").strip()
    return _clip(f"HTTP {status_code}" + (f": {answer}" if answer else ""))


def _clip(text: str) -> str:
    return text if len(text) <= DETAIL_LIMIT else text[: DETAIL_LIMIT - 1] + "…"


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date (RFC 9110 10.2.3); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


# -- locks: one worker per subscription at a time -------------------------------------------------------------------


class _Locks(Protocol):
    def hold(self, subscription_id: str) -> AbstractContextManager[bool]:
        """Whether this worker now holds the subscription (False: another one does), until the block ends."""
        ...


@dataclass
class _FileLocks:
    """SQLite: a lock file per subscription beside the database (flock, released when the process dies)."""

    directory: Path
    _made: bool = field(default=False)

    @contextmanager
    def hold(self, subscription_id: str) -> Iterator[bool]:
        if not self._made:
            self.directory.mkdir(exist_ok=True)
            self._made = True
        fd = os.open(self.directory / f"{subscription_id}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


@dataclass
class _AdvisoryLocks:
    """PostgreSQL: a session advisory lock per subscription, on a connection of its own in autocommit (no
    transaction stays open while a delivery waits); released by the server when the worker's session ends."""

    engine: Engine

    @contextmanager
    def hold(self, subscription_id: str) -> Iterator[bool]:
        key = _lock_key(subscription_id)
        with self.engine.connect() as connection:
            conn = connection.execution_options(isolation_level="AUTOCOMMIT")
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar())
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


def _lock_key(subscription_id: str) -> int:
    """A 64-bit advisory lock key of the subscription; the one-bigint key space, apart from the append lock's."""
    return int.from_bytes(hashlib.sha256(f"webhook:{subscription_id}".encode()).digest()[:8], "big", signed=True)


def _locks_for(engine: Engine) -> _Locks:
    if is_sqlite(engine):
        database = engine.url.database
        if not database or database == ":memory:":
            raise ValueError("webhook deliveries need a SQLite file (its lock files live beside it)")
        return _FileLocks(Path(database).resolve().with_suffix(".webhook-locks"))
    return _AdvisoryLocks(engine)
