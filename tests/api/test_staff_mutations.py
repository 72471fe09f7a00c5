"""The staff mutations over real HTTP: the review carried out by signed-in people, refusals as userErrors with HTTP
200, idempotent retries and optimistic concurrency."""

from __future__ import annotations

from typing import Any

from registry.actor import Channel
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import serving
from tests.api.staff import Desk, desk, draft_input, mutation

ITEM = "czj-yusuan"
STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("drafter", "draftItem", draft_input(ITEM)),
    ("drafter", "submitItem", {"itemId": ITEM}),
    ("preliminary", "passReview", {"itemId": ITEM, "stage": "PRELIMINARY", "comment": "要素齐全"}),
    ("legality", "passReview", {"itemId": ITEM, "stage": "LEGALITY", "comment": "符合法律法规"}),
    ("approver", "approveItem", {"itemId": ITEM, "reference": "2026年第12次政府常务会议"}),
    ("publisher", "publishItem", {"itemId": ITEM}),
]
STAFF = ("drafter", "preliminary", "legality", "approver", "publisher")


def walk(office: Desk) -> list[dict[str, Any]]:
    """Five people sign in, each with their password, and carry ITEM from draft to publication: the payloads."""
    people = {key: office.signed_in(key) for key in STAFF}
    return [people[key].mutate(field, given) for key, field, given in STEPS]


def test_five_staff_signed_in_carry_an_item_from_draft_to_publication_and_the_public_sees_it(
    registry: Registry,
) -> None:
    with desk(registry, *STAFF) as office:
        payloads = walk(office)
        public = office.api.query(f'{{ item(id: "{ITEM}") {{ version name approvalReference }} }}')

    assert [p["userErrors"] for p in payloads] == [[]] * len(STEPS)
    assert payloads[-1]["item"]["status"] == "PUBLISHED"
    assert public == {"item": {"version": 1, "name": "政府预算", "approvalReference": "2026年第12次政府常务会议"}}


def test_each_step_taken_by_a_signed_in_person_is_recorded_with_channel_session(registry: Registry) -> None:
    with desk(registry, *STAFF) as office:
        walk(office)
        _item, stored = registry.load(ITEM)

    assert [(e.metadata.actor, e.metadata.channel) for e in stored] == [
        (office.name(key), Channel.SESSION.value) for key, _, _ in STEPS
    ]
    assert all(e.metadata.credential and len(e.metadata.credential) == 64 for e in stored)  # a digest, not the id


