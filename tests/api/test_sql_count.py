"""What one request costs in SQL: the statements of an in-process server, counted, do not grow with the page size,
nor with aliases that ask again for what the request already has; a proof costs two statements, whatever else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event

from events import driver
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, serving

ITEM = """
    id version domain unit category name subname content basis timeLimit body channels audience audienceNote method
    levels publishedAt approvalReference
    history { version publishedAt changeKind reason }
"""
CATALOG = f"""
query($first: PageSize, $asOf: DateTime) {{
  catalog(first: $first, asOf: $asOf) {{
    totalCount edges {{ cursor node {{ {ITEM} }} }} pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
FEED = f"""
query($first: PageSize) {{
  changes(first: $first) {{
    edges {{ cursor node {{ position itemId version kind publishedAt reason item {{ {ITEM} }} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


class StatementLog:
    """Every SQL statement the engine sends, from any thread: through SQLAlchemy, or straight to the driver
    (events/driver.py; this process has one engine while these tests run)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        self.lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self.record)
        driver.observers.append(self.record_driver)

    def record(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        self.record_driver(statement)

    def record_driver(self, statement: str) -> None:
        with self.lock:
            self.statements.append(statement)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self.record)
        driver.observers.remove(self.record_driver)


@pytest.fixture(scope="module")
def served(large_registry: Registry) -> Iterator[tuple[Api, StatementLog]]:
    log = StatementLog(large_registry.engine)
    with serving(large_registry.engine, large_registry.profile) as api:
        yield api, log
    log.close()


def cost(served: tuple[Api, StatementLog], query: str, **variables: Any) -> tuple[int, dict[str, Any]]:
    """The statements one request of `query` sent, and its data."""
    api, log = served
    before = len(log.statements)
    data = api.query(query, variables)
    return len(log.statements) - before, data


def test_a_page_of_200_items_with_their_histories_costs_as_many_statements_as_a_page_of_one(
    served: tuple[Api, StatementLog],
) -> None:
    one, small = cost(served, CATALOG, first=1)
    many, large = cost(served, CATALOG, first=200)

    assert len(small["catalog"]["edges"]) == 1
    assert len(large["catalog"]["edges"]) == 200
    assert all(edge["node"]["history"] for edge in large["catalog"]["edges"])
    assert many == one, served[1].statements[-many:]


def test_a_page_of_the_catalog_as_of_a_time_costs_as_many_statements_as_a_page_of_one(
    served: tuple[Api, StatementLog],
) -> None:
    one, _ = cost(served, CATALOG, first=1, asOf="2100-01-01T00:00:00Z")
    many, large = cost(served, CATALOG, first=200, asOf="2100-01-01T00:00:00Z")

    assert len(large["catalog"]["edges"]) == 200
    assert many == one, served[1].statements[-many:]


def test_a_feed_page_of_200_changes_with_their_items_and_histories_costs_as_many_statements_as_one_change(
    served: tuple[Api, StatementLog],
) -> None:
    one, _ = cost(served, FEED, first=1)
    many, large = cost(served, FEED, first=200)

    assert len(large["changes"]["edges"]) == 200
    assert all(edge["node"]["item"]["history"] for edge in large["changes"]["edges"])
    assert many == one, served[1].statements[-many:]


def test_a_page_of_200_items_costs_a_handful_of_statements(served: tuple[Api, StatementLog]) -> None:
    statements, _ = cost(served, CATALOG, first=200)

    # the ETag's read of the public position, then the count, the page and the page's histories
    assert statements <= 6, served[1].statements[-statements:]


PROOF = "proof { leafIdx treeSize root leafHash proof checkpoint { size root signature } }"


@pytest.fixture(scope="module")
def signed(shared_registry: Registry) -> Iterator[tuple[Api, StatementLog]]:
    """Three published items with signed checkpoints, on SQLite and PostgreSQL."""
    office = Office(shared_registry)
    for number in range(3):
        office.publish_new(f"item-{number}")
    log = StatementLog(shared_registry.engine)
    with serving(shared_registry.engine, shared_registry.profile) as api:
        yield api, log
    log.close()


def aliased(times: int, field: str) -> str:
    return "{ " + " ".join(f"a{n}: {field}" for n in range(times)) + " }"


@pytest.mark.parametrize(
    "field",
    [
        f"catalog(first: 3) {{ totalCount edges {{ node {{ {ITEM} }} }} }}",
        f"changes(first: 3) {{ edges {{ node {{ item {{ {ITEM} }} }} }} }}",
        "domains { name itemCount }",
        "units { name itemCount }",
        "coverage { name verdict }",
        "log { position size }",
        "checkpoints { edges { node { size } } }",
        f'item(id: "item-1") {{ {PROOF} }}',
    ],
    ids=["catalog", "changes", "domains", "units", "coverage", "log", "checkpoints", "a proof"],
)
def test_aliases_that_ask_again_for_the_same_cost_no_more_statements_than_one(
    signed: tuple[Api, StatementLog], field: str
) -> None:
    one, _ = cost(signed, aliased(1, field))
    many, data = cost(signed, aliased(10, field))

    assert len(data) == 10 and len({str(value) for value in data.values()}) == 1
    assert many == one, signed[1].statements[-many:]


def test_a_page_of_inclusion_proofs_costs_two_statements_per_item(signed: tuple[Api, StatementLog]) -> None:
    one, _ = cost(signed, f"{{ catalog(first: 1) {{ edges {{ node {{ {PROOF} }} }} }} }}")
    three, data = cost(signed, f"{{ catalog(first: 3) {{ edges {{ node {{ {PROOF} }} }} }} }}")

    assert [edge["node"]["proof"]["leafHash"] for edge in data["catalog"]["edges"]] != [None] * 3
    assert three - one == 2 * 2, signed[1].statements[-three:]  # each item's event hash and Merkle path
