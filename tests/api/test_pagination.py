"""Keyset pages of `catalog` over real HTTP, on SQLite and PostgreSQL, also while items are being published."""

from __future__ import annotations

import threading
from typing import Any

from tests.api.office import Office
from tests.api.server import Api

PAGE = """
query($first: PageSize, $after: CatalogCursor) {
  catalog(first: $first, after: $after) {
    totalCount
    edges { cursor node { id version name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def page(api: Api, first: int, after: str | None = None) -> dict[str, Any]:
    connection: dict[str, Any] = api.query(PAGE, {"first": first, "after": after})["catalog"]
    return connection


def walk(api: Api, first: int) -> list[str]:
    """Every id of the catalog, page after page."""
    seen: list[str] = []
    after = None
    while True:
        connection = page(api, first, after)
        seen += [edge["node"]["id"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return seen
        after = connection["pageInfo"]["endCursor"]


def test_pages_follow_each_other_in_id_order_without_gaps_or_repeats(api: Api, office: Office) -> None:
    for item_id in ("e", "b", "d", "a", "c"):
        office.publish_new(item_id)

    first = page(api, 2)
    second = page(api, 2, first["pageInfo"]["endCursor"])
    third = page(api, 2, second["pageInfo"]["endCursor"])

    assert [[e["node"]["id"] for e in p["edges"]] for p in (first, second, third)] == [["a", "b"], ["c", "d"], ["e"]]
    assert [p["pageInfo"]["hasNextPage"] for p in (first, second, third)] == [True, True, False]
    assert [p["pageInfo"]["hasPreviousPage"] for p in (first, second, third)] == [False, True, True]
    assert {p["totalCount"] for p in (first, second, third)} == {5}


def test_the_cursors_of_a_page_are_its_first_and_last_edges_cursors(api: Api, office: Office) -> None:
    for item_id in ("a", "b", "c"):
        office.publish_new(item_id)

    connection = page(api, 2)

    assert connection["pageInfo"]["startCursor"] == connection["edges"][0]["cursor"]
    assert connection["pageInfo"]["endCursor"] == connection["edges"][-1]["cursor"]
    assert page(api, 2, connection["edges"][0]["cursor"])["edges"][0]["node"]["id"] == "b"


def test_an_item_published_between_pages_neither_repeats_nor_hides_the_items_already_there(
    api: Api, office: Office
) -> None:
    for item_id in ("b", "d", "f", "h"):
        office.publish_new(item_id)
    first = page(api, 2)

    office.publish_new("a")  # before the cursor: the next page must not start again
    office.publish_new("e")  # after the cursor: the next pages show it in its place
    office.publish_adjustment("b", name="调整后的名称")  # a new version keeps its item's place
    rest = walk_from(api, first["pageInfo"]["endCursor"])

    assert [e["node"]["id"] for e in first["edges"]] == ["b", "d"]
    assert rest == ["e", "f", "h"]


def walk_from(api: Api, after: str) -> list[str]:
    seen: list[str] = []
    cursor: str | None = after
    while cursor is not None:
        connection = page(api, 1, cursor)
        seen += [edge["node"]["id"] for edge in connection["edges"]]
        cursor = connection["pageInfo"]["endCursor"] if connection["pageInfo"]["hasNextPage"] else None
    return seen


def test_paging_through_the_catalog_while_another_office_publishes_sees_every_item_once(
    api: Api, office: Office
) -> None:
    before = [f"item-{n:02d}" for n in range(0, 12, 2)]
    for item_id in before:
        office.publish_new(item_id)
    published: list[str] = []
    publishing, walked = threading.Event(), threading.Event()

    def publish_meanwhile() -> None:
        for n in range(1, 12, 2):
            office.publish_new(f"item-{n:02d}")
            published.append(f"item-{n:02d}")
            publishing.set()
            if walked.is_set():
                return

    publisher = threading.Thread(target=publish_meanwhile)
    publisher.start()
    try:
        publishing.wait(timeout=30)
        seen = walk(api, 1)
    finally:
        walked.set()
        publisher.join()

    assert len(seen) == len(set(seen)), f"repeated: {seen}"
    assert seen == sorted(seen)
    assert set(before) <= set(seen)
    assert set(seen) <= set(before) | set(published)


def test_a_retired_item_leaves_the_pages_without_disturbing_the_others(api: Api, office: Office) -> None:
    for item_id in ("a", "b", "c", "d"):
        office.publish_new(item_id)
    first = page(api, 2)

    office.retire("c")

    assert walk_from(api, first["pageInfo"]["endCursor"]) == ["d"]


def test_first_zero_gives_no_edges_but_the_total(api: Api, office: Office) -> None:
    office.publish_new("a")

    connection = page(api, 0)

    assert connection["edges"] == []
    assert connection["totalCount"] == 1
    assert connection["pageInfo"]["hasNextPage"] is True


def test_the_page_after_the_last_item_is_empty(api: Api, office: Office) -> None:
    office.publish_new("a")
    last = page(api, 5)["pageInfo"]["endCursor"]

    connection = page(api, 5, last)

    assert connection["edges"] == []
    assert connection["pageInfo"]["hasNextPage"] is False
    assert connection["pageInfo"]["endCursor"] is None


def test_a_cursor_that_this_api_did_not_give_is_refused_before_execution(api: Api) -> None:
    for cursor in ("not-a-cursor", "Y2hhbmdlOjE=", "aXRlbTo="):  # junk, a feed cursor, an empty item cursor
        [error] = api.refused(PAGE, {"first": 1, "after": cursor})

        assert f"invalid cursor '{cursor}': pass an endCursor or cursor returned by `catalog`" in error["message"]


def test_first_must_be_between_zero_and_two_hundred(api: Api) -> None:
    for first in (-1, 201, 10_000):
        [error] = api.refused(PAGE, {"first": first})

        assert error["message"].endswith(f"page size must be between 0 and 200 (got {first}); page with `after`")
