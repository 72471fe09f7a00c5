"""The executor's short path for plain leaf fields gives exactly what graphql-core's own execution gives.

On the registry's schema over a real database (every root field, every field, proofs and coverage included), and on
a small schema made to go wrong in every way a leaf can: a null where none is allowed, a value its type refuses, a
list holding a null, a resolver that raises, the same field asked twice.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import Enum
from importlib.metadata import version
from pathlib import Path
from typing import Any

import graphene
import pytest
from graphql import ExecutionResult, FieldNode, GraphQLSchema, OperationDefinitionNode, execute_sync, parse, validate
from packaging.requirements import Requirement
from sqlalchemy import text

from api.executor import LeafShortcutContext
from api.schema import schema as registry_schema
from registry.profile import load_profile
from registry.service import Registry
from tests.api.office import Office

EVERY_FIELD = """
fragment Signed on Checkpoint { origin size root signedAt signature publicKey }
fragment Item on CatalogItem {
  id version domain unit category name subname content basis timeLimit body channels audience audienceNote method
  levels publishedAt approvalReference history { version publishedAt changeKind reason }
  proof { leafIdx treeSize root leafHash proof checkpoint { ...Signed } }
}
query Every($from: TreeSize!, $to: TreeSize!) {
  catalog(first: 5) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ...Item } } }
  one: item(id: "czj-yusuan") { ...Item same: id content content }
  missing: item(id: "no-such-item") { id }
  retirement(id: "mzj-dibao") {
    itemId version retiredAt trigger reason approvalReference approvedBy approvedAt backfilled lastVersion { ...Item }
  }
  jurisdiction { name timezone }
  changes(first: 10) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { position itemId version kind publishedAt reason item { ...Item } } }
  }
  domains { name responsibleUnit aliases itemCount }
  units { name kind itemCount }
  log { position headHash size root signedAt signature publicKey checkpoint { ...Signed } }
  checkpoints(first: 10) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ...Signed } }
  }
  consistency(from: $from, to: $to) {
    size1 size2 root1 root2 proof checkpoint1 { ...Signed } checkpoint2 { ...Signed }
  }
  labels { enum value label }
  coverage {
    name responsibleUnit publishedCount firstPublishedAt lastPublishedAt deadline verdict onTime workingDaysLate
  }
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


def both(
    schema: GraphQLSchema, query: str, context: Any = None, variables: dict[str, Any] | None = None
) -> tuple[str, str]:
    document = parse(query)
    plain = execute_sync(schema, document, context_value=context, variable_values=variables)
    short = execute_sync(
        schema, document, context_value=context, variable_values=variables, execution_context_class=LeafShortcutContext
    )
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


def test_the_query_of_every_field_is_valid_and_asks_every_root_field() -> None:
    """graphql-core's execution skips a field the schema does not have, silently: only validation tells."""
    document = parse(EVERY_FIELD)
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    query_type = registry_schema.graphql_schema.query_type
    assert query_type is not None

    assert validate(registry_schema.graphql_schema, document) == []
    assert {s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)} == {
        *query_type.fields,
        "__typename",
    }


def test_every_field_of_the_registry_schema_comes_out_the_same(catalog: Registry) -> None:
    with catalog.store.reading() as conn:
        sizes = sorted(row["size"] for row in conn.execute(text("SELECT size FROM checkpoints")).mappings())
        variables = {"from": sizes[0], "to": sizes[-1]}
        context = {
            "conn": conn,
            "profile": load_profile(),
            "request_state": {},
            "now": datetime(2024, 6, 1, tzinfo=UTC),
        }
        plain, short = both(registry_schema.graphql_schema, EVERY_FIELD, context, variables)
        context["request_state"] = {}
        again = both(registry_schema.graphql_schema, EVERY_FIELD, context, variables)[1]
    data = json.loads(short)["data"]

    assert '"第二版内容"' in short and '"errors": []' in short
    assert data["one"]["proof"]["treeSize"] == sizes[-1]
    assert data["consistency"]["size2"] == sizes[-1] and data["consistency"]["proof"]
    assert len(data["checkpoints"]["edges"]) == len(sizes) >= 4
    assert {row["verdict"] for row in data["coverage"]} == {"LATE", "OVERDUE"}
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


def _resolver_schema() -> GraphQLSchema:
    """Fields resolved by each of graphene's default resolvers, an asynchronous one, on a dict parent."""
    from functools import partial

    from graphene.types.resolver import attr_resolver, dict_or_attr_resolver, dict_resolver
    from graphql import GraphQLField, GraphQLObjectType, GraphQLString

    async def later(_parent: Any, _info: Any) -> str:
        return "async"

    row = GraphQLObjectType(
        "Row",
        {
            "byAttr": GraphQLField(GraphQLString, resolve=partial(attr_resolver, "a", None)),
            "byKey": GraphQLField(GraphQLString, resolve=partial(dict_resolver, "a", None)),
            "byEither": GraphQLField(GraphQLString, resolve=partial(dict_or_attr_resolver, "a", None)),
            "later": GraphQLField(GraphQLString, resolve=later),
        },
    )
    query = GraphQLObjectType("Query", {"row": GraphQLField(row, resolve=lambda *_: {"a": "from dict"})})
    return GraphQLSchema(query)


RESOLVERS = _resolver_schema()


def test_each_default_resolver_reads_as_graphene_reads() -> None:
    plain, short = both(RESOLVERS, "{ row { byAttr byKey byEither } }")

    assert '"byEither": "from dict"' in short and '"byAttr": null' in short
    assert short == plain


def test_an_asynchronous_execution_awaits_what_the_resolvers_return() -> None:
    import asyncio

    from graphql import execute

    document = parse("{ row { byEither later } }")

    async def run(context_class: Any) -> ExecutionResult:
        result = execute(RESOLVERS, document, execution_context_class=context_class)
        assert not isinstance(result, ExecutionResult)
        return await result

    plain, short = asyncio.run(run(None)), asyncio.run(run(LeafShortcutContext))

    assert short.data == plain.data == {"row": {"byEither": "from dict", "later": "async"}}


def test_middleware_still_sees_every_field() -> None:
    def shout(next_: Any, root: Any, info: Any, **args: Any) -> Any:
        value = next_(root, info, **args)
        return value.upper() if isinstance(value, str) else value

    document = parse("{ row { byEither } }")
    plain = execute_sync(RESOLVERS, document, middleware=[shout])
    short = execute_sync(RESOLVERS, document, middleware=[shout], execution_context_class=LeafShortcutContext)

    assert outcome(short) == outcome(plain)
    assert short.data == {"row": {"byEither": "FROM DICT"}}


@pytest.mark.parametrize("package", ["graphql-core", "graphql-server"])
def test_the_graphql_libraries_are_held_to_the_series_the_executor_was_checked_against(package: str) -> None:
    """The short path and the view lean on graphql-core's and graphql-server's internals: a new series installs
    only after someone has run these tests on it and moved the bound."""
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    [declared] = [r for r in map(Requirement, pyproject["project"]["dependencies"]) if r.name == package]

    assert any(bound.operator == "<" for bound in declared.specifier), f"{package} has no upper bound"
    assert declared.specifier.contains(version(package))
