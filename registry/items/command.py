"""Commands: what an actor asks the registry to do to an item. Each carries the actor and the time."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from events.chain import canonical_json
from events.elements import ItemElements, Text
from events.event import ReviewStage
from registry.actor import Actor

RejectionStage = Literal["preliminary", "legality", "approval"]


# Ids and domain names are keys and labels, stored in columns of 200 characters, without control characters:
# PostgreSQL's text cannot hold NUL at all, and a terminal would act on escape sequences.
Label = Annotated[Text, Field(max_length=200)]


class Command(BaseModel):
    """`at` is when the command takes effect. The service sets it to the registry's clock, read inside the append lock;
    the caller's value is kept beside the events only as information, unless an admin records a backfill (补录)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: Label = Field(min_length=1)
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


class DraftItem(Command):
    """梳理: draft a new item (version 1). `unit` defaults to the domain's responsible unit or the actor's."""

    domain: Label = ""
    unit: Text = ""
    elements: ItemElements


def _known_fields(fields: frozenset[str]) -> frozenset[str]:
    unknown = fields - set(ItemElements.model_fields)
    if unknown:
        raise ValueError(f"unknown element(s): {', '.join(sorted(unknown))}")
    return fields


ElementNames = Annotated[frozenset[str], AfterValidator(_known_fields)]


class ReviseItem(Command):
    """Change the pending version's `fields` to the values in `elements`."""

    elements: ItemElements
    fields: ElementNames


class SubmitItem(Command):
    """Send the pending version to review."""


class PassReview(Command):
    stage: ReviewStage
    comment: Text = ""


class RejectItem(Command):
    """Send the pending version back to drafting, from a review stage or from approval."""

    stage: RejectionStage
    comment: Text = ""


class ApproveItem(Command):
    """审议: approve the pending version, citing the meeting or document."""

    reference: Text = ""
    comment: Text = ""


class PublishItem(Command):
    """公布: make the approved version authoritative (or retire the item, for an approved cancellation)."""


class AdjustItem(Command):
    """动态调整（变更）: open pending version N+1 of a published item."""

    trigger: Text = ""
    reason: Text = ""
    elements: ItemElements
    fields: ElementNames


class RetireItem(Command):
    """动态调整（取消）: propose taking a published item out of the public catalog."""

    trigger: Text = ""
    reason: Text = ""


class DiscardItem(Command):
    """Abandon a never-published draft, or withdraw a pending adjustment or retirement."""

    reason: Text = ""


ItemCommand = (
    DraftItem
    | ReviseItem
    | SubmitItem
    | PassReview
    | RejectItem
    | ApproveItem
    | PublishItem
    | AdjustItem
    | RetireItem
    | DiscardItem
)
