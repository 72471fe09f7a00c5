"""Page sizes over real HTTP on a catalog larger than the largest page: 50 by default, 200 at most."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from registry.service import Registry
from tests.api.conftest import LARGE
from tests.api.server import Api, serving

PAGE = (
    "query($first: PageSize) { catalog(first: $first) { totalCount edges { node { id } } pageInfo { hasNextPage } } }"
)
FEED = "query($first: PageSize) { changes(first: $first) { edges { cursor } pageInfo { hasNextPage } } }"


@pytest.fixture(scope="module")
def api(large_registry: Registry) -> Iterator[Api]:
    with serving(large_registry.engine, large_registry.profile) as running:
        yield running


def test_a_catalog_page_holds_50_items_unless_asked_otherwise(api: Api) -> None:
    catalog = api.query(PAGE)["catalog"]

    assert len(catalog["edges"]) == 50
    assert catalog["totalCount"] == LARGE
    assert catalog["pageInfo"]["hasNextPage"] is True


def test_a_catalog_page_holds_up_to_200_items(api: Api) -> None:
    catalog = api.query(PAGE, {"first": 200})["catalog"]

    assert len(catalog["edges"]) == 200
    assert catalog["pageInfo"]["hasNextPage"] is True


def test_a_feed_page_holds_50_changes_unless_asked_otherwise_and_up_to_200(api: Api) -> None:
    assert len(api.query(FEED)["changes"]["edges"]) == 50
    assert len(api.query(FEED, {"first": 200})["changes"]["edges"]) == 200


def test_more_than_200_is_refused_before_execution_for_the_catalog_and_the_feed(api: Api) -> None:
    for query in (PAGE, FEED):
        [error] = api.refused(query, {"first": 201})

        assert error["message"].endswith("page size must be between 0 and 200 (got 201); page with `after`")
