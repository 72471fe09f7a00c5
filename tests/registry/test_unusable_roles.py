"""Roles a unit can never act in: what registering such an actor is warned of, by the checks that will refuse them."""

from __future__ import annotations

import pytest

from registry.actor import Actor, Role
from registry.profile import load_profile
from registry.rules import Rule, unusable_roles

PROFILE = load_profile()


def actor(unit: str, *roles: Role) -> Actor:
    return Actor(actor_id="某人", unit=unit, roles=frozenset(roles))


@pytest.mark.parametrize(
    ("unit", "role", "rule"),
    [
        ("财政局", Role.PRELIMINARY_REVIEWER, Rule.PRELIMINARY_REVIEWER),
        ("政务服务局", Role.LEGALITY_REVIEWER, Rule.LEGALITY_REVIEWER),
        ("法务中心", Role.PUBLISHER, Rule.PUBLISHER),
    ],
)
def test_a_review_or_publication_role_outside_its_unit_is_named_with_the_rule_that_refuses_it(
    unit: str, role: Role, rule: Rule
) -> None:
    assert [refusal.rule for refusal in unusable_roles(actor(unit, role), PROFILE)] == [rule]


@pytest.mark.parametrize(
    ("unit", "role"),
    [
        ("政务服务局", Role.PRELIMINARY_REVIEWER),
        ("政务服务局", Role.PUBLISHER),
        ("法务中心", Role.LEGALITY_REVIEWER),
        ("财政局", Role.DRAFTER),
        ("旗人民政府", Role.APPROVER),
        ("财政局", Role.ADMIN),
    ],
)
def test_a_role_the_unit_can_act_in_is_not_named(unit: str, role: Role) -> None:
    assert unusable_roles(actor(unit, role), PROFILE) == []


def test_only_the_unusable_roles_of_several_are_named() -> None:
    both = actor("财政局", Role.DRAFTER, Role.PUBLISHER, Role.PRELIMINARY_REVIEWER)

    assert [refusal.rule for refusal in unusable_roles(both, PROFILE)] == [Rule.PRELIMINARY_REVIEWER, Rule.PUBLISHER]


def test_the_warning_follows_the_profile() -> None:
    elsewhere = PROFILE.model_copy(update={"legal_unit": "司法局"})

    assert unusable_roles(actor("司法局", Role.LEGALITY_REVIEWER), elsewhere) == []
    assert unusable_roles(actor("法务中心", Role.LEGALITY_REVIEWER), elsewhere)[0].rule is Rule.LEGALITY_REVIEWER
