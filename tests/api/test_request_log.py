"""The server log of the real `registry serve`: a client's mistake (a bad cursor, a page size over the limit) is one
line with the status, the operation and the message; a fault of the server keeps its traceback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLError
from sqlalchemy import text

from api.request_log import fault
from events.database import open_engine
from tests.api.office import Office
from tests.api.server import Api, client, serve_process
from tests.conftest import REGISTRY_BIN, initialise
from tests.signing import signed_registry

LOG_SECONDS = 5


@dataclass
class Served:
    api: Api
    log: Path
    url: str

    def logged_by(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, list[str]]:
        """The status of POSTing `body` to /graphql, and the lines the server logged for it."""
        before = self.log.read_text("utf-8")
        status = self.api.http.post("/graphql", json=body, headers=headers).status_code
        deadline = time.monotonic() + LOG_SECONDS
        while time.monotonic() < deadline:
            after = self.log.read_text("utf-8")
            if after != before and after.endswith("\n"):
                time.sleep(0.2)  # a traceback's lines come in more than one write
                return status, self.log.read_text("utf-8")[len(before) :].splitlines()
            time.sleep(0.05)
        return status, []


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`registry serve` on a SQLite file with one published item; its log in serve.log."""
    work = tmp_path_factory.mktemp("request-log")
    url = f"sqlite:///{work / 'registry.db'}"
    engine = open_engine(url)
    initialise(engine)
    Office(signed_registry(engine)).publish_new("czj-yusuan")
    engine.dispose()
    with serve_process(REGISTRY_BIN, url, work) as address, client(address) as api:
        yield Served(api, work / "serve.log", url)


def test_a_bad_cursor_is_one_line_with_status_operation_and_message_and_no_traceback(served: Served) -> None:
    body = {"query": 'query Page { catalog(after: "zz") { totalCount } }', "operationName": "Page"}

    status, lines = served.logged_by(body)

    assert len(lines) == 1, lines
    assert str(status) in lines[0] and "Page" in lines[0] and "invalid cursor 'zz'" in lines[0]
    assert "Traceback" not in "\n".join(lines)


def test_a_page_size_over_the_limit_is_one_line_and_no_traceback(served: Served) -> None:
    body = {"query": "query Big($n: PageSize) { catalog(first: $n) { totalCount } }", "variables": {"n": 1000}}

    status, lines = served.logged_by(body, headers={"Accept": "application/graphql-response+json"})

    assert status == 400
    assert len(lines) == 1, lines
    assert "400" in lines[0] and "Big" in lines[0] and "page size must be between 0 and 200" in lines[0]


def test_a_client_error_cannot_write_a_line_of_its_own_into_the_log(served: Served) -> None:
    body = {"query": "{ log { position } }", "operationName": "A\nforged line"}

    _status, lines = served.logged_by(body)

    assert len(lines) == 1, lines


def test_an_answer_without_errors_logs_nothing(served: Served) -> None:
    assert served.logged_by({"query": "{ log { position } }"}) == (200, [])


def test_a_fault_of_the_server_still_logs_its_traceback(served: Served) -> None:
    engine = open_engine(served.url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE published_versions"))  # every asOf read now fails in the database
    engine.dispose()
    body = {"query": 'query Then { item(id: "czj-yusuan", asOf: "2030-01-01T00:00:00Z") { id } }'}

    _status, lines = served.logged_by(body)

    assert "Traceback (most recent call last):" in lines, lines
    assert any("published_versions" in line for line in lines)


def test_an_error_of_the_request_is_the_clients_and_an_unexpected_exception_the_servers() -> None:
    assert not fault(GraphQLError("invalid cursor 'zz'"))
    assert not fault(GraphQLError("refused", original_error=GraphQLError("refused")))
    assert fault(GraphQLError("boom", original_error=RuntimeError("boom")))
