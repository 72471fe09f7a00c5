"""The envelope around an event: who, why, where in the log and when, written by the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
