"""Webhook subscriptions and their delivery attempts, in tables beside the log (the transactional outbox's state).

The log is the outbox: every public change is already in it, in order. What is kept here is each subscription's
cursor (the last position acknowledged or given up), the attempts of the change after it, and the record of every
attempt. A delivery's answer and the cursor's move are written in one transaction, so the cursor is never ahead of
an acknowledgement. The subscriptions' filters, name and URL are also recorded as events (the admin's acts); the
nonce the signing secret is derived from is kept only here.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, replace
from datetime import datetime

from sqlalchemy import BigInteger, Column, Connection, Index, Integer, String, Table, Text, func, select, update

from events import driver
from events.schema import metadata
from events.timestamp import format_time
from registry.push.webhook import Status, Subscription

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("subscription_id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("url", Text, nullable=False),
    Column("domain", String(200), nullable=True),
    Column("unit", String(200), nullable=True),
    Column("level", String(20), nullable=True),
    Column("village", String(200), nullable=True),
    Column("kind", String(10), nullable=True),
    Column("nonce", String(64), nullable=False),  # with the deployment's webhook key, gives the signing secret
    Column("status", String(12), nullable=False),
    Column("cursor", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),  # failed attempts of the change after the cursor
    Column("next_attempt_at", String(32), nullable=True),  # None: now
    Column("given_up", Integer, nullable=False),  # changes given up after the last retry
    Column("last_error", Text, nullable=True),
    Column("last_delivered_at", String(32), nullable=True),
    Column("failing_since", String(32), nullable=True),
    Column("created_by", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

# Every attempt: `registry webhook deliveries ID`.
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("subscription_id", String(40), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("message_id", String(80), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", String(32), nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("outcome", String(12), nullable=False),  # delivered, failed, gone, given_up
    Column("detail", Text, nullable=False),  # the error, or the start of the answer
    Index("ix_webhook_attempts_subscription", "subscription_id", "id"),
)

FILTERS = ("domain", "unit", "level", "village", "kind")


@dataclass(frozen=True)
class SubscriptionRow:
    subscription_id: str
    name: str
    url: str
    domain: str | None
    unit: str | None
    level: str | None
    village: str | None
    kind: str | None
    nonce: str
    status: Status
    cursor: int
    attempts: int
    next_attempt_at: str | None
    given_up: int
    last_error: str | None
    last_delivered_at: str | None
    failing_since: str | None
    created_by: str
    created_at: str
    updated_at: str

    @property
    def state(self) -> Subscription:
        return Subscription(self.subscription_id, self.status, self.cursor)

    @property
    def filters(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in FILTERS}


@dataclass(frozen=True)
class Attempt:
    subscription_id: str
    position: int
    message_id: str
    attempt: int
    at: str
    duration_ms: int
    status_code: int | None
    outcome: str
    detail: str


def _row(found: object) -> SubscriptionRow:
    values = dict(found._mapping)  # type: ignore[attr-defined]
    values["status"] = Status(values["status"])
    return SubscriptionRow(**values)


def insert(
    conn: Connection,
    subscription_id: str,
    name: str,
    url: str,
    filters: dict[str, str | None],
    nonce: str,
    cursor: int,
    by: str,
    now: datetime,
) -> None:
    moment = format_time(now)
    conn.execute(
        webhook_subscriptions.insert().values(
            subscription_id=subscription_id,
            name=name,
            url=url,
            nonce=nonce,
            status=Status.ACTIVE.value,
            cursor=cursor,
            attempts=0,
            given_up=0,
            created_by=by,
            created_at=moment,
            updated_at=moment,
            **filters,
        )
    )


def find(conn: Connection, subscription_id: str) -> SubscriptionRow | None:
    found = conn.execute(
        select(webhook_subscriptions).where(webhook_subscriptions.c.subscription_id == subscription_id)
    ).first()
    return _row(found) if found is not None else None


def every(conn: Connection, *, removed: bool = False) -> list[SubscriptionRow]:
    """Every subscription, oldest first; removed ones only when asked."""
    query = select(webhook_subscriptions).order_by(webhook_subscriptions.c.created_at)
    if not removed:
        query = query.where(webhook_subscriptions.c.status != Status.REMOVED.value)
    return [_row(found) for found in conn.execute(query)]


def due(conn: Connection, now: datetime) -> list[SubscriptionRow]:
    """The subscriptions a worker should look at now: delivering, and not waiting for a retry."""
    t = webhook_subscriptions
    moment = format_time(now)
    query = (
        select(t)
        .where(t.c.status.in_([Status.ACTIVE.value, Status.FAILING.value]))
        .where((t.c.next_attempt_at.is_(None)) | (t.c.next_attempt_at <= moment))
        .order_by(t.c.created_at)
    )
    return [_row(found) for found in conn.execute(query)]


def set_status(conn: Connection, subscription_id: str, status: Status, now: datetime) -> None:
    """An admin's act on the subscription; resuming clears the wait so that the next attempt is now."""
    values: dict[str, object] = {"status": status.value, "updated_at": format_time(now)}
    if status is Status.ACTIVE:
        values |= {"next_attempt_at": None, "failing_since": None}
    conn.execute(
        update(webhook_subscriptions).where(webhook_subscriptions.c.subscription_id == subscription_id).values(values)
    )


