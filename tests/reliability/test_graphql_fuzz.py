"""The public API under generated and hostile queries, over real HTTP, on SQLite and PostgreSQL.

Schemathesis, in GraphQL mode, builds queries from the schema the server reports (every root field, random arguments,
nested selections) and its default checks find nothing: no 5xx, no error from a resolver (which it reports as a
server error), no valid request refused. The values it generates for the shaped scalars (api/scalars.py) are any the
schema's descriptions allow; those of the wrong shape are refused before execution, which schemathesis counts as the
client's error. Queries too deep, too wide, with too many aliases, or asking for a huge page are refused before they
read anything: the error names the limit, and the request sends no more SQL than a query that reads nothing at all
(`{ __typename }`: the ETag's read of the catalog's position, which every request makes).
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from pydantic import TypeAdapter, ValidationError
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.limits import MAX_ALIASES, MAX_DEPTH, MAX_FIELDS, MAX_REPEATS
from api.scalars import MAX_PAGE
from events.checkpoint import create_key, load_signer
from events.database import open_engine
from registry.commands import Label
from registry.profile import load_profile
from registry.schema import upgrade
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, serving
from tests.api.test_sql_count import StatementLog
from tests.reliability.scale import GRAPHQL_EXAMPLES


@pytest.fixture(scope="module")
def served(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, StatementLog]]:
    """A registry with published, adjusted, retired and draft items and signed checkpoints, served in-process."""
    engine = open_engine(module_db_url)
    upgrade(engine)
    profile = load_profile()
    key = tmp_path_factory.mktemp("key") / "registry.key"
    create_key(key)
    registry = Registry(engine, profile, load_signer(key, f"catalog-registry/{profile.jurisdiction}"))
    registry.register_signing_key(None)  # as `registry init` does
    office = Office(registry)
    for number in range(3):
        office.publish_new(f"czj-{number}", name=f"事项{number}")
    office.adjust("czj-0", content="调整后的内容")
    office.retire("czj-1")
    office.draft("czj-draft")
    statements = StatementLog(engine)
    with serving(engine, profile) as api:
        yield api, statements
    statements.close()
    engine.dispose()


def _is_label(text: str) -> bool:
    try:
        TypeAdapter(Label).validate_python(text)
    except ValidationError:
        return False
    return True


def _cursor(prefix: str, key: object) -> str:
    return base64.urlsafe_b64encode(f"{prefix}:{key}".encode()).decode()


_ITEM_IDS = st.text(min_size=1, max_size=200).filter(_is_label)
_POSITIONS = st.integers(min_value=0, max_value=10**18 - 1)
_FIRST_INSTANT = datetime(1, 1, 2, tzinfo=UTC)
_LAST_INSTANT = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
_OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=5, minutes=30))])

# Any value each shaped scalar's description allows, for schemathesis to send as positive data.
SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "PageSize": st.integers(min_value=0, max_value=MAX_PAGE).map(nodes.Int),
    "TreeSize": st.integers(min_value=1, max_value=2**31 - 1).map(nodes.Int),
    "ItemId": _ITEM_IDS.map(nodes.String),
    "ShortText": st.text(max_size=200).filter(_is_label).map(nodes.String),
    "CatalogCursor": _ITEM_IDS.map(lambda key: nodes.String(_cursor("item", key))),
    "MediaAccountId": _ITEM_IDS.map(nodes.String),
    "MediaAccountCursor": _ITEM_IDS.map(lambda key: nodes.String(_cursor("account", key))),
    "ChangeCursor": _POSITIONS.map(lambda key: nodes.String(_cursor("change", key))),
    "CheckpointCursor": _POSITIONS.map(lambda key: nodes.String(_cursor("checkpoint", key))),
    "DateTime": st.builds(
        lambda instant, offset: nodes.String(instant.astimezone(offset).isoformat()),
        st.datetimes(min_value=_FIRST_INSTANT.replace(tzinfo=None), max_value=_LAST_INSTANT.replace(tzinfo=None)).map(
            lambda moment: moment.replace(tzinfo=UTC)
        ),
        _OFFSETS,
    ),
}
for name, strategy in SCALARS.items():
    schemathesis.graphql.scalar(name, strategy)


def _operations(api: Api) -> dict[str, Any]:
    """The schema's operations as schemathesis sees them (one per root field), by label."""
    operations = {}
    for result in schemathesis.graphql.from_url(f"{api.url}/graphql").get_all_operations():
        assert isinstance(result, Ok), result
        operations[result.ok().label] = result.ok()
    return operations


