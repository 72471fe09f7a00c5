"""A request's deadline, on SQLite and PostgreSQL: a body that does not arrive, a statement that does not end and a
query held up in the database are each cut off with a clear answer, and leave nothing behind.

Nothing here is timed: each request or statement would wait forever (or for minutes) without the deadline, so the
only way each test ends in time is the deadline doing its work.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from api.app import RegistryGraphQL, ServerLimits
from api.deadline import DEADLINE_EXCEEDED, Deadline
from events.database import open_engine
from registry.profile import load_profile
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, registry_serve, serving
from tests.conftest import REGISTRY_BIN, initialise

SECONDS = 0.5
ENDLESS = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"


@pytest.fixture
def api(registry: Registry) -> Iterator[Api]:
    with serving(registry.engine, registry.profile, limits=ServerLimits(deadline=SECONDS)) as running:
        yield running


def unfinished_upload(api: Api) -> bytes:
    """What the server answers a POST whose body stops arriving a few bytes in."""
    host, port = api.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"query": '
        )
        answer = b""
        while chunk := connection.recv(4096):  # the client never sends the rest; the server closes the connection
            answer += chunk
        return answer


def test_a_body_that_does_not_arrive_by_the_deadline_is_answered_408(api: Api) -> None:
    answer = unfinished_upload(api)

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"connection: close" in answer.lower()


def test_registry_serve_cuts_requests_off_at_the_deadline_it_is_given(sqlite_url: str, tmp_path: Path) -> None:
    engine = open_engine(sqlite_url)
    initialise(engine)
    engine.dispose()

    with registry_serve(REGISTRY_BIN, sqlite_url, tmp_path, "--deadline", str(SECONDS)) as api:
        answer = unfinished_upload(api)

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert f"within {SECONDS:g} s".encode() in answer


def test_a_statement_that_would_not_end_is_stopped_at_the_deadline(db_url: str) -> None:
    engine = open_engine(db_url)
    view = RegistryGraphQL(engine, load_profile())
    deadline = Deadline.starting_now(SECONDS)
    try:
        with pytest.raises(OperationalError) as stopped, view.snapshot(deadline) as conn:
            conn.execute(text(ENDLESS))

        assert deadline.cut_off(stopped.value)
        with view.snapshot() as conn:  # the same pooled connection, with no deadline left on it
            assert conn.execute(text(ENDLESS.replace("FROM n)", "FROM n WHERE x < 100000)"))).scalar() == 100000
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # SQLite readers are never held up by a writer
def test_a_query_held_up_in_postgresql_past_the_deadline_gets_a_clear_error(registry: Registry, api: Api) -> None:
    Office(registry).publish_new("czj-yusuan")
    with registry.engine.connect() as lock:
        with lock.begin():
            lock.execute(text("LOCK TABLE public_catalog IN ACCESS EXCLUSIVE MODE"))  # held until answered

            response = api.post("{ catalog { totalCount } }")

        after = api.query("{ catalog { totalCount } }")

    assert response.status_code == 200
    assert response.json()["data"] is None
    [error] = response.json()["errors"]
    assert error["message"].startswith(f"the request was cut off after {SECONDS:g} s")
    assert error["extensions"] == {"code": DEADLINE_EXCEEDED}
    assert "etag" not in response.headers
    assert after == {"catalog": {"totalCount": 1}}
