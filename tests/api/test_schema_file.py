"""api/schema.graphql, the SDL portals program against, is committed: it must be what the code defines and serves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

from graphql import IntrospectionQuery, build_client_schema, build_schema, get_introspection_query, print_schema

from tests.api.server import Api
from tests.conftest import Result

COMMITTED = Path(__file__).parents[2] / "api" / "schema.graphql"
REFRESH = "api/schema.graphql is stale: run `registry schema > api/schema.graphql` and commit it"


def test_the_committed_sdl_is_what_registry_schema_prints(cli: Callable[..., Result]) -> None:
    printed = cli("schema")

    assert printed.code == 0, printed.err
    assert printed.out == COMMITTED.read_text("utf-8"), REFRESH


def test_the_committed_sdl_is_the_schema_the_server_serves(cli_server: Api) -> None:
    served = build_client_schema(cast(IntrospectionQuery, cli_server.query(get_introspection_query(descriptions=True))))

    assert print_schema(served) == print_schema(build_schema(COMMITTED.read_text("utf-8"))), REFRESH
