"""Fixtures of the reliability tests: a database per module and backend, for runs that several tests look at."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import fresh_postgres_schema


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database shared by one module's tests: a SQLite file, then a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('reliability') / 'registry.db'}"
        return
    with fresh_postgres_schema() as url:
        yield url
