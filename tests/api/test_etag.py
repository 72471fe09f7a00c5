"""ETags and 304 over real HTTP, on SQLite and PostgreSQL: they change when the public catalog does, and only then.

The tests share one registry per backend: each publishes its own items and compares ETags from before and after
its own changes, so none depends on what the others did.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from api.app import DEPENDS_ON
from api.schema import schema
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, serving

CATALOG = "{ catalog { totalCount edges { node { id version content history { version } } } } }"
LOG = "{ log { position headHash } }"
_numbers = itertools.count()


@pytest.fixture(scope="module")
def office(shared_registry: Registry) -> Office:
    return Office(shared_registry)


@pytest.fixture(scope="module")
def api(shared_registry: Registry) -> Iterator[Api]:
    with serving(shared_registry.engine, shared_registry.profile) as running:
        yield running


def new_id() -> str:
    return f"item-{next(_numbers):03d}"


def revalidate(api: Api, response: httpx.Response, query: str, method: str = "POST") -> httpx.Response:
    """The same request again, with If-None-Match set to the ETag of `response`."""
    headers = {"If-None-Match": response.headers["etag"]}
    return api.get(query, headers=headers) if method == "GET" else api.post(query, headers=headers)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_response_carries_an_etag_and_the_same_request_with_it_gets_304_without_a_body(
    api: Api, office: Office, method: str
) -> None:
    office.publish_new(new_id())
    response = api.get(CATALOG) if method == "GET" else api.post(CATALOG)

    again = revalidate(api, response, CATALOG, method)

    assert response.status_code == 200
    assert response.headers["etag"].startswith('"')
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == response.headers["etag"]


def test_drafts_review_steps_and_pending_changes_keep_the_catalogs_etag(api: Api, office: Office) -> None:
    published, drafted = new_id(), new_id()
    office.publish_new(published)
    response = api.post(CATALOG)

    office.draft(drafted)
    office.submit(drafted)
    office.pass_preliminary(drafted)
    office.reject_at_legality(drafted, "依据不全")
    office.adjust(published, content="待审内容")
    office.submit(published)
    office.pass_preliminary(published)
    office.pass_legality(published)
    office.approve(published)

    assert revalidate(api, response, CATALOG).status_code == 304


def publication(office: Office, _item_id: str) -> None:
    office.publish_new(new_id())


def adjustment(office: Office, item_id: str) -> None:
    office.publish_adjustment(item_id, content="调整后的内容")


def retirement(office: Office, item_id: str) -> None:
    office.retire(item_id)


@pytest.mark.parametrize("change", [publication, adjustment, retirement])
def test_a_publication_an_adjustment_or_a_retirement_changes_the_etag(
    api: Api, office: Office, change: Callable[[Office, str], None]
) -> None:
    item_id = new_id()
    office.publish_new(item_id)
    response = api.post(CATALOG)

    change(office, item_id)
    again = revalidate(api, response, CATALOG)

    assert again.status_code == 200
    assert again.json() != response.json()
    assert again.headers["etag"] != response.headers["etag"]
    assert revalidate(api, again, CATALOG).status_code == 304


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_query_of_the_log_head_gets_a_new_etag_with_every_event(api: Api, office: Office, method: str) -> None:
    response = api.get(LOG) if method == "GET" else api.post(LOG)

    office.draft(new_id())  # not public, but the log head moved
    again = revalidate(api, response, LOG, method)

    assert again.status_code == 200
    assert again.json()["data"]["log"]["position"] > response.json()["data"]["log"]["position"]


def test_different_requests_get_different_etags(api: Api, office: Office) -> None:
    office.publish_new(new_id())
    tags = {
        api.post(CATALOG).headers["etag"],
        api.get(CATALOG).headers["etag"],
        api.post("{ catalog { totalCount } }").headers["etag"],
        api.post("query($n: PageSize) { catalog(first: $n) { totalCount } }", {"n": 1}).headers["etag"],
        api.post("query($n: PageSize) { catalog(first: $n) { totalCount } }", {"n": 2}).headers["etag"],
        api.post(CATALOG, headers={"Accept": "application/graphql-response+json"}).headers["etag"],
    }

    assert len(tags) == 6


def test_if_none_match_with_several_or_weak_etags_matches_any_of_them(api: Api, office: Office) -> None:
    office.publish_new(new_id())
    tag = api.post(CATALOG).headers["etag"]

    assert api.post(CATALOG, headers={"If-None-Match": f'"other", {tag}'}).status_code == 304
    assert api.post(CATALOG, headers={"If-None-Match": f"W/{tag}"}).status_code == 304
    assert api.post(CATALOG, headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_response_with_errors_carries_no_etag(api: Api) -> None:
    response = api.post("{ catalog(first: 201) { totalCount } }")

    assert response.json()["errors"]
    assert "etag" not in response.headers


def test_a_query_that_only_mentions_the_log_keeps_its_etag_when_only_the_log_moves(api: Api, office: Office) -> None:
    query = '{ catalog(filter: {search: "log"}) { totalCount } log: labels { value } }'
    response = api.post(query)

    office.draft(new_id())  # the log head moves; the public catalog does not

    assert revalidate(api, response, query).status_code == 304


COVERAGE_WRITTEN = {
    # JSON escapes and percent-encoding hide the field's name from a search of the body or the URL
    "POST, escaped": ("POST", "/graphql", b'{"query": "{ \\u0063overage { name verdict } }"}'),
    "GET, percent-encoded": ("GET", "/graphql?query=%7B%20%63overage%20%7B%20name%20verdict%20%7D%20%7D", b""),
}


@pytest.mark.parametrize("written", COVERAGE_WRITTEN)
def test_a_coverage_query_gets_a_new_etag_on_a_new_day_however_it_is_written(
    shared_registry: Registry, written: str
) -> None:
    # the profile's deadline for the domains' catalogs is 2020-10-31: the unpublished ones turn overdue
    now = datetime(2020, 10, 30, 12, tzinfo=UTC)
    method, url, body = COVERAGE_WRITTEN[written]
    headers = {"Content-Type": "application/json"}
    with serving(shared_registry.engine, shared_registry.profile, clock=lambda: now) as api:
        response = api.http.request(method, url, content=body, headers=headers)
        now = datetime(2020, 11, 2, 12, tzinfo=UTC)
        again = api.http.request(
            method, url, content=body, headers={**headers, "If-None-Match": response.headers["etag"]}
        )

    assert again.status_code == 200
    assert {row["verdict"] for row in response.json()["data"]["coverage"]} >= {"PENDING"}
    assert {row["verdict"] for row in again.json()["data"]["coverage"]} >= {"OVERDUE"}
    assert again.headers["etag"] != response.headers["etag"]


def test_every_root_field_says_what_its_answer_depends_on() -> None:
    """A root field missing from DEPENDS_ON is answered without an ETag: safe, but a new field belongs there."""
    query_type = schema.graphql_schema.query_type
    assert query_type is not None

    assert set(query_type.fields) <= DEPENDS_ON.keys()
