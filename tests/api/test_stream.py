"""The live stream /changes/stream over real HTTP (httpx streaming), on SQLite and PostgreSQL: events in log order with
their positions as ids, resuming after Last-Event-ID, changes arriving live, heartbeats, filters, limits, shutdown."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from api.stream import StreamSettings
from registry.service import Registry
from tests.api.changes_story import BACKENDS, Served, leaked, served_story, village_registry
from tests.api.office import Office
from tests.api.server import Api, free_port, serving
from tests.conftest import REGISTRY_BIN

STREAM = "/changes/stream"
QUICK = StreamSettings(heartbeat=0.3, poll=0.05)
WAIT = 10.0  # seconds any one expected message may take
CHANGES = "{ changes(first: 200) { edges { node { position itemId kind version publishedAt } } } }"


@dataclass(frozen=True)
class Event:
    id: str | None
    data: str

    def payload(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.data)
        return found


@dataclass(frozen=True)
class Comment:
    text: str


@dataclass(frozen=True)
class Ended:
    """The stream ended: `clean` when the server closed the response properly (the chunked body's last chunk), not
    when the connection broke or the test closed it."""

    clean: bool


class Reader:
    """The messages of an event stream as a client parses them (the WHATWG rules that matter here), read by a thread
    of its own into a queue, so that a test can wait for the next one with a timeout."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.messages: queue.Queue[Event | Comment | Ended] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        clean = False
        try:
            for line in self.response.iter_lines():
                if line == "":
                    if "data" in fields:
                        self.messages.put(Event(fields.get("id"), fields["data"]))
                    fields = {}
                elif line.startswith(":"):
                    self.messages.put(Comment(line[1:].strip()))
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    fields[name] = f"{fields[name]}\n{value}" if name == "data" and name in fields else value
            clean = True
        except (httpx.HTTPError, RuntimeError):
            pass  # the connection broke, or the test closed the stream
        finally:
            self.messages.put(Ended(clean))

    def next(self, timeout: float = WAIT) -> Event | Comment | Ended:
        return self.messages.get(timeout=timeout)

    def events(self, count: int) -> list[Event]:
        """The next `count` events, skipping heartbeats."""
        found: list[Event] = []
        deadline = time.monotonic() + WAIT
        while len(found) < count:
            message = self.next(max(0.01, deadline - time.monotonic()))
            assert not isinstance(message, Ended), f"the stream ended after {found}"
            if isinstance(message, Event):
                found.append(message)
        return found

    def quiet_until_heartbeat(self) -> None:
        """The next message is a heartbeat: nothing more was due."""
        message = self.next()
        assert isinstance(message, Comment), f"expected a heartbeat, got {message}"


@contextmanager
def stream(api: Api, params: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Iterator[Reader]:
    with api.http.stream("GET", STREAM, params=params, headers=headers, timeout=WAIT) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Reader(response)


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_story(request.param, tmp_path_factory.mktemp("stream"), stream=QUICK) as served:
        yield served


def positions(api: Api) -> list[dict[str, Any]]:
    return [edge["node"] for edge in api.query(CHANGES)["changes"]["edges"]]


def key(event: Event) -> tuple[str, str, int]:
    data = event.payload()["data"]
    return data["itemId"], data["kind"].lower(), data["version"]


def test_from_the_start_every_change_arrives_in_log_order_with_its_position_as_id(served: Served) -> None:
    changes = positions(served.api)

    with stream(served.api, headers={"Last-Event-ID": "0"}) as reader:
        events = reader.events(len(changes))
        reader.quiet_until_heartbeat()

    assert [event.id for event in events] == [str(change["position"]) for change in changes]
    assert [key(event) for event in events] == served.story.expected()


def test_an_event_carries_the_webhooks_payload(served: Served) -> None:
    [change] = [c for c in positions(served.api) if c["kind"] == "CANCEL"]

    with stream(served.api, {"kind": "cancel"}, {"Last-Event-ID": "0"}) as reader:
        [received] = reader.events(1)
    payload = received.payload()

    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["type"] == "catalog.item.cancelled"
    assert payload["timestamp"] == change["publishedAt"]
    assert payload["data"]["position"] == change["position"]
    assert payload["data"]["item"]["id"] == "mzj-dibao"
    assert payload["data"]["item"]["version"] == 1  # the version it took out of the catalog


@pytest.mark.parametrize("how", ["header", "lastEventId", "after"])
def test_a_reconnecting_client_gets_exactly_the_changes_after_its_last_event(served: Served, how: str) -> None:
    changes = positions(served.api)
    last = str(changes[2]["position"])
    headers = {"Last-Event-ID": last} if how == "header" else None
    params = {how: last} if how != "header" else None

    with stream(served.api, params, headers) as reader:
        events = reader.events(len(changes) - 3)
        reader.quiet_until_heartbeat()

    assert [event.id for event in events] == [str(change["position"]) for change in changes[3:]]


def test_a_client_that_has_seen_everything_gets_only_heartbeats(served: Served) -> None:
    newest = str(positions(served.api)[-1]["position"])

    with stream(served.api, headers={"Last-Event-ID": newest}) as reader:
        reader.quiet_until_heartbeat()
        reader.quiet_until_heartbeat()


def test_a_new_client_starts_from_now(served: Served) -> None:
    with stream(served.api) as reader:
        reader.quiet_until_heartbeat()


@pytest.mark.parametrize(
    ("params", "flt"),
    [
        ({"kind": "增加"}, {"kind": "add"}),
        ({"level": "村级"}, {"level": "village"}),
        ({"village": "测试甲嘎查"}, {"village": "测试甲嘎查"}),
        ({"unit": "民政局"}, {"unit": "民政局"}),
        ({"domain": "涉农补贴", "kind": "change"}, {"domain": "涉农补贴", "kind": "change"}),
    ],
    ids=lambda given: json.dumps(given, ensure_ascii=False),
)
def test_the_stream_gives_only_the_changes_its_filter_matches(
    served: Served, params: dict[str, str], flt: dict[str, str]
) -> None:
    wanted = served.story.expected(**flt)

    with stream(served.api, params, {"Last-Event-ID": "0"}) as reader:
        events = reader.events(len(wanted))
        reader.quiet_until_heartbeat()

    assert [key(event) for event in events] == wanted


def test_no_draft_pending_version_or_actor_reaches_the_stream(served: Served) -> None:
    count = len(served.story.published)

    with stream(served.api, headers={"Last-Event-ID": "0"}) as reader:
        events = reader.events(count)
        reader.quiet_until_heartbeat()
    text = "\n".join(event.data for event in events)

    assert leaked(text) == []
    assert "czj-caogao" not in text


@pytest.mark.parametrize(
    ("params", "headers", "named"),
    [
        ({"level": "市级"}, None, "level"),
        ({"village": "没有这个嘎查"}, None, "village"),
        ({"kind": "x"}, None, "kind"),
        ({"levle": "village"}, None, "levle"),
        (None, {"Last-Event-ID": "abc"}, "Last-Event-ID"),
        ({"after": "-1"}, None, "Last-Event-ID"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(
    served: Served, params: dict[str, str] | None, headers: dict[str, str] | None, named: str
) -> None:
    response = served.api.http.get(STREAM, params=params, headers=headers)

    assert response.status_code == 400
    assert named in response.text


# -- registries of their own: publishing while a client listens ------------------------------------------------------


def test_a_change_published_while_connected_arrives_live(registry: Registry) -> None:
    office = Office(registry)
    office.publish_new("before-connecting")
    with serving(registry.engine, registry.profile, stream=QUICK) as api, stream(api) as reader:
        reader.quiet_until_heartbeat()  # connected, and nothing from before
        office.publish_new("while-connected", name="连接期间公布的事项")
        [live] = reader.events(1)
        [change] = [c for c in positions(api) if c["itemId"] == "while-connected"]

    assert live.id == str(change["position"])
    assert live.payload()["data"]["item"]["name"] == "连接期间公布的事项"


def test_a_change_filtered_out_does_not_arrive_but_the_next_matching_one_does(registry: Registry) -> None:
    office = Office(registry)
    with serving(registry.engine, registry.profile, stream=QUICK) as api, stream(api, {"unit": "民政局"}) as reader:
        reader.quiet_until_heartbeat()
        office.publish_new("czj-other")  # 财政局's
        office.publish_new("mzj-wanted", domain="社会救助", unit="民政局")
        [live] = reader.events(1)

    assert key(live) == ("mzj-wanted", "add", 1)


def test_one_watcher_reads_the_public_position_for_every_stream(registry: Registry) -> None:
    """Ten idle streams for a second cost about as many reads as one: the watcher's, not one per stream per poll."""
    settings = StreamSettings(heartbeat=0.2, poll=0.1)
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "max(public_changes.position)" in statement.lower():
            reads.append(statement)

    with serving(registry.engine, registry.profile, stream=settings) as api, ExitStack() as streams:
        readers = [streams.enter_context(stream(api)) for _ in range(10)]
        for reader in readers:
            reader.quiet_until_heartbeat()  # each is connected and waiting
        event.listen(registry.engine, "before_cursor_execute", count)
        try:
            time.sleep(1.0)
        finally:
            event.remove(registry.engine, "before_cursor_execute", count)

    assert 3 <= len(reads) <= 15, len(reads)  # one watcher: about 10; a poll per stream would be about 100


def test_beyond_the_stream_limit_a_client_is_told_to_retry_later(registry: Registry) -> None:
    settings = StreamSettings(heartbeat=0.2, poll=0.05, max_streams=2)
    with serving(registry.engine, registry.profile, stream=settings) as api:
        with stream(api), stream(api), api.http.stream("GET", STREAM, timeout=WAIT) as third:
            # Its body is not read: were it a stream, it would never end.
            refused = (third.status_code, third.headers.get("retry-after"))
        time.sleep(0.5)  # the server notices the two clients have gone
        with stream(api) as reader:
            reader.quiet_until_heartbeat()

    assert refused == (503, "5")


def test_registry_serve_ends_its_streams_cleanly_when_it_is_stopped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    with village_registry(url) as registry:
        Office(registry).publish_new("czj-yusuan")
    port = free_port()
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [str(REGISTRY_BIN), "--db", url, "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base, process, tmp_path / "serve.log")
        with (
            httpx.Client(base_url=base, timeout=WAIT) as http,
            http.stream("GET", STREAM, headers={"Last-Event-ID": "0"}) as response,
        ):
            reader = Reader(response)
            [first] = reader.events(1)
            process.send_signal(signal.SIGTERM)
            ended = _until_ended(reader)
        code = process.wait(timeout=WAIT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert json.loads(first.data)["data"]["itemId"] == "czj-yusuan"
    assert ended == Ended(clean=True)
    # uvicorn shuts down gracefully, then raises the signal it caught again: the exit says SIGTERM.
    assert code == -signal.SIGTERM, (tmp_path / "serve.log").read_text()
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


def _until_ended(reader: Reader) -> Ended | None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        message = reader.next(max(0.01, deadline - time.monotonic()))
        if isinstance(message, Ended):
            return message
    return None


def _wait_for(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"registry serve did not start: {log.read_text()}")