def rewind(conn: Connection, subscription_id: str, cursor: int, now: datetime) -> None:
    """Replay: the cursor goes back (or forward) to `cursor`; the change after it is tried now."""
    conn.execute(
        update(webhook_subscriptions)
        .where(webhook_subscriptions.c.subscription_id == subscription_id)
        .values(cursor=cursor, attempts=0, next_attempt_at=None, updated_at=format_time(now))
    )


def record(
    conn: Connection,
    subscription: SubscriptionRow,
    attempt: Attempt,
    *,
    cursor: int,
    attempts: int,
    next_attempt_at: str | None,
    status: Status,
    error: str | None,
) -> SubscriptionRow | None:
    """Record an attempt and move the subscription on, if nobody moved it meanwhile (a replay, a pause, another
    worker): in the caller's transaction, two driver statements (a delivery's whole bookkeeping). Returns the
    subscription as it now is, or None when it had moved (the attempt is recorded all the same)."""
    driver.execute(conn, _INSERT_ATTEMPT, astuple(attempt))
    failing_since = subscription.failing_since
    if status is Status.FAILING and subscription.status is not Status.FAILING:
        failing_since = attempt.at
    elif status is Status.ACTIVE:
        failing_since = None
    moved = replace(
        subscription,
        cursor=cursor,
        attempts=attempts,
        next_attempt_at=next_attempt_at,
        status=status,
        last_error=error,
        updated_at=attempt.at,
        last_delivered_at=attempt.at if attempt.outcome == "delivered" else subscription.last_delivered_at,
        given_up=subscription.given_up + (attempt.outcome == "given_up"),
        failing_since=failing_since,
    )
    found = driver.fetch_one(
        conn,
        _MOVE,
        (
            *(getattr(moved, name) for name in _MOVED),
            moved.status.value,
            subscription.subscription_id,
            subscription.cursor,
            subscription.attempts,
            subscription.status.value,
        ),
    )
    return moved if found is not None else None


_MOVED = (
    "cursor",
    "attempts",
    "next_attempt_at",
    "last_error",
    "updated_at",
    "last_delivered_at",
    "given_up",
    "failing_since",
)
_INSERT_ATTEMPT = (
    "INSERT INTO webhook_attempts (subscription_id, position, message_id, attempt, at, duration_ms, status_code,"
    " outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_MOVE = (
    f"UPDATE webhook_subscriptions SET {', '.join(f'{name} = ?' for name in _MOVED)}, status = ?"
    " WHERE subscription_id = ? AND cursor = ? AND attempts = ? AND status = ? RETURNING 1"
)


def attempts_of(conn: Connection, subscription_id: str, limit: int = 50) -> list[Attempt]:
    """The most recent attempts, newest first."""
    t = webhook_attempts
    rows = conn.execute(
        select(t).where(t.c.subscription_id == subscription_id).order_by(t.c.id.desc()).limit(limit)
    ).mappings()
    return [Attempt(**{k: v for k, v in row.items() if k != "id"}) for row in rows]


def attempt_count(conn: Connection, subscription_id: str) -> int:
    t = webhook_attempts
    return int(conn.execute(select(func.count()).where(t.c.subscription_id == subscription_id)).scalar_one())
