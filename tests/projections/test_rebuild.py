"""A projection is a fold over the log: rebuilding it from scratch gives the rows that were kept up incrementally."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, inspect, update

from events import database
from events.elements import ItemElements
from events.schema import events
from projections.projector import differences, rebuild, scratch_tables
from projections.schema import PROJECTION_TABLES, public_catalog
from registry.command import AdjustItem, DiscardItem, ReviseItem
from registry.demo import STORY, build_demo
from registry.service import Registry, now

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


@pytest.fixture
def demo(registry: Registry) -> Registry:
    """The demo registry, plus a revision, a discarded draft and a withdrawn adjustment it does not have."""
    build_demo(registry, limit=len(STORY))  # every kind of event; the full demo would add minutes, not cases
    education, civil_affairs = registry.actor("赵教育"), registry.actor("张民政")
    registry.execute(
        ReviseItem(
            item_id="jtj-jihua",
            actor=education,
            at=now(),
            elements=ItemElements(body="教育体育局"),
            fields=frozenset({"body"}),
        )
    )
    registry.execute(DiscardItem(item_id="jtj-jihua", actor=education, at=now(), reason="并入招生入学政策"))
    registry.execute(
        AdjustItem(
            item_id="mzj-dibao",
            actor=civil_affairs,
            at=now(),
            trigger="职能调整",
            reason="低保审核确认权限下放到镇",
            elements=ItemElements(body="各镇人民政府"),
            fields=frozenset({"body"}),
        )
    )
    registry.execute(DiscardItem(item_id="mzj-dibao", actor=civil_affairs, at=now(), reason="待自治区文件"))
    return registry


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
