"""What the workbench's forms read from the staff API: the profile's vocabulary, the checks of a version before it
is sent (every rule at once, in Chinese), the items I may see, and the checkpoint that records a publication."""

from __future__ import annotations

from typing import Any

from events.elements import CHANNELS
from registry.items.rules import TRIGGERS
from registry.service import Registry
from tests.api.staff import desk, draft_input

CHECK = """
query Check(
  $itemId: ItemId, $domain: ShortText, $unit: ShortText, $trigger: String, $reason: String, $elements: ElementsInput!
) {
  check(itemId: $itemId, domain: $domain, unit: $unit, trigger: $trigger, reason: $reason, elements: $elements) {
    code rule field message text
  }
}"""
ITEMS = """
query Items($search: ShortText, $status: ItemStatus, $first: PageSize, $offset: Offset) {
  items(search: $search, status: $status, first: $first, offset: $offset) {
    total items { id title status unit domain version publishedVersion pendingKind }
  }
}"""


def _check(variables: dict[str, Any], registry: Registry) -> list[dict[str, Any]]:
    with desk(registry) as office:
        found: list[dict[str, Any]] = office.with_token("drafter").data(CHECK, variables)["check"]
    return found


def test_the_vocabulary_is_the_profiles_domains_and_units_the_standard_channels_and_the_triggers(
    registry: Registry,
) -> None:
    with desk(registry) as office:
        found = office.with_token("drafter").data(
            "{ vocabulary { jurisdiction reviewUnit legalUnit domains { name responsibleUnit pilot } "
            "units { name kind } channels portal triggers } }"
        )["vocabulary"]

    profile = registry.profile
    assert found["jurisdiction"] == profile.jurisdiction
    assert (found["reviewUnit"], found["legalUnit"]) == (profile.review_unit, profile.legal_unit)
    assert [d["name"] for d in found["domains"]] == [d.name for d in profile.domains]
    assert {"name": "财政预决算", "responsibleUnit": "财政局", "pilot": True} in found["domains"]
    assert [u["name"] for u in found["units"]] == [u.name for u in profile.units]
    assert found["channels"] == list(CHANNELS)
    assert found["portal"] == "政府网站"
    assert found["triggers"] == list(TRIGGERS)


def test_a_complete_version_has_nothing_to_check(registry: Registry) -> None:
    given = draft_input("czj-new")
    assert _check({"domain": given["domain"], "elements": given["elements"]}, registry) == []


def test_the_check_names_every_rule_a_submission_would_break_at_once_in_chinese(registry: Registry) -> None:
    elements = draft_input("czj-new")["elements"] | {
        "timeLimit": "信息形成之日起30个工作日内",  # over 20 working days, citing no law
        "channels": ["政府公报"],  # no portal
        "audience": ["SPECIFIC_GROUP"],  # names no group
        "body": "",  # missing
    }
    found = _check({"domain": "财政预决算", "elements": elements}, registry)

    assert [(e["code"], e["rule"]) for e in found] == [
        ("RULE", "要素完整"),
        ("RULE", "公开时限"),
        ("RULE", "网站优先"),
        ("RULE", "特定群体"),
    ]
    assert "公开主体" in found[0]["text"]
    assert "政府网站" in found[2]["text"]
    assert all(e["text"] != e["message"] for e in found), "each problem is told in Chinese too"


def test_a_form_without_a_domain_yet_is_checked_for_its_elements(registry: Registry) -> None:
    elements = draft_input("x")["elements"] | {"basis": ""}
    found = _check({"domain": None, "unit": None, "elements": elements}, registry)

    assert [e["rule"] for e in found] == ["要素完整"]


def test_the_check_refuses_an_unknown_domain_with_the_nearest_names(registry: Registry) -> None:
    found = _check({"domain": "财政预算", "elements": draft_input("x")["elements"]}, registry)

    assert [e["rule"] for e in found] == ["目录领域"]
    assert "财政预决算" in found[0]["text"]


def test_the_check_refuses_a_drafter_of_another_unit_for_a_pilot_domain(registry: Registry) -> None:
    found = _check({"domain": "义务教育", "elements": draft_input("x")["elements"]}, registry)

    assert [e["rule"] for e in found] == ["起草主体"]


def test_an_element_that_cannot_be_stored_is_named_in_chinese(registry: Registry) -> None:
    elements = draft_input("x")["elements"] | {"content": "x" * 20_001}
    found = _check({"domain": "财政预决算", "elements": elements}, registry)

    assert [(e["code"], e["field"]) for e in found] == [("INVALID", "content")]
    assert "公开内容" in found[0]["text"] and "20000" in found[0]["text"]


