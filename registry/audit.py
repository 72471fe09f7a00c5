"""Verification: the hash chain of the whole log, one item's events, and the projections against a fresh fold."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from events import checkpoint, merkle_store
from events.chain import ChainCheck, stored_row_hash
from events.proof import ProofError, verify_checkpoint
from events.schema import checkpoints, events
from events.store import EventStore
from projections.projector import differences


@dataclass
class Verification:
    events: int = 0
    head_hash: str = ""
    first_bad_position: int | None = None
    problem: str = ""
    projection_problems: list[str] = field(default_factory=list)
    tree_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.first_bad_position is None and not self.projection_problems and not self.tree_problems


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
        tree = merkle_store.check(store.reading, batch)
        if tree is not None:
            result.tree_problems.append(tree.what)
        with store.reading() as conn:
            result.tree_problems.extend(checkpoint_problems(conn, result.events))
        with store.writing() as conn:
            result.projection_problems = differences(conn)
            conn.rollback()
    return result


def checkpoint_problems(conn: Connection, log_size: int) -> list[str]:
    """Every stored checkpoint must sign the root that the stored tree gives for its size."""
    problems = []
    for row in conn.execute(select(checkpoints).order_by(checkpoints.c.size)):
        if row.size > log_size:
            problems.append(f"checkpoint of size {row.size} is larger than the log ({log_size} events)")
            continue
        root = merkle_store.root(conn, row.size)
        if root.hex() != row.root:
            problems.append(f"checkpoint of size {row.size} names root {row.root}, the log gives {root.hex()}")
            continue
        try:
            verify_checkpoint(checkpoint.as_json(dict(row._mapping)), base64.b64decode(row.public_key))
        except (ProofError, ValueError) as failure:
            problems.append(f"checkpoint of size {row.size}: {failure}")
    return problems


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
