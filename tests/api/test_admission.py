"""How many GraphQL requests a server works on at once, over real HTTP on SQLite and PostgreSQL: one more waits
briefly, then is turned away with 503 and Retry-After; the slot is given back once the work is done.

The first request is held at its database connection by a gate the test opens (an engine event, so the server and
the database are the real ones), so which request gets the slot and how long it keeps it do not depend on timing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event

from api.app import ServerLimits
from registry.service import Registry
from tests.api.server import Api, client, serving

QUERY = "{ catalog { totalCount } }"


class Gate:
    """Holds every connection checkout of an engine until opened; says when the first one is waiting."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def hold(self, *_: Any) -> None:
        self.reached.set()
        self.opened.wait(timeout=30)  # once opened, every checkout goes straight through


@pytest.fixture
def api(registry: Registry) -> Iterator[Api]:
    with serving(registry.engine, registry.profile, limits=ServerLimits(concurrent=1, queue=0.2)) as running:
        yield running


def test_a_request_beyond_the_concurrent_ones_waits_then_gets_503_with_retry_after(
    registry: Registry, api: Api
) -> None:
    gate = Gate()
    event.listen(registry.engine, "checkout", gate.hold)
    with ThreadPoolExecutor(1) as background, client(api.url) as other:
        try:
            first = background.submit(other.post, QUERY)
            assert gate.reached.wait(timeout=30)  # the first request holds the only slot

            turned_away = api.post(QUERY)
        finally:
            gate.opened.set()
        answered = first.result()
    event.remove(registry.engine, "checkout", gate.hold)

    assert turned_away.status_code == 503
    assert turned_away.headers["retry-after"] == "1"
    assert answered.status_code == 200
    assert answered.json() == {"data": {"catalog": {"totalCount": 0}}}
    assert api.query(QUERY) == {"catalog": {"totalCount": 0}}  # the slot was given back


def test_the_portal_page_is_served_while_every_slot_is_taken(registry: Registry, api: Api) -> None:
    gate = Gate()
    event.listen(registry.engine, "checkout", gate.hold)
    with ThreadPoolExecutor(1) as background, client(api.url) as other:
        try:
            first = background.submit(other.post, QUERY)
            assert gate.reached.wait(timeout=30)

            page = api.http.get("/")
            module = api.http.get("/static/app.js")
        finally:
            gate.opened.set()
        assert first.result().status_code == 200
    event.remove(registry.engine, "checkout", gate.hold)

    assert (page.status_code, module.status_code) == (200, 200)
