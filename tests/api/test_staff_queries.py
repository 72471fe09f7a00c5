"""The staff queries over real HTTP: my queue, the items I may see with their pending changes, their history."""

from __future__ import annotations

from datetime import date

from registry.actor import Role
from registry.calendar import WorkingCalendar
from registry.service import Registry, now
from registry.supervision.deadline import step_deadline
from tests.api.staff import DRAFTER, desk

ITEM = "czj-yusuan"
SEEN = '{ item(id: "%s") { id status } history(id: "%s") { action } }'


def test_the_queue_lists_what_waits_for_me_as_registry_queue_does(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.draft(ITEM)
        office.office.submit(ITEM)
        office.office.draft("czj-other")
        queue = office.with_token("preliminary").data("{ queue { itemId step stepLabel unit version kind } }")

    assert queue == {
        "queue": [
            {
                "itemId": ITEM,
                "step": "preliminary_review",
                "stepLabel": "初审",
                "unit": "财政局",
                "version": 1,
                "kind": "ADD",
            }
        ]
    }


def test_the_queue_answers_each_step_s_deadline_and_the_working_days_left(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.draft(ITEM)
        office.office.submit(ITEM)  # Friday 1 March 2024, Beijing time; 初审 has 5 working days
        queue = office.with_token("preliminary").data("{ queue { itemId deadline workingDaysLeft overdue } }")
    calendar = WorkingCalendar.of(registry.profile)
    left = step_deadline(calendar, date(2024, 3, 1), 5, calendar.day_of(now())).working_days_left

    assert left < 0
    assert queue == {"queue": [{"itemId": ITEM, "deadline": "2024-03-08", "workingDaysLeft": left, "overdue": True}]}


def test_a_drafter_sees_their_units_items_and_not_another_units_drafts(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.draft(ITEM)
        registry.register_actor("起草人民政局", "民政局", frozenset({Role.DRAFTER}), office.office.actors["admin"])
        own = office.with_token("drafter").data(SEEN % (ITEM, ITEM))
        other = office.with_token("起草人民政局").data(SEEN % (ITEM, ITEM))

    assert own == {"item": {"id": ITEM, "status": "DRAFT"}, "history": [{"action": "draft"}]}
    assert other == {"item": None, "history": None}


def test_a_reviewer_sees_what_waits_at_their_stage_and_not_a_draft(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.draft(ITEM)
        office.office.draft("czj-draft")
        office.office.submit(ITEM)
        office.office.pass_preliminary(ITEM)
        legality = office.with_token("legality")
        waiting = legality.data(SEEN % (ITEM, ITEM))["item"]
        draft = legality.data(SEEN % ("czj-draft", "czj-draft"))["item"]

    assert waiting == {"id": ITEM, "status": "PRELIMINARY_REVIEWED"}
    assert draft is None


def test_an_unknown_item_reads_as_null(registry: Registry) -> None:
    with desk(registry) as office:
        found = office.with_token("drafter").data(SEEN % ("无此事项", "无此事项"))

    assert found == {"item": None, "history": None}


def test_an_items_pending_changes_are_shown_against_the_published_version(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.publish_new(ITEM)
        office.office.adjust(ITEM, basis="《中华人民共和国预算法》（2018年修正）")
        item = office.with_token("drafter").data(
            f'{{ item(id: "{ITEM}") {{ version published {{ version elements {{ basis }} }} '
            "pending { version kind trigger } changes { field label old new } } }"
        )["item"]

    assert item["version"] == 2
    assert item["published"] == {"version": 1, "elements": {"basis": "《中华人民共和国预算法》"}}
    assert item["pending"] == {"version": 2, "kind": "CHANGE", "trigger": "法律法规修订"}
    assert item["changes"] == [
        {
            "field": "basis",
            "label": "公开依据",
            "old": "《中华人民共和国预算法》",
            "new": "《中华人民共和国预算法》（2018年修正）",
        }
    ]


def test_the_history_tells_an_asserted_step_from_a_proven_one(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.draft(ITEM)  # through the registry itself, as the CLI on the server does
        system = office.with_token("drafter")
        system.mutate("submitItem", {"itemId": ITEM})
        history = system.data(f'{{ history(id: "{ITEM}") {{ action actor role channel }} }}')["history"]

    assert history == [
        {"action": "draft", "actor": DRAFTER, "role": "drafter", "channel": "CLI"},
        {"action": "submit", "actor": DRAFTER, "role": "drafter", "channel": "TOKEN"},
    ]


def test_an_admin_sees_every_item(registry: Registry) -> None:
    with desk(registry) as office:
        office.office.draft(ITEM)
        found = office.with_token("admin").data(SEEN % (ITEM, ITEM))

    assert found["item"] == {"id": ITEM, "status": "DRAFT"}
