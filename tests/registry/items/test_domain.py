"""The domain rule (目录领域): a new item's domain is the profile's, or declared as another domain. No database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events.elements import ItemElements
from events.event import ItemDrafted, ItemRevised
from registry.actor import Actor, Role
from registry.items.command import DraftItem, ReviseItem
from registry.items.decider import decide, fold
from registry.items.rules import known_domain
from registry.profile import load_profile
from registry.rules import Rule, RuleViolation

PROFILE = load_profile()
ITEM = "czj-yusuan"
NOON = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
BUDGET = ItemElements(name="政府预算", content="一般公共预算")
DRAFTER = Actor(actor_id="李财政", unit="财政局", roles=frozenset({Role.DRAFTER}))
SERVICE_DRAFTER = Actor(actor_id="陈政务", unit="政务服务局", roles=frozenset({Role.DRAFTER}))


def draft(domain: str, actor: Actor = DRAFTER) -> DraftItem:
    return DraftItem(item_id=ITEM, actor=actor, at=NOON, domain=domain, elements=BUDGET)


def refusal(domain: str, actor: Actor = DRAFTER) -> RuleViolation:
    with pytest.raises(RuleViolation) as refused:
        decide(draft(domain, actor), fold([]), PROFILE)
    return refused.value


def recorded_domain(domain: str, actor: Actor = DRAFTER) -> str:
    [event] = decide(draft(domain, actor), fold([]), PROFILE)
    assert isinstance(event, ItemDrafted)
    return event.domain


def test_a_misspelt_domain_is_refused_with_the_nearest_domain_offered() -> None:
    refused = refusal("财政预算")

    assert refused.rule is Rule.DOMAIN
    assert str(refused).startswith("refused [目录领域]: unknown domain 财政预算 (did you mean 财政预决算?)")


def test_a_truncated_domain_is_refused_with_the_domain_it_was_cut_from() -> None:
    assert "did you mean 财政预决算" in refusal("财政预决").message


def test_a_domain_of_no_likeness_is_refused_without_a_guess() -> None:
    refused = refusal("abc")

    assert refused.rule is Rule.DOMAIN and "did you mean" not in refused.message


def test_the_refusal_says_how_to_declare_another_domain() -> None:
    assert "其他：网络安全" in refusal("网络安全领域", SERVICE_DRAFTER).message


@pytest.mark.parametrize("written", ["财政预决算", "财政预决算领域", " 财政预决算 "])
def test_a_profile_domain_is_recorded_by_its_name(written: str) -> None:
    assert recorded_domain(written) == "财政预决算"


def test_an_alias_is_recorded_as_its_domain() -> None:
    drafter = Actor(actor_id="赵环保", unit="生态环境分局", roles=frozenset({Role.DRAFTER}))

    assert recorded_domain("生态环境", drafter) == "环境保护"


@pytest.mark.parametrize("written", ["其他：政务公开", "其他:政务公开", "其他领域：政务公开", "其他领域：政务公开领域"])
def test_a_declared_other_domain_is_recorded_by_its_own_name(written: str) -> None:
    assert recorded_domain(written, SERVICE_DRAFTER) == "政务公开"


def test_an_other_domain_that_is_a_profile_domain_is_that_domain() -> None:
    assert recorded_domain("其他：财政预决算") == "财政预决算"


def test_other_without_a_name_is_refused() -> None:
    assert refusal("其他领域：").rule is Rule.DOMAIN


def test_an_item_without_a_domain_belongs_to_its_units_own_catalog() -> None:
    assert recorded_domain("", SERVICE_DRAFTER) == ""


def test_an_item_recorded_in_an_unknown_domain_before_the_rule_still_moves_on() -> None:
    old = ItemDrafted(item_id=ITEM, domain="财政预算", unit="财政局", elements=BUDGET)
    item = fold([(old, DRAFTER.actor_id)])

    assert item.domain == "财政预算"
    revision = ReviseItem(
        item_id=ITEM, actor=DRAFTER, at=NOON, elements=ItemElements(content="部门预算"), fields=frozenset({"content"})
    )

    [event] = decide(revision, item, PROFILE)
    assert isinstance(event, ItemRevised)


def test_a_domain_given_to_a_read_is_resolved_like_a_drafts() -> None:
    assert known_domain(PROFILE, "卫生健康领域") == "医疗卫生"
    with pytest.raises(RuleViolation, match="did you mean 社会保险"):
        known_domain(PROFILE, "社保")


def test_the_nearest_domains_count_aliases_and_come_best_first() -> None:
    assert PROFILE.nearest_domains("乡村振兴局") == ("扶贫",)
    assert PROFILE.nearest_domains("社会")[:2] == ("社会救助", "社会保险")


def test_a_sketch_in_a_misspelt_domain_is_refused_too() -> None:
    command = DraftItem(item_id=ITEM, actor=DRAFTER, at=NOON, domain="财正预决算", elements=ItemElements(name="预算"))

    with pytest.raises(RuleViolation, match="did you mean 财政预决算"):
        decide(command, fold([]), PROFILE)
