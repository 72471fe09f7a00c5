"""Reads from a real PostgreSQL streaming replica (api/replicas.py, `registry serve --read-url`).

The replica is a second cluster on this machine that streams the primary's WAL (.ci/pg-replica makes it and .ci/run
starts it): REGISTRY_TEST_POSTGRES_REPLICA_URL names it, without it these tests are skipped with that reason. To hold
the replica behind the primary on purpose, a test pauses its replay (`pg_wal_replay_pause()`) and always resumes it.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from api.app import ServerLimits
from api.feeds import PATH as FEED_PATH
from api.replicas import NotAStandby, Reads, Replica, lsn
from events.database import open_engine
from registry.service import Registry
from registry.transfer.importing import derived_id
from tests.api.freezing_proxy import FreezingProxy
from tests.api.office import Office
from tests.api.server import registry_serve, serving
from tests.api.staff import desk, draft_input
from tests.api.test_staff_import import NAMES, good_rows, xlsx
from tests.api.test_staff_import import drafter as import_drafter
from tests.api.test_staff_import import report as import_report
from tests.api.test_staff_import import send as send_import
from tests.conftest import REGISTRY_BIN, fresh_postgres_schema, initialise
from tests.signing import signed_registry

pytestmark = pytest.mark.postgres

REPLICA_URL = os.environ.get("REGISTRY_TEST_POSTGRES_REPLICA_URL")
# A command that takes `stop` or `start` (.ci/pg-replica): for the test that stops the replica under load.
REPLICA_CONTROL = os.environ.get("REGISTRY_TEST_REPLICA_CONTROL")
CATALOG = "{ catalog { edges { node { id } } } log { position } }"


def _replica_problem() -> str | None:
    if not REPLICA_URL:
        return (
            "no streaming replica to read from: REGISTRY_TEST_POSTGRES_REPLICA_URL is not set "
            "(.ci/pg-replica makes one on 127.0.0.1:5433, and .ci/run sets it)"
        )
    engine = create_engine(REPLICA_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one():
                return f"{REPLICA_URL} is not a standby"
    except (OperationalError, ImportError) as error:
        return f"the replica at {REPLICA_URL} does not answer ({str(error).splitlines()[0]})"
    finally:
        engine.dispose()
    return None


@dataclass
class Replicated:
    """A fresh schema on the primary, as its registry, and the same schema on the replica."""

    registry: Registry
    replica_url: str  # the replica, with the schema's search_path
    control: Engine  # the replica, to pause and resume its replay (autocommit)

    def caught_up(self, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        with self.registry.engine.connect() as conn:
            target = lsn(conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one())
        eventually(lambda: self.replayed() >= target, timeout, "the replica did not catch up")

    def replayed(self) -> int:
        with self.control.connect() as conn:
            return lsn(conn.execute(text("SELECT pg_last_wal_replay_lsn()::text")).scalar_one())

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The replica's replay paused: it serves what it had, while the primary moves on."""
        with self.control.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_pause()"))
        try:
            yield
        finally:
            with self.control.connect() as conn:
                conn.execute(text("SELECT pg_wal_replay_resume()"))

    def reads(self, max_lag: float = 60.0, *, serving: bool = True) -> Reads:
        """Reads over the replica; with `serving`, once the monitor has judged it fit to serve (its first look may
        not know how far behind a replica of a busy primary is: tests/api run beside other writers)."""
        reads = Reads.open(self.registry.engine, [self.replica_url], max_lag=max_lag, interval=0.2)
        if serving:
            settled(reads)
        return reads

    def position(self) -> int:
        """The primary's log position."""
        with self.registry.engine.connect() as conn:
            return int(conn.execute(text("SELECT coalesce(max(position), 0) FROM events")).scalar_one())


@pytest.fixture
def replicated() -> Iterator[Replicated]:
    problem = _replica_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {problem}")
        pytest.skip(problem)
    assert REPLICA_URL is not None
    with fresh_postgres_schema() as url:
        options = make_url(url).query["options"]
        replica_url = make_url(REPLICA_URL).update_query_dict({"options": options}).render_as_string(False)
        engine = open_engine(url)
        initialise(engine)
        control = create_engine(REPLICA_URL, isolation_level="AUTOCOMMIT")
        try:
            found = Replicated(signed_registry(engine), replica_url, control)
            found.caught_up()
            yield found
        finally:
            control.dispose()
            engine.dispose()


