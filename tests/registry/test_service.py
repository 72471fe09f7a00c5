"""The application service on a SQLite file and on PostgreSQL: receipts, idempotent retries, the stream namespace."""

from __future__ import annotations

import pytest

from events.elements import ItemElements
from events.event import ReviewStage
from registry.actor import Role
from registry.items.command import (
    ApproveItem,
    DraftItem,
    ItemCommand,
    PassReview,
    PublishItem,
    RetireItem,
    SubmitItem,
)
from registry.rules import Rule, RuleViolation
from registry.service import Receipt, Registry, now

ITEM = "ys-2024"
BUDGET = ItemElements(
    name="政府预算",
    content="一般公共预算",
    basis="《中华人民共和国预算法》",
    time_limit="本级人民代表大会或其常务委员会批准后20日内",
    body="财政局",
    channels=("政府网站",),
    audience=("public",),
    method=("proactive",),
    levels=("county",),
)
ACTORS = [
    ("李财政", "财政局", Role.DRAFTER),
    ("孙初审", "政务服务局", Role.PRELIMINARY_REVIEWER),
    ("周法务", "法务中心", Role.LEGALITY_REVIEWER),
    ("王审议", "旗人民政府", Role.APPROVER),
    ("吴发布", "政务服务局", Role.PUBLISHER),
]


@pytest.fixture
def staffed(registry: Registry) -> Registry:
    for name, unit, role in ACTORS:
        registry.register_actor(name, unit, frozenset({role}))
    return registry


def review_approve_publish(registry: Registry) -> list[Receipt]:
    """Take the pending version of ITEM from drafting to publication; the receipt of each step."""
    commands: list[ItemCommand] = [
        SubmitItem(item_id=ITEM, actor=registry.actor("李财政"), at=now()),
        PassReview(item_id=ITEM, actor=registry.actor("孙初审"), at=now(), stage=ReviewStage.PRELIMINARY),
        PassReview(item_id=ITEM, actor=registry.actor("周法务"), at=now(), stage=ReviewStage.LEGALITY),
        ApproveItem(item_id=ITEM, actor=registry.actor("王审议"), at=now(), reference="2020年第15次政府常务会议"),
        PublishItem(item_id=ITEM, actor=registry.actor("吴发布"), at=now()),
    ]
    return [registry.execute(command) for command in commands]


def draft(registry: Registry, item_id: str = ITEM) -> Receipt:
    command = DraftItem(item_id=item_id, actor=registry.actor("李财政"), at=now(), domain="财政预决算", elements=BUDGET)
    return registry.execute(command)


def test_every_step_of_a_new_items_life_reports_version_1(staffed: Registry) -> None:
    receipts = [draft(staffed), *review_approve_publish(staffed)]

    assert [receipt.version for receipt in receipts] == [1] * 6


def test_every_step_of_a_retirement_reports_the_retirements_own_version(staffed: Registry) -> None:
    draft(staffed)
    review_approve_publish(staffed)
    retire = RetireItem(item_id=ITEM, actor=staffed.actor("李财政"), at=now(), trigger="上级取消", reason="取消")

    receipts = [staffed.execute(retire), *review_approve_publish(staffed)]

    assert [receipt.version for receipt in receipts] == [2] * 6


def test_a_repeated_command_id_returns_the_original_receipt(staffed: Registry) -> None:
    command = DraftItem(item_id=ITEM, actor=staffed.actor("李财政"), at=now(), domain="财政预决算", elements=BUDGET)
    first = staffed.execute(command, command_id="draft-ys-2024")

    again = staffed.execute(command, command_id="draft-ys-2024")

    assert (again.item_id, again.version, again.position, again.replayed) == (ITEM, 1, first.position, True)


def test_a_repeated_command_id_records_nothing(staffed: Registry) -> None:
    command = DraftItem(item_id=ITEM, actor=staffed.actor("李财政"), at=now(), domain="财政预决算", elements=BUDGET)
    staffed.execute(command, command_id="draft-ys-2024")
    head = staffed.store.head()

    staffed.execute(command, command_id="draft-ys-2024")

    assert staffed.store.head() == head


def test_an_item_id_in_the_actor_namespace_is_refused(staffed: Registry) -> None:
    with pytest.raises(RuleViolation) as refusal:
        draft(staffed, "actor:王五")

    assert refusal.value.rule is Rule.KNOWN_ITEM


def test_an_item_id_in_the_actor_namespace_leaves_the_actors_stream_alone(staffed: Registry) -> None:
    with pytest.raises(RuleViolation):
        draft(staffed, "actor:李财政")

    with staffed.store.reading() as conn:
        assert [e.type for e in staffed.store.read_stream(conn, "actor:李财政")] == ["ActorRegistered"]
