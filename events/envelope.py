"""The envelope around an event: who, why, where in the log and when, written by the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from events.event import AnyEvent

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


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
    occurred_at: str | None = None  # when the actor acted (the command's time); recorded_at is the store's


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


def format_time(moment: datetime) -> str:
    """The stored form of a time: UTC, microseconds, a trailing Z (sorts as text)."""
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    if len(text) == 27 and text[10] == "T" and text[-1] == "Z":
        return datetime.fromisoformat(text)  # the stored form; ~20 times faster than strptime, which replay feels
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)
