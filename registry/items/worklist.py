"""Who may act on what: the step an item waits for, and whether an actor may take it. The decider judges."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import assert_never

from events.event import ReviewStage
from registry.actor import Actor, Role
from registry.items.command import ApproveItem, DiscardItem, ItemCommand, PassReview, PublishItem
from registry.items.decider import decide
from registry.items.state import ItemState, Status
from registry.profile import Profile
from registry.rules import RuleViolation


class Step(StrEnum):
    """The next step of an item's pending version, and so whose work it is."""

    REVISE = "revise"  # returned by a review or by 审议: fix it and submit it again
    DRAFT = "draft"  # 梳理 in progress: complete it and submit it
    PRELIMINARY_REVIEW = "preliminary_review"
    LEGALITY_REVIEW = "legality_review"
    APPROVAL = "approval"
    PUBLICATION = "publication"

    @property
    def label(self) -> str:
        return _STEP_LABELS[self]

    @property
    def role(self) -> Role:
        return _STEP_ROLES[self]


_STEP_LABELS = {
    Step.REVISE: "退回修改",
    Step.DRAFT: "梳理",
    Step.PRELIMINARY_REVIEW: "初审",
    Step.LEGALITY_REVIEW: "合法性审查",
    Step.APPROVAL: "审议",
    Step.PUBLICATION: "公布",
}
_STEP_ROLES = {
    Step.REVISE: Role.DRAFTER,
    Step.DRAFT: Role.DRAFTER,
    Step.PRELIMINARY_REVIEW: Role.PRELIMINARY_REVIEWER,
    Step.LEGALITY_REVIEW: Role.LEGALITY_REVIEWER,
    Step.APPROVAL: Role.APPROVER,
    Step.PUBLICATION: Role.PUBLISHER,
}

_STEP_STATUSES = {
    Step.REVISE: Status.DRAFT,
    Step.DRAFT: Status.DRAFT,
    Step.PRELIMINARY_REVIEW: Status.SUBMITTED,
    Step.LEGALITY_REVIEW: Status.PRELIMINARY_REVIEWED,
    Step.APPROVAL: Status.LEGALITY_REVIEWED,
    Step.PUBLICATION: Status.APPROVED,
}


def statuses_waiting_for(roles: Iterable[Role]) -> frozenset[Status]:
    """The statuses in which an item waits for someone in one of `roles`."""
    wanted = set(roles)
    return frozenset(status for step, status in _STEP_STATUSES.items() if step.role in wanted)


def may_see(actor: Actor, item: ItemState, acted: set[str]) -> bool:
    """Whether `actor` may see `item` in its internal states (the staff API; the public sees what is published).
    Admins see every item; drafters their unit's; reviewers, approvers and publishers what waits at their stage and
    what is published; everybody the items they have acted on (`acted`: the actors of the item's events)."""
    return visible(
        actor, unit=item.unit, status=item.status, published=item.published is not None, acted=actor.actor_id in acted
    )


def visible(actor: Actor, *, unit: str, status: Status, published: bool, acted: bool) -> bool:
    """may_see() on what a listing knows of an item: its unit and status, whether a version of it was ever published,
    and whether `actor` acted on it."""
    if actor.has(Role.ADMIN) or (actor.has(Role.DRAFTER) and unit == actor.unit):
        return True
    reviewing = actor.roles - {Role.DRAFTER, Role.ADMIN}
    if reviewing and (published or status in statuses_waiting_for(reviewing)):
        return True
    return acted


def next_step(item: ItemState) -> Step | None:
    """The step `item` waits for, or None when it waits for nobody."""
    match item.status:
        case Status.DRAFT:
            return Step.REVISE if item.pending and item.pending.rejection else Step.DRAFT
        case Status.SUBMITTED:
            return Step.PRELIMINARY_REVIEW
        case Status.PRELIMINARY_REVIEWED:
            return Step.LEGALITY_REVIEW
        case Status.LEGALITY_REVIEWED:
            return Step.APPROVAL
        case Status.APPROVED:
            return Step.PUBLICATION
        case Status.NEW | Status.PUBLISHED | Status.RETIRED | Status.DISCARDED:
            return None
        case _:
            assert_never(item.status)


def step_for(actor: Actor, item: ItemState, profile: Profile, at: datetime) -> Step | None:
    """The step `actor` may take on `item` now, or None: not their role or unit, or separation of duties.

    The decider answers, given a command that stands for the step, so a queue never offers what the rules
    would refuse and never hides what they allow.
    """
    step = next_step(item)
    if step is None or not actor.has(step.role):
        return None
    try:
        decide(_standing_for(step, item, actor, at), item, profile)
    except RuleViolation:
        return None
    return step


def _standing_for(step: Step, item: ItemState, actor: Actor, at: datetime) -> ItemCommand:
    """A command whose rules are exactly those of taking `step` on `item`, whatever the comment or reference."""
    match step:
        case Step.REVISE | Step.DRAFT:
            # Revising or submitting also judges the elements; who may work on a draft at all is what
            # discarding asks: a drafter of the owning unit, and a draft.
            return DiscardItem(item_id=item.item_id, actor=actor, at=at)
        case Step.PRELIMINARY_REVIEW:
            return PassReview(item_id=item.item_id, actor=actor, at=at, stage=ReviewStage.PRELIMINARY)
        case Step.LEGALITY_REVIEW:
            return PassReview(item_id=item.item_id, actor=actor, at=at, stage=ReviewStage.LEGALITY)
        case Step.APPROVAL:
            return ApproveItem(item_id=item.item_id, actor=actor, at=at, reference="审议")
        case Step.PUBLICATION:
            return PublishItem(item_id=item.item_id, actor=actor, at=at)
        case _:
            assert_never(step)
