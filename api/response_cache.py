"""Answers to public queries kept by their ETag, so that a query asked again is answered without executing it.

The ETag of an answer (RegistryGraphQL._tag) is a digest of the request (method, Accept, query string and body: the
query, its variables and operation) and of the public state it was answered in (the public catalog's position, and
the log head or the day when the operation depends on them). Two requests with one ETag have the same answer: that is
what a 304 already relies on. So the cache is exact by construction: a publication moves the position, every later
request gets another ETag, and what was kept for the old one is never served again (it ages out of the LRU).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

ENTRY_SHARE = 8  # an answer larger than budget / ENTRY_SHARE is not kept: a few huge pages must not evict the rest


@dataclass(frozen=True)
class Kept:
    """A 200 answer as it went out: its status line's headers and its body."""

    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)


class ResponseCache:
    """Least recently used answers, at most `budget` bytes of them (0: keep nothing). Used from the event loop's
    thread and from worker threads."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self.hits = 0
        self.misses = 0
        self._kept: OrderedDict[str, Kept] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, tag: str) -> Kept | None:
        with self._lock:
            kept = self._kept.get(tag)
            if kept is None:
                self.misses += 1
                return None
            self._kept.move_to_end(tag)
            self.hits += 1
            return kept

    def put(self, tag: str, kept: Kept) -> None:
        if kept.size * ENTRY_SHARE > self.budget:
            return
        with self._lock:
            if tag in self._kept:
                return
            self._kept[tag] = kept
            self.used += kept.size
            while self.used > self.budget:
                _, dropped = self._kept.popitem(last=False)
                self.used -= dropped.size

    def __len__(self) -> int:
        return len(self._kept)
