"""Who may act over HTTP: password hashes, API tokens, sign-in sessions and the access audit, in their own tables.

Outside the hash-chained log, so that secrets' hashes can be rotated and purged; the log records only that a
password was set or a token issued or revoked (events in the actor's stream), never a secret or a hash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Column, Connection, Index, Integer, String, Table, Text, func, select, update

from events.schema import metadata
from events.timestamp import format_time, parse_time
from registry import credentials

credentials_table = Table(
    "credentials",
    metadata,
    Column("actor_id", String(200), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("updated_at", String(32), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_id", String(32), primary_key=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("actor_id", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("roles", Text, nullable=False),  # JSON list: the roles the token may act in, a subset of the actor's
    Column("issued_by", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=True),
    Column("last_used_at", String(32), nullable=True),
    Column("revoked_at", String(32), nullable=True),
    Index("ix_tokens_actor", "actor_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("actor_id", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("last_seen_at", String(32), nullable=False),
    Column("ended_at", String(32), nullable=True),
    Index("ix_sessions_actor", "actor_id"),
)

# Every sign-in, failed sign-in, refusal for too many failures and sign-out: `registry report access`.
access_log = Table(
    "access_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("name", String(200), nullable=False),  # as given at sign-in: perhaps no actor's
    Column("client", String(100), nullable=False),
    Column("event", String(20), nullable=False),  # login, login_failed, locked_out, logout
    Index("ix_access_log_name", "name", "at"),
    Index("ix_access_log_client", "client", "at"),
)


@dataclass(frozen=True)
class Token:
    token_id: str
    actor_id: str
    name: str
    roles: tuple[str, ...]
    issued_by: str
    created_at: str
    expires_at: str | None
    last_used_at: str | None
    revoked_at: str | None

    def usable_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or parse_time(self.expires_at) > moment)


@dataclass(frozen=True)
class Session:
    session_digest: str
    actor_id: str
    created_at: str
    last_seen_at: str


# -- passwords ------------------------------------------------------------------------------------------------------


def store_password(conn: Connection, actor_id: str, password_hash: str, now: datetime) -> None:
    row = {"password_hash": password_hash, "updated_at": format_time(now)}
    if not conn.execute(
        update(credentials_table).where(credentials_table.c.actor_id == actor_id).values(**row)
    ).rowcount:
        conn.execute(credentials_table.insert().values(actor_id=actor_id, **row))


def password_hash(conn: Connection, actor_id: str, *, for_update: bool = False) -> str | None:
    """The stored hash; `for_update` locks its row until the transaction ends (PostgreSQL; SQLite's writers are
    serialized anyway)."""
    query = select(credentials_table.c.password_hash).where(credentials_table.c.actor_id == actor_id)
    found = conn.execute(query.with_for_update() if for_update else query).scalar()
    return str(found) if found is not None else None


# -- tokens ---------------------------------------------------------------------------------------------------------


def store_token(
    conn: Connection,
    token_id: str,
    secret: str,
    actor_id: str,
    name: str,
    roles: tuple[str, ...],
    issued_by: str,
    now: datetime,
    expires_at: datetime | None,
) -> None:
    conn.execute(
        tokens.insert().values(
            token_id=token_id,
            digest=credentials.digest(secret),
            actor_id=actor_id,
            name=name,
            roles=json.dumps(sorted(roles)),
            issued_by=issued_by,
            created_at=format_time(now),
            expires_at=format_time(expires_at) if expires_at else None,
        )
    )


def _token(row: object) -> Token:
    r = row._mapping  # type: ignore[attr-defined]
    return Token(
        token_id=r["token_id"],
        actor_id=r["actor_id"],
        name=r["name"],
        roles=tuple(json.loads(r["roles"])),
        issued_by=r["issued_by"],
        created_at=r["created_at"],
        expires_at=r["expires_at"],
        last_used_at=r["last_used_at"],
        revoked_at=r["revoked_at"],
    )


def token_by_secret(conn: Connection, secret: str, now: datetime) -> Token | None:
    """The usable token whose secret this is (None: malformed, unknown, revoked or expired); marks it used."""
    if not credentials.well_formed_token(secret):
        return None
    row = conn.execute(select(tokens).where(tokens.c.digest == credentials.digest(secret))).first()
    if row is None:
        return None
    found = _token(row)
    if not found.usable_at(now):
        return None
    conn.execute(update(tokens).where(tokens.c.token_id == found.token_id).values(last_used_at=format_time(now)))
    return found


def token_by_id(conn: Connection, token_id: str) -> Token | None:
    row = conn.execute(select(tokens).where(tokens.c.token_id == token_id)).first()
    return _token(row) if row else None


def list_tokens(conn: Connection, actor_id: str | None = None) -> list[Token]:
    query = select(tokens).order_by(tokens.c.created_at, tokens.c.token_id)
    if actor_id is not None:
        query = query.where(tokens.c.actor_id == actor_id)
    return [_token(row) for row in conn.execute(query)]


def mark_token_revoked(conn: Connection, token_id: str, now: datetime) -> None:
    conn.execute(
        update(tokens)
        .where(tokens.c.token_id == token_id, tokens.c.revoked_at.is_(None))
        .values(revoked_at=format_time(now))
    )


def revoke_tokens_of(conn: Connection, actor_id: str, now: datetime) -> None:
    conn.execute(
        update(tokens)
        .where(tokens.c.actor_id == actor_id, tokens.c.revoked_at.is_(None))
        .values(revoked_at=format_time(now))
    )


# -- sessions -------------------------------------------------------------------------------------------------------


def open_session(conn: Connection, actor_id: str, now: datetime) -> str:
    """A new session for `actor_id`: its id, for the cookie (only its digest is kept)."""
    session_id = credentials.new_session_id()
    moment = format_time(now)
    conn.execute(
        sessions.insert().values(
            digest=credentials.digest(session_id), actor_id=actor_id, created_at=moment, last_seen_at=moment
        )
    )
    return session_id


def find_session(
    conn: Connection, session_id: str, now: datetime, idle: timedelta, absolute: timedelta
) -> Session | None:
    """The live session with this id (None: unknown, ended, idle too long or too old); marks it seen."""
    key = credentials.digest(session_id)
    row = conn.execute(select(sessions).where(sessions.c.digest == key, sessions.c.ended_at.is_(None))).first()
    if row is None:
        return None
    if parse_time(row.last_seen_at) + idle <= now or parse_time(row.created_at) + absolute <= now:
        conn.execute(update(sessions).where(sessions.c.digest == key).values(ended_at=format_time(now)))
        return None
    conn.execute(update(sessions).where(sessions.c.digest == key).values(last_seen_at=format_time(now)))
    return Session(key, row.actor_id, row.created_at, format_time(now))


def end_session(conn: Connection, session_id: str, now: datetime) -> None:
    conn.execute(
        update(sessions)
        .where(sessions.c.digest == credentials.digest(session_id), sessions.c.ended_at.is_(None))
        .values(ended_at=format_time(now))
    )


def end_sessions_of(conn: Connection, actor_id: str, now: datetime) -> None:
    conn.execute(
        update(sessions)
        .where(sessions.c.actor_id == actor_id, sessions.c.ended_at.is_(None))
        .values(ended_at=format_time(now))
    )


# -- the access audit -----------------------------------------------------------------------------------------------


def record_access(conn: Connection, now: datetime, name: str, client: str, event: str) -> int:
    """Record an access event; its id."""
    inserted = conn.execute(
        access_log.insert().values(at=format_time(now), name=name[:200], client=client[:100], event=event)
    )
    key = inserted.inserted_primary_key
    assert key is not None
    return int(key[0])


def settle_access(conn: Connection, entry: int, event: str) -> None:
    """Change what an access event turned out to be (an attempt recorded as a failure that succeeded)."""
    conn.execute(update(access_log).where(access_log.c.id == entry).values(event=event))


def failures_since(conn: Connection, since: datetime, *, name: str | None = None, client: str | None = None) -> int:
    """Failed sign-ins since `since`, for a name or for a client address."""
    query = (
        select(func.count())
        .select_from(access_log)
        .where(access_log.c.event == "login_failed", access_log.c.at >= format_time(since))
    )
    if name is not None:
        query = query.where(access_log.c.name == name)
    if client is not None:
        query = query.where(access_log.c.client == client)
    return int(conn.execute(query).scalar_one())


def access_entries(conn: Connection, since: datetime | None = None, name: str | None = None) -> list[dict[str, str]]:
    query = select(access_log).order_by(access_log.c.id)
    if since is not None:
        query = query.where(access_log.c.at >= format_time(since))
    if name is not None:
        query = query.where(access_log.c.name == name)
    return [{"at": r.at, "name": r.name, "client": r.client, "event": r.event} for r in conn.execute(query)]
