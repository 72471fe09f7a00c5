"""The Alembic migrations build exactly the tables the code defines, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

import projections.schema  # noqa: F401  (registers the projection tables in the shared MetaData)
import registry.access  # (registers the credential, session and access tables)
import registry.push.store  # noqa: F401  (registers the webhook subscriptions and attempts)
from events.database import open_engine
from events.schema import metadata
from registry.schema import current_revision, head_revision, upgrade


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = open_engine(db_url)
    yield engine
    engine.dispose()


def schema_differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def test_a_migrated_database_matches_the_table_definitions(engine: Engine) -> None:
    upgrade(engine)

    assert schema_differences(engine) == []


def test_a_migrated_database_is_at_the_newest_revision(engine: Engine) -> None:
    upgrade(engine)

    assert current_revision(engine) == head_revision(engine)


def test_a_fresh_database_has_no_revision(engine: Engine) -> None:
    assert current_revision(engine) is None


def test_upgrading_an_up_to_date_database_changes_nothing(engine: Engine) -> None:
    upgrade(engine)

    upgrade(engine)

    assert schema_differences(engine) == []


def test_the_head_constant_names_the_newest_migration(sqlite_url: str) -> None:
    from registry.schema import HEAD

    assert head_revision(open_engine(sqlite_url)) == HEAD


def test_the_fixtures_fast_schema_matches_the_migrated_one(sqlite_url: str, tmp_path: Path) -> None:
    from tests.conftest import initialise

    fast = open_engine(f"sqlite:///{tmp_path / 'fast.db'}")
    initialise(fast)
    with fast.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    assert current_revision(fast) == head_revision(fast)
