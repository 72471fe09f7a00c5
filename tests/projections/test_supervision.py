"""Supervision reads on SQLite and PostgreSQL: queues per role, coverage against the deadlines, as-of days, activity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from api.schema import schema
from events.elements import Audience, ItemElements, Level, Method
from events.event import ReviewStage
from projections import supervision as history_reads
from projections.schema import items
from registry.actor import Actor, Role
from registry.items.command import ApproveItem, DraftItem, ItemCommand, PassReview, PublishItem, RejectItem, SubmitItem
from registry.service import Registry
from registry.supervision import report as supervision
from registry.supervision.deadline import Verdict

BEIJING = ZoneInfo("Asia/Shanghai")
REFERENCE = "2020年第15次政府常务会议"
ACTORS = [
    ("管理员", "政务服务局", {Role.ADMIN}),
    ("李财政", "财政局", {Role.DRAFTER}),
    ("张民政", "民政局", {Role.DRAFTER}),
    ("孙初审", "政务服务局", {Role.PRELIMINARY_REVIEWER}),
    ("钱政务", "政务服务局", {Role.DRAFTER, Role.PRELIMINARY_REVIEWER}),
    ("周法务", "法务中心", {Role.LEGALITY_REVIEWER}),
    ("王审议", "旗人民政府", {Role.APPROVER}),
    ("吴发布", "政务服务局", {Role.PUBLISHER}),
]
DRAFTERS = {"财政局": "李财政", "民政局": "张民政", "政务服务局": "钱政务"}
# item: (unit, domain, [(step, "MM-DD")]) — every step of 2020 at 10:00 in the banner.
STORY: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "ys": ("财政局", "财政预决算", [("draft", "07-01"), ("submit", "07-02"), ("preliminary", "07-03"),
                                 ("legality", "07-06"), ("approve", "07-08"), ("publish", "07-10")]),
    "db": ("民政局", "社会救助", [("draft", "07-01"), ("submit", "07-13"), ("preliminary", "07-14"),
                               ("legality", "07-15"), ("approve", "07-16"), ("publish", "07-20")]),
    "js": ("财政局", "财政预决算", [("draft", "08-03"), ("submit", "08-04"), ("preliminary", "08-05"),
                                 ("reject", "08-06")]),
    "gl": ("民政局", "养老服务", [("draft", "09-01"), ("submit", "09-02")]),
    "zn": ("政务服务局", "", [("draft", "09-03"), ("submit", "09-04")]),
    "jz": ("财政局", "财政预决算", [("draft", "09-07"), ("submit", "09-08"), ("preliminary", "09-09")]),
    "tk": ("民政局", "社会救助", [("draft", "09-09"), ("submit", "09-10")]),
    "ap": ("财政局", "财政预决算", [("draft", "09-14"), ("submit", "09-15"), ("preliminary", "09-16"),
                                 ("legality", "09-17")]),
    "pb": ("民政局", "养老服务", [("draft", "09-14"), ("submit", "09-15"), ("preliminary", "09-16"),
                               ("legality", "09-17"), ("approve", "09-18")]),
}  # fmt: skip


def elements(name: str, body: str) -> ItemElements:
    return ItemElements(
        category="公开事项",
        name=name,
        content="公开内容",
        basis="《中华人民共和国政府信息公开条例》",
        time_limit="信息形成或者变更之日起20个工作日内",
        body=body,
        channels=("政府网站",),
        audience=(Audience.PUBLIC,),
        method=(Method.PROACTIVE,),
        levels=(Level.COUNTY,),
    )


def at(month_day: str) -> datetime:
    month, day = map(int, month_day.split("-"))
    return datetime(2020, month, day, 10, tzinfo=BEIJING)


def run(registry: Registry, item_id: str, step: str, when: datetime, admin: Actor) -> None:
    """One step of 2020's story, recorded by the admin as a backfill (补录) at its day."""
    unit, domain, _ = STORY[item_id]
    drafter = registry.actor(DRAFTERS[unit])
    command: ItemCommand
    match step:
        case "draft":
            command = DraftItem(
                item_id=item_id, actor=drafter, at=when, domain=domain, unit=unit, elements=elements(item_id, unit)
            )
        case "submit":
            command = SubmitItem(item_id=item_id, actor=drafter, at=when)
        case "preliminary":
            command = PassReview(
                item_id=item_id, actor=registry.actor("孙初审"), at=when, stage=ReviewStage.PRELIMINARY
            )
        case "legality":
            command = PassReview(item_id=item_id, actor=registry.actor("周法务"), at=when, stage=ReviewStage.LEGALITY)
        case "reject":
            command = RejectItem(
                item_id=item_id, actor=registry.actor("周法务"), at=when, stage="legality", comment="补充依据"
            )
        case "approve":
            command = ApproveItem(item_id=item_id, actor=registry.actor("王审议"), at=when, reference=REFERENCE)
        case "publish":
            command = PublishItem(item_id=item_id, actor=registry.actor("吴发布"), at=when)
    registry.execute(command, backfill_by=admin)


