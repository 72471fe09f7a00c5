"""What every aggregate's commands share: who gives them and when, the label type of ids and names, and the
fingerprint a command id is stored with."""

from __future__ import annotations

import hashlib
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from events.chain import canonical_json
from events.elements import Text
from registry.actor import Actor

# Ids and names are keys and labels, stored in columns of 200 characters, without control characters:
# PostgreSQL's text cannot hold NUL at all, and a terminal would act on escape sequences.
Label = Annotated[Text, Field(max_length=200)]


class Command(BaseModel):
    """`at` is when the command takes effect. The service sets it to the registry's clock, read inside the append lock;
    the caller's value is kept beside the events only as information, unless an admin records a backfill (补录)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: Actor
    at: AwareDatetime

    @property
    def fingerprint(self) -> str:
        """What makes this command this command: its type, stream, actor and payload, not its time (a retry's differs).

        Stored with the command id, so that the id can name one command only.
        """
        payload = self.model_dump(mode="json", exclude={"at", "actor"})
        if "fields" in payload:  # a set: its order in the dump varies between processes
            payload["fields"] = sorted(payload["fields"])
        return fingerprint(type(self).__name__, self.actor.actor_id, payload)


def fingerprint(kind: str, actor: str, payload: dict[str, object]) -> str:
    """The digest a command id is stored with: the command's kind, who gave it, and what it asks (JSON values)."""
    body = {"type": kind, "actor": actor, "payload": payload}
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()
