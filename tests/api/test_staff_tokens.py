"""A business system's API token over real HTTP: it acts in its own roles only, stops at revocation and expiry, and
its secret, once handed over, is never seen again."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from events.schema import metadata
from registry.actor import Role
from registry.service import Registry
from tests.api.staff import DRAFTER, desk, draft_input

ME = "{ me { actorId unit roles channel tokenId tokenName } }"


def test_a_business_systems_token_drafts_and_submits_an_item(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        drafted = system.mutate("draftItem", draft_input("czj-yusuan"))
        submitted = system.mutate("submitItem", {"itemId": "czj-yusuan", "expectedVersion": 1})

    assert drafted["userErrors"] == submitted["userErrors"] == []
    assert submitted["item"] == {"id": "czj-yusuan", "status": "SUBMITTED", "streamVersion": 2}


def test_the_history_names_the_token_that_acted(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        system.mutate("draftItem", draft_input("czj-yusuan"))
        token_id = system.data(ME)["me"]["tokenId"]
        history = system.data('{ history(id: "czj-yusuan") { action actor channel credential } }')["history"]

    assert history == [{"action": "draft", "actor": DRAFTER, "channel": "TOKEN", "credential": token_id}]


def test_a_token_acts_in_its_own_roles_only_and_the_refusal_names_the_rule(registry: Registry) -> None:
    with desk(registry) as office:
        # Someone of 政务服务局 who drafts and reviews; their system's token was issued to draft only.
        both = frozenset({Role.DRAFTER, Role.PRELIMINARY_REVIEWER})
        registry.register_actor("孙双岗", "政务服务局", both, office.office.actors["admin"])
        office.office.names["drafter:政务服务局"] = "起草人政务服务局"  # another drafter of the unit
        office.office.draft("zwfw-banshi", domain="其他：政务服务", unit="政务服务局")
        office.office.submit("zwfw-banshi")
        office.office.draft("czj-yusuan")
        office.office.submit("czj-yusuan")
        system = office.with_token("孙双岗", frozenset({Role.DRAFTER}))
        before = office.log_size()
        refused = system.mutate("passReview", {"itemId": "zwfw-banshi", "stage": "PRELIMINARY"})
        # Another unit's item waiting for 初审 is out of a drafter token's sight: told as not there.
        hidden = system.mutate("passReview", {"itemId": "czj-yusuan", "stage": "PRELIMINARY"})

        assert refused["receipt"] is None and hidden["receipt"] is None
        assert [(e["code"], e["rule"]) for e in refused["userErrors"]] == [("RULE", "初审主体")]
        assert [(e["code"], e["rule"]) for e in hidden["userErrors"]] == [("NOT_FOUND", None)]
        assert office.log_size() == before


def test_me_names_the_token_its_system_and_its_roles(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter", name="财政局预算系统")
        me = system.data(ME)["me"]

    assert me["actorId"] == DRAFTER
    assert me["unit"] == "财政局"
    assert me["roles"] == ["DRAFTER"]
    assert me["channel"] == "TOKEN"
    assert me["tokenId"].startswith("tok_")
    assert me["tokenName"] == "财政局预算系统"


def test_without_a_credential_the_staff_api_answers_401_with_www_authenticate_bearer(registry: Registry) -> None:
    with desk(registry) as office:
        response = office.caller().post(ME)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer rgt_not-a-token", "Bearer", "Basic c3RhZmY6c2VjcmV0", "Bearer rgt_" + "A" * 49],
)
def test_a_malformed_or_unknown_credential_gets_401(registry: Registry, authorization: str) -> None:
    with desk(registry) as office:
        response = office.caller({"Authorization": authorization}).post(ME)

    assert response.status_code == 401
    assert "invalid_token" in response.headers["www-authenticate"]


def test_a_revoked_token_gets_401(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        token_id = system.data(ME)["me"]["tokenId"]
        registry.revoke_token(token_id, office.office.actors["admin"])
        response = system.post(ME)

    assert response.status_code == 401
    assert "invalid_token" in response.headers["www-authenticate"]


def test_an_expired_token_gets_401(registry: Registry) -> None:
    with desk(registry) as office:
        _token, secret = registry.issue_token(
            DRAFTER,
            "财政局预算系统",
            frozenset(),
            datetime.now(UTC) + timedelta(days=90),
            office.office.actors["admin"],
        )
        system = office.caller({"Authorization": f"Bearer {secret}"})
        before = system.post(ME).status_code
        office.clock.move_on(timedelta(days=91))
        after = system.post(ME)

    assert before == 200
    assert after.status_code == 401


def test_a_disabled_actors_token_gets_401(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        registry.disable_actor(DRAFTER, "调离", office.office.actors["admin"])

        assert system.post(ME).status_code == 401


def test_a_tokens_secret_is_nowhere_in_the_database_the_log_or_any_answer_after_its_creation(
    registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with desk(registry) as office:
        _token, secret = registry.issue_token(
            DRAFTER, "财政局预算系统", frozenset(), None, office.office.actors["admin"]
        )
        system = office.caller({"Authorization": f"Bearer {secret}"})
        system.mutate("draftItem", draft_input("czj-yusuan"))
        system.mutate("submitItem", {"itemId": "czj-yusuan"})
        system.mutate("passReview", {"itemId": "czj-yusuan", "stage": "PRELIMINARY"})  # refused
        system.data('{ me { tokenId } item(id: "czj-yusuan") { history { credential } } queue { itemId } }')
        with registry.engine.connect() as conn:
            stored = [str(row._mapping) for table in metadata.sorted_tables for row in conn.execute(select(table))]

    assert len(system.answers) == 4
    assert not [answer for answer in system.answers if secret in answer.text or secret in str(answer.headers)]
    assert not [row for row in stored if secret in row]
    assert secret not in caplog.text
