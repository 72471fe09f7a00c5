"""The history written by one INSERT … SELECT over the log is the history the Python fold writes, or none at all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select, update

from events.schema import events
from projections import bulk_history
from projections.projector import rebuild
from projections.schema import item_history
from registry.service import Registry
from tests.projections.test_rebuild import fresh_differences


def history(conn: Connection) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(select(item_history).order_by(item_history.c.position))]


def test_the_history_written_in_sql_is_the_history_of_the_python_fold(demo: Registry) -> None:
    with demo.store.writing() as conn:
        folded = history(conn)  # the inline projection: history.apply after each append
        conn.execute(delete(item_history))

        written = bulk_history.insert(conn, demo.store.head_in(conn)[0])

        assert written
        assert history(conn) == folded


def test_the_history_written_a_few_events_a_statement_is_the_same(demo: Registry) -> None:
    calls: list[int] = []
    with demo.store.writing() as conn:
        folded = history(conn)
        conn.execute(delete(item_history))
        last = demo.store.head_in(conn)[0]

        written = bulk_history.insert(conn, last, between=lambda: calls.append(1), chunk=7)

        assert written
        assert history(conn) == folded
    assert len(calls) == -(-last // 7)


def test_the_demo_has_a_history_of_backfills_rejections_and_retirements(demo: Registry) -> None:
    with demo.store.writing() as conn:
        rows = list(conn.execute(select(item_history)))
    actions = {row.action for row in rows}
    backfilled = [row for row in rows if row.backfilled_by is not None]

    assert {"legality_rejected", "retire", "withdraw", "discard", "revise", "propose_adjustment"} <= actions
    assert backfilled and all(row.occurred_at != row.recorded_at for row in backfilled)


def test_a_time_the_fold_formats_again_leaves_the_history_to_the_python_fold(demo: Registry) -> None:
    with demo.store.writing() as conn:
        drafted = conn.execute(select(events.c.position).where(events.c.type == "ItemDrafted")).scalars().first()
        # Parsed and formatted again by the fold (as .500000Z); not the stored form SQL copies as it is.
        conn.execute(update(events).where(events.c.position == drafted).values(recorded_at="2021-03-01T08:00:00.5Z"))
        conn.execute(delete(item_history))

        assert not bulk_history.insert(conn, demo.store.head_in(conn)[0])
        assert history(conn) == []

        rebuild(conn)

        recorded = conn.execute(select(item_history.c.recorded_at).where(item_history.c.position == drafted))
        assert recorded.scalar_one() == "2021-03-01T08:00:00.500000Z"
    assert fresh_differences(demo) == []


def test_a_history_row_changed_after_a_rebuild_is_found_by_the_python_fold(demo: Registry) -> None:
    with demo.store.writing() as conn:
        rebuild(conn)
        conn.execute(update(item_history).where(item_history.c.action == "publish").values(reason="篡改"))

    found = fresh_differences(demo)

    assert [problem.split(":")[0] for problem in found] == ["item_history"]
