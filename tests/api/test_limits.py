"""Hostile queries over real HTTP: too deep, too many fields or aliases, one field flooded, too long, too big, too
costly.

Each is refused with a GraphQL error that says which limit, before graphql-core's own validation (which a flood
makes slow: a second and more for documents within the token limit) and before any resolver touches the database:
a refused query runs no more SQL than `{ __typename }` (the ETag's look at the catalog's position). How fast that is
belongs in the benchmarks, not in a timed assertion on a shared machine: what a body too large costs the server is
shown by how much of it the server read, and by how far its memory grew.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from api.limits import (
    COST_LIMIT_EXCEEDED,
    FIELD_COSTS,
    LIST_SIZES,
    MAX_ALIASES,
    MAX_COST,
    MAX_DEPTH,
    MAX_FIELDS,
    MAX_REPEATS,
    MAX_TOKENS,
)
from api.schema import MAX_PAGE, schema
from events.database import open_engine
from registry.profile import load_profile
from tests.api.server import Api, serving
from tests.conftest import initialise

ITEM = """id version domain unit category name subname content basis timeLimit body channels audience audienceNote
    method levels publishedAt approvalReference history { version publishedAt changeKind reason }"""
PROOF = "proof { leafIdx treeSize root leafHash proof checkpoint { origin size root signedAt signature publicKey } }"

STATEMENTS: list[str] = []


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('limits') / 'registry.db'}")
    initialise(engine)

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        STATEMENTS.append(statement)

    with serving(engine, load_profile()) as running:
        yield running
    engine.dispose()


def _statements(api: Api, query: str) -> tuple[httpx.Response, int]:
    STATEMENTS.clear()
    response = api.post(query)
    return response, len(STATEMENTS)


def refusal(api: Api, query: str) -> tuple[list[str], bool]:
    """The error messages of `query` (which must have no data), and whether it ran no SQL beyond a trivial query's."""
    _, baseline = _statements(api, "{ __typename }")
    response, count = _statements(api, query)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("data") is None, body
    return [error["message"] for error in body["errors"]], count <= baseline


def test_a_query_deeper_than_the_limit_is_refused(api: Api) -> None:
    nested = "{ log " + "{ a " * MAX_DEPTH + "{ b }" + " }" * MAX_DEPTH + " }"

    messages, _ = refusal(api, nested)

    assert messages == [f"operation is {MAX_DEPTH + 2} levels deep; at most {MAX_DEPTH}"]


def test_more_aliases_than_the_limit_are_refused_before_any_sql(api: Api) -> None:
    flood = "{ " + " ".join(f"a{n}: log {{ position }}" for n in range(MAX_ALIASES + 1)) + " }"

    messages, before_any_resolver = refusal(api, flood)

    assert messages == [f"operation uses {MAX_ALIASES + 1} aliases; at most {MAX_ALIASES}"]
    assert before_any_resolver


def test_an_alias_flood_that_fills_the_token_limit_is_refused_before_any_sql(api: Api) -> None:
    flood = "{ log { " + " ".join("a: position a: headHash" for _ in range(800)) + " } }"

    messages, before_any_resolver = refusal(api, flood)

    assert f"operation uses 1600 aliases; at most {MAX_ALIASES}" in messages
    assert before_any_resolver


def test_a_field_flood_over_the_limit_is_refused_before_any_sql(api: Api) -> None:
    flood = "{ log { " + " ".join(("position", "headHash")[n % 2] for n in range(MAX_TOKENS - 10)) + " } }"

    messages, before_any_resolver = refusal(api, flood)

    assert f"operation selects more than {MAX_FIELDS} fields" in messages
    assert before_any_resolver


def test_one_field_repeated_in_the_same_place_is_refused_before_any_sql(api: Api) -> None:
    # Within the field limit, but graphql-core compares the copies in pairs: 700 took most of a second.
    flood = "{ log { " + "position " * 700 + "} }"

    messages, before_any_resolver = refusal(api, flood)

    assert messages == [f"operation selects log.position 700 times; at most {MAX_REPEATS}"]
    assert before_any_resolver