def test_a_rule_refusal_is_a_user_error_naming_the_rule_with_http_200(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        system.mutate("draftItem", draft_input(ITEM))
        response = system.post(mutation("publishItem"), {"input": {"itemId": ITEM, "clientMutationId": "m1"}})

    assert response.status_code == 200
    payload = response.json()["data"]["result"]
    assert payload["clientMutationId"] == "m1"
    assert payload["receipt"] is None
    assert [(e["code"], e["rule"]) for e in payload["userErrors"]] == [("RULE", "公布主体")]
    assert payload["item"]["status"] == "DRAFT"


def test_two_retries_with_one_idempotency_key_append_once(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        before = office.log_size()
        key = {"Idempotency-Key": "0b7e4d1c-2f7a-4c55-9a3c-1d2e3f405162"}
        first = system.mutate("draftItem", draft_input(ITEM), **key)
        again = system.mutate("draftItem", draft_input(ITEM), **key)
        and_again = system.mutate("draftItem", draft_input(ITEM), **key)

        assert office.log_size() == before + 1
    assert first["receipt"]["replayed"] is False
    assert again["receipt"] == and_again["receipt"] == {**first["receipt"], "replayed": True}


def test_a_retried_draft_without_an_item_id_gets_the_same_item(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        given = {**draft_input(ITEM), "itemId": None, "commandId": "budget-2026-0001"}
        first = system.mutate("draftItem", given)
        again = system.mutate("draftItem", given)

    assert first["receipt"]["itemId"] == again["receipt"]["itemId"]
    assert again["receipt"]["replayed"] is True


def test_the_same_idempotency_key_with_another_input_is_a_conflict_and_appends_nothing(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        system.mutate("draftItem", draft_input(ITEM), **{"Idempotency-Key": "k-1"})
        before = office.log_size()
        other = system.mutate("draftItem", draft_input(ITEM, name="另一个名称"), **{"Idempotency-Key": "k-1"})

        assert [(e["code"], e["field"]) for e in other["userErrors"]] == [("CONFLICT", "commandId")]
        assert office.log_size() == before


def test_an_idempotency_key_that_cannot_be_one_is_refused_before_execution(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        before = office.log_size()
        header = system.post(mutation("draftItem"), {"input": draft_input(ITEM)}, **{"Idempotency-Key": "k" * 65})
        given = system.post(mutation("draftItem"), {"input": {**draft_input(ITEM), "commandId": ""}})

        assert header.status_code == 400
        assert given.status_code == 200
        assert given.json()["data"] is None and "idempotency key" in given.json()["errors"][0]["message"]
        assert office.log_size() == before


def test_an_idempotency_key_is_scoped_to_its_credential(registry: Registry) -> None:
    with desk(registry) as office:
        first, second = office.with_token("drafter"), office.with_token("drafter", name="财政局非税系统")
        one = first.mutate("draftItem", draft_input("czj-1"), **{"Idempotency-Key": "k-1"})
        other = second.mutate("draftItem", draft_input("czj-2"), **{"Idempotency-Key": "k-1"})

    assert one["userErrors"] == other["userErrors"] == []
    assert other["receipt"]["replayed"] is False


def test_a_stale_expected_version_gets_conflict_and_appends_nothing(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        system.mutate("draftItem", draft_input(ITEM, name="旧名称"))
        system.mutate("reviseItem", {"itemId": ITEM, "expectedVersion": 1, "elements": {"name": "政府预算"}})
        before = office.log_size()
        stale = system.mutate("submitItem", {"itemId": ITEM, "expectedVersion": 1})

        assert [(e["code"], e["field"]) for e in stale["userErrors"]] == [("CONFLICT", "expectedVersion")]
        assert stale["item"]["streamVersion"] == 2
        assert office.log_size() == before


def test_invalid_elements_are_user_errors_naming_the_field(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        payload = system.mutate("draftItem", draft_input(ITEM, time_limit="二十个工作日\x07"))

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("INVALID", "elements.timeLimit")]


def test_an_unknown_item_is_not_found(registry: Registry) -> None:
    with desk(registry) as office:
        payload = office.with_token("drafter").mutate("submitItem", {"itemId": "无此事项"})

    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("NOT_FOUND", "itemId")]


def test_an_adjustment_a_retirement_a_rejection_and_a_discard_are_mutations_too(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.publish_new(ITEM)
        office.office.draft("czj-draft")
        drafter, legality = office.with_token("drafter"), office.with_token("legality")
        adjusted = drafter.mutate(
            "proposeAdjustment", {"itemId": ITEM, "trigger": "法律法规修订", "elements": {"basis": "《预算法》"}}
        )
        withdrawn = drafter.mutate("discardItem", {"itemId": ITEM, "reason": "不再调整"})
        retiring = drafter.mutate("proposeRetirement", {"itemId": ITEM, "trigger": "上级取消", "reason": "上级取消"})
        drafter.mutate("submitItem", {"itemId": ITEM})
        office.office.backfill = False  # after acts of today, the office's next step is recorded as it happens
        office.office.pass_preliminary(ITEM)
        rejected = legality.mutate("rejectReview", {"itemId": ITEM, "stage": "LEGALITY", "comment": "依据不足"})
        discarded = drafter.mutate("discardItem", {"itemId": "czj-draft"})

    assert [p["userErrors"] for p in (adjusted, withdrawn, retiring, rejected, discarded)] == [[]] * 5
    assert rejected["item"]["status"] == "DRAFT"  # the retirement went back to drafting
    assert discarded["item"]["status"] == "DISCARDED"


def test_a_publication_without_the_signing_key_is_a_top_level_error_and_records_nothing(registry: Registry) -> None:
    office = Office(registry)
    office.draft(ITEM)
    office.review_and_approve(ITEM)
    _token, secret = registry.issue_token(
        office.names["publisher"], "发布系统", frozenset(), None, office.actors["admin"]
    )
    before = registry.store.head()
    with serving(registry.engine, registry.profile) as api:
        response = api.http.post(
            "/staff/graphql",
            json={"query": mutation("publishItem"), "variables": {"input": {"itemId": ITEM}}},
            headers={"Authorization": f"Bearer {secret}"},
        )

    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "SIGNING_KEY"
    assert registry.store.head() == before


def test_the_public_graphql_has_no_mutations(registry: Registry) -> None:
    with desk(registry) as office:
        response = office.api.post("mutation { draftItem(input: {elements: {}}) { receipt { position } } }")

    assert response.json()["errors"][0]["message"] == "Schema is not configured to execute mutation operation."


def test_one_idempotency_key_for_two_mutations_in_one_request_is_refused_and_appends_nothing(
    registry: Registry,
) -> None:
    query = (
        "mutation($a: DraftItemInput!, $b: DraftItemInput!) { "
        "a: draftItem(input: $a) { receipt { position } } b: draftItem(input: $b) { receipt { position } } }"
    )
    with desk(registry) as office:
        system = office.with_token("drafter")
        before = office.log_size()
        answer = system.post(
            query, {"a": draft_input("a-1"), "b": draft_input("b-2")}, **{"Idempotency-Key": "one-key"}
        )

        assert office.log_size() == before
    assert "names one command" in answer.json()["errors"][0]["message"]
