"""Arguments with a shape (api/scalars.py) over real HTTP, on SQLite and PostgreSQL: a value of the wrong shape, in a
literal or in a variable, is refused before execution as a request error that says what is wrong (400 and no `data`
under application/graphql-response+json; `errors` and `data: null` under application/json), never by a resolver;
the values at the edges of each shape are answered."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import GraphQLError

from api.scalars import MAX_PAGE, CatalogCursor, ChangeCursor, CheckpointCursor
from registry.service import Registry
from tests.api.server import Api, serving

GRAPHQL_RESPONSE = "application/graphql-response+json"


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@dataclass(frozen=True)
class Shape:
    """A field with an argument of a shaped type, `ARG` standing for the argument's value."""

    field: str
    type: str

    def literal(self, value: Any) -> str:
        return "{ " + self.field.replace("ARG", json.dumps(value)) + " }"

    def variable(self) -> str:
        return f"query($v: {self.type}) {{ " + self.field.replace("ARG", "$v") + " }"


CATALOG_AFTER = Shape("catalog(after: ARG) { totalCount }", "CatalogCursor")
CATALOG_FIRST = Shape("catalog(first: ARG) { totalCount }", "PageSize")
CHANGES_AFTER = Shape("changes(after: ARG) { edges { cursor } }", "ChangeCursor")
CHANGES_FIRST = Shape("changes(first: ARG) { edges { cursor } }", "PageSize")
CHECKPOINTS_AFTER = Shape("checkpoints(after: ARG) { edges { cursor } }", "CheckpointCursor")
CHECKPOINTS_FIRST = Shape("checkpoints(first: ARG) { edges { cursor } }", "PageSize")
CONSISTENCY_FROM = Shape("consistency(from: ARG, to: 1) { size1 }", "TreeSize!")
CONSISTENCY_TO = Shape("consistency(from: 1, to: ARG) { size1 }", "TreeSize!")
PROOF_SIZE = Shape("catalog { edges { node { proof(size: ARG) { treeSize } } } }", "TreeSize")
ITEM_ID = Shape("item(id: ARG) { id }", "ItemId!")
SEARCH = Shape("catalog(filter: {search: ARG}) { totalCount }", "ShortText")
UNIT = Shape("catalog(filter: {unit: ARG}) { totalCount }", "ShortText")
ITEM_AS_OF = Shape('item(id: "czj-yusuan", asOf: ARG) { id }', "DateTime")
COVERAGE_AS_OF = Shape("coverage(asOf: ARG) { name }", "DateTime")

WRONG = [
    # The five that schemathesis found answered by a resolver's error, then the rest of each shape.
    pytest.param(
        CATALOG_AFTER,
        "",
        "invalid cursor '': pass an endCursor or cursor returned by `catalog`",
        id="catalog after empty",
    ),
    pytest.param(
        CHANGES_AFTER,
        "",
        "invalid cursor '': pass an endCursor or cursor returned by `changes`",
        id="changes after empty",
    ),
    pytest.param(CHECKPOINTS_AFTER, "", "invalid cursor ''", id="checkpoints after empty"),
    pytest.param(CONSISTENCY_FROM, 0, "tree size must be at least 1 (got 0)", id="consistency from 0"),
    pytest.param(ITEM_ID, "czj\x00", "item id must not contain control characters", id="item id with NUL"),
    pytest.param(CATALOG_AFTER, "not-a-cursor", "invalid cursor 'not-a-cursor'", id="catalog after junk"),
    pytest.param(CATALOG_AFTER, cursor("change:1"), "invalid cursor", id="catalog after a feed cursor"),
    pytest.param(CATALOG_AFTER, cursor("item:"), "invalid cursor", id="catalog after an empty key"),
    pytest.param(CATALOG_AFTER, cursor("item:a\x00"), "invalid cursor", id="catalog after a key with NUL"),
    pytest.param(CATALOG_AFTER, cursor("item:ab").rstrip("="), "invalid cursor", id="catalog after unpadded"),
    pytest.param(CATALOG_AFTER, cursor("item:ab") + "!", "invalid cursor", id="catalog after with a stray character"),
    pytest.param(CATALOG_AFTER, "x" * 5000, "invalid cursor 'xxxxx", id="catalog after too long"),
    pytest.param(CHANGES_AFTER, cursor("item:czj-yusuan"), "invalid cursor", id="changes after a catalog cursor"),
    pytest.param(CHANGES_AFTER, cursor("change:x1"), "invalid cursor", id="changes after not a number"),
    pytest.param(CHANGES_AFTER, cursor("change:²"), "invalid cursor", id="changes after a digit int() refuses"),
    pytest.param(CHANGES_AFTER, cursor("change:" + "9" * 19), "invalid cursor", id="changes after past any position"),
    pytest.param(CHANGES_AFTER, cursor("change:01"), "invalid cursor", id="changes after another spelling"),
    pytest.param(CHECKPOINTS_AFTER, cursor("checkpoint:-1"), "returned by `checkpoints`", id="checkpoints after -1"),
    pytest.param(CATALOG_FIRST, -1, f"page size must be between 0 and {MAX_PAGE} (got -1)", id="catalog first -1"),
    pytest.param(
        CATALOG_FIRST,
        MAX_PAGE + 1,
        "page size must be between 0 and 200 (got 201); page with `after`",
        id="catalog first 201",
    ),
    pytest.param(CHANGES_FIRST, 1_000_000, "(got 1000000)", id="changes first a million"),
    pytest.param(CHECKPOINTS_FIRST, -5, "(got -5)", id="checkpoints first -5"),
    pytest.param(CATALOG_FIRST, "10", "Int cannot represent non-integer value", id="catalog first a string"),
    pytest.param(CONSISTENCY_TO, -3, "tree size must be at least 1 (got -3)", id="consistency to -3"),
    pytest.param(PROOF_SIZE, 0, "tree size must be at least 1 (got 0)", id="proof size 0"),
    pytest.param(ITEM_ID, "", "item id must not be empty", id="item id empty"),
    pytest.param(ITEM_ID, "x" * 201, "item id must be at most 200 characters (got 201)", id="item id too long"),
    pytest.param(ITEM_ID, "\x1b[31mred", "item id must not contain control characters", id="item id with an escape"),
    pytest.param(SEARCH, "a\x00b", "text must not contain control characters", id="search with NUL"),
    pytest.param(UNIT, "\x00", "text must not contain control characters", id="unit NUL"),
    pytest.param(ITEM_AS_OF, "last tuesday", "DateTime cannot represent value", id="asOf not a time"),
    pytest.param(
        ITEM_AS_OF, "0001-01-01T00:00:00+08:00", "is out of range: pass a time from 0001-01-02", id="asOf before UTC"
    ),
    pytest.param(COVERAGE_AS_OF, "9999-12-31T20:00:00Z", "is out of range", id="asOf past the last day"),
]


