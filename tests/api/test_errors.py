"""Errors over real HTTP: unexpected ones reach the client as "Internal server error" (with the path), never as a
traceback, SQL or a database message; bad input gets a clear error instead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from events.database import open_engine
from registry.profile import load_profile
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, serving
from tests.conftest import initialise

INTERNALS = ("Traceback", "SELECT", "published_versions", "sqlite", "psycopg", "sqlalche", "File ")


def internals(response: httpx.Response) -> list[str]:
    return [word for word in INTERNALS if word.lower() in response.text.lower()]


@pytest.fixture
def broken(registry: Registry, api: Api) -> Api:
    """A served registry whose table of published versions has gone: every `asOf` read fails."""
    Office(registry).publish_new("czj-yusuan")
    with registry.engine.begin() as conn:
        conn.execute(text("DROP TABLE published_versions"))
    return api


def test_an_unexpected_error_reaches_the_client_as_internal_server_error_with_its_path(broken: Api) -> None:
    response = broken.post('{ log { position } item(id: "czj-yusuan", asOf: "2030-01-01T00:00:00Z") { id } }')

    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == [
        {"message": "Internal server error", "locations": [{"line": 1, "column": 20}], "path": ["item"]}
    ]
    assert body["data"]["log"]["position"] > 0  # the rest of the query still answers
    assert internals(response) == []


def test_an_internal_error_is_not_cached(broken: Api) -> None:
    query = '{ item(id: "czj-yusuan", asOf: "2030-01-01T00:00:00Z") { id } }'

    response = broken.post(query)

    assert response.json()["errors"][0]["message"] == "Internal server error"
    assert "etag" not in response.headers


@pytest.fixture
def unreadable(sqlite_url: str) -> Iterator[Api]:
    """A server without GraphiQL whose SQLite file has been replaced by a directory: no connection opens."""
    engine = open_engine(sqlite_url)
    initialise(engine)
    with serving(engine, load_profile(), graphiql=False) as api:
        database = Path(str(make_url(sqlite_url).database))
        for path in database.parent.glob(database.name + "*"):
            path.unlink()
        database.mkdir()
        engine.dispose()  # close the pooled connections, which would still read the old file
        yield api
    engine.dispose()


@pytest.mark.parametrize(
    "accept",
    [pytest.param("application/json", id="an API client"), pytest.param("text/html", id="a browser")],
)
def test_a_database_that_cannot_be_opened_gets_a_bare_500(unreadable: Api, accept: str) -> None:
    response = unreadable.get("{ log { position } }", headers={"Accept": accept})

    assert (response.status_code, response.text) == (500, "Internal server error")
    assert "etag" not in response.headers


@pytest.fixture(scope="module")
def served(shared_registry: Registry) -> Iterator[Api]:
    with serving(shared_registry.engine, shared_registry.profile) as api:
        yield api


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        pytest.param(
            "query($f: CatalogFilter) { catalog(filter: $f) { totalCount } }",
            {"f": {"search": "a\x00b"}},
            "at 'f.search'; text must not contain control characters (such as NUL)",
            id="search",
        ),
        pytest.param(
            "query($u: ShortText) { catalog(filter: {unit: $u}) { totalCount } }",
            {"u": "\x00"},
            "text must not contain control characters (such as NUL)",
            id="unit",
        ),
        pytest.param(
            "query($id: ItemId!) { item(id: $id) { id } }",
            {"id": "czj\x00"},
            "item id must not contain control characters (such as NUL)",
            id="item id",
        ),
    ],
)
def test_text_with_a_nul_character_is_refused_before_execution_on_every_backend(
    served: Api, query: str, variables: dict[str, Any], message: str
) -> None:
    # PostgreSQL text cannot hold NUL: refused by the arguments' types, it never reaches either database.
    [error] = served.refused(query, variables)

    assert message in error["message"]
