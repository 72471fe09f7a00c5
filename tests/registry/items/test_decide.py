"""The life of a catalog item, as given (events) / when (command) / then (events or a refusal). No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.elements import Audience, FieldChange, ItemElements, Level, Method
from events.event import (
    AdjustmentProposed,
    ChangeKind,
    DraftDiscarded,
    ItemApproved,
    ItemDrafted,
    ItemEvent,
    ItemPublished,
    ItemRetired,
    ItemRevised,
    ItemSubmitted,
    PendingChangeWithdrawn,
    RetirementProposed,
    ReviewPassed,
    ReviewRejected,
    ReviewStage,
)
from registry.actor import Actor, Role
from registry.items.command import (
    AdjustItem,
    ApproveItem,
    DiscardItem,
    DraftItem,
    ItemCommand,
    PassReview,
    PublishItem,
    RejectItem,
    RetireItem,
    ReviseItem,
    SubmitItem,
)
from registry.items.decider import decide, fold
from registry.items.state import ItemState, Status
from registry.profile import load_profile
from registry.rules import Rule, RuleViolation

PROFILE = load_profile()
ITEM = "czj-yusuan"
NOON = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOON + timedelta(days=30)
REFERENCE = "2020年第15次政府常务会议"

DRAFTER = Actor(actor_id="李财政", unit="财政局", roles=frozenset({Role.DRAFTER}))
OTHER_UNIT_DRAFTER = Actor(actor_id="张民政", unit="民政局", roles=frozenset({Role.DRAFTER}))
PRELIMINARY_REVIEWER = Actor(actor_id="孙初审", unit="政务服务局", roles=frozenset({Role.PRELIMINARY_REVIEWER}))
LEGALITY_REVIEWER = Actor(actor_id="周法务", unit="法务中心", roles=frozenset({Role.LEGALITY_REVIEWER}))
APPROVER = Actor(actor_id="王审议", unit="旗人民政府", roles=frozenset({Role.APPROVER}))
PUBLISHER = Actor(actor_id="吴发布", unit="政务服务局", roles=frozenset({Role.PUBLISHER}))

BUDGET = ItemElements(
    category="财政预决算",
    name="政府预算",
    content="一般公共预算、政府性基金预算、国有资本经营预算",
    basis="《中华人民共和国预算法》",
    time_limit="信息形成或者变更之日起20个工作日内",
    body="财政局",
    channels=("政府网站", "政务服务中心"),
    audience=(Audience.PUBLIC,),
    method=(Method.PROACTIVE,),
    levels=(Level.COUNTY,),
)
NEW_CONTENT = "一般公共预算、政府性基金预算、国有资本经营预算，转移支付安排情况"
NEW_BASIS = "《中华人民共和国预算法》《中华人民共和国预算法实施条例》"
ADJUSTED = BUDGET.model_copy(update={"content": NEW_CONTENT})

Given = tuple[ItemEvent, Actor]


def given(*history: Given | list[Given]) -> ItemState:
    """The item after `history`: single (event, actor) pairs or lists of them, in order."""
    flat: list[Given] = []
    for step in history:
        flat.extend(step if isinstance(step, list) else [step])
    return fold([(event, actor.actor_id) for event, actor in flat])


def when(command: ItemCommand, item: ItemState) -> list[ItemEvent]:
    return decide(command, item, PROFILE)


def drafted(elements: ItemElements = BUDGET) -> Given:
    return ItemDrafted(item_id=ITEM, domain="财政预决算", unit="财政局", elements=elements), DRAFTER


def submitted(version: int = 1) -> Given:
    return ItemSubmitted(item_id=ITEM, version=version), DRAFTER


def preliminary_passed(version: int = 1) -> Given:
    return ReviewPassed(item_id=ITEM, version=version, stage=ReviewStage.PRELIMINARY), PRELIMINARY_REVIEWER


def legality_passed(version: int = 1) -> Given:
    return ReviewPassed(item_id=ITEM, version=version, stage=ReviewStage.LEGALITY), LEGALITY_REVIEWER


def approved(version: int = 1) -> Given:
    return ItemApproved(item_id=ITEM, version=version, reference=REFERENCE), APPROVER


def published(version: int = 1, elements: ItemElements = BUDGET, kind: ChangeKind = ChangeKind.ADD) -> Given:
    event = ItemPublished(item_id=ITEM, version=version, kind=kind, elements=elements, published_at=NOON)
    return event, PUBLISHER


def reviewed_and_approved(version: int = 1) -> list[Given]:
    return [submitted(version), preliminary_passed(version), legality_passed(version), approved(version)]


def published_item() -> list[Given]:
    return [drafted(), *reviewed_and_approved(1), published(1)]


def adjustment_proposed() -> Given:
    change = FieldChange(field="content", old=BUDGET.content, new=NEW_CONTENT)
    event = AdjustmentProposed(
        item_id=ITEM, version=2, trigger="法律法规修订", reason="预算法实施条例修订", changes=(change,)
    )
    return event, DRAFTER


def retirement_proposed() -> Given:
    event = RetirementProposed(item_id=ITEM, version=2, trigger="上级取消", reason="自治区取消该事项")
    return event, DRAFTER


def legality_rejected() -> Given:
    return ReviewRejected(item_id=ITEM, version=1, stage="legality", comment="依据已废止"), LEGALITY_REVIEWER


def basis_revised() -> Given:
    change = FieldChange(field="basis", old=BUDGET.basis, new=NEW_BASIS)
    return ItemRevised(item_id=ITEM, version=1, changes=(change,)), DRAFTER


def adjust_content(actor: Actor = DRAFTER) -> AdjustItem:
    return AdjustItem(
        item_id=ITEM,
        actor=actor,
        at=LATER,
        trigger="法律法规修订",
        reason="预算法实施条例修订",
        elements=ItemElements(content=NEW_CONTENT),
        fields=frozenset({"content"}),
    )


def refused(rule: Rule, command: ItemCommand, item: ItemState) -> None:
    with pytest.raises(RuleViolation) as refusal:
        when(command, item)
    assert refusal.value.rule is rule, str(refusal.value)


# -- drafting (梳理) ------------------------------------------------------------------------------


def test_a_drafter_of_the_responsible_unit_drafts_version_1_of_a_pilot_domain_item() -> None:
    command = DraftItem(item_id=ITEM, actor=DRAFTER, at=NOON, domain="财政预决算", elements=BUDGET)

    assert when(command, given()) == [ItemDrafted(item_id=ITEM, domain="财政预决算", unit="财政局", elements=BUDGET)]


def test_a_draft_may_be_incomplete() -> None:
    sketch = ItemElements(name="政府预算")
    command = DraftItem(item_id=ITEM, actor=DRAFTER, at=NOON, domain="财政预决算", elements=sketch)

    assert when(command, given()) == [ItemDrafted(item_id=ITEM, domain="财政预决算", unit="财政局", elements=sketch)]


def test_an_item_id_that_exists_cannot_be_drafted_again() -> None:
    command = DraftItem(item_id=ITEM, actor=DRAFTER, at=NOON, domain="财政预决算", elements=BUDGET)

    refused(Rule.UNIQUE_ITEM_ID, command, given(drafted()))


def test_a_revision_records_only_the_elements_it_changes() -> None:
    command = ReviseItem(
        item_id=ITEM,
        actor=DRAFTER,
        at=NOON,
        elements=ItemElements(content=NEW_CONTENT, body="财政局"),
        fields=frozenset({"content", "body"}),
    )

    assert when(command, given(drafted())) == [
        ItemRevised(
            item_id=ITEM, version=1, changes=(FieldChange(field="content", old=BUDGET.content, new=NEW_CONTENT),)
        )
    ]


def test_a_draft_completed_by_revisions_can_be_submitted() -> None:
    sketch = ItemElements(name="政府预算")
    completion = tuple(
        FieldChange(field=field, old=getattr(sketch, field), new=getattr(BUDGET, field))
        for field in ("category", "content", "basis", "time_limit", "body", "channels", "audience", "method", "levels")
    )
    revised = ItemRevised(item_id=ITEM, version=1, changes=completion), DRAFTER

    assert when(SubmitItem(item_id=ITEM, actor=DRAFTER, at=NOON), given(drafted(sketch), revised)) == [
        ItemSubmitted(item_id=ITEM, version=1)
    ]


def test_an_incomplete_draft_cannot_be_submitted() -> None:
    refused(Rule.COMPLETENESS, SubmitItem(item_id=ITEM, actor=DRAFTER, at=NOON), given(drafted(ItemElements())))


def test_a_complete_draft_is_submitted_for_review() -> None:
    assert when(SubmitItem(item_id=ITEM, actor=DRAFTER, at=NOON), given(drafted())) == [
        ItemSubmitted(item_id=ITEM, version=1)
    ]


# -- review (初审, 合法性审查) -------------------------------------------------------------------------


def test_the_government_service_bureau_passes_the_preliminary_review_of_a_submitted_item() -> None:
    command = PassReview(
        item_id=ITEM, actor=PRELIMINARY_REVIEWER, at=NOON, stage=ReviewStage.PRELIMINARY, comment="齐全"
    )

    assert when(command, given(drafted(), submitted())) == [
        ReviewPassed(item_id=ITEM, version=1, stage=ReviewStage.PRELIMINARY, comment="齐全")
    ]


def test_a_preliminary_rejection_sends_the_item_back_with_its_comment() -> None:
    command = RejectItem(item_id=ITEM, actor=PRELIMINARY_REVIEWER, at=NOON, stage="preliminary", comment="补充依据")

    assert when(command, given(drafted(), submitted())) == [
        ReviewRejected(item_id=ITEM, version=1, stage="preliminary", comment="补充依据")
    ]


def test_the_legal_affairs_center_passes_the_legality_review_after_the_preliminary_review() -> None:
    command = PassReview(item_id=ITEM, actor=LEGALITY_REVIEWER, at=NOON, stage=ReviewStage.LEGALITY)

    assert when(command, given(drafted(), submitted(), preliminary_passed())) == [
        ReviewPassed(item_id=ITEM, version=1, stage=ReviewStage.LEGALITY)
    ]


def test_a_legality_rejection_sends_the_item_back_with_its_comment() -> None:
    command = RejectItem(item_id=ITEM, actor=LEGALITY_REVIEWER, at=NOON, stage="legality", comment="依据已废止")

    assert when(command, given(drafted(), submitted(), preliminary_passed())) == [
        ReviewRejected(item_id=ITEM, version=1, stage="legality", comment="依据已废止")
    ]


def test_an_item_returned_by_a_review_can_be_revised() -> None:
    command = ReviseItem(
        item_id=ITEM, actor=DRAFTER, at=NOON, elements=ItemElements(basis=NEW_BASIS), fields=frozenset({"basis"})
    )

    assert when(command, given(drafted(), submitted(), preliminary_passed(), legality_rejected())) == [
        ItemRevised(item_id=ITEM, version=1, changes=(FieldChange(field="basis", old=BUDGET.basis, new=NEW_BASIS),))
    ]


def test_a_revised_item_is_submitted_again() -> None:
    item = given(drafted(), submitted(), preliminary_passed(), legality_rejected(), basis_revised())

    assert when(SubmitItem(item_id=ITEM, actor=DRAFTER, at=NOON), item) == [ItemSubmitted(item_id=ITEM, version=1)]


def test_a_resubmitted_item_starts_again_at_the_preliminary_review() -> None:
    command = PassReview(item_id=ITEM, actor=LEGALITY_REVIEWER, at=NOON, stage=ReviewStage.LEGALITY)
    item = given(drafted(), submitted(), preliminary_passed(), legality_rejected(), basis_revised(), submitted())

    refused(Rule.ORDER, command, item)


def test_the_legality_review_cannot_come_before_the_preliminary_review() -> None:
    command = PassReview(item_id=ITEM, actor=LEGALITY_REVIEWER, at=NOON, stage=ReviewStage.LEGALITY)

    refused(Rule.ORDER, command, given(drafted(), submitted()))


# -- approval (审议) and publication (公布) --------------------------------------------------------


def test_an_approver_approves_a_legally_reviewed_item_citing_the_meeting() -> None:
    command = ApproveItem(item_id=ITEM, actor=APPROVER, at=NOON, reference=REFERENCE)

    assert when(command, given(drafted(), submitted(), preliminary_passed(), legality_passed())) == [
        ItemApproved(item_id=ITEM, version=1, reference=REFERENCE)
    ]


def test_an_approval_without_a_reference_is_refused() -> None:
    command = ApproveItem(item_id=ITEM, actor=APPROVER, at=NOON, reference="")

    refused(Rule.APPROVAL_REFERENCE, command, given(drafted(), submitted(), preliminary_passed(), legality_passed()))


def test_an_approval_rejection_sends_the_item_back_to_drafting() -> None:
    command = RejectItem(item_id=ITEM, actor=APPROVER, at=NOON, stage="approval", comment="暂缓")

    assert when(command, given(drafted(), submitted(), preliminary_passed(), legality_passed())) == [
        ReviewRejected(item_id=ITEM, version=1, stage="approval", comment="暂缓")
    ]


def test_publishing_an_approved_item_makes_version_1_public_as_an_addition() -> None:
    command = PublishItem(item_id=ITEM, actor=PUBLISHER, at=LATER)

    assert when(command, given(drafted(), reviewed_and_approved(1))) == [
        ItemPublished(item_id=ITEM, version=1, kind=ChangeKind.ADD, elements=BUDGET, published_at=LATER)
    ]


def test_an_item_cannot_be_published_before_it_is_approved() -> None:
    command = PublishItem(item_id=ITEM, actor=PUBLISHER, at=NOON)

    refused(Rule.ORDER, command, given(drafted(), submitted(), preliminary_passed(), legality_passed()))


def test_a_published_item_is_not_revised_in_place() -> None:
    command = ReviseItem(
        item_id=ITEM, actor=DRAFTER, at=NOON, elements=ItemElements(content="x"), fields=frozenset({"content"})
    )

    refused(Rule.ADJUSTMENT, command, given(published_item()))


# -- adjustment (动态调整：变更) -----------------------------------------------------------------------


def test_adjusting_a_published_item_opens_version_2_with_the_changes() -> None:
    assert when(adjust_content(), given(published_item())) == [adjustment_proposed()[0]]


def test_while_an_adjustment_is_pending_the_published_version_stays_authoritative() -> None:
    item = given(published_item(), adjustment_proposed(), submitted(2), preliminary_passed(2))

    assert item.published is not None and item.pending is not None
    assert (item.published.version, item.published.elements) == (1, BUDGET)
    assert (item.pending.version, item.pending.kind, item.pending.elements) == (2, ChangeKind.CHANGE, ADJUSTED)


def test_a_second_adjustment_waits_until_the_first_is_published_or_withdrawn() -> None:
    refused(Rule.ORDER, adjust_content(), given(published_item(), adjustment_proposed()))


def test_an_adjustment_goes_through_both_reviews_and_approval_again() -> None:
    command = PublishItem(item_id=ITEM, actor=PUBLISHER, at=NOON)

    refused(Rule.ORDER, command, given(published_item(), adjustment_proposed(), submitted(2), preliminary_passed(2)))


def test_publishing_an_approved_adjustment_makes_version_2_public_as_a_change() -> None:
    command = PublishItem(item_id=ITEM, actor=PUBLISHER, at=LATER)

    assert when(command, given(published_item(), adjustment_proposed(), reviewed_and_approved(2))) == [
        ItemPublished(item_id=ITEM, version=2, kind=ChangeKind.CHANGE, elements=ADJUSTED, published_at=LATER)
    ]


def test_a_pending_adjustment_can_be_withdrawn_leaving_the_published_version() -> None:
    command = DiscardItem(item_id=ITEM, actor=DRAFTER, at=NOON, reason="条例未生效")

    assert when(command, given(published_item(), adjustment_proposed())) == [
        PendingChangeWithdrawn(item_id=ITEM, version=2, reason="条例未生效")
    ]


def test_an_adjustment_is_opened_again_after_a_withdrawal() -> None:
    withdrawn = PendingChangeWithdrawn(item_id=ITEM, version=2, reason="条例未生效"), DRAFTER

    [event] = when(adjust_content(), given(published_item(), adjustment_proposed(), withdrawn))

    assert isinstance(event, AdjustmentProposed) and event.version == 3


# -- retirement (动态调整：取消) -----------------------------------------------------------------------


def test_retiring_a_published_item_proposes_a_retirement_as_version_2() -> None:
    command = RetireItem(item_id=ITEM, actor=DRAFTER, at=NOON, trigger="上级取消", reason="自治区取消该事项")

    assert when(command, given(published_item())) == [retirement_proposed()[0]]


def test_a_proposed_retirement_is_submitted_without_elements_to_check() -> None:
    assert when(SubmitItem(item_id=ITEM, actor=DRAFTER, at=NOON), given(published_item(), retirement_proposed())) == [
        ItemSubmitted(item_id=ITEM, version=2)
    ]


def test_a_retirement_needs_the_reviews_and_approval_before_publication() -> None:
    command = PublishItem(item_id=ITEM, actor=PUBLISHER, at=LATER)

    refused(Rule.ORDER, command, given(published_item(), retirement_proposed(), submitted(2)))


def test_publishing_an_approved_retirement_retires_the_item() -> None:
    command = PublishItem(item_id=ITEM, actor=PUBLISHER, at=LATER)

    assert when(command, given(published_item(), retirement_proposed(), reviewed_and_approved(2))) == [
        ItemRetired(item_id=ITEM, version=2, trigger="上级取消", reason="自治区取消该事项", retired_at=LATER)
    ]


def test_a_retired_item_cannot_be_adjusted() -> None:
    retired = ItemRetired(item_id=ITEM, version=2, trigger="上级取消", reason="自治区取消该事项", retired_at=LATER)
    item = given(published_item(), retirement_proposed(), reviewed_and_approved(2), (retired, PUBLISHER))

    refused(Rule.ORDER, adjust_content(), item)


# -- discarding drafts ---------------------------------------------------------------------------


def test_a_never_published_draft_is_discarded() -> None:
    command = DiscardItem(item_id=ITEM, actor=DRAFTER, at=NOON, reason="与政府决算重复")

    assert when(command, given(drafted())) == [DraftDiscarded(item_id=ITEM, reason="与政府决算重复")]


def test_a_discarded_draft_cannot_be_submitted() -> None:
    discarded = DraftDiscarded(item_id=ITEM, reason="与政府决算重复"), DRAFTER

    refused(Rule.ORDER, SubmitItem(item_id=ITEM, actor=DRAFTER, at=NOON), given(drafted(), discarded))


def test_a_published_item_cannot_be_discarded() -> None:
    refused(Rule.NOTHING_DISAPPEARS, DiscardItem(item_id=ITEM, actor=DRAFTER, at=NOON), given(published_item()))


def test_an_item_under_review_cannot_be_discarded() -> None:
    refused(Rule.NOTHING_DISAPPEARS, DiscardItem(item_id=ITEM, actor=DRAFTER, at=NOON), given(drafted(), submitted()))


# -- obvious refusals ----------------------------------------------------------------------------


def test_a_command_on_an_item_never_drafted_is_refused() -> None:
    refused(Rule.KNOWN_ITEM, SubmitItem(item_id=ITEM, actor=DRAFTER, at=NOON), given())


def test_a_drafter_of_another_unit_cannot_submit_the_item() -> None:
    refused(Rule.DRAFTING_UNIT, SubmitItem(item_id=ITEM, actor=OTHER_UNIT_DRAFTER, at=NOON), given(drafted()))


def test_a_drafter_cannot_pass_a_preliminary_review() -> None:
    command = PassReview(item_id=ITEM, actor=DRAFTER, at=NOON, stage=ReviewStage.PRELIMINARY)

    refused(Rule.PRELIMINARY_REVIEWER, command, given(drafted(), submitted()))


def test_a_preliminary_reviewer_cannot_pass_a_legality_review() -> None:
    command = PassReview(item_id=ITEM, actor=PRELIMINARY_REVIEWER, at=NOON, stage=ReviewStage.LEGALITY)

    refused(Rule.LEGALITY_REVIEWER, command, given(drafted(), submitted(), preliminary_passed()))


def test_a_publisher_cannot_approve() -> None:
    command = ApproveItem(item_id=ITEM, actor=PUBLISHER, at=NOON, reference=REFERENCE)

    refused(Rule.APPROVER, command, given(drafted(), submitted(), preliminary_passed(), legality_passed()))


def test_an_approver_cannot_publish() -> None:
    refused(
        Rule.PUBLISHER, PublishItem(item_id=ITEM, actor=APPROVER, at=NOON), given(drafted(), reviewed_and_approved(1))
    )


def test_a_drafter_of_another_unit_cannot_adjust_the_item() -> None:
    refused(Rule.DRAFTING_UNIT, adjust_content(OTHER_UNIT_DRAFTER), given(published_item()))


def test_the_status_follows_the_lifecycle() -> None:
    statuses = [given(published_item()[:n]).status for n in range(len(published_item()) + 1)]

    assert statuses == [
        Status.NEW,
        Status.DRAFT,
        Status.SUBMITTED,
        Status.PRELIMINARY_REVIEWED,
        Status.LEGALITY_REVIEWED,
        Status.APPROVED,
        Status.PUBLISHED,
    ]
