"""Verification: the hash chain of the whole log, one item's events, and the projections against a fresh fold."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Row, func, select

from events.chain import GENESIS, ChainCheck, stored_row_hash
from events.database import snapshot
from events.schema import checkpoints, events

# The event types that change what the public sees: each is signed by a checkpoint in its own transaction.
PUBLIC_CHANGES = ("ItemPublished", "ItemRetired", "AccountPublished")

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
    with a fresh fold of the log. The first bad position is the first event that is not the one appended there.

    Every check reads one read-only snapshot, the log as it stood at the start, and no writer waits for any: writers
    go on appending meanwhile, and what they append is neither checked nor taken for a problem. Memory stays bounded:
    the log is read `batch` events at a time, within the one transaction. `progress(n)`: n more events of the chain.
    """
    from events import merkle_store
    from projections.projector import differences, scratch_tables

    result = Verification()
    check = ChainCheck()
    with store.engine.connect() as conn, scratch_tables(conn), snapshot(conn):
        head, _ = store.head_in(conn)  # the first read: it fixes the snapshot that every check below reads
        for count, row in enumerate(_rows(conn, head, batch), start=1):
            if not check.feed(row):
                assert check.problem is not None
                result.first_bad_position, result.problem = check.problem
                break
            if progress and count % batch == 0:
                progress(batch)
        result.events, result.head_hash = check.position, check.prev_hash
        if result.first_bad_position is not None:
            # Whoever recomputes hashes moves the chain's break past the rows they rewrote or inserted (SHA-256 has
            # no secret); the tree's leaves, written with each event, name the first of those rows.
            earlier = merkle_store.check(lambda: nullcontext(conn), batch, result.first_bad_position - 1)
            if earlier is not None and earlier.position is not None:
                result.first_bad_position, result.problem = earlier.position, _not_appended(earlier)
            return result
        tree = merkle_store.check(lambda: nullcontext(conn), batch)
        if tree is not None:
            result.tree_problems.append(tree.what)
            if tree.position is not None:
                result.first_bad_position, result.problem = tree.position, _not_appended(tree)
        result.tree_problems.extend(checkpoint_problems(conn, result.events))
        if result.first_bad_position is None:  # a fold of a forged event proves nothing, and may not even run
            result.projection_problems = differences(conn, batch)
    return result


def _rows(conn: Connection, head: int, batch: int) -> Iterator[Row[tuple[object, ...]]]:
    """The log's rows up to `head`, in order, `batch` at a time, all in `conn`'s transaction."""
    after = 0
    while True:
        rows = conn.execute(
            select(events)
            .where(events.c.position > after, events.c.position <= head)
            .order_by(events.c.position)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].position


def _not_appended(problem: merkle_store.TreeProblem) -> str:
    return (
        f"the event there is not the one that was appended: {problem.what} "
        "(an event was rewritten with its hash recomputed, inserted or deleted)"
    )


def checkpoint_problems(conn: Connection, log_size: int) -> list[str]:
    """Every stored checkpoint must sign the root that the stored tree gives for its size."""
    from events import checkpoint, merkle_store
    from events.proof import ProofError, verify_checkpoint
    from projections import signing_keys

    problems = []
    known = signing_keys.known(conn)
    largest = 0
    for row in conn.execute(select(checkpoints).order_by(checkpoints.c.size)):
        if row.public_key not in known:
            problems.append(
                f"checkpoint of size {row.size} is signed by a key the log never registered ({row.public_key})"
            )
            continue
        valid_from, valid_until = known[row.public_key]
        if row.size < valid_from or (valid_until is not None and row.size >= valid_until):
            problems.append(
                f"checkpoint of size {row.size} is signed by a key that did not sign at that size (registered at "
                f"{valid_from or 'the start'}, replaced at {valid_until}): a retired key signs nothing new"
            )
            continue
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
            continue
        largest = row.size
    public = (
        select(func.max(events.c.position))
        .where(events.c.type.in_(PUBLIC_CHANGES), events.c.position <= log_size)
        .scalar_subquery()
    )
    last_public = conn.execute(select(public)).scalar()
    if last_public is not None and last_public > largest:
        problems.append(
            f"the public change at position {last_public} is covered by no valid signed checkpoint "
            f"(the largest covers {largest} events): it was made public without the registry's signature"
        )
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
