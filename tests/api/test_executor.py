"""The executor's short path for plain leaf fields gives exactly what graphql-core's own execution gives.

On the registry's schema over a real database (every root field, every field, proofs and coverage included), and on
a small schema made to go wrong in every way a leaf can: a null where none is allowed, a value its type refuses, a
list holding a null, a resolver that raises, the same field asked twice.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from enum import Enum
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import graphene
import pytest
from graphql import (
    ExecutionContext,
    ExecutionResult,
    FieldNode,
    GraphQLSchema,
    OperationDefinitionNode,
    execute_sync,
    parse,
    validate,
)
from packaging.requirements import Requirement
from sqlalchemy import text

from api.deadline import DeadlineExceeded
from api.executor import ShortPathContext
from api.scalars import DateTime
from api.schema import schema as registry_schema
from registry.profile import load_profile
from registry.service import Registry
from tests.api.account_desk import AccountDesk
from tests.api.office import Office

EVERY_FIELD = """
fragment Signed on Checkpoint { origin size root signedAt signature publicKey }
fragment Item on CatalogItem {
  id version domain unit category name subname content basis timeLimit body channels audience audienceNote method
  levels publishedAt approvalReference history { version publishedAt changeKind reason }
  proof { leafIdx treeSize root leafHash proof checkpoint { ...Signed } }
}
fragment Account on MediaAccount {
  id name platform handle hostUnit operator certifiedAs openedOn purpose link status statusLabel version publishedAt
  history { version kind kindLabel status statusLabel publishedAt reason changes { field label old new } }
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
  mediaAccounts(first: 5) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ...Account } }
  }
  mediaAccount(id: "NM-1") { ...Account }
  before: mediaAccount(id: "NM-1", asOf: "2000-01-01T00:00:00Z") { id }
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
        schema, document, context_value=context, variable_values=variables, execution_context_class=ShortPathContext
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
    accounts = AccountDesk(office)
    accounts.open("NM-1", "公安局", name="旧名称")
    accounts.change("NM-1", "更名", name="新名称", operator="某运营公司")
    accounts.open("NM-2", "公安局", platform="微博", handle="gaj")
    accounts.suspend("NM-2", "暂停更新")
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
    assert data["mediaAccount"]["history"][-1]["changes"][0]["new"] == "新名称"
    assert [edge["node"]["statusLabel"] for edge in data["mediaAccounts"]["edges"]] == ["正常", "已关停"]
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

    plain, short = asyncio.run(run(None)), asyncio.run(run(ShortPathContext))

    assert short.data == plain.data == {"row": {"byEither": "from dict", "later": "async"}}


def test_middleware_still_sees_every_field() -> None:
    def shout(next_: Any, root: Any, info: Any, **args: Any) -> Any:
        value = next_(root, info, **args)
        return value.upper() if isinstance(value, str) else value

    document = parse("{ row { byEither } }")
    plain = execute_sync(RESOLVERS, document, middleware=[shout])
    short = execute_sync(RESOLVERS, document, middleware=[shout], execution_context_class=ShortPathContext)

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


class Part(graphene.ObjectType):
    name = graphene.String(required=True)
    count = graphene.Int(required=True)
    colour = graphene.Field(graphene.Enum.from_enum(Colour, name="PartColour"), required=True)
    when = DateTime()
    tags = graphene.List(graphene.NonNull(graphene.String), required=True)
    flags = graphene.List(graphene.NonNull(graphene.Boolean))
    raises = graphene.String()

    @staticmethod
    def resolve_raises(_parent: Any, _info: graphene.ResolveInfo) -> str:
        raise ValueError("a nullable field failed")


class Assembly(graphene.ObjectType):
    part = graphene.Field(Part, required=True)
    maybe = graphene.Field(Part)
    parts = graphene.List(graphene.NonNull(Part), required=True)
    loose = graphene.List(graphene.NonNull(Part))
    holes = graphene.List(Part)
    own = graphene.List(graphene.NonNull(Part), required=True)

    @staticmethod
    def resolve_own(parent: Any, _info: graphene.ResolveInfo) -> Any:
        if isinstance(parent.own, Exception):
            raise parent.own
        return parent.own


class Kinds(graphene.Interface):
    name = graphene.String(required=True)


class Typed(graphene.ObjectType):
    """An object type with is_type_of: graphql-core asks it about every value."""

    class Meta:
        interfaces = (Kinds,)
        possible_types = (SimpleNamespace,)


class Workshop(graphene.ObjectType):
    assemblies = graphene.List(Assembly)
    one = graphene.Field(Assembly)
    typed = graphene.List(graphene.NonNull(Typed), required=True)

    @staticmethod
    def resolve_assemblies(_root: None, info: graphene.ResolveInfo) -> list[Any]:
        return list(info.context["assemblies"]())  # made anew for each execution: generators run out

    @staticmethod
    def resolve_one(_root: None, info: graphene.ResolveInfo) -> Any:
        return info.context["assemblies"]()[0]

    @staticmethod
    def resolve_typed(_root: None, _info: graphene.ResolveInfo) -> list[Any]:
        return [SimpleNamespace(name="甲"), {"name": "a dict is not a SimpleNamespace"}]


