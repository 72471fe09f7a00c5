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


# -- 0008: the SQLite layout of the write path's tables ------------------------------------------------------

ROW_ID_KEYS = {"events": "position", "item_history": "position", "public_changes": "position", "checkpoints": "size"}
WITHOUT_ROW_ID = ("merkle_nodes", "items", "projection_positions")


def sqlite_layout(engine: Engine) -> dict[str, str]:
    """Each table of 0008's: `rowid key` when its key is the row id, `without rowid`, or `separate key`."""
    layout = {}
    with engine.connect() as conn:
        for table, key in ROW_ID_KEYS.items():
            columns = {row[1]: (row[2], row[5]) for row in conn.exec_driver_sql(f"PRAGMA table_info({table})")}
            layout[table] = "rowid key" if columns[key] == ("INTEGER", 1) else "separate key"
        for table in WITHOUT_ROW_ID:
            definition = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).scalar_one()
            layout[table] = "without rowid" if definition.rstrip().endswith("WITHOUT ROWID") else "separate key"
    return layout


LEAN = {**{table: "rowid key" for table in ROW_ID_KEYS}, **{table: "without rowid" for table in WITHOUT_ROW_ID}}


def test_on_sqlite_positions_are_row_ids_and_small_keyed_tables_have_no_second_tree(
    sqlite_url: str, tmp_path: Path
) -> None:
    from tests.conftest import initialise

    migrated = open_engine(sqlite_url)
    upgrade(migrated)
    fast = open_engine(f"sqlite:///{tmp_path / 'fast.db'}")
    initialise(fast)

    assert sqlite_layout(migrated) == LEAN
    assert sqlite_layout(fast) == LEAN


def rows_of(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table: sorted(tuple(row) for row in conn.exec_driver_sql(f"SELECT * FROM {table}"))
            for table in (*ROW_ID_KEYS, *WITHOUT_ROW_ID)
        }


def test_0008_keeps_every_row_and_index_of_an_existing_database_and_goes_back(sqlite_url: str) -> None:
    from alembic import command

    from registry.schema import alembic_config

    engine = open_engine(sqlite_url)
    command.upgrade(alembic_config(engine), "0007")
    with engine.begin() as conn:
        for position in (1, 2, 3):
            conn.exec_driver_sql(
                "INSERT INTO events VALUES (?, ?, ?, 'ItemDrafted', 1, '{}', '{}', ?, '2026-01-01', ?, ?)",
                (position, f"item:{position}", 0, f"c{position}", "0" * 64, f"{position:064}"),
            )
            conn.exec_driver_sql("INSERT INTO merkle_nodes VALUES (0, ?, ?)", (position - 1, bytes([position]) * 32))
            conn.exec_driver_sql(
                "INSERT INTO items VALUES (?, '财政预决算', '县财政局', '标题', 'draft', 1, NULL, NULL, '',"
                " '2026-01-01', ?)",
                (f"item:{position}", position),
            )
            conn.exec_driver_sql(
                "INSERT INTO public_changes VALUES (?, ?, 1, 'ADD', '2026-01-01', '', 0)",
                (position, f"item:{position}"),
            )
        conn.exec_driver_sql("INSERT INTO checkpoints VALUES (3, 'ab', 'o', '2026-01-01', 'sig', 'key')")
        conn.exec_driver_sql("INSERT INTO projection_positions VALUES ('items', 3)")
    before = rows_of(engine)
    assert sqlite_layout(engine) == dict.fromkeys(LEAN, "separate key")

    upgrade(engine)

    assert sqlite_layout(engine) == LEAN
    assert rows_of(engine) == before
    assert schema_differences(engine) == []
    command.downgrade(alembic_config(engine), "0007")
    assert sqlite_layout(engine) == dict.fromkeys(LEAN, "separate key")
    assert rows_of(engine) == before
