"""API fixtures: an office of actors on a registry, and the app served over real HTTP, on SQLite and PostgreSQL.

Tests that change the registry take the function-scoped `registry` (a fresh database each). Modules whose tests only
read, or change only items of their own and compare after with before, take `shared_registry`: one database per
module and backend, so that what they read is built once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from events.database import open_engine
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, registry_serve, serving
from tests.conftest import REGISTRY_BIN, fresh_postgres_schema, initialise
from tests.signing import signed_registry


@pytest.fixture
def office(registry: Registry) -> Office:
    return Office(registry)


@pytest.fixture
def api(registry: Registry) -> Iterator[Api]:
    """The app on the `registry` fixture's database, served by uvicorn on 127.0.0.1 in this process."""
    with serving(registry.engine, registry.profile) as running:
        yield running


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_registry(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """An initialised, empty registry for one module's read-only tests: a SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        directory: Path = tmp_path_factory.mktemp("shared")
        with _registry_at(f"sqlite:///{directory / 'registry.db'}") as registry:
            yield registry
        return
    with fresh_postgres_schema() as url, _registry_at(url) as registry:
        yield registry


@contextmanager
def _registry_at(url: str) -> Iterator[Registry]:
    engine = open_engine(url)
    initialise(engine)
    try:
        yield signed_registry(engine)
    finally:
        engine.dispose()


LARGE = 201


@pytest.fixture(scope="session")
def large_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """LARGE published items, one more than the largest page, on a SQLite file built once per session.

    synchronous=OFF only gives up durability after a power cut, which a throwaway test file does not need.
    """
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('large') / 'registry.db'}", synchronous="OFF")
    initialise(engine)
    registry = signed_registry(engine)
    office = Office(registry)
    for number in range(LARGE):
        office.publish_new(f"item-{number:03d}", name=f"事项{number:03d}")
    yield registry
    engine.dispose()


@contextmanager
def _served_by_the_cli(directory: Path, *flags: str) -> Iterator[Api]:
    """`registry serve FLAGS` as a subprocess, on a SQLite file with a published item, a draft and a retirement."""
    url = f"sqlite:///{directory / 'registry.db'}"
    with _registry_at(url) as registry:
        office = Office(registry)
        office.publish_new("czj-yusuan")
        office.publish_new("mzj-dibao", domain="社会救助", unit="民政局")
        office.retire("mzj-dibao")
        office.draft("czj-caogao")
    with registry_serve(REGISTRY_BIN, url, directory, *flags) as api:
        yield api


@pytest.fixture(scope="session")
def cli_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """`registry serve` with its defaults (GraphiQL and introspection on), shared by the session."""
    with _served_by_the_cli(tmp_path_factory.mktemp("serve")) as api:
        yield api


@pytest.fixture(scope="session")
def locked_down_cli_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """`registry serve --no-graphiql --no-introspection`."""
    with _served_by_the_cli(tmp_path_factory.mktemp("serve"), "--no-graphiql", "--no-introspection") as api:
        yield api
