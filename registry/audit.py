"""Verification: the hash chain of the whole log, one item's events, and the projections against a fresh fold."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from events.chain import ChainCheck, stored_row_hash
from events.schema import events
from events.store import EventStore
from projections.projector import differences


@dataclass
class Verification:
    events: int = 0
    head_hash: str = ""
    first_bad_position: int | None = None
    problem: str = ""
    projection_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.first_bad_position is None and not self.projection_problems


def verify(store: EventStore, progress: Callable[[int], None] | None = None, batch: int = 5000) -> Verification:
    """Recompute the whole chain (streaming), then compare the projections with a fresh fold of the log."""
    result = Verification()
    check = ChainCheck()
    for count, row in enumerate(store.read_rows(0, batch), start=1):
        if not check.feed(row):
            assert check.problem is not None
            result.first_bad_position, result.problem = check.problem
            break
        if progress and count % batch == 0:
            progress(batch)
    result.events, result.head_hash = check.position, check.prev_hash
    if result.first_bad_position is None:
        with store.writing() as conn:
            result.projection_problems = differences(conn)
            conn.rollback()
    return result


def item_chain(store: EventStore, item_id: str) -> dict[int, bool]:
    """For each position of the item's events: does it verify (own hash, and linked to the event before)?"""
    with store.reading() as conn:
        rows = conn.execute(select(events).where(events.c.stream_id == item_id).order_by(events.c.position)).all()
        verdict = {}
        for row in rows:
            before = conn.execute(select(events.c.hash).where(events.c.position == row.position - 1)).scalar()
            try:
                own = stored_row_hash(row) == row.hash
            except ValueError:
                own = False
            linked = row.prev_hash == (before if row.position > 1 else "0" * 64)
            verdict[row.position] = own and linked
    return verdict
