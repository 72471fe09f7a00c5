"""The executor's short path for plain leaf fields gives exactly what graphql-core's own execution gives.

On the registry's schema over a real database (every root field, every field), and on a small schema made to go
wrong in every way a leaf can: a null where none is allowed, a value its type refuses, a list holding a null, a
resolver that raises, the same field asked twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import Enum
from typing import Any

import graphene
import pytest
from graphql import ExecutionResult, GraphQLSchema, execute_sync, parse

from api.executor import LeafShortcutContext
from api.schema import schema as registry_schema
from registry.profile import load_profile
from registry.service import Registry
from tests.api.office import Office

EVERY_FIELD = """
fragment Item on CatalogItem {
  id version domain unit category name subname content basis timeLimit body channels audience audienceNote method
  levels publishedAt approvalReference history { version publishedAt changeKind reason }
}
query {
  catalog(first: 5) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ...Item } } }
  one: item(id: "czj-yusuan") { ...Item same: id content content }
  missing: item(id: "no-such-item") { id }
  changes(first: 10) { edges { cursor node { position itemId version kind publishedAt reason item { id version } } } }
  domains { name responsibleUnit itemCount }
  units { name kind itemCount }
  log { size root signedAt signature publicKey }
  labels { audience { value label } method { value label } level { value label } }
  __typename
}
"""


def outcome(result: ExecutionResult) -> str:
    """Data and errors (message, path, locations), as JSON: equal outcomes compare equal."""
    return json.dumps(
        {"data": result.data, "errors": [error.formatted for error in result.errors or []]},
        ensure_ascii=False,
        sort_keys=True,
    )


def both(schema: GraphQLSchema, query: str, context: Any = None) -> tuple[str, str]:
    document = parse(query)
    plain = execute_sync(schema, document, context_value=context)
    short = execute_sync(schema, document, context_value=context, execution_context_class=LeafShortcutContext)
    return outcome(plain), outcome(short)


@pytest.fixture(scope="module")
def catalog(shared_registry: Registry) -> Iterator[Registry]:
    office = Office(shared_registry)
    office.publish_new("czj-yusuan", content="第一版内容", channels=["政府网站", "政务新媒体"])
    office.publish_new("mzj-dibao", domain="社会救助", unit="民政局", content="低保对象名单")
    office.publish_adjustment("czj-yusuan", content="第二版内容")
    office.retire("mzj-dibao")
    office.draft("czj-caogao")
    yield shared_registry


def test_every_field_of_the_registry_schema_comes_out_the_same(catalog: Registry) -> None:
    with catalog.store.reading() as conn:
        context = {"conn": conn, "profile": load_profile(), "request_state": {}}
        plain, short = both(registry_schema.graphql_schema, EVERY_FIELD, context)
        context["request_state"] = {}
        again = both(registry_schema.graphql_schema, EVERY_FIELD, context)[1]

    assert '"第二版内容"' in short and '"errors": []' in short
    assert short == plain
    assert again == plain  # the second run uses the remembered plans


class Colour(Enum):
    RED = "red"


class Broken(graphene.ObjectType):
    fine = graphene.String(required=True)
    missing = graphene.String(required=True)
    optional = graphene.String()
    number = graphene.Int(required=True)
    colour = graphene.Field(graphene.Enum.from_enum(Colour), required=True)
    names = graphene.List(graphene.NonNull(graphene.String), required=True)
    holes = graphene.List(graphene.NonNull(graphene.String), required=True)
    raises = graphene.String(required=True)

    @staticmethod
    def resolve_raises(_parent: Any, _info: graphene.ResolveInfo) -> str:
        raise ValueError("a resolver failed")


class BrokenQuery(graphene.ObjectType):
    broken = graphene.Field(Broken)
    rows = graphene.List(Broken)

    @staticmethod
    def resolve_broken(_root: None, _info: graphene.ResolveInfo) -> dict[str, Any]:
        return {"fine": "好", "missing": None, "number": "not a number", "colour": "green", "names": ["a", "b"]}

    @staticmethod
    def resolve_rows(_root: None, _info: graphene.ResolveInfo) -> list[dict[str, Any]]:
        return [
            {"fine": "一", "missing": "有", "number": 1, "colour": Colour.RED, "names": [], "holes": ["x", None]},
            {"fine": "二", "missing": "有", "number": 2**40, "colour": Colour.RED, "names": ("c",), "holes": "xy"},
        ]


BROKEN = graphene.Schema(query=BrokenQuery).graphql_schema


@pytest.mark.parametrize(
    "query",
    [
        "{ broken { fine } }",
        "{ broken { fine missing } }",
        "{ broken { optional fine } }",
        "{ broken { number } }",
        "{ broken { colour } }",
        "{ broken { names fine f2: fine } }",
        "{ broken { raises } }",
        "{ rows { fine names } }",
        "{ rows { holes } }",
        "{ rows { number } }",
        "{ rows { colour fine ... on Broken { fine } } }",
        "{ rows { __typename fine } broken { fine } }",
    ],
)
def test_a_leaf_that_goes_wrong_is_reported_as_graphql_core_reports_it(query: str) -> None:
    plain, short = both(BROKEN, query)

    assert short == plain