def settled(reads: Reads) -> None:
    """Wait until the monitor, looking again and again, judges the replica fit to serve."""

    def serving() -> bool:
        reads.look()
        return bool(reads.status()[0]["serving"])

    eventually(serving, 15, "the replica is not serving")


def eventually(condition: Callable[[], bool], timeout: float = 15, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message or "the condition did not come true in time"
        time.sleep(0.05)


def ids(data: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in data["catalog"]["edges"]]


def test_public_reads_come_from_the_replica_and_say_which_position_they_show(replicated: Replicated) -> None:
    office = Office(replicated.registry)
    office.publish_new("czj-jia", name="甲")
    replicated.caught_up()
    with serving(replicated.registry.engine, replicated.registry.profile, reads=replicated.reads()) as api:
        before = api.post(CATALOG)
        with replicated.paused():
            office.publish_new("czj-yi", name="乙")
            lagging = api.post(CATALOG)
            health = api.http.get("/healthz").json()
        assert ids(lagging.json()["data"]) == ["czj-jia"]  # the replica had not replayed 乙's publication
        assert lagging.json()["data"]["log"]["position"] < replicated.position()
        assert lagging.headers["etag"] == before.headers["etag"]  # the ETag names the state it shows
        assert health["replicas"][0]["serving"] is True
        assert health["position"] == replicated.position()  # /healthz gives the primary's head

        eventually(lambda: ids(api.query(CATALOG)) == ["czj-jia", "czj-yi"], message="replay resumed, still old")
        caught = api.post(CATALOG)
        assert caught.json()["data"]["log"]["position"] == replicated.position()
        assert caught.headers["etag"] != before.headers["etag"]


def test_the_atom_feed_is_read_from_the_replica_too(replicated: Replicated) -> None:
    office = Office(replicated.registry)
    office.publish_new("czj-jia", name="甲")
    replicated.caught_up()
    with serving(replicated.registry.engine, replicated.registry.profile, reads=replicated.reads()) as api:
        with replicated.paused():
            office.publish_new("czj-yi", name="乙")
            lagging = api.http.get(FEED_PATH)
        assert lagging.status_code == 200
        assert "czj-jia" in lagging.text and "czj-yi" not in lagging.text
        eventually(lambda: "czj-yi" in api.http.get(FEED_PATH).text, message="replay resumed, the feed still old")


def test_a_feed_page_or_a_staff_read_on_a_replica_leaves_its_connections_fit_for_the_next_reads(
    replicated: Replicated,
) -> None:
    with desk(replicated.registry, "drafter", reads=replicated.reads()) as office_desk:
        office_desk.office.publish_new("czj-jia", name="甲")
        replicated.caught_up()
        api, person = office_desk.api, office_desk.signed_in("drafter")
        for _ in range(3):
            assert api.http.get(FEED_PATH).status_code == 200
            assert person.data('{ item(id: "czj-jia") { id } }')["item"] == {"id": "czj-jia"}
            answers = [api.post(CATALOG) for _ in range(6)]
            assert [(a.status_code, "errors" in a.json()) for a in answers] == [(200, False)] * 6
        assert api.http.get("/healthz").json()["replicas"][0]["serving"] is True


def test_a_replica_already_far_behind_when_the_server_starts_is_not_read_from(replicated: Replicated) -> None:
    office = Office(replicated.registry)
    office.publish_new("czj-jia", name="甲")
    replicated.caught_up()
    with replicated.paused():
        office.publish_new("czj-yi", name="乙")
        time.sleep(1.5)  # more than the limit behind, before the monitor's first look
        reads = replicated.reads(max_lag=1.0, serving=False)
        assert reads.status()[0]["serving"] is False  # how far behind is not known yet: not read from
        with serving(replicated.registry.engine, replicated.registry.profile, reads=reads) as api:
            assert ids(api.query(CATALOG)) == ["czj-jia", "czj-yi"]


def test_an_import_is_read_back_by_its_drafter_at_once(replicated: Replicated, tmp_path: Path) -> None:
    reads = replicated.reads()
    recorded = reads.wrote

    def wrote_then_pause(actor_id: str) -> None:
        # The window made certain: once the server has recorded where the actor's write ends, the replica replays
        # up to there and then stops. A position recorded before the import's rows would let the reads below go
        # to the replica, which has none of them.
        recorded(actor_id)
        with reads._lock:
            position = reads._written[actor_id]
        replica = reads.replicas[0]  # as the server's monitor sees it
        eventually(lambda: replica.replayed >= position, 15, "the replica did not replay the recorded write")
        with replicated.control.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_pause()"))

    reads.wrote = wrote_then_pause  # type: ignore[method-assign]
    try:
        with desk(replicated.registry, reads=reads) as office_desk:
            person = import_drafter(office_desk)
            found = import_report(send_import(person, xlsx(tmp_path, good_rows()), dryRun="false"))
            assert found["written"]
            first = derived_id("财政局", ("财政预决算", NAMES[0], ""))
            assert person.data(f'{{ item(id: "{first}") {{ id }} }}')["item"] == {"id": first}
    finally:
        with replicated.control.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))


