"""The public API under generated and hostile queries, over real HTTP, on SQLite and PostgreSQL.

Schemathesis, in GraphQL mode, builds queries from the schema the server reports (every root field, random arguments,
nested selections): none gets a 5xx. Queries too deep, too wide, with too many aliases, or asking for a huge page are
refused before they read anything: the error names the limit, and the request sends no more SQL than a query that
reads nothing at all (`{ __typename }`: the ETag's read of the catalog's position, which every request makes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from api.limits import MAX_ALIASES, MAX_DEPTH, MAX_FIELDS, MAX_REPEATS
from api.schema import MAX_PAGE
from events.checkpoint import create_key, load_signer
from events.database import open_engine
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


def test_no_generated_query_gets_a_server_error(served: tuple[Api, StatementLog]) -> None:
    """Each root field is an operation to schemathesis; GRAPHQL_EXAMPLES generated queries for each.

    Driven through schemathesis's Python API: its pytest plugin's `from_fixture` does not run on pytest 9 (it sets
    `request.node._nodeid`, which pytest 9 no longer has).
    """
    statuses: Counter[tuple[str, int]] = Counter()
    schema = schemathesis.graphql.from_url(f"{served[0].url}/graphql")
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())

    for operation in operations:

        @settings(
            max_examples=GRAPHQL_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            response = case.call()
            statuses[(case.operation.label, response.status_code)] += 1
            assert response.status_code < 500, f"{case.body!r}\n{response.text}"
            if response.status_code == 200:
                assert "Internal server error" not in response.text, f"{case.body!r}\n{response.text}"

        call()

    assert len(operations) >= 8
    print(
        f"\nschemathesis: {sum(statuses.values())} requests, by operation and status: {dict(sorted(statuses.items()))}"
    )


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
