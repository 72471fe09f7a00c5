"""How many GraphQL requests may work at once, each with a worker thread and a database connection: the rest wait
briefly for one to finish, then are turned away (503, with Retry-After)."""

from __future__ import annotations

from collections.abc import Callable

import anyio


class Admission:
    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._free = anyio.Semaphore(slots)

    async def enter(self, wait: float) -> Callable[[], None] | None:
        """A slot, once one is free within `wait` seconds: the function that gives it back (calling it again does
        nothing). None if none freed up in time."""
        try:
            self._free.acquire_nowait()
        except anyio.WouldBlock:
            with anyio.move_on_after(wait) as waiting:
                await self._free.acquire()
            if waiting.cancelled_caught:
                return None
        given_back = False

        def give_back() -> None:
            nonlocal given_back
            if not given_back:
                given_back = True
                self._free.release()

        return give_back