@pytest.fixture(scope="module")
def api(shared_registry: Registry) -> Iterator[Api]:
    with serving(shared_registry.engine, shared_registry.profile) as running:
        yield running


@pytest.mark.parametrize(("shape", "value", "why"), WRONG)
def test_a_literal_of_the_wrong_shape_is_refused_before_execution(api: Api, shape: Shape, value: Any, why: str) -> None:
    errors = api.refused(shape.literal(value))

    assert any(why in error["message"] for error in errors), errors
    assert all(error["locations"] for error in errors)  # at the literal


@pytest.mark.parametrize(("shape", "value", "why"), WRONG)
def test_a_variable_of_the_wrong_shape_is_refused_before_execution(
    api: Api, shape: Shape, value: Any, why: str
) -> None:
    [error] = api.refused(shape.variable(), {"v": value})

    assert error["message"].startswith("Variable '$v' got invalid value")
    assert why in error["message"]


@pytest.mark.parametrize(
    ("shape", "value"),
    [
        pytest.param(CATALOG_AFTER, "", id="a literal"),
        pytest.param(CONSISTENCY_FROM, 0, id="a literal Int"),
        pytest.param(ITEM_ID, "czj\x00", id="a variable"),
    ],
)
def test_a_refusal_is_a_400_without_data_under_the_graphql_response_media_type(
    api: Api, shape: Shape, value: Any
) -> None:
    for query, variables in ((shape.literal(value), None), (shape.variable(), {"v": value})):
        response = api.post(query, variables, headers={"Accept": GRAPHQL_RESPONSE})

        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        body = response.json()
        assert "data" not in body
        assert body["errors"] and all("path" not in error for error in body["errors"])


EDGES = [
    pytest.param(CATALOG_FIRST, 0, id="a page of 0"),
    pytest.param(CHANGES_FIRST, MAX_PAGE, id="a page of 200"),
    pytest.param(CHANGES_AFTER, cursor("change:0"), id="the feed from position 0"),
    pytest.param(CHECKPOINTS_AFTER, cursor("checkpoint:1"), id="checkpoints below size 1"),
    pytest.param(CATALOG_AFTER, cursor("item:最后一项"), id="the catalog after any item id"),
    pytest.param(CONSISTENCY_FROM, 1, id="a tree of size 1"),
    pytest.param(ITEM_ID, "项" * 200, id="an item id of 200 characters"),
    pytest.param(ITEM_ID, "tab\tand\nline", id="an item id with a tab and a line break"),
    pytest.param(SEARCH, "", id="an empty search"),
    pytest.param(ITEM_AS_OF, "0001-01-02T00:00:00Z", id="the first time"),
    pytest.param(ITEM_AS_OF, "9999-12-30T23:59:59.999999Z", id="the last time"),
    pytest.param(COVERAGE_AS_OF, "9999-12-30T23:59:59+08:00", id="coverage at the last day"),
]


@pytest.mark.parametrize(("shape", "value"), EDGES)
def test_a_value_at_the_edge_of_its_shape_is_answered(api: Api, shape: Shape, value: Any) -> None:
    assert api.query(shape.literal(value)) is not None
    assert api.query(shape.variable(), {"v": value}) is not None


@pytest.mark.parametrize(
    ("kind", "key"),
    [(CatalogCursor, "czj-yusuan"), (CatalogCursor, "财政局:预算\t公开"), (ChangeCursor, 0), (CheckpointCursor, 12345)],
)
def test_a_cursor_gives_back_its_key(kind: Any, key: str | int) -> None:
    assert kind.parse_value(kind.of(key)) == key


def test_a_cursor_says_which_list_it_continues() -> None:
    with pytest.raises(GraphQLError, match="returned by `checkpoints`"):
        CheckpointCursor.parse_value(ChangeCursor.of(5))
