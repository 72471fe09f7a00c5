"""The Merkle tree's stored nodes: grown in the append's transaction, read for roots and proofs in O(log n)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from events import driver, merkle
from events.merkle import Getter, Key
from events.schema import events, merkle_nodes

_CHUNK = 100
_INSERT = 'INSERT INTO merkle_nodes (level, "index", hash) VALUES (?, ?, ?)'  # run by the driver (events.driver)
_NODES: dict[int, str] = {}


def _nodes(count: int) -> str:
    """The nodes at `count` (level, index) pairs, as an OR of pairs: SQLite answers that with the primary key,
    while it answers `(level, index) IN (VALUES ...)` by scanning the whole table, which made appends O(n).
    Driver SQL (events.driver), made once per count."""
    found = _NODES.get(count)
    if found is None:
        pairs = " OR ".join(['(level = ? AND "index" = ?)'] * count)
        found = _NODES[count] = f'SELECT level, "index", hash FROM merkle_nodes WHERE {pairs}'
    return found


def _fetch(conn: Connection, keys: Iterable[Key]) -> dict[Key, bytes]:
    wanted = sorted(set(keys))
    found: dict[Key, bytes] = {}
    for offset in range(0, len(wanted), _CHUNK):
        chunk = wanted[offset : offset + _CHUNK]
        rows = driver.fetch_all(conn, _nodes(len(chunk)), [number for key in chunk for number in key])
        found.update({(int(level), int(index)): bytes(value) for level, index, value in rows})
    return found


class MissingNode(Exception):
    pass


def _computed(conn: Connection, compute: Callable[[Getter], bytes | list[bytes]]) -> bytes | list[bytes]:
    nodes = _fetch(conn, merkle.needed(compute))

    def get(level: int, index: int) -> bytes:
        try:
            return nodes[(level, index)]
        except KeyError:
            raise MissingNode(f"the Merkle tree has no node ({level}, {index})") from None

    return compute(get)


def append(
    conn: Connection, first_index: int, event_hashes: list[str], frontier: dict[Key, bytes] | None = None
) -> dict[Key, bytes]:
    """Store the nodes that the new leaves (event hashes, hex) complete. Call in the append's transaction.

    `frontier`: the frontier nodes of the tree of `first_index` leaves if the caller knows them (read from the
    database otherwise). Returns the frontier of the grown tree, for the next append.
    """
    known = dict(frontier) if frontier is not None else _fetch(conn, merkle.frontier(first_index))
    created = merkle.grow(first_index, (bytes.fromhex(h) for h in event_hashes), known)
    driver.execute_many(conn, _INSERT, [(k[0], k[1], v) for k, v in created.items()])
    return {key: known[key] for key in merkle.frontier(first_index + len(event_hashes))}


def root(conn: Connection, size: int) -> bytes:
    result = _computed(conn, lambda get: merkle.root(size, get))
    assert isinstance(result, bytes)
    return result


def inclusion_proof(conn: Connection, index: int, size: int) -> list[bytes]:
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    result = _computed(conn, lambda get: merkle.inclusion_path(index, 0, size, get))
    assert isinstance(result, list)
    return result


def consistency_proof(conn: Connection, size1: int, size2: int) -> list[bytes]:
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    if size1 == size2:
        return []
    result = _computed(conn, lambda get: merkle.consistency_path(size1, 0, size2, True, get))
    assert isinstance(result, list)
    return result


@dataclass
class TreeProblem:
    what: str
    position: int | None = None  # the event whose leaf disagrees: not the event that was appended there


def check(
    reading: Callable[[], AbstractContextManager[Connection]], batch: int = 5000, events_count: int | None = None
) -> TreeProblem | None:
    """Recompute every node from the events' hashes (of the first `events_count` events, or all), streaming, and
    compare with the stored nodes. A wrong or missing leaf, or a leaf past the log's end, names its position."""
    known: dict[Key, bytes] = {}
    size = 0
    computed = 0
    while True:
        limit = batch if events_count is None else min(batch, events_count - size)
        if limit <= 0:
            return None
        with reading() as conn:
            rows = conn.execute(
                select(events.c.position, events.c.hash)
                .where(events.c.position > size)
                .order_by(events.c.position)
                .limit(limit)
            ).all()
            if not rows:
                stored = int(conn.execute(select(func.count()).select_from(merkle_nodes)).scalar_one())
                if events_count is None and stored != computed:
                    leaves = conn.execute(
                        select(func.count()).select_from(merkle_nodes).where(merkle_nodes.c.level == 0)
                    ).scalar_one()
                    past_the_end = size + 1 if leaves > size else None  # the log lost the event of that leaf
                    return TreeProblem(f"the tree stores {stored} nodes; the log makes {computed}", past_the_end)
                return None
            created = merkle.grow(size, (bytes.fromhex(r.hash) for r in rows), known)
            stored_nodes = _fetch(conn, created)
        for key, value in sorted(created.items()):  # leaves (level 0) first, in log order
            if stored_nodes.get(key) != value:
                state = "missing" if key not in stored_nodes else "wrong"
                position = key[1] + 1 if key[0] == 0 else None
                return TreeProblem(f"Merkle node (level {key[0]}, index {key[1]}) is {state}", position)
        computed += len(created)
        size += len(rows)
        # Only the frontier is needed to go on: memory stays O(log n).
        keep = set(merkle.frontier(size))
        known = {k: v for k, v in known.items() if k in keep}
