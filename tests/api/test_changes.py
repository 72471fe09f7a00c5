"""The public feed `changes` over real HTTP, on SQLite and PostgreSQL: publications, adjustments, retirements."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, serving

FEED = """
query($first: PageSize, $after: ChangeCursor) {
  changes(first: $first, after: $after) {
    edges { cursor node { position itemId version kind reason item { id version content } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


@pytest.fixture(scope="module")
def api(shared_registry: Registry) -> Iterator[Api]:
    office = Office(shared_registry)
    office.publish_new("czj-yusuan", content="第一版")
    office.publish_new("mzj-dibao", domain="社会救助", unit="民政局")
    office.publish_adjustment("czj-yusuan", reason="增加转移支付内容", content="第二版")
    office.retire("mzj-dibao", reason="并入其他事项")
    office.adjust("czj-yusuan", content="待审的第三版")
    office.submit("czj-yusuan")
    office.draft("czj-caogao")
    with serving(shared_registry.engine, shared_registry.profile) as running:
        yield running


def feed(api: Api, first: int | None = None, after: str | None = None) -> dict[str, Any]:
    changes: dict[str, Any] = api.query(FEED, {"first": first, "after": after})["changes"]
    return changes


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def test_the_feed_lists_publications_adjustments_and_retirements_in_log_order(api: Api) -> None:
    nodes = [edge["node"] for edge in feed(api)["edges"]]

    assert [(n["itemId"], n["version"], n["kind"], n["reason"]) for n in nodes] == [
        ("czj-yusuan", 1, "ADD", ""),
        ("mzj-dibao", 1, "ADD", ""),
        ("czj-yusuan", 2, "CHANGE", "法律法规修订：增加转移支付内容"),
        ("mzj-dibao", 2, "CANCEL", "上级取消：并入其他事项"),
    ]
    positions = [n["position"] for n in nodes]
    assert positions == sorted(positions)


def test_each_publication_in_the_feed_carries_the_version_it_published(api: Api) -> None:
    nodes = [edge["node"] for edge in feed(api)["edges"]]

    assert [n["item"] for n in nodes] == [
        {"id": "czj-yusuan", "version": 1, "content": "第一版"},
        {"id": "mzj-dibao", "version": 1, "content": nodes[1]["item"]["content"]},
        {"id": "czj-yusuan", "version": 2, "content": "第二版"},
        None,  # a retirement published no version
    ]


def test_the_feed_pages_with_its_cursors(api: Api) -> None:
    first = feed(api, 3)
    rest = feed(api, 3, first["pageInfo"]["endCursor"])

    assert len(first["edges"]) == 3
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["kind"] for e in rest["edges"]] == ["CANCEL"]
    assert rest["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True, "endCursor": rest["edges"][0]["cursor"]}


def test_at_the_end_of_the_feed_the_end_cursor_stays_the_one_to_poll_with(api: Api) -> None:
    last = feed(api)["pageInfo"]["endCursor"]

    polled = feed(api, 10, last)

    assert polled["edges"] == []
    assert polled["pageInfo"]["endCursor"] == last


@pytest.mark.parametrize(
    "after",
    [
        pytest.param("not-a-cursor", id="junk"),
        pytest.param(cursor("item:czj-yusuan"), id="a catalog cursor"),
        pytest.param(cursor("change:x1"), id="not a number"),
        pytest.param(cursor("change:²"), id="a digit int() refuses"),
        pytest.param(cursor("change:99999999999999999999"), id="past any position"),
        pytest.param(cursor("change:1\x00"), id="with NUL"),
    ],
)
def test_a_feed_cursor_that_this_api_did_not_give_is_refused_before_execution(api: Api, after: str) -> None:
    [error] = api.refused(FEED, {"first": 1, "after": after})

    assert f"invalid cursor '{after}': pass an endCursor or cursor returned by `changes`" in error["message"]


def test_the_feed_and_an_items_history_mark_a_backfill(registry: Registry) -> None:
    office = Office(registry)
    office.publish_new("czj-2020")  # the office's 2024, entered afterwards by its admin
    office.backfill = False
    office.publish_new("czj-new")  # as it happens
    query = '{ changes { edges { node { itemId backfilled } } } item(id: "czj-2020") { history { backfilled } } }'

    with serving(registry.engine, registry.profile) as api:
        found = api.query(query)

    assert [(e["node"]["itemId"], e["node"]["backfilled"]) for e in found["changes"]["edges"]] == [
        ("czj-2020", True),
        ("czj-new", False),
    ]
    assert found["item"]["history"] == [{"backfilled": True}]
