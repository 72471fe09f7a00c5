"""The history, a view over the log in SQL, gives the rows of the Python fold (`history.apply`); where the two
part, `registry verify`'s comparison names the history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from events.schema import events
from projections import history
from projections.row_store import BufferedRows
from projections.schema import item_history
from registry.service import Registry
from tests.projections.test_rebuild import fresh_differences


def history_rows(conn: Connection) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(select(item_history).order_by(item_history.c.position))]


def python_fold(registry: Registry) -> list[tuple[Any, ...]]:
    """The history `history.apply` gives for every event of the log, as rows in the view's column order."""
    written: list[tuple[Any, ...]] = []
    rows = BufferedRows((item_history,), lambda _table, batch: written.extend(batch))
    for stored in registry.store.read_all():
        history.apply(rows, stored)
        rows.end_stream()
    rows.flush()
    return sorted(written)


def test_the_view_gives_the_history_of_the_python_fold(demo: Registry) -> None:
    with demo.store.reading() as conn:
        viewed = history_rows(conn)

    assert viewed == python_fold(demo)
    assert len(viewed) > 50


def test_the_demo_has_a_history_of_backfills_rejections_and_retirements(demo: Registry) -> None:
    with demo.store.reading() as conn:
        rows = list(conn.execute(select(item_history)))
    actions = {row.action for row in rows}
    backfilled = [row for row in rows if row.backfilled_by is not None]

    assert {"legality_rejected", "retire", "withdraw", "discard", "revise", "propose_adjustment"} <= actions
    assert backfilled and all(row.occurred_at != row.recorded_at for row in backfilled)


def test_an_event_the_view_does_not_read_as_the_fold_does_is_named_by_verify(demo: Registry) -> None:
    with demo.store.writing() as conn:
        drafted = conn.execute(select(events.c.position).where(events.c.type == "ItemDrafted")).scalars().first()
        # Parsed and formatted again by the fold (as .500000Z); the view shows the text the log holds.
        conn.execute(update(events).where(events.c.position == drafted).values(recorded_at="2021-03-01T08:00:00.5Z"))

    found = fresh_differences(demo)

    assert [problem.split(":")[0] for problem in found] == ["item_history"]


def test_an_actors_items_are_found_through_the_logs_actor_index(demo: Registry) -> None:
    """The staff's worklist asks for the items an actor acted on (`query.acted_on`): an index search, not a read of
    every event's metadata, on both backends."""
    from projections.query import acted_on

    with demo.store.reading() as conn:
        acted = acted_on(conn, "孙初审")
        statement = "SELECT DISTINCT item_id FROM item_history WHERE actor = 'x'"
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}"))
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table: ask whether the index can answer
            plan = " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}"))

    assert acted
    assert "ix_events_actor" in plan
