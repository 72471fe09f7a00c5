"""Commands: what an actor asks the registry to do to an item. Each carries the actor and the time."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from events.elements import ItemElements, Text
from events.event import ReviewStage
from registry.commands import Command as SharedCommand
from registry.commands import Label

RejectionStage = Literal["preliminary", "legality", "approval"]


class Command(SharedCommand):
    """A command to an item: its stream is the item's."""

    item_id: Label = Field(min_length=1)


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
