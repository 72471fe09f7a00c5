"""`asOf` over real HTTP, on SQLite and PostgreSQL: the version that was authoritative at a time, and no other."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, serving

ITEM = "query($id: ItemId!, $asOf: DateTime) { item(id: $id, asOf: $asOf) { id version content publishedAt } }"
CATALOG = """
query($asOf: DateTime, $filter: CatalogFilter) {
  catalog(asOf: $asOf, filter: $filter) { totalCount edges { node { id version content } } }
}
"""
MICROSECOND = timedelta(microseconds=1)
BEIJING = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Timeline:
    """When the budget item's versions became and stopped being authoritative."""

    api: Api
    first_published: datetime
    other_published: datetime
    adjustment_published: datetime
    retired: datetime


@pytest.fixture(scope="module")
def timeline(shared_registry: Registry) -> Iterator[Timeline]:
    office = Office(shared_registry)
    first = office.publish_new("czj-yusuan", content="第一版内容")
    other = office.publish_new("mzj-dibao", domain="社会救助", unit="民政局", content="低保对象名单")
    adjusted = office.publish_adjustment("czj-yusuan", content="第二版内容")
    retired = office.retire("czj-yusuan")
    office.publish_new("ccz-dili", domain="涉农补贴", unit="城川镇", content="公布的补贴内容")
    office.adjust("ccz-dili", content="待审的补贴内容")
    office.submit("ccz-dili")
    office.pass_preliminary("ccz-dili")
    with serving(shared_registry.engine, shared_registry.profile) as api:
        yield Timeline(api, first, other, adjusted, retired)


def at(moment: datetime) -> str:
    return moment.isoformat()


def item(timeline: Timeline, item_id: str, as_of: str | None) -> dict[str, Any] | None:
    found: dict[str, Any] | None = timeline.api.query(ITEM, {"id": item_id, "asOf": as_of})["item"]
    return found


def catalog(timeline: Timeline, as_of: str, **flt: Any) -> list[tuple[str, int, str]]:
    data = timeline.api.query(CATALOG, {"asOf": as_of, "filter": flt})["catalog"]
    assert data["totalCount"] == len(data["edges"])
    return [(e["node"]["id"], e["node"]["version"], e["node"]["content"]) for e in data["edges"]]


def test_before_its_first_publication_an_item_has_no_authoritative_version(timeline: Timeline) -> None:
    assert item(timeline, "czj-yusuan", at(timeline.first_published - MICROSECOND)) is None


def test_from_the_moment_of_its_publication_the_first_version_is_authoritative(timeline: Timeline) -> None:
    found = item(timeline, "czj-yusuan", at(timeline.first_published))

    assert found == {
        "id": "czj-yusuan",
        "version": 1,
        "content": "第一版内容",
        "publishedAt": at(timeline.first_published),
    }


def test_until_an_adjustment_is_published_the_earlier_version_stays_authoritative(timeline: Timeline) -> None:
    found = item(timeline, "czj-yusuan", at(timeline.adjustment_published - MICROSECOND))

    assert found is not None
    assert (found["version"], found["content"]) == (1, "第一版内容")


def test_from_the_moment_an_adjustment_is_published_its_version_is_authoritative(timeline: Timeline) -> None:
    found = item(timeline, "czj-yusuan", at(timeline.adjustment_published))

    assert found is not None
    assert (found["version"], found["content"]) == (2, "第二版内容")


def test_after_its_retirement_an_item_has_no_authoritative_version(timeline: Timeline) -> None:
    assert item(timeline, "czj-yusuan", at(timeline.retired)) is None
    assert item(timeline, "czj-yusuan", at(timeline.retired + timedelta(days=3650))) is None
    assert item(timeline, "czj-yusuan", None) is None


def test_the_catalog_as_of_a_time_lists_the_versions_authoritative_then(timeline: Timeline) -> None:
    assert catalog(timeline, at(timeline.first_published)) == [("czj-yusuan", 1, "第一版内容")]
    assert catalog(timeline, at(timeline.adjustment_published)) == [
        ("czj-yusuan", 2, "第二版内容"),
        ("mzj-dibao", 1, "低保对象名单"),
    ]
    assert catalog(timeline, at(timeline.retired)) == [("mzj-dibao", 1, "低保对象名单")]


def test_filters_apply_to_the_versions_authoritative_at_as_of(timeline: Timeline) -> None:
    assert catalog(timeline, at(timeline.other_published), search="第一版") == [("czj-yusuan", 1, "第一版内容")]
    assert catalog(timeline, at(timeline.adjustment_published), search="第一版") == []
    assert catalog(timeline, at(timeline.other_published), unit="民政局") == [("mzj-dibao", 1, "低保对象名单")]


def test_a_pending_adjustment_is_authoritative_at_no_time(timeline: Timeline) -> None:
    far_future = "2999-01-01T00:00:00Z"

    found = item(timeline, "ccz-dili", far_future)

    assert found is not None
    assert (found["version"], found["content"]) == (1, "公布的补贴内容")
    assert catalog(timeline, far_future, search="待审") == []


def test_an_as_of_with_an_offset_names_the_same_instant_in_utc(timeline: Timeline) -> None:
    in_beijing = timeline.first_published.astimezone(BEIJING)

    assert item(timeline, "czj-yusuan", at(in_beijing - MICROSECOND)) is None
    found = item(timeline, "czj-yusuan", at(in_beijing))
    assert found is not None
    assert found["version"] == 1


def test_an_as_of_without_an_offset_is_utc(timeline: Timeline) -> None:
    naive = timeline.first_published.astimezone(UTC).replace(tzinfo=None)

    assert item(timeline, "czj-yusuan", at(naive - MICROSECOND)) is None
    assert item(timeline, "czj-yusuan", at(naive)) is not None


def test_an_as_of_before_the_year_1000_finds_nothing(timeline: Timeline) -> None:
    # Stored times compare as text: an unpadded "999-..." would sort after "2024-..." and find today's catalog.
    assert item(timeline, "mzj-dibao", "0999-12-31T00:00:00Z") is None
    assert catalog(timeline, "0999-12-31T00:00:00Z") == []


def test_an_as_of_before_the_first_utc_time_is_refused_before_execution(timeline: Timeline) -> None:
    [error] = timeline.api.refused(ITEM, {"id": "mzj-dibao", "asOf": "0001-01-01T00:00:00+08:00"})

    assert error["message"].endswith(
        "DateTime '0001-01-01T00:00:00+08:00' is out of range: pass a time from 0001-01-02 to 9999-12-30"
    )


def test_an_as_of_that_is_not_a_time_is_refused(timeline: Timeline) -> None:
    [error] = timeline.api.errors(ITEM, {"id": "mzj-dibao", "asOf": "last tuesday"})

    assert "DateTime cannot represent value" in error["message"]


HISTORY = """
query($id: ItemId!, $asOf: DateTime) { item(id: $id, asOf: $asOf) { version history { version changeKind } } }
"""


def test_an_item_as_of_a_time_carries_its_whole_history_so_a_reader_sees_what_followed(timeline: Timeline) -> None:
    """The portal says "this version was later replaced / retired" from it (api/static/item.js)."""
    before = timeline.api.query(HISTORY, {"id": "czj-yusuan", "asOf": at(timeline.adjustment_published - MICROSECOND)})

    assert before["item"]["version"] == 1
    assert before["item"]["history"] == [
        {"version": 1, "changeKind": "ADD"},
        {"version": 2, "changeKind": "CHANGE"},
        {"version": 3, "changeKind": "CANCEL"},
    ]
