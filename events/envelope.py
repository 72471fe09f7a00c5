"""The envelope around an event: who, why, where in the log and when, written by the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from pydantic import BaseModel, ConfigDict

from events.event import AnyEvent
from events.timestamp import TIME_FORMAT, format_time, parse_time

__all__ = ["TIME_FORMAT", "Metadata", "StoredEvent", "format_time", "parse_time"]


class Metadata(BaseModel):
    """Who did it and why: the actor, the unit and role they acted in, their comment or reason."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str
    unit: str = ""
    role: str = ""
    reason: str = ""
    command_id: str | None = None
    correlation_id: str | None = None
    source: str | None = None
    # The time the caller's clock gave (information only); the event's effective time is the store's recorded_at,
    # except for a backfill (补录), an admin's record of an act from before the registry: then it is this time.
    occurred_at: str | None = None
    backfilled_by: str | None = (
        None  # the admin who recorded this backfill (补录); None for acts recorded as they happen
    )
    fingerprint: str | None = None  # the command's digest: a command id names one command (type, stream, payload)
    # How the actor was proven: cli (the server's operator, as --as says), session (a password sign-in) or token (a
    # business system's API token); the credential's id (a token id, a digest of the session id), never a secret;
    # the operating-system user of a cli act. None on events from before: they read as cli.
    channel: str | None = None
    credential: str | None = None
    os_user: str | None = None


@dataclass(frozen=True)
class StoredEvent:
    """An event as the log holds it."""

    position: int
    stream_id: str
    version: int
    type: str
    schema_version: int
    data: AnyEvent
    metadata: Metadata
    recorded_at: datetime
    prev_hash: str
    hash: str

    @property
    def effective_at(self) -> datetime:
        """When this took effect: the store's time, or the backfilled time an admin recorded (补录)."""
        if self.metadata.backfilled_by and self.metadata.occurred_at:
            return parse_time(self.metadata.occurred_at)
        return self.recorded_at

    # Formatted once per event, though the projections ask for it several times; kept in the instance's __dict__
    # (which neither equality nor hashing of the dataclass reads), where a reader of the log may put the stored
    # text it parsed `recorded_at` from, when that is what formatting would give.
    @cached_property
    def recorded_time(self) -> str:
        """`recorded_at` in its stored form (format_time)."""
        return format_time(self.recorded_at)

    @property
    def effective_time(self) -> str:
        """`effective_at` in its stored form (format_time)."""
        if self.metadata.backfilled_by and self.metadata.occurred_at:
            return format_time(self.effective_at)
        return self.recorded_time
