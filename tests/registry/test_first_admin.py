"""The first admin, registered by two real processes at once on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import multiprocessing

from registry.actor import Role
from registry.service import Registry
from tests.registry.registrant import REFUSED, REGISTERED, TIMEOUT, register_first_admin

SPAWN = multiprocessing.get_context("spawn")


def test_of_two_concurrent_first_admin_registrations_one_succeeds_and_the_other_is_refused(
    registry: Registry, db_url: str
) -> None:
    barrier = SPAWN.Barrier(2)
    racers = [SPAWN.Process(target=register_first_admin, args=(db_url, name, barrier)) for name in ("甲", "乙")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(TIMEOUT)
        if racer.is_alive():
            racer.kill()

    winners = [name for name, racer in zip(("甲", "乙"), racers, strict=True) if racer.exitcode == REGISTERED]
    assert sorted(racer.exitcode for racer in racers if racer.exitcode is not None) == [REGISTERED, REFUSED]
    assert [actor.actor_id for actor in registry.actors() if actor.has(Role.ADMIN)] == winners