@pytest.fixture
def story(registry: Registry) -> Registry:
    """The registry after STORY, told in the order the days came."""
    admin = None
    for name, unit, roles in ACTORS:
        registry.register_actor(name, unit, frozenset(roles), admin)
        admin = admin or registry.actor(name)
    steps = sorted((day, item_id, step) for item_id, (_, _, path) in STORY.items() for step, day in path)
    assert admin is not None
    for day, item_id, step in steps:
        run(registry, item_id, step, at(day), admin)
    return registry


def queued(registry: Registry, actor: str, as_of: date = date(2020, 9, 30)) -> list[tuple[str, str, int]]:
    result = supervision.queue(registry, registry.actor(actor), as_of)
    return [(e.item_id, e.step.value, e.working_days) for e in result.entries]


# -- queues -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("李财政", [("js", "revise", 40)]),
        (
            "孙初审",
            [("gl", "preliminary_review", 21), ("zn", "preliminary_review", 19), ("tk", "preliminary_review", 15)],
        ),
        ("周法务", [("jz", "legality_review", 16)]),
        ("王审议", [("ap", "approval", 10)]),
        ("吴发布", [("pb", "publication", 9)]),
        ("管理员", []),
    ],
)
def test_each_role_sees_what_waits_for_it_oldest_first(
    story: Registry, actor: str, expected: list[tuple[str, str, int]]
) -> None:
    assert queued(story, actor) == expected


def test_a_returned_item_shows_why_it_came_back(story: Registry) -> None:
    (entry,) = supervision.queue(story, story.actor("李财政"), date(2020, 9, 30)).entries

    assert (entry.status, entry.kind, entry.version, entry.rejection) == ("draft", "add", 1, "补充依据")
    assert entry.waiting_since == "2020-08-06T02:00:00.000000Z"


def test_nobody_finds_their_own_version_in_their_review_queue(story: Registry) -> None:
    """钱政务 drafted zn and also does 初审: zn waits for 孙初审, not for them."""
    assert [item for item, _, _ in queued(story, "钱政务")] == ["gl", "tk"]


def test_a_queue_as_of_an_earlier_day(story: Registry) -> None:
    assert queued(story, "孙初审", date(2020, 9, 3)) == [("gl", "preliminary_review", 1)]
    assert queued(story, "孙初审", date(2020, 8, 31)) == []
    assert queued(story, "李财政", date(2020, 8, 5)) == []


def test_a_queue_as_json(story: Registry) -> None:
    shape = supervision.queue(story, story.actor("吴发布"), date(2020, 9, 30)).as_json()

    assert shape == {
        "actor": "吴发布",
        "unit": "政务服务局",
        "roles": ["publisher"],
        "as_of": "2020-09-30",
        "items": [
            {
                "item_id": "pb",
                "domain": "养老服务",
                "unit": "民政局",
                "title": "pb",
                "step": "publication",
                "step_label": "公布",
                "role": "publisher",
                "status": "approved",
                "version": 1,
                "kind": "add",
                "waiting_since": "2020-09-18T02:00:00.000000Z",
                "working_days": 9,
                "rejection": "",
                # 公布 has 3 working days: due 2020-09-23; 24, 25, 27 (a Sunday worked), 28, 29, 30 are overdue.
                "deadline": "2020-09-23",
                "working_days_left": -6,
                "overdue": True,
            }
        ],
    }


