"""The public view answers a plain request itself (read, ETag and execution in one worker thread and one snapshot)
exactly as graphql-server's view answers it: the same status, the same headers in the same order, the same bytes;
on SQLite and PostgreSQL, for answers, nulls, errors of every kind and requests the view refuses.

Each request goes to two views over the same database, in process (ASGI): the registry's, and one whose plain lane
is closed, so that graphql-server's own view reads, executes and answers everything, as it did before the lane.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import anyio
import pytest
from starlette.requests import Request
from starlette.types import Message, Scope

from api.app import RegistryGraphQL, ServerLimits
from api.scalars import CatalogCursor
from projections import public_query
from registry.service import Registry
from tests.api.office import Office

EVERY_ITEM_FIELD = """id version domain unit category name subname content basis timeLimit body channels audience
  audienceNote method levels publishedAt approvalReference
  history { version publishedAt changeKind reason backfilled }"""
PAGE = f"""query Page($after: CatalogCursor, $first: PageSize) {{ catalog(first: $first, after: $after) {{
  totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
  edges {{ cursor node {{ {EVERY_ITEM_FIELD} }} }} }} }}"""
ITEM = f"query Item($id: ItemId!) {{ item(id: $id) {{ {EVERY_ITEM_FIELD} }} }}"
EVERYTHING_ELSE = """{ domains { name responsibleUnit aliases itemCount } units { name kind itemCount }
  labels { enum value label } jurisdiction { name timezone } log { position headHash size root }
  changes(first: 3) { edges { cursor node { position itemId version kind publishedAt reason item { id name } } }
    pageInfo { hasNextPage endCursor } }
  checkpoints(first: 2) { edges { node { size root origin signedAt } } }
  retirement(id: "mzj-dibao") { itemId version retiredAt reason lastVersion { id history { changeKind } } }
  coverage { name publishedCount verdict onTime workingDaysLate } }"""
FILTERED = """query Filtered($domain: ShortText, $asOf: DateTime) {
  catalog(first: 2, filter: {domain: $domain, search: "预算"}, asOf: $asOf) {
    totalCount edges { node { id version content } } } }"""
PROOFS = "{ catalog(first: 2) { edges { node { id proof { leafIdx treeSize root leafHash proof } } } } }"
JSON = {"content-type": "application/json"}
STRICT = {**JSON, "accept": "application/graphql-response+json"}

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


class ThroughGraphQLServer(RegistryGraphQL):
    """The registry's view with its plain lane closed: graphql-server's view takes every request."""

    def plain_request(self, request: Request, body: bytes) -> None:
        return None


@pytest.fixture(scope="module")
def views(shared_registry: Registry) -> Iterator[tuple[RegistryGraphQL, RegistryGraphQL]]:
    office = Office(shared_registry)
    office.publish_new("czj-yusuan", content="第一版预算", channels=["政府网站", "政务新媒体"])
    office.publish_new("czj-juesuan", name="政府决算")
    office.publish_new("mzj-dibao", domain="社会救助", unit="民政局", content="低保对象名单")
    office.publish_adjustment("czj-yusuan", content="第二版预算")
    office.retire("mzj-dibao")
    office.draft("czj-caogao")
    limits = ServerLimits(cache_bytes=0)  # every request executed by both
    engine, profile = shared_registry.engine, shared_registry.profile
    yield RegistryGraphQL(engine, profile, limits=limits), ThroughGraphQLServer(engine, profile, limits=limits)


def answer(view: RegistryGraphQL, method: str, query: str, body: bytes, headers: dict[str, str]) -> Answer:
    """The view's answer to one HTTP request, in process: its status, headers and body (an exception that escapes
    the view, which the app's guard answers with a 500, as status 0 and its type's name)."""
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in {**headers, "content-length": str(len(body))}.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    messages: list[Message] = []
    received = False

    async def receive() -> Message:
        nonlocal received
        if received:
            return {"type": "http.disconnect"}
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    try:
        anyio.run(view, scope, receive, send)
    except Exception as escaped:
        return 0, [], type(escaped).__name__.encode()
    start, *rest = messages
    return start["status"], list(start["headers"]), b"".join(m.get("body", b"") for m in rest)


def post(payload: Any, headers: dict[str, str] = JSON) -> tuple[str, str, bytes, dict[str, str]]:
    return "POST", "", payload if isinstance(payload, bytes) else json.dumps(payload).encode(), headers


def get(params: dict[str, str], headers: dict[str, str] | None = None) -> tuple[str, str, bytes, dict[str, str]]:
    return "GET", urlencode(params), b"", headers or {"accept": "application/json"}


REQUESTS = {
    "a page with every field": post({"query": PAGE, "variables": {"first": 2}}),
    "the page after it": post({"query": PAGE, "variables": {"after": CatalogCursor.of("czj-juesuan")}}),
    "an item": post({"query": ITEM, "variables": {"id": "czj-yusuan"}}),
    "an item that is not there": post({"query": ITEM, "variables": {"id": "no-such-item"}}),
    "everything else": post({"query": EVERYTHING_ELSE}),
    "filtered, as of a time": post(
        {"query": FILTERED, "variables": {"domain": "财政预决算", "asOf": "2024-03-01T09:30:00+08:00"}}
    ),
    "proofs": post({"query": PROOFS}),
    "strict": post({"query": PAGE, "variables": {"first": 1}}, STRICT),
    "by GET": get({"query": ITEM, "variables": json.dumps({"id": "czj-juesuan"})}),
    "by GET, strict": get({"query": "{ units { name } }"}, {"accept": "application/graphql-response+json"}),
    "one of two operations": post({"query": f"{ITEM} query Two {{ labels {{ value }} }}", "operationName": "Two"}),
    "an unknown operation": post({"query": ITEM, "operationName": "Nope", "variables": {"id": "x"}}),
    "two operations, none named": post({"query": f"{ITEM} query Two {{ labels {{ value }} }}"}),
    "extensions": post({"query": "{ jurisdiction { name } }", "extensions": {"persisted": 1}}),
    "extensions that are not an object": post({"query": "{ jurisdiction { name } }", "extensions": [1]}),
    "variables that are not an object": post({"query": ITEM, "variables": ["czj-yusuan"]}),
    "a variable its type refuses": post({"query": PAGE, "variables": {"after": "not a cursor"}}),
    "a variable its type refuses, strict": post({"query": PAGE, "variables": {"first": 999}}, STRICT),
    "an invalid query": post({"query": "{ catalog { nope } }"}),
    "an invalid query, strict": post({"query": "{ catalog { nope } }"}, STRICT),
    "a syntax error": post({"query": "{ catalog { "}),
    "no query": post({"variables": {}}),
    "an empty query": post({"query": ""}),
    "a query that is not text": post({"query": 7}),
    "a body that is not JSON": post(b"{not json"),
    "a body that is a list": post([{"query": "{ units { name } }"}]),
    "another content type": post(b"{ units { name } }", {"content-type": "application/graphql"}),
    "a mutation by GET": get({"query": "mutation { nothing }"}),
    "a subscription": post({"query": "subscription { nothing }"}),
    "variables by GET that are not JSON": get({"query": ITEM, "variables": "{"}),
    "JSON with a charset": post({"query": "{ units { name } }"}, {"content-type": "application/json; charset=utf-8"}),
}


@pytest.mark.parametrize("request_", REQUESTS.values(), ids=REQUESTS.keys())
def test_a_request_is_answered_as_graphql_servers_view_answers_it(
    views: tuple[RegistryGraphQL, RegistryGraphQL], request_: tuple[str, str, bytes, dict[str, str]]
) -> None:
    registry_view, graphql_server_view = views

    ours, theirs = answer(registry_view, *request_), answer(graphql_server_view, *request_)

    assert ours == theirs


def test_the_answers_are_the_registrys_own(views: tuple[RegistryGraphQL, RegistryGraphQL]) -> None:
    """The comparison above compares answers worth comparing: pages, nulls, refusals, 400s and ETags."""
    registry_view, _ = views
    answers = {name: answer(registry_view, *request_) for name, request_ in REQUESTS.items()}

    status, headers, body = answers["a page with every field"]
    page = json.loads(body)["data"]["catalog"]
    assert (status, len(page["edges"]), page["totalCount"]) == (200, 2, 2)
    assert page["edges"][0]["node"]["history"] and "第二版预算" in body.decode()
    assert (b"etag", dict(headers)[b"etag"]) in headers
    assert json.loads(answers["an item that is not there"][2]) == {"data": {"item": None}}
    assert (
        answers["strict"][0] == 200 and (b"content-type", b"application/graphql-response+json") in answers["strict"][1]
    )
    assert answers["a variable its type refuses, strict"][0] == 400
    assert answers["a body that is not JSON"][0] == 400
    assert b"etag" not in dict(answers["an invalid query"][1])


def test_a_fault_in_a_resolver_is_answered_as_graphql_servers_view_answers_it(
    views: tuple[RegistryGraphQL, RegistryGraphQL], monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*_args: Any) -> Any:
        raise RuntimeError("the database said something it should not show")

    monkeypatch.setattr(public_query, "histories", failing)
    registry_view, graphql_server_view = views
    request_ = post({"query": PAGE, "variables": {"first": 2}})

    ours, theirs = answer(registry_view, *request_), answer(graphql_server_view, *request_)

    assert ours == theirs
    assert b"Internal server error" in ours[2] and b"should not show" not in ours[2]
    assert b"etag" not in dict(ours[1])


def test_a_revalidation_is_answered_as_graphql_servers_view_answers_it(
    views: tuple[RegistryGraphQL, RegistryGraphQL],
) -> None:
    registry_view, graphql_server_view = views
    method, query, body, headers = post({"query": ITEM, "variables": {"id": "czj-yusuan"}})
    etag = dict(answer(registry_view, method, query, body, headers)[1])[b"etag"].decode()
    again = (method, query, body, {**headers, "if-none-match": f'W/"other", {etag}'})

    ours, theirs = answer(registry_view, *again), answer(graphql_server_view, *again)

    assert ours == theirs == (304, [(b"etag", etag.encode())], b"")
