"""What each spawned registrant process runs. Kept apart from the tests so that a child imports little."""

from __future__ import annotations

from contextlib import suppress
from threading import BrokenBarrierError
from typing import Any

from sqlalchemy import event

from events.database import open_engine
from registry.actor import Role
from registry.rules import RuleViolation
from tests.signing import signed_registry

REGISTERED, REFUSED = 0, 4  # the exit codes of a registrant; anything else is a crash
TIMEOUT = 60
# How long a registrant that has looked up the admins waits for the other: a registrant waiting for the write lock
# never gets there, so under the lock this is how long the first one holds it.
PAUSE = 3


def register_first_admin(url: str, name: str, barrier: Any) -> None:
    """Register `name` as an admin with no registrar, as every other registrant does at the same moment.

    Each registrant pauses once it has looked up who the admins are, until every registrant has looked them up too
    (or PAUSE has passed): a lookup made outside the write lock is then stale for all of them at once.
    """
    engine = open_engine(url)
    paused: list[bool] = []

    def _pause_after_the_admin_lookup(*arguments: Any) -> None:
        statement = str(arguments[2])
        if "FROM actors" in statement and not paused:
            paused.append(True)
            with suppress(BrokenBarrierError):  # the other one waits for the lock: carry on alone
                barrier.wait(PAUSE)

    registry = signed_registry(engine)
    barrier.wait(TIMEOUT)
    event.listen(engine, "after_cursor_execute", _pause_after_the_admin_lookup)  # set up: the race starts here
    try:
        registry.register_actor(name, "政务服务局", frozenset({Role.ADMIN}))
    except RuleViolation:
        raise SystemExit(REFUSED) from None
    finally:
        engine.dispose()