# -- coverage -----------------------------------------------------------------------------------


def unit(report: supervision.Coverage, name: str) -> supervision.UnitCoverage:
    return next(u for u in report.units if u.unit.name == name)


def domain(report: supervision.Coverage, name: str) -> supervision.DomainCoverage:
    return next(d for d in report.domains if d.domain.name == name)


def test_a_unit_that_published_by_the_deadline_is_on_time(story: Registry) -> None:
    catalog = unit(supervision.coverage(story, date(2020, 12, 31)), "财政局").catalog

    assert catalog is not None
    assert (catalog.verdict, catalog.done_on, catalog.working_days_late) == (Verdict.ON_TIME, date(2020, 7, 10), 0)


def test_a_unit_that_published_after_the_deadline_is_late_by_working_days(story: Registry) -> None:
    catalog = unit(supervision.coverage(story, date(2020, 12, 31)), "民政局").catalog

    assert catalog is not None
    assert (catalog.verdict, catalog.done_on, catalog.working_days_late) == (Verdict.LATE, date(2020, 7, 20), 3)


def test_coverage_as_of_a_day_before_a_publication_shows_that_day(story: Registry) -> None:
    report = supervision.coverage(story, date(2020, 7, 16))
    civil_affairs = unit(report, "民政局")

    assert civil_affairs.catalog is not None
    assert (civil_affairs.catalog.verdict, civil_affairs.catalog.working_days_late) == (Verdict.OVERDUE, 1)
    assert civil_affairs.counts.as_json() == {"drafting": 0, "in_review": 1, "published": 0, "retired": 0}
    assert unit(report, "财政局").counts.published == 1
    assert domain(report, "社会救助").deadline is not None
    assert domain(report, "社会救助").deadline.verdict is Verdict.PENDING  # type: ignore[union-attr]


def test_counts_per_unit_and_domain(story: Registry) -> None:
    report = supervision.coverage(story, date(2020, 9, 30))

    assert unit(report, "财政局").counts.as_json() == {"drafting": 1, "in_review": 2, "published": 1, "retired": 0}
    assert domain(report, "养老服务").counts.as_json() == {"drafting": 0, "in_review": 2, "published": 0, "retired": 0}
    assert len(report.domains) == 26


def test_a_pilot_domain_without_a_publication_is_overdue_after_its_deadline(story: Registry) -> None:
    report = supervision.coverage(story, date(2020, 12, 31))
    pension = domain(report, "养老服务").deadline
    budget = domain(report, "财政预决算").deadline

    assert pension is not None and budget is not None
    assert (pension.verdict, pension.working_days_late) == (Verdict.OVERDUE, 44)
    assert (budget.verdict, budget.done_on) == (Verdict.ON_TIME, date(2020, 7, 10))


def test_a_unit_updates_its_catalog_with_a_later_publication(story: Registry) -> None:
    run(story, "pb", "publish", at("11-20"), story.actor(ACTORS[0][0]))
    report = supervision.coverage(story, date(2020, 12, 31))
    civil_affairs, finance = unit(report, "民政局").update, unit(report, "财政局").update

    assert civil_affairs is not None and finance is not None
    assert (civil_affairs.verdict, civil_affairs.done_on) == (Verdict.ON_TIME, date(2020, 11, 20))
    assert (finance.verdict, finance.working_days_late) == (Verdict.OVERDUE, 22)


def test_only_units_the_tasks_bind_are_judged(story: Registry) -> None:
    report = supervision.coverage(story, date(2020, 12, 31))

    assert unit(report, "旗人民政府").catalog is None  # the banner government approves; it compiles no catalog
    assert unit(report, "城川镇").update is None  # responsible for no pilot domain
    assert unit(report, "城川镇").catalog is not None


def test_items_waiting_at_one_stage_too_long_are_stuck(story: Registry) -> None:
    report = supervision.coverage(story, date(2020, 9, 30), stuck_after=10)
    strict = supervision.coverage(story, date(2020, 9, 30), stuck_after=20)

    assert [(s.item_id, s.working_days) for s in report.stuck] == [("gl", 21), ("zn", 19), ("jz", 16), ("tk", 15)]
    assert [s.item_id for s in strict.stuck] == ["gl"]