def part(**given: Any) -> SimpleNamespace:
    fine = {
        "name": "齿轮",
        "count": 3,
        "colour": "red",
        "when": datetime(2024, 6, 1, 8, tzinfo=UTC),
        "tags": ["a", "b"],
        "flags": (True, False),
    }
    return SimpleNamespace(**{**fine, **given})


class Faulty(SimpleNamespace):
    """A part whose count cannot be read: its attribute raises."""

    @property
    def count(self) -> int:
        raise RuntimeError("the count could not be read")


def assembly(**given: Any) -> SimpleNamespace:
    fine = {"part": part(), "maybe": None, "parts": [part(), part(name="轴")], "loose": None, "holes": [part(), None]}
    return SimpleNamespace(**{**fine, "own": [part(count=7)], **given})


WORKSHOP = graphene.Schema(query=Workshop, types=[Typed]).graphql_schema
PARTS = "name count colour when tags flags"
ASSEMBLY = (
    f"part {{ {PARTS} }} maybe {{ name }} parts {{ {PARTS} }} loose {{ name }} holes {{ name }} own {{ {PARTS} }}"
)
ASSEMBLIES: dict[str, Callable[[], list[Any]]] = {
    "all plain": lambda: [assembly(), assembly(maybe=part(name="备件"), loose=(part(),))],
    "a null object where none is allowed": lambda: [assembly(part=None), assembly()],
    "a null in a list of non-null objects": lambda: [assembly(parts=[part(), None]), assembly()],
    "a list that is a string": lambda: [assembly(parts="xy")],
    "a list that is a generator": lambda: [assembly(parts=(p for p in [part(), part()]))],
    "an error as an object": lambda: [assembly(part=ValueError("an error as a value"))],
    "a leaf that goes wrong inside a list": lambda: [assembly(parts=[part(), part(count="many")]), assembly()],
    "a leaf whose attribute raises": lambda: [
        assembly(part=Faulty(**{k: v for k, v in vars(part()).items() if k != "count"}))
    ],
    "a null leaf inside an object": lambda: [assembly(part=part(name=None))],
    "an unknown enum value": lambda: [assembly(parts=[part(colour="green")])],
    "a date that is not one": lambda: [assembly(part=part(when="yesterday"))],
    "a list of leaves holding a null": lambda: [assembly(part=part(tags=["a", None]))],
    "a nullable list of leaves holding a null": lambda: [assembly(part=part(flags=[True, None]))],
    "a resolver that raises": lambda: [assembly(own=RuntimeError("its own resolver failed")), assembly()],
    "a resolver that gives null": lambda: [assembly(own=None)],
    "a resolver that gives a tuple": lambda: [assembly(own=(part(), part(name="套")))],
    "parents that are dicts": lambda: [
        {"part": vars(part()), "parts": lambda: [vars(part())], "own": lambda: [], "maybe": None}
    ],
}


@pytest.mark.parametrize("given", ASSEMBLIES.values(), ids=ASSEMBLIES.keys())
def test_objects_and_lists_of_objects_that_go_wrong_are_reported_as_graphql_core_reports_them(
    given: Callable[[], list[Any]],
) -> None:
    query = f"{{ assemblies {{ {ASSEMBLY} }} one {{ {ASSEMBLY} }} }}"
    plain, short = both(WORKSHOP, query, {"assemblies": given})

    assert short == plain


def test_leaves_read_twice_and_aliases_come_out_as_graphql_core_gives_them() -> None:
    query = "{ one { part { n: name name count c2: count } parts { name ... on Part { name count } } } }"
    plain, short = both(WORKSHOP, query, {"assemblies": lambda: [assembly()]})

    assert short == plain
    assert '"n": "齿轮"' in short


def test_a_type_that_checks_its_values_is_left_to_graphql_core() -> None:
    plain, short = both(WORKSHOP, "{ typed { name } }")

    assert short == plain
    assert "Expected value of type 'Typed'" in short


class _Stopping(ExecutionContext):
    """graphql-core's executor, stopping after three objects as DeadlineContext does once the deadline passed."""

    def execute_fields(self, parent_type: Any, source_value: Any, path: Any, fields: Any) -> Any:
        if _stop(self):
            raise DeadlineExceeded
        return super().execute_fields(parent_type, source_value, path, fields)


class _StoppingShort(ShortPathContext):
    def before_fields(self) -> None:
        if _stop(self):
            raise DeadlineExceeded


def _stop(context: Any) -> bool:
    seen = context.__dict__.setdefault("objects", [0])
    seen[0] += 1
    return bool(seen[0] > 3)


def test_an_execution_stopped_between_objects_stops_where_graphql_core_would() -> None:
    document = parse(f"{{ assemblies {{ {ASSEMBLY} }} one {{ name: part {{ name }} }} }}")
    context = {"assemblies": lambda: [assembly(), assembly()]}
    plain = execute_sync(WORKSHOP, document, context_value=context, execution_context_class=_Stopping)
    short = execute_sync(WORKSHOP, document, context_value=context, execution_context_class=_StoppingShort)

    assert outcome(short) == outcome(plain)
    assert plain.errors
