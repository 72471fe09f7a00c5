"""Times come from the registry, not from the caller: effective times, backfills (补录), aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from events.event import ReviewStage
from events.timestamp import format_time
from projections import public_query
from projections.query import history
from projections.schema import item_versions, public_changes
from registry.actor import Actor, Role
from registry.items.command import (
    AdjustItem,
    ApproveItem,
    DraftItem,
    ItemCommand,
    PassReview,
    PublishItem,
    SubmitItem,
)
from registry.rules import Rule, RuleViolation
from registry.service import Registry, now
from registry.supervision import report as supervision
from registry.supervision.deadline import Verdict
from tests.registry.test_service import ACTORS, BUDGET

ITEM = "ys-2024"
BEIJING = timezone(timedelta(hours=8))
IN_2019 = datetime(2019, 6, 1, 10, tzinfo=BEIJING)
IN_2020 = datetime(2020, 6, 1, 10, tzinfo=BEIJING)
PEOPLE = [("管理员", "政务服务局", Role.ADMIN), *ACTORS]


@pytest.fixture
def staffed(registry: Registry) -> Registry:
    admin = None
    for name, unit, role in PEOPLE:
        registry.register_actor(name, unit, frozenset({role}), admin)
        admin = admin or registry.actor(name)
    return registry


def who(registry: Registry) -> dict[str, Actor]:
    return {name: registry.actor(name) for name, _, _ in PEOPLE}


def walk(registry: Registry, at: datetime, *, first: ItemCommand, backfill_by: Actor | None = None) -> None:
    """`first` (a draft or an adjustment), then review, approval and publication, each saying it happened `at`."""
    people = who(registry)
    steps: list[ItemCommand] = [
        first,
        SubmitItem(item_id=ITEM, actor=people["李财政"], at=at),
        PassReview(item_id=ITEM, actor=people["孙初审"], at=at, stage=ReviewStage.PRELIMINARY),
        PassReview(item_id=ITEM, actor=people["周法务"], at=at, stage=ReviewStage.LEGALITY),
        ApproveItem(item_id=ITEM, actor=people["王审议"], at=at, reference="2020年第15次政府常务会议"),
        PublishItem(item_id=ITEM, actor=people["吴发布"], at=at),
    ]
    for step in steps:
        registry.execute(step, backfill_by=backfill_by)


def drafted(registry: Registry, at: datetime) -> DraftItem:
    return DraftItem(item_id=ITEM, actor=registry.actor("李财政"), at=at, domain="财政预决算", elements=BUDGET)


def adjusted(registry: Registry, at: datetime) -> AdjustItem:
    return AdjustItem(
        item_id=ITEM,
        actor=registry.actor("李财政"),
        at=at,
        trigger="法律法规修订",
        elements=BUDGET.model_copy(update={"content": "第二版"}),
        fields=frozenset({"content"}),
    )


def versions(registry: Registry) -> list[tuple[int, str | None, str | None]]:
    with registry.store.reading() as conn:
        rows = conn.execute(
            select(item_versions.c.version, item_versions.c.published_at, item_versions.c.superseded_at)
            .where(item_versions.c.item_id == ITEM)
            .order_by(item_versions.c.version)
        )
        return [(r.version, r.published_at, r.superseded_at) for r in rows]


def test_a_caller_whose_clock_says_2019_cannot_date_a_publication_before_the_last_one(staffed: Registry) -> None:
    walk(staffed, now(), first=drafted(staffed, now()))

    walk(staffed, IN_2019, first=adjusted(staffed, IN_2019))

    (_, first_published, superseded), (_, second_published, _) = versions(staffed)
    assert first_published is not None and superseded is not None and second_published is not None
    assert first_published <= superseded == second_published
    assert second_published > IN_2019.astimezone(UTC).isoformat()


def test_a_catalog_asked_as_of_the_callers_claimed_time_does_not_show_the_later_version(staffed: Registry) -> None:
    walk(staffed, now(), first=drafted(staffed, now()))
    walk(staffed, IN_2019, first=adjusted(staffed, IN_2019))

    with staffed.store.reading() as conn:
        assert public_query.item(conn, ITEM, IN_2019 + timedelta(days=1)) is None


def test_an_event_takes_effect_at_the_time_the_store_records_it(staffed: Registry) -> None:
    before = now()
    staffed.execute(drafted(staffed, IN_2019))

    with staffed.store.reading() as conn:
        (row,) = history(conn, ITEM)
    assert row["occurred_at"] == row["recorded_at"] >= before.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert row["claimed_at"].startswith("2019-06-01T02:00:00")  # kept, as information
    assert row["backfilled_by"] is None


def test_a_command_with_a_naive_time_is_refused() -> None:
    actor = Actor(actor_id="李财政", unit="财政局", roles=frozenset({Role.DRAFTER}))

    with pytest.raises(ValidationError, match="timezone"):
        DraftItem(item_id=ITEM, actor=actor, at=datetime(2020, 6, 1, 10), elements=BUDGET)


def test_an_admin_backfills_an_item_from_the_paper_catalogs_at_its_own_time(staffed: Registry) -> None:
    walk(staffed, IN_2020, first=drafted(staffed, IN_2020), backfill_by=staffed.actor("管理员"))

    ((version, published, superseded),) = versions(staffed)
    assert (version, published, superseded) == (1, "2020-06-01T02:00:00.000000Z", None)
    with staffed.store.reading() as conn:
        rows = history(conn, ITEM)
        feed = conn.execute(select(public_changes.c.backfilled)).scalars().all()
    assert {(r["occurred_at"], r["backfilled_by"]) for r in rows} == {("2020-06-01T02:00:00.000000Z", "管理员")}
    assert all(r["recorded_at"] > r["occurred_at"] for r in rows)
    assert feed == [True]


def test_a_publication_recorded_as_it_happens_is_not_marked_as_a_backfill(staffed: Registry) -> None:
    walk(staffed, now(), first=drafted(staffed, now()))

    with staffed.store.reading() as conn:
        assert conn.execute(select(public_changes.c.backfilled)).scalars().all() == [False]


def test_a_backfill_before_the_items_last_event_is_refused(staffed: Registry) -> None:
    admin = staffed.actor("管理员")
    staffed.execute(drafted(staffed, IN_2020), backfill_by=admin)
    head = staffed.store.head()

    with pytest.raises(RuleViolation, match="events up to") as refusal:
        staffed.execute(SubmitItem(item_id=ITEM, actor=staffed.actor("李财政"), at=IN_2019), backfill_by=admin)

    assert refusal.value.rule is Rule.BACKFILL
    assert staffed.store.head() == head


def test_a_backfill_is_refused_on_an_item_with_events_recorded_as_they_happened(staffed: Registry) -> None:
    staffed.execute(drafted(staffed, now()))

    with pytest.raises(RuleViolation) as refusal:
        staffed.execute(
            SubmitItem(item_id=ITEM, actor=staffed.actor("李财政"), at=IN_2020), backfill_by=staffed.actor("管理员")
        )

    assert refusal.value.rule is Rule.BACKFILL


def test_only_an_admin_records_a_backfill(staffed: Registry) -> None:
    with pytest.raises(RuleViolation, match="admin") as refusal:
        staffed.execute(drafted(staffed, IN_2020), backfill_by=staffed.actor("李财政"))

    assert refusal.value.rule is Rule.BACKFILL


def test_a_backfill_cannot_be_dated_in_the_future(staffed: Registry) -> None:
    with pytest.raises(RuleViolation, match="the past"):
        staffed.execute(drafted(staffed, now() + timedelta(days=1)), backfill_by=staffed.actor("管理员"))


def test_a_naive_time_is_never_stored_as_the_servers_local_time() -> None:
    with pytest.raises(ValueError, match="without a timezone"):
        format_time(datetime(2020, 6, 1, 10))


def test_a_unit_that_claims_an_earlier_time_is_still_judged_by_the_registrys(staffed: Registry) -> None:
    walk(staffed, IN_2020, first=drafted(staffed, IN_2020))  # published now, the commands saying June 2020

    report = supervision.coverage(staffed)

    (budget,) = [line for line in report.domains if line.domain.name == "财政预决算"]
    assert budget.deadline is not None
    assert budget.deadline.verdict is Verdict.LATE
    assert budget.deadline.done_on is not None and budget.deadline.done_on > IN_2020.date()
