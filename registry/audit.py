"""Verification: the hash chain of the whole log, one item's events, and the projections against a fresh fold."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from events.chain import GENESIS, ChainCheck, stored_row_hash
from events.schema import checkpoints, events

if TYPE_CHECKING:
    from events import merkle_store
    from events.store import EventStore

# The checks of the whole log import the Merkle tree, the signatures and the projections where they run, so that
# `registry history`, which checks one item's events, starts quickly (docs/benchmarks.md).


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
    """Recompute the whole chain (streaming) and the Merkle tree, check the checkpoints, then compare the projections
    with a fresh fold of the log. The first bad position is the first event that is not the one appended there."""
    from events import merkle_store
    from projections.projector import differences

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
    if result.first_bad_position is not None:
        # Whoever recomputes hashes moves the chain's break past the rows they rewrote or inserted (SHA-256 has no
        # secret); the tree's leaves, written with each event, name the first of those rows.
        earlier = merkle_store.check(store.reading, batch, result.first_bad_position - 1)
        if earlier is not None and earlier.position is not None:
            result.first_bad_position, result.problem = earlier.position, _not_appended(earlier)
    else:
        tree = merkle_store.check(store.reading, batch)
        if tree is not None:
            result.tree_problems.append(tree.what)
            if tree.position is not None:
                result.first_bad_position, result.problem = tree.position, _not_appended(tree)
        with store.reading() as conn:
            result.tree_problems.extend(checkpoint_problems(conn, result.events))
        if result.first_bad_position is None:  # a fold of a forged event proves nothing, and may not even run
            with store.writing() as conn:
                result.projection_problems = differences(conn)
                conn.rollback()
    return result


def _not_appended(problem: merkle_store.TreeProblem) -> str:
    return (
        f"the event there is not the one that was appended: {problem.what} "
        "(an event was rewritten with its hash recomputed, inserted or deleted)"
    )


def checkpoint_problems(conn: Connection, log_size: int) -> list[str]:
    """Every stored checkpoint must sign the root that the stored tree gives for its size."""
    from events import checkpoint, merkle_store
    from events.proof import ProofError, verify_checkpoint

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


def item_chain(conn: Connection, item_id: str) -> dict[int, bool]:
    """For each position of the item's events: does it verify (own hash, and linked to the event before)?"""
    before = events.alias("before")
    query = (
        select(events, before.c.hash.label("hash_before"))
        .select_from(events.outerjoin(before, before.c.position == events.c.position - 1))
        .where(events.c.stream_id == item_id)
        .order_by(events.c.position)
    )
    verdict = {}
    for row in conn.execute(query):
        try:
            own = stored_row_hash(row) == row.hash
        except ValueError:
            own = False
        linked = row.prev_hash == (row.hash_before if row.position > 1 else GENESIS)
        verdict[row.position] = own and linked
    return verdict