def test_a_field_repeated_through_fragments_counts_as_repeated(api: Api) -> None:
    flood = "{ log { " + "... on LogHead { position } " * (MAX_REPEATS + 1) + "} }"

    messages, _ = refusal(api, flood)

    assert messages == [f"operation selects log.position {MAX_REPEATS + 1} times; at most {MAX_REPEATS}"]


def test_a_fragment_bomb_is_refused_before_any_sql(api: Api) -> None:
    fragments = ["fragment F0 on LogHead { position headHash }"]
    fragments += [f"fragment F{n} on LogHead {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, 40)]

    messages, before_any_resolver = refusal(api, "{ log { ...F39 } } " + " ".join(fragments))

    assert f"operation selects more than {MAX_FIELDS} fields" in messages
    assert before_any_resolver


def test_a_document_over_the_token_limit_is_refused_before_any_sql(api: Api) -> None:
    messages, before_any_resolver = refusal(api, "{ " + "a " * MAX_TOKENS + "}")

    assert messages == [f"Syntax Error: Document contains more than {MAX_TOKENS} tokens. Parsing aborted."]
    assert before_any_resolver


def test_a_body_over_64_kib_is_refused_with_413(api: Api) -> None:
    response = api.post("{ log { position } }" + " " * 64 * 1024)

    assert response.status_code == 413


def _connect(api: Api) -> socket.socket:
    host, port = api.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _peak_memory() -> int:
    """This process's peak resident memory since the last reset, in bytes (Linux)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) * 1024


def _reset_peak_memory() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def test_a_body_declared_over_the_limit_is_refused_before_any_of_it_is_sent(api: Api) -> None:
    with _connect(api) as connection:
        connection.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {400 * 2**20}\r\n\r\n".encode()
        )

        answer = connection.recv(4096)  # before sending a byte of the body: the server reads none of it

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in answer.lower()


def test_a_streamed_body_over_the_limit_is_cut_short_without_the_server_holding_it(api: Api) -> None:
    """Chunked, so that no Content-Length warns the server: it stops reading at the limit and closes the
    connection, so the client cannot send the rest; the server (this process) never held more than a little of it."""
    chunk = b"x" * 2**16
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    offered = 256 * 2**20
    sent = 0
    _reset_peak_memory()
    before = _peak_memory()
    with _connect(api) as connection:
        connection.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        try:
            while sent < offered:
                connection.sendall(framed)
                sent += len(chunk)
            connection.sendall(b"0\r\n\r\n")
        except OSError:  # the server closed the connection: the client's upload ends here
            pass
        answer = connection.recv(4096)
    grown = _peak_memory() - before

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert sent < offered // 8, f"the server read {sent} bytes of the body"  # the rest is the sockets' buffers
    assert grown < 32 * 2**20, f"the server's memory grew by {grown} bytes"


def test_a_large_but_honest_query_within_the_limits_runs(api: Api) -> None:
    page = f"totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {ITEM} }} }}"
    query = "{ " + " ".join(f"p{n}: catalog(first: {n % 10}) {{ {page} }}" for n in range(MAX_ALIASES)) + " }"

    response = api.post(query)

    assert response.status_code == 200
    assert "errors" not in response.json()
    assert len(response.json()["data"]) == MAX_ALIASES


def test_the_largest_page_with_every_field_and_a_proof_for_each_item_is_within_the_cost_limit(api: Api) -> None:
    query = f"{{ catalog(first: {MAX_PAGE}) {{ totalCount edges {{ cursor node {{ {ITEM} {PROOF} }} }} }} }}"

    response = api.post(query)

    assert response.status_code == 200
    assert "errors" not in response.json()


def test_aliases_of_the_largest_page_with_proofs_are_refused_by_their_cost_before_any_sql(api: Api) -> None:
    # 50 such pages of a 200-item catalog took 5.3 s and answered 5.9 MB, within every other limit.
    query = (
        "{ " + " ".join(f"p{n}: catalog(first: 200) {{ edges {{ node {{ id {PROOF} }} }} }}" for n in range(50)) + " }"
    )
    _, baseline = _statements(api, "{ __typename }")

    response, count = _statements(api, query)

    [error] = response.json()["errors"]
    assert response.json()["data"] is None
    assert error["message"].startswith("operation costs ")
    assert f"at most {MAX_COST}" in error["message"]
    assert error["extensions"]["code"] == COST_LIMIT_EXCEEDED
    assert error["extensions"]["cost"] > MAX_COST
    assert count <= baseline


@pytest.mark.parametrize(("size", "refused"), [(10, False), (MAX_PAGE, True)])
def test_the_cost_counts_the_page_size_a_variable_gives(api: Api, size: int, refused: bool) -> None:
    query = (
        "query($n: PageSize) { "
        + " ".join(f"p{n}: catalog(first: $n) {{ edges {{ node {{ {PROOF} }} }} }}" for n in range(10))
        + " }"
    )

    errors = api.post(query, {"n": size}).json().get("errors") or []

    assert [e["extensions"]["code"] for e in errors] == ([COST_LIMIT_EXCEEDED] if refused else [])


def test_the_cost_counts_the_default_page_size_and_what_fragments_select(api: Api) -> None:
    query = (
        "query { " + " ".join(f"p{n}: catalog {{ ...Page }}" for n in range(10)) + " } "
        "fragment Page on CatalogItemConnection { edges { node { ...Proven } } } "
        f"fragment Proven on CatalogItem {{ ... on CatalogItem {{ {PROOF} }} }}"
    )

    [error] = api.post(query).json()["errors"]

    assert error["extensions"]["code"] == COST_LIMIT_EXCEEDED


def test_a_mutation_or_subscription_is_refused(api: Api) -> None:
    for operation in ("mutation { log { position } }", "subscription { log { position } }"):
        response = api.post(operation)

        assert response.status_code in (200, 400)
        assert response.json()["errors"] if response.status_code == 200 else response.text


def test_a_request_the_server_cannot_read_gets_a_4xx(api: Api) -> None:
    responses = [
        api.http.post("/graphql", content=b"{not json", headers={"Content-Type": "application/json"}),
        api.http.post("/graphql", content=b"query { log { position } }", headers={"Content-Type": "text/plain"}),
        api.http.put("/graphql", json={"query": "{ log { position } }"}),
    ]

    assert [r.status_code for r in responses] == [400, 400, 405]


def test_every_field_the_cost_weighs_is_in_the_schema_and_every_costly_one_is_weighed() -> None:
    """A renamed field would silently cost 1 again."""
    named = {
        (type_name, field)
        for type_name, kind in schema.graphql_schema.type_map.items()
        for field in getattr(kind, "fields", {})
    }

    assert set(FIELD_COSTS) | set(LIST_SIZES) <= named
    costly = {("CatalogItem", "proof"), ("Query", "consistency"), ("Query", "coverage"), ("Query", "checkpoints")}
    assert costly <= set(FIELD_COSTS)


FLOODS = [
    "{ log { " + "position " * 700 + "} }",
    "{ " + " ".join(f"a{n}: log {{ position }}" for n in range(MAX_ALIASES + 1)) + " }",
    "{ " + " ".join(f"p{n}: catalog(first: 200) {{ edges {{ node {{ id {PROOF} }} }} }}" for n in range(50)) + " }",
]
FLOODERS = 3  # fewer than the server's concurrent requests: a flood is refused for what it asks, not crowded out


def test_the_server_answers_a_normal_query_sent_while_a_flood_is_being_refused(api: Api) -> None:
    stop = threading.Event()
    answered = threading.Semaphore(0)
    answers: list[httpx.Response] = []

    def flood() -> None:
        with httpx.Client(base_url=api.url, timeout=30) as flooder:
            while not stop.is_set():
                for query in FLOODS:
                    answers.append(flooder.post("/graphql", json={"query": query}))
                    answered.release()

    flooders = [threading.Thread(target=flood) for _ in range(FLOODERS)]
    for flooder in flooders:
        flooder.start()
    try:
        for _ in range(FLOODERS * len(FLOODS)):  # the flood is on
            assert answered.acquire(timeout=30)
        during = [api.query("{ log { position } catalog { totalCount } }") for _ in range(5)]
        assert answered.acquire(timeout=30)  # and still on once they were answered
    finally:
        stop.set()
        for flooder in flooders:
            flooder.join()

    assert during == [{"log": {"position": 0}, "catalog": {"totalCount": 0}}] * 5
    assert {r.status_code for r in answers} == {200}
    assert all(r.json()["data"] is None and r.json()["errors"] for r in answers)