def test_checking_a_draft_of_mine_against_its_revision_records_nothing(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.draft("czj-yusuan")
        drafter = office.with_token("drafter")
        before = office.log_size()
        unchanged = drafter.data(CHECK, {"itemId": "czj-yusuan", "elements": draft_input("x")["elements"]})
        emptied = drafter.data(
            CHECK, {"itemId": "czj-yusuan", "elements": draft_input("x")["elements"] | {"basis": ""}}
        )
        after = office.log_size()

    assert unchanged["check"] == []
    assert [e["rule"] for e in emptied["check"]] == ["要素完整"]
    assert before == after


def test_a_new_drafts_chosen_id_is_checked_for_uniqueness(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.draft("czj-yusuan")
        given = {
            "itemId": "czj-yusuan",
            "domain": "财政预决算",
            "unit": "财政局",
            "elements": draft_input("x")["elements"],
        }
        taken = office.with_token("drafter").data(CHECK, given)["check"]
        free = office.with_token("drafter").data(CHECK, given | {"itemId": "czj-juesuan"})["check"]

    assert [e["rule"] for e in taken] == ["事项编号唯一"]
    assert free == []


def test_the_items_i_may_see_are_listed_and_searched(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.publish_new("czj-yusuan", name="预算公开")
        office.office.draft("czj-draft", name="决算草稿")
        office.office.draft("mzj-draft", domain="社会救助", unit="民政局", name="低保草稿")
        mine = office.with_token("drafter").data(ITEMS, {"search": None, "status": None})["items"]
        other = office.with_token("起草人民政局").data(ITEMS)["items"]
        searched = office.with_token("drafter").data(ITEMS, {"search": "决算"})["items"]
        published = office.with_token("preliminary").data(ITEMS, {"status": "PUBLISHED"})["items"]
        paged = office.with_token("drafter").data(ITEMS, {"first": 1, "offset": 1})["items"]
        refused = office.with_token("drafter").post(ITEMS, {"first": 201})
        negative = office.with_token("drafter").post(ITEMS, {"offset": -1})

    assert sorted(item["id"] for item in mine["items"]) == ["czj-draft", "czj-yusuan"]
    assert mine["total"] == 2
    assert [item["id"] for item in other["items"]] == ["mzj-draft"], "another unit's drafts stay out of sight"
    assert [item["id"] for item in searched["items"]] == ["czj-draft"]
    assert [(i["id"], i["publishedVersion"]) for i in published["items"]] == [("czj-yusuan", 1)]
    assert paged["total"] == 2 and len(paged["items"]) == 1
    assert "page size must be between 0 and 200" in refused.json()["errors"][0]["message"]
    assert "an offset is at least 0" in negative.json()["errors"][0]["message"]


def test_a_publications_receipt_carries_the_checkpoint_signed_with_it(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.draft("czj-yusuan")
        office.office.review_and_approve("czj-yusuan")
        publisher = office.with_token("publisher")
        payload = publisher.data(
            "mutation($input: PublishItemInput!) { publishItem(input: $input) { "
            "receipt { position checkpoint { size root signedAt signature publicKey } } userErrors { code } } }",
            {"input": {"itemId": "czj-yusuan"}},
        )["publishItem"]
        head = office.api.query("{ log { size } }")["log"]

    receipt = payload["receipt"]
    assert payload["userErrors"] == []
    assert receipt["checkpoint"]["size"] == receipt["position"] == head["size"]
    assert receipt["checkpoint"]["signature"] and receipt["checkpoint"]["publicKey"]


def test_an_item_i_may_not_see_is_checked_and_acted_on_as_one_that_does_not_exist(registry: Registry) -> None:
    """Neither `check` nor a mutation tells another unit's drafter that a hidden item exists, or whose it is."""
    with desk(registry) as office:
        office.office.draft("czj-yusuan")
        office.office.draft("mzj-dibao", domain="社会救助", unit="民政局")
        other = office.with_token("起草人民政局")
        elements = draft_input("x")["elements"]
        hidden = other.data(CHECK, {"itemId": "czj-yusuan", "elements": elements})["check"]
        missing = other.data(CHECK, {"itemId": "czj-nothing", "elements": elements})["check"]
        submitted = other.mutate("submitItem", {"itemId": "czj-yusuan"})
        nothing = other.mutate("submitItem", {"itemId": "czj-nothing"})

    def said(errors: list[dict[str, Any]], item_id: str) -> list[tuple[str, str]]:
        return [(e["code"], e["message"].replace(item_id, "ID")) for e in errors]

    assert said(hidden, "czj-yusuan") == said(missing, "czj-nothing") == [("NOT_FOUND", "no item 'ID'")]
    assert said(submitted["userErrors"], "czj-yusuan") == said(nothing["userErrors"], "czj-nothing")
    assert submitted["receipt"] is None and submitted["item"] is None
    assert "财政局" not in str(hidden) + str(submitted)


def test_an_adjustment_is_checked_with_its_trigger(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.publish_new("czj-yusuan")
        drafter = office.with_token("drafter")
        published = draft_input("x")["elements"]

        def check(trigger: str, **changes: Any) -> list[str | None]:
            given = {"itemId": "czj-yusuan", "trigger": trigger, "elements": published | changes}
            return [e["rule"] for e in drafter.data(CHECK, given)["check"]]

        no_trigger = check("")
        unchanged = check("法律法规修订")
        changed = check("法律法规修订", timeLimit="信息形成或者变更之日起10个工作日内")

    assert no_trigger == ["动态调整"]
    assert unchanged == ["动态调整"], "an adjustment that changes nothing is refused before it is sent"
    assert changed == []
