"""Who may act on what: the step an item waits for, and the decider's word on whether an actor may take it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events.elements import Audience, ItemElements, Level, Method
from events.event import (
    ChangeKind,
    ItemApproved,
    ItemDrafted,
    ItemEvent,
    ItemPublished,
    ItemSubmitted,
    ReviewPassed,
    ReviewRejected,
    ReviewStage,
)
from registry.actor import Actor, Role
from registry.items.decider import fold
from registry.items.state import ItemState, Status
from registry.items.worklist import Step, may_see, next_step, statuses_waiting_for, step_for
from registry.profile import load_profile

PROFILE = load_profile()
NOON = datetime(2020, 9, 1, 4, 0, tzinfo=UTC)
ITEM = "czj-yusuan"

DRAFTER = Actor(actor_id="李财政", unit="财政局", roles=frozenset({Role.DRAFTER}))
OTHER_DRAFTER = Actor(actor_id="张民政", unit="民政局", roles=frozenset({Role.DRAFTER}))
PRELIMINARY = Actor(actor_id="孙初审", unit="政务服务局", roles=frozenset({Role.PRELIMINARY_REVIEWER}))
LEGALITY = Actor(actor_id="周法务", unit="法务中心", roles=frozenset({Role.LEGALITY_REVIEWER}))
APPROVER = Actor(actor_id="王审议", unit="旗人民政府", roles=frozenset({Role.APPROVER}))
PUBLISHER = Actor(actor_id="吴发布", unit="政务服务局", roles=frozenset({Role.PUBLISHER}))
# Someone of 政务服务局 who drafts its own items and also does preliminary reviews.
SERVICE_CLERK = Actor(actor_id="钱政务", unit="政务服务局", roles=frozenset({Role.DRAFTER, Role.PRELIMINARY_REVIEWER}))

BUDGET = ItemElements(
    category="财政预决算",
    name="政府预算",
    content="一般公共预算",
    basis="《中华人民共和国预算法》",
    time_limit="信息形成或者变更之日起20个工作日内",
    body="财政局",
    channels=("政府网站",),
    audience=(Audience.PUBLIC,),
    method=(Method.PROACTIVE,),
    levels=(Level.COUNTY,),
)

DRAFTED = (ItemDrafted(item_id=ITEM, domain="财政预决算", unit="财政局", elements=BUDGET), DRAFTER)
SUBMITTED = (ItemSubmitted(item_id=ITEM, version=1), DRAFTER)
PRELIMINARY_PASSED = (ReviewPassed(item_id=ITEM, version=1, stage=ReviewStage.PRELIMINARY), PRELIMINARY)
LEGALITY_PASSED = (ReviewPassed(item_id=ITEM, version=1, stage=ReviewStage.LEGALITY), LEGALITY)
REJECTED = (ReviewRejected(item_id=ITEM, version=1, stage="legality", comment="补充公开依据"), LEGALITY)
APPROVED = (ItemApproved(item_id=ITEM, version=1, reference="2020年第15次政府常务会议"), APPROVER)
PUBLISHED = (
    ItemPublished(item_id=ITEM, version=1, kind=ChangeKind.ADD, elements=BUDGET, published_at=NOON),
    PUBLISHER,
)


def given(*history: tuple[ItemEvent, Actor]) -> ItemState:
    return fold([(event, actor.actor_id) for event, actor in history])


@pytest.mark.parametrize(
    ("history", "actor", "step"),
    [
        ((DRAFTED,), DRAFTER, Step.DRAFT),
        ((DRAFTED, SUBMITTED, PRELIMINARY_PASSED, REJECTED), DRAFTER, Step.REVISE),
        ((DRAFTED, SUBMITTED), PRELIMINARY, Step.PRELIMINARY_REVIEW),
        ((DRAFTED, SUBMITTED, PRELIMINARY_PASSED), LEGALITY, Step.LEGALITY_REVIEW),
        ((DRAFTED, SUBMITTED, PRELIMINARY_PASSED, LEGALITY_PASSED), APPROVER, Step.APPROVAL),
        ((DRAFTED, SUBMITTED, PRELIMINARY_PASSED, LEGALITY_PASSED, APPROVED), PUBLISHER, Step.PUBLICATION),
    ],
    ids=["drafter-draft", "drafter-returned", "preliminary", "legality", "approver", "publisher"],
)
def test_each_role_takes_the_step_its_item_waits_for(
    history: tuple[tuple[ItemEvent, Actor], ...], actor: Actor, step: Step
) -> None:
    assert step_for(actor, given(*history), PROFILE, NOON) is step


@pytest.mark.parametrize(
    "actor", [OTHER_DRAFTER, LEGALITY, APPROVER, PUBLISHER], ids=["other-unit", "legality", "approver", "publisher"]
)
def test_a_submitted_item_waits_for_nobody_but_the_preliminary_reviewers(actor: Actor) -> None:
    assert step_for(actor, given(DRAFTED, SUBMITTED), PROFILE, NOON) is None


def test_a_drafter_of_another_unit_has_nothing_to_do_with_a_returned_item() -> None:
    assert step_for(OTHER_DRAFTER, given(DRAFTED, SUBMITTED, PRELIMINARY_PASSED, REJECTED), PROFILE, NOON) is None


def test_nobody_reviews_a_version_they_drafted() -> None:
    own = ItemDrafted(item_id="zwfwj-zhinan", domain="", unit="政务服务局", elements=BUDGET)
    item = given((own, SERVICE_CLERK), (ItemSubmitted(item_id="zwfwj-zhinan", version=1), SERVICE_CLERK))

    assert next_step(item) is Step.PRELIMINARY_REVIEW
    assert step_for(SERVICE_CLERK, item, PROFILE, NOON) is None
    assert step_for(PRELIMINARY, item, PROFILE, NOON) is Step.PRELIMINARY_REVIEW


def test_a_published_item_waits_for_nobody() -> None:
    item = given(DRAFTED, SUBMITTED, PRELIMINARY_PASSED, LEGALITY_PASSED, APPROVED, PUBLISHED)

    assert item.status is Status.PUBLISHED
    assert next_step(item) is None
    assert all(step_for(actor, item, PROFILE, NOON) is None for actor in (DRAFTER, PUBLISHER))


def test_the_statuses_each_role_works_on() -> None:
    assert statuses_waiting_for({Role.DRAFTER}) == {Status.DRAFT}
    assert statuses_waiting_for({Role.PRELIMINARY_REVIEWER, Role.PUBLISHER}) == {Status.SUBMITTED, Status.APPROVED}
    assert statuses_waiting_for({Role.ADMIN}) == set()


def test_a_drafter_sees_their_units_drafts_and_not_another_units() -> None:
    drafted = given(DRAFTED)

    assert may_see(DRAFTER, drafted, {DRAFTER.actor_id})
    assert not may_see(OTHER_DRAFTER, drafted, {DRAFTER.actor_id})


def test_a_reviewer_sees_what_waits_at_their_stage_and_not_a_draft() -> None:
    assert may_see(PRELIMINARY, given(DRAFTED, SUBMITTED), {DRAFTER.actor_id})
    assert not may_see(LEGALITY, given(DRAFTED, SUBMITTED), {DRAFTER.actor_id})
    assert not may_see(PRELIMINARY, given(DRAFTED), {DRAFTER.actor_id})


def test_whoever_acted_on_an_item_still_sees_it() -> None:
    returned = given(DRAFTED, SUBMITTED, PRELIMINARY_PASSED, REJECTED)

    assert may_see(LEGALITY, returned, {DRAFTER.actor_id, PRELIMINARY.actor_id, LEGALITY.actor_id})
    assert not may_see(APPROVER, returned, {DRAFTER.actor_id, PRELIMINARY.actor_id, LEGALITY.actor_id})
