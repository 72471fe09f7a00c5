"""Items as this process last wrote them, so that a command need not read and fold its item's stream again.

An entry is exact for as long as the log's head is the one it was recorded at: the head's hash chains over every
event before it, so a log with the same head holds the same events. A writer reads the head under the append lock
anyway; when it is not the head the cache knows (another process or connection appended, or an append rolled
back after the cache learnt of it), the cache forgets everything. Entries are recorded only after their commit,
and only when that commit's transaction started from the head the cache knows (else the cache starts over from
that commit), so a late report of an earlier commit can never leave an older state under a newer head.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from registry.items.state import ItemState

Head = tuple[int, str]  # (position, hash) of the log's newest event


@dataclass(frozen=True)
class Known:
    """An item's state after its stream's `version` events, and when the last of them took effect."""

    item: ItemState
    version: int
    last: datetime | None


class StreamCache:
    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._head: Head | None = None
        self._items: OrderedDict[str, Known] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, head: Head, stream_id: str) -> Known | None:
        """The stream as of `head` (read under the append lock), if this cache knows it."""
        with self._lock:
            if head != self._head:
                self._items.clear()
                self._head = head
                return None
            found = self._items.get(stream_id)
            if found is not None:
                self._items.move_to_end(stream_id)
            return found

    def committed(self, before: Head, after: Head, streams: Mapping[str, Known]) -> None:
        """A transaction that started at `before` committed, leaving the log at `after` and these streams so."""
        with self._lock:
            if before != self._head:
                self._items.clear()
            self._head = after
            for stream_id, known in streams.items():
                self._items[stream_id] = known
                self._items.move_to_end(stream_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