def test_schemathesis_finds_nothing_in_generated_queries(served: tuple[Api, StatementLog]) -> None:
    """Each root field is an operation to schemathesis; GRAPHQL_EXAMPLES generated queries for each, every response
    judged by schemathesis's default checks.

    Driven through schemathesis's Python API: its pytest plugin's `from_fixture` does not run on pytest 9 (it sets
    `request.node._nodeid`, which pytest 9 no longer has).
    """
    statuses: Counter[tuple[str, int]] = Counter()
    operations = list(_operations(served[0]).values())

    for operation in operations:

        @settings(
            max_examples=GRAPHQL_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            response = case.call_and_validate()
            statuses[(case.operation.label, response.status_code)] += 1

        call()

    assert len(operations) >= 8
    print(
        f"\nschemathesis: {sum(statuses.values())} requests, by operation and status: {dict(sorted(statuses.items()))}"
    )


FOUND_BEFORE = [  # what schemathesis's default checks reported as server errors before the scalars
    ("Query.catalog", '{ catalog(after: "") { totalCount } }'),
    ("Query.changes", '{ changes(after: "") { edges { cursor } } }'),
    ("Query.checkpoints", '{ checkpoints(after: "") { edges { cursor } } }'),
    ("Query.consistency", "{ consistency(from: 0, to: 0) { proof } }"),
    ("Query.item", '{ item(id: "czj-0\\u0000") { id } }'),
]


def test_what_schemathesis_found_is_now_the_clients_error(served: tuple[Api, StatementLog]) -> None:
    """The five cases are no longer server errors to schemathesis's checks: refused before execution, they carry no
    `path` and no `data`. (positive_data_acceptance is left out: they are not valid data, whatever the query's
    author thought; schemathesis only sends such values as negative data.)"""
    operations = _operations(served[0])

    for label, query in FOUND_BEFORE:
        case = operations[label].Case(body=query)
        response = case.call()

        case.validate_response(response, excluded_checks=[positive_data_acceptance])
        assert response.json()["data"] is None, response.text


def statements_for(served: tuple[Api, StatementLog], query: str) -> tuple[int, dict[str, Any]]:
    """How many SQL statements answering `query` sent, and the response's body."""
    api, log = served
    before = len(log.statements)
    response = api.post(query)
    assert response.status_code == 200, response.text
    return len(log.statements) - before, response.json()


def deep(levels: int) -> str:
    return "{ catalog " + "{ edges { node { history " * levels + "{ version }" + " } } }" * levels + " }"


REFUSALS = [
    ("too deep", deep(4), f"levels deep; at most {MAX_DEPTH}"),
    ("an alias flood", "{ " + " ".join(f"a{n}: log {{ position }}" for n in range(MAX_ALIASES + 1)) + " }", "aliases"),
    ("a field flood", "{ catalog { edges { node { " + "id name " * (MAX_FIELDS // 2 + 1) + "} } } }", "fields"),
    ("one field repeated", "{ log { " + "position " * (MAX_REPEATS + 1) + "} }", f"times; at most {MAX_REPEATS}"),
    ("a huge page", "{ catalog(first: 1000000) { totalCount edges { node { id } } } }", f"between 0 and {MAX_PAGE}"),
    ("a page past Int", "{ catalog(first: 99999999999) { totalCount } }", "non 32-bit signed integer"),
    ("a negative page", "{ changes(first: -1) { edges { cursor } } }", f"between 0 and {MAX_PAGE}"),
]


@pytest.mark.parametrize(("what", "query", "why"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_hostile_query_is_refused_before_it_reads_anything(
    served: tuple[Api, StatementLog], what: str, query: str, why: str
) -> None:
    nothing, _ = statements_for(served, "{ log: __typename }" if "log" in query else "{ __typename }")

    sent, body = statements_for(served, query)

    assert body.get("data") is None, f"{what}: {body}"
    assert any(why in error["message"] for error in body["errors"]), body["errors"]
    assert sent <= nothing, served[1].statements[-sent:]
