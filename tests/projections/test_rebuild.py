"""A projection is a fold over the log: rebuilding it from scratch gives the rows that were kept up incrementally."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, inspect, update

from events import database
from events.schema import events
from projections.projector import differences, rebuild, scratch_tables
from projections.schema import PROJECTION_TABLES, public_catalog
from registry.service import Registry

# The log and its bookkeeping are the source of truth; everything else in the database is derived from them.
SOURCE_TABLES = {events.name, "alembic_version"}

Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table but the log, in a stable order."""
    tables = sorted(set(inspect(engine).get_table_names()) - SOURCE_TABLES)
    with engine.connect() as conn:
        return {
            name: sorted((tuple(row) for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"')), key=repr)
            for name in tables
        }


def fresh_differences(registry: Registry) -> list[str]:
    """What `registry verify` finds: a fresh fold compared with the projections, in one read-only snapshot."""
    with registry.engine.connect() as conn, scratch_tables(conn), database.snapshot(conn):
        return differences(conn, batch=7)


def test_every_projection_table_has_rows_from_the_demo(demo: Registry) -> None:
    rows = snapshot(demo.engine)

    assert {table.name for table in PROJECTION_TABLES if not rows[table.name]} == set()


def test_rebuilding_the_projections_gives_the_rows_kept_incrementally(demo: Registry) -> None:
    incremental = snapshot(demo.engine)

    with demo.store.writing() as conn:
        rebuild(conn, batch=7)

    assert snapshot(demo.engine) == incremental


def test_rebuilding_in_many_small_inserts_gives_the_rows_kept_incrementally(demo: Registry) -> None:
    incremental = snapshot(demo.engine)

    with demo.store.writing() as conn:
        rebuild(conn, batch=3, rows_per_insert=2)

    assert snapshot(demo.engine) == incremental


def test_rebuilding_returns_the_last_position_of_the_log(demo: Registry) -> None:
    with demo.store.writing() as conn:
        last = rebuild(conn)

    assert last == demo.store.head()[0]


def test_rebuilding_repairs_a_projection_row_changed_behind_the_logs_back(demo: Registry) -> None:
    incremental = snapshot(demo.engine)
    with demo.store.writing() as conn:
        conn.execute(update(public_catalog).where(public_catalog.c.item_id == "czj-yusuan").values(content="篡改"))

    with demo.store.writing() as conn:
        rebuild(conn)

    assert snapshot(demo.engine) == incremental


def test_a_fresh_fold_finds_no_differences_in_projections_kept_incrementally(demo: Registry) -> None:
    assert fresh_differences(demo) == []


def test_a_fresh_fold_names_a_projection_changed_behind_the_logs_back(demo: Registry) -> None:
    with demo.store.writing() as conn:
        conn.execute(update(public_catalog).where(public_catalog.c.item_id == "czj-yusuan").values(content="篡改"))

    found = fresh_differences(demo)

    assert [problem.split(":")[0] for problem in found] == ["public_catalog"]


def test_looking_for_differences_leaves_the_projections_as_they_were(demo: Registry) -> None:
    with demo.store.writing() as conn:
        conn.execute(update(public_catalog).where(public_catalog.c.item_id == "czj-yusuan").values(content="篡改"))
    before = snapshot(demo.engine)

    fresh_differences(demo)

    assert snapshot(demo.engine) == before
