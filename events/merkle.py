"""RFC 9162 §2.1 Merkle tree algorithms over a source of stored complete subtrees. No I/O.

Node (level, index) is the hash of the aligned perfect subtree over leaves [index * 2**level, (index+1) * 2**level).
Proof and root functions run twice: once to learn which stored nodes they need (so they can be read in one
query), once with those nodes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from events.proof import leaf_hash, node_hash

Key = tuple[int, int]
Getter = Callable[[int, int], bytes]
EMPTY_ROOT = hashlib.sha256(b"").digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_hash(start: int, end: int, get: Getter) -> bytes:
    """MTH(D[start:end]) from stored perfect subtrees."""
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        return get(n.bit_length() - 1, start // n)
    k = split(n)
    return node_hash(subtree_hash(start, start + k, get), subtree_hash(start + k, end, get))


def root(size: int, get: Getter) -> bytes:
    return EMPTY_ROOT if size == 0 else subtree_hash(0, size, get)


def inclusion_path(index: int, start: int, end: int, get: Getter) -> list[bytes]:
    """PATH(index, D[start:end]) of RFC 9162 §2.1.3.1."""
    n = end - start
    if n == 1:
        return []
    k = split(n)
    if index < k:
        return [*inclusion_path(index, start, start + k, get), subtree_hash(start + k, end, get)]
    return [*inclusion_path(index - k, start + k, end, get), subtree_hash(start, start + k, get)]


def consistency_path(m: int, start: int, end: int, whole: bool, get: Getter) -> list[bytes]:
    """SUBPROOF(m, D[start:end], whole) of RFC 9162 §2.1.4.1."""
    n = end - start
    if m == n:
        return [] if whole else [subtree_hash(start, end, get)]
    k = split(n)
    if m <= k:
        return [*consistency_path(m, start, start + k, whole, get), subtree_hash(start + k, end, get)]
    return [*consistency_path(m - k, start + k, end, False, get), subtree_hash(start, start + k, get)]


def needed(compute: Callable[[Getter], object]) -> set[Key]:
    """The stored nodes that `compute` reads."""
    keys: set[Key] = set()

    def record(level: int, index: int) -> bytes:
        keys.add((level, index))
        return EMPTY_ROOT

    compute(record)
    return keys


def frontier(size: int) -> list[Key]:
    """The perfect subtrees that make up a tree of `size` leaves, left to right (at most log2(size) of them)."""
    keys = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            keys.append((level, start >> level))
            start += 1 << level
    return keys


def grow(first_index: int, leaves: Iterable[bytes], known: dict[Key, bytes]) -> dict[Key, bytes]:
    """The new nodes that appending `leaves` (event hashes) from `first_index` completes.

    `known` must hold the frontier nodes of the tree of `first_index` leaves; it is extended in place.
    """
    created: dict[Key, bytes] = {}
    index = first_index
    for leaf in leaves:
        level, position, value = 0, index, leaf_hash(leaf)
        created[(0, position)] = known[(0, position)] = value
        while position & 1:
            value = node_hash(known[(level, position - 1)], value)
            level, position = level + 1, position >> 1
            created[(level, position)] = known[(level, position)] = value
        index += 1
    return created
