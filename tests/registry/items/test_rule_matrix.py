"""Every command x every role x every status: carried out (with the right event) or refused by the right rule.

The expectation comes from the tables below, written from the review rules, not from registry/rules.py.
Precedence when several rules refuse: the item must exist, then the actor must be the right one, then the
item must be at the right stage.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import product
from typing import get_args

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
NOON = datetime(2024, 3, 1, 12, tzinfo=UTC)
AUTHOR = "李财政"  # drafted every version below; no actor of the matrix is the author
ELEMENTS = ItemElements(
    category="财政预决算",
    name="政府预算",
    content="一般公共预算收支",
    basis="《中华人民共和国预算法》",
    time_limit="本级人民代表大会或其常务委员会批准后20日内",
    body="财政局",
    channels=("政府网站", "政务服务中心"),
    audience=(Audience.PUBLIC,),
    method=(Method.PROACTIVE,),
    levels=(Level.COUNTY,),
)
NEW_CONTENT = ItemElements(content="一般公共预算收支、政府性基金预算收支")

# -- the statuses, each as the history that leads to it ---------------------------------------------------------

Step = tuple[ItemEvent, str]  # an event and the actor who caused it

DRAFTED: Step = (ItemDrafted(item_id=ITEM, domain="财政预决算", unit="财政局", elements=ELEMENTS), AUTHOR)
SUBMITTED: Step = (ItemSubmitted(item_id=ITEM, version=1), AUTHOR)
PRELIMINARY: Step = (ReviewPassed(item_id=ITEM, version=1, stage=ReviewStage.PRELIMINARY), "孙初审")
LEGALITY: Step = (ReviewPassed(item_id=ITEM, version=1, stage=ReviewStage.LEGALITY), "周法务")
APPROVED: Step = (ItemApproved(item_id=ITEM, version=1, reference="2020年第15次政府常务会议"), "王审议")
PUBLISHED: Step = (
    ItemPublished(item_id=ITEM, version=1, kind=ChangeKind.ADD, elements=ELEMENTS, published_at=NOON),
    "吴发布",
)
ADJUSTED: Step = (
    AdjustmentProposed(
        item_id=ITEM,
        version=2,
        trigger="法律法规修订",
        reason="",
        changes=(FieldChange(field="content", old=ELEMENTS.content, new="一般公共预算收支（调整）"),),
    ),
    AUTHOR,
)
RETIREMENT: Step = (RetirementProposed(item_id=ITEM, version=2, trigger="依据失效", reason="规程已废止"), AUTHOR)
RETIRED: Step = (
    ItemRetired(item_id=ITEM, version=2, trigger="依据失效", reason="规程已废止", retired_at=NOON),
    "吴发布",
)
REJECTED: Step = (ReviewRejected(item_id=ITEM, version=1, stage="legality", comment="依据不全"), "周法务")
DISCARDED: Step = (DraftDiscarded(item_id=ITEM, reason="重复"), AUTHOR)


def second_version(steps: list[Step]) -> list[Step]:
    """The same review steps, for version 2 (an adjustment or a retirement)."""
    return [(event.model_copy(update={"version": 2}), actor) for event, actor in steps]


REVIEW = [SUBMITTED, PRELIMINARY, LEGALITY, APPROVED]
LIVE = [DRAFTED, *REVIEW, PUBLISHED]
REVIEW_V2 = second_version(REVIEW)

HISTORIES: dict[str, list[Step]] = {
    "new": [],
    "draft": [DRAFTED],
    "submitted": [DRAFTED, *REVIEW[:1]],
    "preliminary reviewed": [DRAFTED, *REVIEW[:2]],
    "rejected draft": [DRAFTED, *REVIEW[:2], REJECTED],
    "legality reviewed": [DRAFTED, *REVIEW[:3]],
    "approved": [DRAFTED, *REVIEW],
    "published": LIVE,
    "adjustment draft": [*LIVE, ADJUSTED],
    "adjustment submitted": [*LIVE, ADJUSTED, *REVIEW_V2[:1]],
    "adjustment approved": [*LIVE, ADJUSTED, *REVIEW_V2],
    "retirement draft": [*LIVE, RETIREMENT],
    "retirement approved": [*LIVE, RETIREMENT, *REVIEW_V2],
    "retired": [*LIVE, RETIREMENT, *REVIEW_V2, RETIRED],
    "discarded": [DRAFTED, DISCARDED],
}

# -- the actors: one role each, and the role the rules let them act in (None: the wrong unit for it) ---------


def actor(name: str, unit: str, role: Role) -> Actor:
    return Actor(actor_id=name, unit=unit, roles=frozenset({role}))


ACTORS: dict[str, tuple[Actor, Role | None]] = {
    "drafter of 财政局": (actor("赵财政", "财政局", Role.DRAFTER), Role.DRAFTER),
    "drafter of 民政局": (actor("张民政", "民政局", Role.DRAFTER), None),
    "preliminary reviewer of 政务服务局": (
        actor("孙初审", "政务服务局", Role.PRELIMINARY_REVIEWER),
        Role.PRELIMINARY_REVIEWER,
    ),
    "preliminary reviewer of 财政局": (actor("何财审", "财政局", Role.PRELIMINARY_REVIEWER), None),
    "legality reviewer of 法务中心": (actor("周法务", "法务中心", Role.LEGALITY_REVIEWER), Role.LEGALITY_REVIEWER),
    "legality reviewer of 政务服务局": (actor("秦审查", "政务服务局", Role.LEGALITY_REVIEWER), None),
    "approver of 旗人民政府": (actor("王审议", "旗人民政府", Role.APPROVER), Role.APPROVER),
    "publisher of 政务服务局": (actor("吴发布", "政务服务局", Role.PUBLISHER), Role.PUBLISHER),
    "publisher of 财政局": (actor("钱发布", "财政局", Role.PUBLISHER), None),
    "admin": (actor("管理员", "政务服务局", Role.ADMIN), None),
}

# -- the commands -----------------------------------------------------------------------------------------------


COMMANDS: dict[str, Callable[[Actor], ItemCommand]] = {
    "draft": lambda a: DraftItem(item_id=ITEM, actor=a, at=NOON, domain="财政预决算", elements=ELEMENTS),
    "revise": lambda a: ReviseItem(item_id=ITEM, actor=a, at=NOON, elements=NEW_CONTENT, fields=frozenset({"content"})),
    "submit": lambda a: SubmitItem(item_id=ITEM, actor=a, at=NOON),
    "pass 初审": lambda a: PassReview(item_id=ITEM, actor=a, at=NOON, stage=ReviewStage.PRELIMINARY),
    "pass 合法性审查": lambda a: PassReview(item_id=ITEM, actor=a, at=NOON, stage=ReviewStage.LEGALITY),
    "reject at 初审": lambda a: RejectItem(item_id=ITEM, actor=a, at=NOON, stage="preliminary", comment="缺依据"),
    "reject at 合法性审查": lambda a: RejectItem(item_id=ITEM, actor=a, at=NOON, stage="legality", comment="缺依据"),
    "reject at 审议": lambda a: RejectItem(item_id=ITEM, actor=a, at=NOON, stage="approval", comment="缺依据"),
    "approve": lambda a: ApproveItem(item_id=ITEM, actor=a, at=NOON, reference="2020年第15次政府常务会议"),
    "publish": lambda a: PublishItem(item_id=ITEM, actor=a, at=NOON),
    "adjust": lambda a: AdjustItem(
        item_id=ITEM, actor=a, at=NOON, trigger="法律法规修订", elements=NEW_CONTENT, fields=frozenset({"content"})
    ),
    "retire": lambda a: RetireItem(item_id=ITEM, actor=a, at=NOON, trigger="上级取消", reason="上级已取消该事项"),
    "discard": lambda a: DiscardItem(item_id=ITEM, actor=a, at=NOON, reason="不再需要"),
}


DRAFTS = ("draft", "rejected draft", "adjustment draft")
ALL_DRAFTS = (*DRAFTS, "retirement draft")

# command: (the role that does it, the rule that refuses anyone else, {status it acts on: the event it records})
MATRIX: dict[str, tuple[Role, Rule, dict[str, type[ItemEvent]]]] = {
    "draft": (Role.DRAFTER, Rule.DRAFTING_UNIT, {"new": ItemDrafted}),
    "revise": (Role.DRAFTER, Rule.DRAFTING_UNIT, dict.fromkeys(DRAFTS, ItemRevised)),
    "submit": (Role.DRAFTER, Rule.DRAFTING_UNIT, dict.fromkeys(ALL_DRAFTS, ItemSubmitted)),
    "pass 初审": (
        Role.PRELIMINARY_REVIEWER,
        Rule.PRELIMINARY_REVIEWER,
        {"submitted": ReviewPassed, "adjustment submitted": ReviewPassed},
    ),
    "reject at 初审": (
        Role.PRELIMINARY_REVIEWER,
        Rule.PRELIMINARY_REVIEWER,
        {"submitted": ReviewRejected, "adjustment submitted": ReviewRejected},
    ),
    "pass 合法性审查": (Role.LEGALITY_REVIEWER, Rule.LEGALITY_REVIEWER, {"preliminary reviewed": ReviewPassed}),
    "reject at 合法性审查": (Role.LEGALITY_REVIEWER, Rule.LEGALITY_REVIEWER, {"preliminary reviewed": ReviewRejected}),
    "approve": (Role.APPROVER, Rule.APPROVER, {"legality reviewed": ItemApproved}),
    "reject at 审议": (Role.APPROVER, Rule.APPROVER, {"legality reviewed": ReviewRejected}),
    "publish": (
        Role.PUBLISHER,
        Rule.PUBLISHER,
        {"approved": ItemPublished, "adjustment approved": ItemPublished, "retirement approved": ItemRetired},
    ),
    "adjust": (Role.DRAFTER, Rule.DRAFTING_UNIT, {"published": AdjustmentProposed}),
    "retire": (Role.DRAFTER, Rule.DRAFTING_UNIT, {"published": RetirementProposed}),
    "discard": (
        Role.DRAFTER,
        Rule.DRAFTING_UNIT,
        {
            "draft": DraftDiscarded,
            "rejected draft": DraftDiscarded,
            "adjustment draft": PendingChangeWithdrawn,
            "retirement draft": PendingChangeWithdrawn,
        },
    ),
}

# At a status it does not act on, a command is refused by the order rule, except:
WRONG_STATUS: dict[tuple[str, str], Rule] = {
    ("revise", "published"): Rule.ADJUSTMENT,  # a published item changes only through an adjustment
    ("revise", "retirement draft"): Rule.ADJUSTMENT,  # a cancellation has no elements to revise
    **{("discard", status): Rule.NOTHING_DISAPPEARS for status in HISTORIES if status not in ALL_DRAFTS},
    **{("draft", status): Rule.UNIQUE_ITEM_ID for status in HISTORIES if status != "new"},  # the id is taken
}


def expected(command: str, actor_name: str, status: str) -> type[ItemEvent] | Rule:
    role, role_rule, acts_on = MATRIX[command]
    if status == "new" and command != "draft":
        return Rule.KNOWN_ITEM
    if ACTORS[actor_name][1] is not role:
        return role_rule
    if status not in acts_on:
        return WRONG_STATUS.get((command, status), Rule.ORDER)
    return acts_on[status]


def state(status: str) -> ItemState:
    return fold(HISTORIES[status])


def test_the_matrix_covers_every_command_type_role_and_status() -> None:
    assert set(COMMANDS) == set(MATRIX)
    commands = {type(build(ACTORS["admin"][0])) for build in COMMANDS.values()}
    assert commands == set(get_args(ItemCommand))
    assert {a.roles for a, _ in ACTORS.values()} == {frozenset({role}) for role in Role}
    assert {state(s).status for s in HISTORIES} == set(Status)


CASES = list(product(MATRIX, ACTORS, HISTORIES))


@pytest.mark.parametrize(("command", "actor_name", "status"), CASES, ids=[" | ".join(case) for case in CASES])
def test_command_by_role_at_status(command: str, actor_name: str, status: str) -> None:
    want = expected(command, actor_name, status)
    act = COMMANDS[command](ACTORS[actor_name][0])
    if isinstance(want, Rule):
        with pytest.raises(RuleViolation) as refusal:
            decide(act, state(status), PROFILE)
        assert refusal.value.rule is want, str(refusal.value)
        assert str(refusal.value).startswith(f"refused [{want.code}]: ")
    else:
        events = decide(act, state(status), PROFILE)
        assert [type(e) for e in events] == [want]