def test_a_published_item_not_republished_for_more_than_a_year_is_stale(story: Registry) -> None:
    year_on = supervision.coverage(story, date(2021, 7, 10))
    a_day_later = supervision.coverage(story, date(2021, 7, 11))

    assert year_on.stale == []
    assert [(s.item_id, s.version, s.days) for s in a_day_later.stale] == [("ys", 1, 366)]


def test_the_folded_history_agrees_with_the_status_view(story: Registry) -> None:
    with story.store.reading() as conn:
        folded = {line.item_id: line.status for line in history_reads.timelines(conn)}
        current = {row.item_id: row.status for row in conn.execute(select(items.c.item_id, items.c.status))}

    assert folded == current


# -- activity -----------------------------------------------------------------------------------


def test_activity_counts_events_per_actor_unit_role_and_action(story: Registry) -> None:
    rows = supervision.activity(story, since=date(2020, 9, 1), as_of=date(2020, 9, 30)).rows
    counts = {(r["actor"], r["action"]): r["count"] for r in rows}

    assert counts[("孙初审", "preliminary_review_passed")] == 3  # jz, ap, pb
    assert counts[("张民政", "submit")] == 3  # gl, tk, pb
    assert counts[("钱政务", "draft")] == 1
    assert ("吴发布", "publish") not in counts


def test_activity_of_one_unit(story: Registry) -> None:
    report = supervision.activity(story, as_of=date(2020, 12, 31), unit="政务服务局")

    assert {r["actor"] for r in report.rows} == {"孙初审", "钱政务", "吴发布"}
    # 孙初审 passed six 初审, 钱政务 drafted and submitted zn, 吴发布 published ys and db.
    assert report.as_json()["totals"] == {"events": 10, "actors": 3}


# -- the public coverage ------------------------------------------------------------------------


@pytest.fixture
def statements(story: Registry) -> Iterator[list[str]]:
    """The SQL statements run on the story's engine while the test runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(story.engine, "before_cursor_execute", record)
    yield seen
    event.remove(story.engine, "before_cursor_execute", record)


def public_coverage(registry: Registry, as_of: str) -> dict[str, dict[str, Any]]:
    query = (
        "query ($asOf: DateTime) { coverage(asOf: $asOf) { name responsibleUnit publishedCount firstPublishedAt "
        "lastPublishedAt deadline verdict onTime workingDaysLate } }"
    )
    with registry.store.reading() as conn:
        result = schema.execute(
            query,
            variable_values={"asOf": as_of},
            context_value={"conn": conn, "profile": registry.profile, "request_state": {}},
        )
    assert result.errors is None, result.errors
    assert result.data is not None
    return {row["name"]: row for row in result.data["coverage"]}


def test_the_public_coverage_of_each_pilot_domain(story: Registry) -> None:
    found = public_coverage(story, "2020-12-31T12:00:00+08:00")

    assert len(found) == 26
    assert found["财政预决算"] == {
        "name": "财政预决算",
        "responsibleUnit": "财政局",
        "publishedCount": 1,
        "firstPublishedAt": "2020-07-10T02:00:00+00:00",
        "lastPublishedAt": "2020-07-10T02:00:00+00:00",
        "deadline": "2020-10-31",
        "verdict": "ON_TIME",
        "onTime": True,
        "workingDaysLate": 0,
    }
    assert (found["养老服务"]["verdict"], found["养老服务"]["workingDaysLate"]) == ("OVERDUE", 44)


def test_the_public_coverage_as_of_a_day(story: Registry) -> None:
    found = public_coverage(story, "2020-07-15T12:00:00+08:00")

    assert (found["财政预决算"]["publishedCount"], found["财政预决算"]["verdict"]) == (1, "ON_TIME")
    assert (found["社会救助"]["publishedCount"], found["社会救助"]["verdict"]) == (0, "PENDING")


def test_the_public_coverage_reads_only_public_tables(story: Registry, statements: list[str]) -> None:
    public_coverage(story, "2020-12-31T12:00:00+08:00")

    read = " ".join(statements).lower()
    assert "published_versions" in read
    assert not any(table in read for table in ("item_history", "actors", "items ", "item_versions", "events"))
