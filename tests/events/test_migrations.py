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
from projections import history_view
from registry.schema import current_revision, head_revision, upgrade

COMPARING = {"include_object": history_view.include_object}
# SQLAlchemy cannot reflect the view's index on an expression, says so, and leaves it out, as COMPARING does.
pytestmark = pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = open_engine(db_url)
    yield engine
    engine.dispose()


def schema_differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn, opts=COMPARING), metadata))


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
        assert compare_metadata(MigrationContext.configure(conn, opts=COMPARING), metadata) == []
    assert current_revision(fast) == head_revision(fast)


# -- 0008: the SQLite layout of the write path's tables ------------------------------------------------------

ROW_ID_KEYS = {"events": "position", "public_changes": "position", "checkpoints": "size"}
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
    command.upgrade(alembic_config(engine), "0007")  # 0008's layout is checked before 0009 makes the history a view
    with engine.begin() as conn:
        for position in (1, 2, 3):
            conn.exec_driver_sql(
                "INSERT INTO events VALUES (?, ?, ?, 'ItemSubmitted', 1, '{\"version\":1}',"
                " '{\"actor\":\"孙初审\"}', ?, '2026-01-01', ?, ?)",
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
        conn.exec_driver_sql("INSERT INTO projection_positions VALUES ('items', 3), ('item_history', 3)")
    before = rows_of(engine)
    assert sqlite_layout(engine) == dict.fromkeys(LEAN, "separate key")

    upgrade(engine)

    assert sqlite_layout(engine) == LEAN
    # 0009: the history's position goes with its table (the view is never behind)
    assert rows_of(engine) == {**before, "projection_positions": [("items", 3)]}
    assert schema_differences(engine) == []
    history = history_rows(engine)
    assert [row[:3] for row in history] == [(1, "item:1", 0), (2, "item:2", 0), (3, "item:3", 0)]
    command.downgrade(alembic_config(engine), "0007")
    assert sqlite_layout(engine) == dict.fromkeys(LEAN, "separate key")
    assert rows_of(engine) == before
    assert history_rows(engine) == history  # the table made again from the view's rows


def history_rows(engine: Engine) -> list[tuple[Any, ...]]:
    from projections.schema import item_history

    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(item_history.select().order_by(item_history.c.position))]


def view_definitions(engine: Engine) -> dict[str, str]:
    """Each view's SELECT as the database keeps it (SQLite: as written; PostgreSQL: as it prints it again)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'view'")
            return {name: sql.split(" AS ", 1)[1] for name, sql in rows}
        rows = conn.exec_driver_sql("SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema()")
        return {name: definition for name, definition in rows}


def actor_index(engine: Engine) -> str | None:
    """How the database keeps the definition of the history's index on the events' actor (None: no such index)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            found = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'ix_events_actor'")
        else:
            found = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_events_actor' AND schemaname = current_schema()"
            )
        return found.scalar()


def test_the_history_is_the_view_the_code_defines(db_url: str, tmp_path: Path) -> None:
    """A change to projections/history_view.py needs a migration that makes the view again (0009 wrote its SQL out):
    this says when. The index on the actor is the one the code makes too."""
    from tests.conftest import initialise

    migrated = open_engine(db_url)
    upgrade(migrated)
    found = view_definitions(migrated)
    if migrated.dialect.name == "sqlite":
        fast = open_engine(f"sqlite:///{tmp_path / 'fast.db'}")
        initialise(fast)
        assert actor_index(migrated) is not None
        assert actor_index(migrated) == actor_index(fast)
    else:
        assert "json ->> 'actor'" in (actor_index(migrated) or "")

    assert set(found) == {"item_history"}
    if migrated.dialect.name == "sqlite":
        assert found["item_history"] == history_view.definition("sqlite")
    else:  # PostgreSQL prints a view's query in its own words: compared with a view made from the code now
        with migrated.begin() as conn:
            conn.exec_driver_sql(f"CREATE TEMP VIEW item_history_now AS {history_view.definition('postgresql')}")
            now = conn.exec_driver_sql("SELECT definition FROM pg_views WHERE viewname = 'item_history_now'")
            assert now.scalar_one() == found["item_history"]
            conn.exec_driver_sql("DROP VIEW item_history_now")