def test_a_replica_of_another_schema_is_refused(replicated: Replicated) -> None:
    assert REPLICA_URL is not None
    with pytest.raises(NotAStandby) as refused:
        Reads.open(replicated.registry.engine, [REPLICA_URL])  # the replica's default schema, not the registry's
    assert refused.value.elsewhere


def test_an_etag_always_names_the_answer_it_is_given_with_even_when_the_primary_takes_turns(
    replicated: Replicated,
) -> None:
    # An Accept header graphql-server's own view must answer: the ETag is read first, the answer executed after.
    multipart = {"accept": "multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/json"}
    office = Office(replicated.registry)
    office.publish_new("czj-jia", name="甲")
    replicated.caught_up()
    reads = Reads.open(
        replicated.registry.engine, [replicated.replica_url], max_lag=60, interval=0.2, primary_reads=True
    )
    settled(reads)
    answers: dict[str | None, set[tuple[str, ...]]] = {}
    with serving(replicated.registry.engine, replicated.registry.profile, reads=reads) as api:
        with replicated.paused():
            office.publish_new("czj-yi", name="乙")
            for _ in range(8):  # the primary and the lagging replica in turn
                response = api.http.post("/graphql", json={"query": CATALOG}, headers=multipart)
                assert response.status_code == 200, response.text
                answers.setdefault(response.headers.get("etag"), set()).add(tuple(ids(response.json()["data"])))
        replicated.caught_up()
        eventually(lambda: reads.replicas[0].replayed >= replicated.replayed(), 15)
        later = [api.http.post("/graphql", json={"query": CATALOG}, headers=multipart) for _ in range(4)]
    assert len({frozenset(found) for found in answers.values()}) == 2  # both states were seen
    assert all(len(found) == 1 for found in answers.values()), answers  # one answer per ETag
    assert [ids(response.json()["data"]) for response in later] == [["czj-jia", "czj-yi"]] * 4


def test_a_replica_whose_server_hangs_costs_time_not_answers(replicated: Replicated) -> None:
    office = Office(replicated.registry)
    office.publish_new("czj-jia", name="甲")
    replicated.caught_up()
    replica = make_url(replicated.replica_url)
    with FreezingProxy((replica.host or "127.0.0.1", replica.port or 5432)) as proxy:
        through = replica.set(port=proxy.port).render_as_string(hide_password=False)
        reads = Reads.open(replicated.registry.engine, [through], interval=0.2)
        settled(reads)
        limits = ServerLimits(deadline=4.0)
        with serving(replicated.registry.engine, replicated.registry.profile, reads=reads, limits=limits) as api:
            assert all(answer == ["czj-jia"] for answer in _concurrently(api.url, 8))  # the replica's pool filled
            proxy.freeze()  # its connections stay open, and nothing comes back on them
            started = time.monotonic()
            answers = _concurrently(api.url, 8)
            took = time.monotonic() - started
        assert answers == [["czj-jia"]] * 8  # the watchdog cut the hung reads, and the primary answered in time
        assert took < 4.0 + 2.0
        assert reads.status()[0]["up"] is False


