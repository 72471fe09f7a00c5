"""Passwords, tokens and disabling as the rules decide them: given an actor, when an act, then an event or a refusal
naming 凭据管理. No database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from events.event import ActorDisabled, PasswordSet, TokenIssued, TokenRevoked
from registry.actor import Actor, Role
from registry.admin import decide_disable, decide_password, decide_revocation, decide_token
from registry.rules import Rule, RuleViolation

NOON = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
ADMIN = Actor(actor_id="管理员", unit="政务服务局", roles=frozenset({Role.ADMIN}))
DRAFTER = Actor(actor_id="李财政", unit="财政局", roles=frozenset({Role.DRAFTER}))
REVIEWER = Actor(actor_id="陈政务", unit="政务服务局", roles=frozenset({Role.DRAFTER, Role.PRELIMINARY_REVIEWER}))
TOKEN = "tok_0123456789ab"
SYSTEM = "财政局预算系统"


@contextmanager
def refused(match: str) -> Iterator[None]:
    """A refusal by the credentials rule (凭据管理) whose message says `match`."""
    with pytest.raises(RuleViolation, match=match) as refusal:
        yield
    assert refusal.value.rule is Rule.CREDENTIALS


def test_an_admin_sets_an_actors_password() -> None:
    assert decide_password(DRAFTER, by=ADMIN) == PasswordSet(actor_id="李财政")


@pytest.mark.parametrize("by", [DRAFTER, None], ids=["the actor themselves", "nobody named"])
def test_only_an_admin_sets_a_password(by: Actor | None) -> None:
    with refused("only an admin"):
        decide_password(DRAFTER, by)


def test_an_admin_issues_a_token_in_some_of_the_actors_roles() -> None:
    expires = NOON + timedelta(days=90)

    issued = decide_token(REVIEWER, TOKEN, SYSTEM, frozenset({Role.DRAFTER}), expires, ADMIN, NOON)

    assert issued == TokenIssued(actor_id="陈政务", token_id=TOKEN, name=SYSTEM, roles=("drafter",), expires_at=expires)


def test_a_token_without_roles_acts_in_all_of_the_actors_roles() -> None:
    issued = decide_token(REVIEWER, TOKEN, SYSTEM, frozenset(), None, ADMIN, NOON)

    assert issued.roles == ("drafter", "preliminary_reviewer")
    assert issued.expires_at is None


def test_a_token_never_acts_in_a_role_its_actor_does_not_hold() -> None:
    with refused("does not hold approver"):
        decide_token(DRAFTER, TOKEN, SYSTEM, frozenset({Role.DRAFTER, Role.APPROVER}), None, ADMIN, NOON)


def test_a_token_is_named_for_the_system_that_uses_it() -> None:
    with refused("named"):
        decide_token(DRAFTER, TOKEN, "  ", frozenset(), None, ADMIN, NOON)


def test_a_token_that_expires_now_is_refused() -> None:
    with refused("future"):
        decide_token(DRAFTER, TOKEN, SYSTEM, frozenset(), NOON, ADMIN, NOON)


def test_only_an_admin_issues_a_token() -> None:
    with refused("only an admin"):
        decide_token(DRAFTER, TOKEN, SYSTEM, frozenset(), None, DRAFTER, NOON)


def test_an_admin_revokes_a_token() -> None:
    assert decide_revocation("李财政", TOKEN, already_revoked=False, by=ADMIN) == [
        TokenRevoked(actor_id="李财政", token_id=TOKEN)
    ]


def test_revoking_a_revoked_token_records_nothing() -> None:
    assert decide_revocation("李财政", TOKEN, already_revoked=True, by=ADMIN) == []


def test_only_an_admin_revokes_a_token() -> None:
    with refused("only an admin"):
        decide_revocation("李财政", TOKEN, already_revoked=False, by=DRAFTER)


def test_an_admin_disables_an_actor_saying_why() -> None:
    assert decide_disable(DRAFTER, "调离岗位", disabled=False, by=ADMIN) == [
        ActorDisabled(actor_id="李财政", reason="调离岗位")
    ]


def test_disabling_a_disabled_actor_records_nothing() -> None:
    assert decide_disable(DRAFTER, "调离岗位", disabled=True, by=ADMIN) == []


def test_disabling_an_actor_states_why() -> None:
    with refused("states why"):
        decide_disable(DRAFTER, " ", disabled=False, by=ADMIN)


def test_an_admin_does_not_disable_themselves() -> None:
    with refused("themselves"):
        decide_disable(ADMIN, "离职", disabled=False, by=ADMIN)


def test_only_an_admin_disables_an_actor() -> None:
    with refused("only an admin"):
        decide_disable(DRAFTER, "调离岗位", disabled=False, by=REVIEWER)
