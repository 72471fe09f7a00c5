"""Hostile queries over real HTTP: too deep, too many fields or aliases, one field flooded, too long, too big.

Each is refused with a GraphQL error that says which limit, before graphql-core's own validation (which a flood
makes slow: a second and more for documents within the token limit) and before any resolver touches the database:
a refused query runs no more SQL than `{ __typename }` (the ETag's look at the log head). How fast that is belongs
in the benchmarks, not in a timed assertion on a shared machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from api.limits import MAX_ALIASES, MAX_DEPTH, MAX_FIELDS, MAX_REPEATS, MAX_TOKENS
from events.database import open_engine
from registry.profile import load_profile
from tests.api.server import Api, serving
from tests.conftest import initialise

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


def test_a_large_but_honest_query_within_the_limits_runs(api: Api) -> None:
    page = """
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id version domain unit category name subname content basis timeLimit body channels
        audience audienceNote method levels publishedAt approvalReference history { version changeKind reason } } }
    """
    query = "{ " + " ".join(f"p{n}: catalog(first: {n}) {{ {page} }}" for n in range(MAX_ALIASES)) + " }"

    response = api.post(query)

    assert response.status_code == 200
    assert "errors" not in response.json()
    assert len(response.json()["data"]) == MAX_ALIASES


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


def test_the_server_answers_while_refusing_a_flood(api: Api) -> None:
    flood = "{ log { " + "position " * 700 + "} }"
    with httpx.Client(base_url=api.url, timeout=30) as other:
        other.post("/graphql", json={"query": flood})

        assert api.query("{ log { position } }")["log"]["position"] == 0