def _concurrently(url: str, count: int) -> list[list[str] | str]:
    """The catalog's ids as `count` clients asking at once get them (or what went wrong instead)."""
    found: list[list[str] | str] = [""] * count

    def ask(slot: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            response = http.post("/graphql", json={"query": CATALOG})
        body = response.json() if response.status_code == 200 else {}
        found[slot] = ids(body["data"]) if body.get("data") else f"{response.status_code}: {response.text[:200]}"

    workers = [threading.Thread(target=ask, args=(slot,)) for slot in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return found


def test_a_write_position_that_cannot_be_read_keeps_the_actor_on_the_primary_until_the_next(
    replicated: Replicated,
) -> None:
    primary = replicated.registry.engine
    replica = Replica("the replica", create_engine(replicated.replica_url), up=True, replayed=1 << 62, lag=0.0)
    replica.seen = time.monotonic()
    unreachable = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/test", connect_args={"connect_timeout": 1})
    reads = Reads(unreachable, [replica])
    try:
        assert reads.staff("起草人") == [replica.engine, unreachable]  # no write of theirs known: the replica
        reads.wrote("起草人")  # the primary's WAL position cannot be read
        assert reads.staff("起草人") == [unreachable]  # so the actor reads the primary
        reads.primary = primary
        reads.wrote("起草人")  # the next write's position is read
        assert reads.staff("起草人") == [replica.engine, primary]  # the replica has replayed past it
    finally:
        replica.engine.dispose()
        unreachable.dispose()


def test_a_replica_lagging_past_the_limit_is_skipped(replicated: Replicated) -> None:
    office = Office(replicated.registry)
    office.publish_new("czj-jia", name="甲")
    replicated.caught_up()
    reads = replicated.reads(max_lag=1.0)
    with serving(replicated.registry.engine, replicated.registry.profile, reads=reads) as api, replicated.paused():
        office.publish_new("czj-yi", name="乙")
        # Within a second and a look or two, the monitor judges the replica too far behind: the primary answers.
        eventually(lambda: ids(api.query(CATALOG)) == ["czj-jia", "czj-yi"], timeout=10)
        assert api.http.get("/healthz").json()["replicas"][0]["serving"] is False
        assert api.query(CATALOG)["log"]["position"] == replicated.position()


def test_staff_reads_see_their_own_writes_at_once_while_the_replica_lags(replicated: Replicated) -> None:
    with desk(replicated.registry, "drafter", reads=replicated.reads()) as office_desk:
        person = office_desk.signed_in("drafter")
        replicated.caught_up()
        seen = '{ item(id: "%s") { id status } }'
        with replicated.paused():
            # Written beside the server (as the CLI would): the server does not know of it, and the drafter's
            # reads still come from the replica, which has not replayed it.
            office_desk.office.draft("czj-beside")
            assert person.data(seen % "czj-beside")["item"] is None

            payload = person.mutate("draftItem", draft_input("czj-here"))
            assert payload["userErrors"] == [] and payload["receipt"]["itemId"] == "czj-here"
            # The drafter's own write is read back at once: the replica has not replayed it, so the primary answers.
            assert person.data(seen % "czj-here")["item"] == {"id": "czj-here", "status": "DRAFT"}
            assert person.data(seen % "czj-beside")["item"]["id"] == "czj-beside"
            listed = person.data("{ items { items { id } } }")["items"]["items"]
            assert {row["id"] for row in listed} >= {"czj-here", "czj-beside"}
        replicated.caught_up()
        assert person.data(seen % "czj-here")["item"]["id"] == "czj-here"


def test_stopping_the_replica_under_load_loses_no_request(replicated: Replicated) -> None:
    if not REPLICA_CONTROL:
        pytest.skip("REGISTRY_TEST_REPLICA_CONTROL is not set: no command to stop and start the replica with")
    office = Office(replicated.registry)
    for number in range(3):
        office.publish_new(f"czj-{number}", name=f"事项{number}")
    replicated.caught_up()
    expected = ["czj-0", "czj-1", "czj-2"]
    reads = replicated.reads()
    wrong: list[str] = []
    answered = [0]
    stop = threading.Event()

    def load(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            while not stop.is_set():
                response = http.post("/graphql", json={"query": CATALOG})
                body = response.json() if response.status_code == 200 else {}
                if response.status_code != 200 or "errors" in body or ids(body["data"]) != expected:
                    wrong.append(f"{response.status_code}: {response.text[:300]}")
                answered[0] += 1

    with serving(replicated.registry.engine, replicated.registry.profile, reads=reads) as api:
        workers = [threading.Thread(target=load, args=(api.url,)) for _ in range(4)]
        for worker in workers:
            worker.start()
        try:
            time.sleep(1.0)
            during = answered[0]
            subprocess.run([REPLICA_CONTROL, "stop"], check=True, capture_output=True, timeout=60)
            time.sleep(2.0)
            assert reads.status()[0]["up"] is False
        finally:
            stop.set()
            for worker in workers:
                worker.join()
            subprocess.run([REPLICA_CONTROL, "start"], check=True, capture_output=True, timeout=120)
        assert wrong == []
        assert during > 0 and answered[0] > during  # requests were answered before and after the stop
        eventually(lambda: reads.status()[0]["serving"] is True, timeout=30, message="the replica did not come back")


def test_registry_serve_reads_from_the_replica_it_is_given(replicated: Replicated, tmp_path: Any) -> None:
    primary = replicated.registry.engine.url.render_as_string(False)
    flags = ("--read-url", replicated.replica_url, "--replica-lag", "30")
    with registry_serve(REGISTRY_BIN, primary, tmp_path, *flags) as api:
        # A replica of a busy primary may need a look or two before its lag is known (docs/scaling.md).
        eventually(lambda: api.http.get("/healthz").json()["replicas"][0]["serving"] is True, 15)
        health = api.http.get("/healthz").json()
    assert [(r["up"], r["serving"]) for r in health["replicas"]] == [(True, True)]
    assert health["replicas"][0]["url"] == make_url(replicated.replica_url).render_as_string(hide_password=True)


@pytest.mark.parametrize("kind", ["sqlite", "not a standby"])
def test_registry_serve_refuses_a_read_url_that_cannot_be_a_replica(
    kind: str, cli: Callable[..., Any], tmp_path: Any
) -> None:
    if kind == "sqlite":
        database = f"sqlite:///{tmp_path / 'registry.db'}"
        assert cli("--db", database, "init").code == 0
        done = cli("--db", database, "serve", "--read-url", "postgresql://postgres@127.0.0.1:5432/test")
        assert done.code == 2 and "PostgreSQL streaming replicas" in done.err and "sqlite" in done.err
        return
    with fresh_postgres_schema() as url:
        engine = open_engine(url)
        initialise(engine)
        engine.dispose()
        done = cli("--db", url, "serve", "--port", "1", "--read-url", url)  # the primary itself
    assert done.code == 2 and "not a standby" in done.err, done.err


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--read-url", "notaurl"], "--read-url notaurl: not a database URL"),
        (["--read-url", "postgresql://postgres:hunter2-secret@127.0.0.1:abc/test"], "postgres:***@127.0.0.1:abc"),
        (["--read-url", "mysql://root@127.0.0.1/test"], "not a PostgreSQL URL"),
        (["--read-url", " "], "an empty URL"),
        (["--read-url", "postgresql://a@h/x", "--read-url", "postgresql://a@h/x"], "the same replica is given twice"),
        (["--primary-reads"], "give them with --read-url"),
    ],
)
def test_registry_serve_says_what_is_wrong_with_its_read_urls(
    flags: list[str], said: str, postgres_url: str, cli: Callable[..., Any]
) -> None:
    engine = open_engine(postgres_url)
    initialise(engine)
    engine.dispose()
    done = cli("--db", postgres_url, "serve", "--port", "1", *flags)
    assert done.code == 2, done.err
    assert said in done.err and "Traceback" not in done.err, done.err
    assert "hunter2" not in done.err + done.out  # a password given in a URL is never shown back
