"""The `registry` command through its installed entry point, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import Connection, create_engine, func, select, text, update

from events.database import open_engine
from events.elements import ItemElements
from events.event import ReviewStage
from events.schema import events
from registry.actor import Role
from registry.items.command import AdjustItem, ApproveItem, DraftItem, PassReview, PublishItem, SubmitItem
from registry.schema import upgrade
from registry.service import Registry, now
from tests.conftest import POSTGRES_URL, REGISTRY_BIN, Result, postgres_problem
from tests.signing import signed_registry

Cli = Callable[..., Result]

ITEM = "ys-2024"
REFERENCE = "2020年第15次政府常务会议"
ACTORS = [
    ("李财政", "财政局", "drafter"),
    ("孙初审", "政务服务局", "preliminary_reviewer"),
    ("周法务", "法务中心", "legality_reviewer"),
    ("王审议", "旗人民政府", "approver"),
    ("吴发布", "政务服务局", "publisher"),
]
ELEMENT_OPTIONS = [
    "--category", "财政预决算",
    "--name", "政府预算",
    "--content", "一般公共预算、政府性基金预算、国有资本经营预算、社会保险基金预算",
    "--basis", "《中华人民共和国预算法》",
    "--time-limit", "本级人民代表大会或其常务委员会批准后20日内",
    "--body", "财政局",
    "--channel", "政府网站",
    "--channel", "政务服务中心",
    "--audience", "public",
    "--method", "proactive",
    "--level", "county",
]  # fmt: skip
BUDGET = ItemElements(
    category="财政预决算",
    name="政府预算",
    content="一般公共预算、政府性基金预算、国有资本经营预算、社会保险基金预算",
    basis="《中华人民共和国预算法》",
    time_limit="本级人民代表大会或其常务委员会批准后20日内",
    body="财政局",
    channels=("政府网站", "政务服务中心"),
    audience=("public",),
    method=("proactive",),
    levels=("county",),
)
ADJUSTED_CONTENT = "一般公共预算、政府性基金预算、国有资本经营预算、社会保险基金预算，转移支付安排情况"
ADJUST = ["adjust", ITEM, "--trigger", "法律法规修订", "--content", ADJUSTED_CONTENT]


def clean(result: Result) -> Result:
    """`result`, after checking that nothing printed a traceback: every failure is a message and an exit code."""
    assert "Traceback" not in result.err, result.err
    return result


@dataclass
class Registered:
    """A database the `registry` command is pointed at (--db), run from `directory`."""

    url: str
    directory: Path

    def __call__(self, *args: str) -> Result:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        environment["XDG_CONFIG_HOME"] = str(self.directory / "config")  # a PostgreSQL registry's key lives there
        done = subprocess.run(
            [str(REGISTRY_BIN), "--db", self.url, *args],
            capture_output=True,
            text=True,
            cwd=self.directory,
            env=environment,
            timeout=120,
        )
        return clean(Result(done.returncode, done.stdout, done.stderr))

    def head(self) -> int:
        engine = open_engine(self.url)
        with engine.connect() as conn:
            position = conn.execute(select(func.max(events.c.position))).scalar()
        engine.dispose()
        return int(position or 0)


class Databases:
    """Fresh databases of one backend for the fixtures this module shares between tests (one per state)."""

    def __init__(self, backend: str, directory: Path) -> None:
        self.backend, self.directory, self.schemas = backend, directory, list[str]()

    def new(self, name: str) -> Registered:
        directory = self.directory / name
        directory.mkdir()
        if self.backend == "sqlite":
            return Registered(f"sqlite:///{directory / 'registry.db'}", directory)
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.schemas.append(schema)
        separator = "&" if "?" in POSTGRES_URL else "?"
        return Registered(f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}", directory)

    def drop(self) -> None:
        with self.admin() as conn:
            for schema in self.schemas:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    @contextmanager
    def admin(self) -> Iterator[Connection]:
        engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    if request.param == "postgres" and (problem := postgres_problem()):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {problem}")
        pytest.skip(problem)
    databases = Databases(request.param, tmp_path_factory.mktemp(request.param))
    yield databases
    if request.param == "postgres":
        databases.drop()


def with_registry(registered: Registered, build: Callable[[Registry], None]) -> Registered:
    """`registered`, initialised and filled by `build` through the application service."""
    engine = open_engine(registered.url)
    upgrade(engine)
    build(signed_registry(engine))
    engine.dispose()
    return registered


def publish_budget(registry: Registry) -> None:
    """Register the five actors and publish version 1 of ITEM."""
    for name, unit, role in ACTORS:
        registry.register_actor(name, unit, frozenset({Role(role)}))
    drafter = registry.actor("李财政")
    registry.execute(DraftItem(item_id=ITEM, actor=drafter, at=now(), domain="财政预决算", elements=BUDGET))
    registry.execute(SubmitItem(item_id=ITEM, actor=drafter, at=now()))
    registry.execute(PassReview(item_id=ITEM, actor=registry.actor("孙初审"), at=now(), stage=ReviewStage.PRELIMINARY))
    registry.execute(PassReview(item_id=ITEM, actor=registry.actor("周法务"), at=now(), stage=ReviewStage.LEGALITY))
    registry.execute(ApproveItem(item_id=ITEM, actor=registry.actor("王审议"), at=now(), reference=REFERENCE))
    registry.execute(PublishItem(item_id=ITEM, actor=registry.actor("吴发布"), at=now()))


def publish_then_adjust_budget(registry: Registry) -> None:
    """Version 1 published; version 2, a change of content, submitted and waiting for its preliminary review."""
    publish_budget(registry)
    drafter = registry.actor("李财政")
    registry.execute(
        AdjustItem(
            item_id=ITEM,
            actor=drafter,
            at=now(),
            trigger="法律法规修订",
            reason="预算法实施条例修订",
            elements=ItemElements(content=ADJUSTED_CONTENT),
            fields=frozenset({"content"}),
        )
    )
    registry.execute(SubmitItem(item_id=ITEM, actor=drafter, at=now()))


# -- the whole life of an item, walked once per backend through the command line -----------------------


@dataclass
class Life:
    """A registry in which ITEM was drafted, reviewed, approved and published, every step through the CLI."""

    registry: Registered
    receipts: list[Result] = field(default_factory=list)

    def step(self, actor: str, *args: str) -> None:
        result = self.registry("--as", actor, *args, "--json")
        assert result.code == 0, result.err
        self.receipts.append(result)


@pytest.fixture(scope="module")
def life(databases: Databases) -> Life:
    life = Life(databases.new("life"))
    assert life.registry("init").code == 0
    for name, unit, role in ACTORS:
        assert life.registry("actor", "add", name, "--unit", unit, "--role", role).code == 0
    life.step("李财政", "draft", "--id", ITEM, "--domain", "财政预决算", *ELEMENT_OPTIONS)
    life.step("李财政", "submit", ITEM)
    life.step("孙初审", "review", ITEM, "--stage", "preliminary", "--pass", "--comment", "要素齐全")
    life.step("周法务", "review", ITEM, "--stage", "legality", "--pass", "--comment", "符合法律法规")
    life.step("王审议", "approve", ITEM, "--reference", REFERENCE)
    life.step("吴发布", "publish", ITEM)
    return life


@pytest.fixture(scope="module")
def registry_cli(life: Life) -> Registered:
    """The `registry` command on the database of the whole life (for commands that change nothing)."""
    return life.registry


@pytest.fixture(scope="module")
def history(registry_cli: Registered) -> list[dict[str, Any]]:
    """What `registry history ITEM --json` printed after the whole life."""
    result = registry_cli("history", ITEM, "--json")
    assert result.code == 0, result.err
    rows: list[dict[str, Any]] = json.loads(result.out)
    return rows


def test_each_write_command_prints_the_item_its_version_and_its_log_position(life: Life) -> None:
    receipts = [json.loads(result.out) for result in life.receipts]

    assert receipts == [{"item_id": ITEM, "version": 1, "position": position} for position in range(7, 13)]


def test_show_prints_the_published_version(registry_cli: Registered) -> None:
    result = registry_cli("show", ITEM)

    assert result.code == 0
    assert f"{ITEM} · 财政预决算 · 财政局 · version 1 (published)" in result.out
    assert "政府预算" in result.out and "《中华人民共和国预算法》" in result.out and REFERENCE in result.out


def test_show_json_gives_the_published_version_and_its_approval(registry_cli: Registered) -> None:
    shown = json.loads(registry_cli("show", ITEM, "--json").out)

    assert (shown["status"], shown["version"], shown["version_state"], shown["published_version"]) == (
        "published",
        1,
        "published",
        1,
    )
    assert (shown["approval_reference"], shown["elements"]["time_limit"], shown["pending"]) == (
        REFERENCE,
        "本级人民代表大会或其常务委员会批准后20日内",
        None,
    )


def test_history_lists_every_step_in_order(history: list[dict[str, Any]]) -> None:
    assert [(row["type"], row["action"]) for row in history] == [
        ("ItemDrafted", "draft"),
        ("ItemSubmitted", "submit"),
        ("ReviewPassed", "preliminary_review_passed"),
        ("ReviewPassed", "legality_review_passed"),
        ("ItemApproved", "approve"),
        ("ItemPublished", "publish"),
    ]


def test_history_says_who_did_each_step_for_which_unit_in_which_role(history: list[dict[str, Any]]) -> None:
    assert [(row["actor"], row["unit"], row["role"]) for row in history] == [
        ("李财政", "财政局", "drafter"),
        ("李财政", "财政局", "drafter"),
        ("孙初审", "政务服务局", "preliminary_reviewer"),
        ("周法务", "法务中心", "legality_reviewer"),
        ("王审议", "旗人民政府", "approver"),
        ("吴发布", "政务服务局", "publisher"),
    ]


def test_history_gives_each_steps_log_position_version_and_the_hash_the_log_holds(
    registry_cli: Registered, history: list[dict[str, Any]]
) -> None:
    engine = open_engine(registry_cli.url)
    with engine.connect() as conn:
        stored = conn.execute(select(events.c.position, events.c.hash).where(events.c.stream_id == ITEM)).all()
    engine.dispose()

    assert [(row["position"], row["version"], row["hash"]) for row in history] == [
        (position, 1, digest) for position, digest in sorted(stored)
    ]


def test_history_gives_each_steps_time_in_order(history: list[dict[str, Any]]) -> None:
    times = [row["recorded_at"] for row in history]

    assert times == sorted(times)
    assert all(datetime.strptime(moment, "%Y-%m-%dT%H:%M:%S.%fZ") for moment in times)


def test_history_gives_the_comments_and_the_approval_reference_as_reasons(history: list[dict[str, Any]]) -> None:
    assert [row["reason"] for row in history] == ["", "", "要素齐全", "符合法律法规", REFERENCE, ""]


def test_history_gives_the_elements_the_draft_set_as_changes(history: list[dict[str, Any]]) -> None:
    draft = history[0]

    assert {change["field"]: change["new"] for change in draft["changes"]} == {
        name: value for name, value in BUDGET.as_json().items() if value not in ("", [])
    }
    assert all(change["old"] is None for change in draft["changes"])


def test_history_marks_every_step_of_an_untouched_log_verified(history: list[dict[str, Any]]) -> None:
    assert all(row["verified"] for row in history)


def test_verify_passes_after_the_whole_life(registry_cli: Registered) -> None:
    result = registry_cli("verify")

    assert result.code == 0, result.err


# -- while an adjustment is pending ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def adjusting(databases: Databases) -> Registered:
    return with_registry(databases.new("adjusting"), publish_then_adjust_budget)


def test_while_an_adjustment_is_pending_show_gives_the_published_version(adjusting: Registered) -> None:
    shown = json.loads(adjusting("show", ITEM, "--json").out)

    assert (shown["version"], shown["version_state"], shown["elements"]["content"]) == (1, "published", BUDGET.content)
    assert (shown["pending"]["version"], shown["pending"]["kind"]) == (2, "change")


def test_while_an_adjustment_is_pending_show_version_2_gives_the_pending_version(adjusting: Registered) -> None:
    shown = json.loads(adjusting("show", ITEM, "--version", "2", "--json").out)

    assert (shown["version"], shown["version_state"]) == (2, "submitted")
    assert shown["elements"]["content"] == ADJUSTED_CONTENT


def test_while_an_adjustment_is_pending_show_prints_the_published_content(adjusting: Registered) -> None:
    result = adjusting("show", ITEM)

    assert "version 1 (published)" in result.out and "转移支付安排情况" not in result.out


# -- a stored event edited behind the registry's back ---------------------------------------------------

SUBMISSION = 7  # five actor registrations, the draft, then the submission


def edit_submission_payload(registry: Registry) -> None:
    """Publish ITEM, then edit its submission's payload directly in the database, as a database user could."""
    publish_budget(registry)
    with registry.engine.begin() as conn:
        stored = conn.execute(select(events.c.payload).where(events.c.position == SUBMISSION)).scalar_one()
        payload = json.loads(stored) | {"version": 7}
        conn.execute(update(events).where(events.c.position == SUBMISSION).values(payload=json.dumps(payload)))


@pytest.fixture(scope="module")
def tampered(databases: Databases) -> Registered:
    return with_registry(databases.new("tampered"), edit_submission_payload)


def test_verify_exits_6_naming_the_position_of_an_edited_event(tampered: Registered) -> None:
    result = tampered("verify")

    assert result.code == 6
    assert f"position {SUBMISSION}" in result.err


def test_verify_json_gives_the_first_bad_position(tampered: Registered) -> None:
    result = tampered("verify", "--json")

    assert result.code == 6
    assert (json.loads(result.out)["ok"], json.loads(result.out)["first_bad_position"]) == (False, SUBMISSION)


def test_history_exits_6_and_marks_only_the_edited_event_unverified(tampered: Registered) -> None:
    result = tampered("history", ITEM, "--json")

    assert result.code == 6
    assert [row["position"] for row in json.loads(result.out) if not row["verified"]] == [SUBMISSION]


# -- exit codes (on the database of the whole life; none of these commands records anything) ---------------


def test_showing_an_unknown_item_exits_3(registry_cli: Registered) -> None:
    result = registry_cli("show", "no-such-item")

    assert result.code == 3 and "no-such-item" in result.err


def test_the_history_of_an_unknown_item_exits_3(registry_cli: Registered) -> None:
    result = registry_cli("history", "no-such-item")

    assert result.code == 3 and "no-such-item" in result.err


def test_a_version_the_item_does_not_have_exits_3(registry_cli: Registered) -> None:
    assert registry_cli("show", ITEM, "--version", "5").code == 3


def test_an_unregistered_actor_exits_3(registry_cli: Registered) -> None:
    result = registry_cli("--as", "无名氏", "submit", ITEM)

    assert result.code == 3 and "无名氏" in result.err


def test_a_command_refused_by_a_rule_exits_4_naming_the_rule_and_records_nothing(registry_cli: Registered) -> None:
    head = registry_cli.head()

    result = registry_cli("--as", "吴发布", "publish", ITEM)

    assert result.code == 4 and result.err.startswith("refused [审查顺序]")
    assert registry_cli.head() == head


def test_a_wrong_expected_version_exits_5_and_records_nothing(registry_cli: Registered) -> None:
    head = registry_cli.head()

    result = registry_cli("--as", "李财政", *ADJUST, "--expected-version", "3")

    assert result.code == 5 and "concurrency conflict" in result.err
    assert registry_cli.head() == head


def test_a_from_file_that_is_not_json_exits_7_naming_line_and_column(registry_cli: Registered) -> None:
    (registry_cli.directory / "broken.json").write_text('{\n  "name": "政府决算",\n  "content": \n}\n', "utf-8")

    result = registry_cli("--as", "李财政", "draft", "--id", "js-2024", "--from", "broken.json")

    assert result.code == 7 and "line 4, column 1" in result.err


def test_an_invalid_element_option_is_a_usage_error_naming_the_option_and_the_choices(registry_cli: Registered) -> None:
    result = registry_cli("--as", "李财政", "draft", "--id", "js-2024", "--audience", "everyone")

    assert result.code == 2 and "--audience" in result.err and "public (全社会)" in result.err


def test_an_invalid_element_value_in_a_file_exits_7_naming_the_element(registry_cli: Registered) -> None:
    (registry_cli.directory / "item.json").write_text('{"audience": ["everyone"]}', "utf-8")
    result = registry_cli("--as", "李财政", "draft", "--id", "js-2024", "--from", "item.json")

    assert result.code == 7 and "audience" in result.err


def test_an_item_id_too_long_to_store_exits_7(registry_cli: Registered) -> None:
    result = registry_cli("--as", "李财政", "draft", "--id", "x" * 201, "--name", "政府决算")

    assert result.code == 7 and "item_id" in result.err


def test_a_reason_with_control_characters_exits_7(registry_cli: Registered) -> None:
    result = registry_cli("--as", "李财政", "retire", ITEM, "--trigger", "上级取消", "--reason", "bell\x07")

    assert result.code == 7 and "reason" in result.err


def test_a_write_command_without_an_actor_exits_2(registry_cli: Registered) -> None:
    result = registry_cli("submit", ITEM)

    assert result.code == 2 and "--as" in result.err


def test_an_unknown_option_exits_2(registry_cli: Registered) -> None:
    assert registry_cli("show", ITEM, "--colour").code == 2


def test_a_review_without_pass_or_reject_exits_2(registry_cli: Registered) -> None:
    assert registry_cli("--as", "孙初审", "review", ITEM, "--stage", "preliminary").code == 2


def test_a_database_never_initialised_exits_3_and_says_to_run_init(db_url: str, cli: Cli) -> None:
    result = clean(cli("--db", db_url, "show", ITEM))

    assert result.code == 3 and "registry init" in result.err


def test_a_write_command_at_the_right_expected_version_prints_its_receipt(
    registry: Registry, db_url: str, cli: Cli
) -> None:
    publish_budget(registry)

    result = clean(cli("--db", db_url, "--as", "李财政", *ADJUST, "--expected-version", "6", "--json"))

    assert (result.code, json.loads(result.out)) == (0, {"item_id": ITEM, "version": 2, "position": 13})


# -- the demo --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Registered, Result]:
    """A directory where `registry demo` ran once, and what it printed."""
    directory = tmp_path_factory.mktemp("demo")
    registered = Registered("sqlite:///demo.db", directory)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    done = subprocess.run(
        [str(REGISTRY_BIN), "demo", "--no-serve"], capture_output=True, text=True, cwd=directory, env=environment
    )
    return registered, clean(Result(done.returncode, done.stdout, done.stderr))


def test_demo_builds_demo_db_in_the_current_directory(demo: tuple[Registered, Result]) -> None:
    registered, built = demo

    assert built.code == 0, built.err
    assert "built the demo registry" in built.out and (registered.directory / "demo.db").is_file()


def test_a_second_demo_run_reuses_demo_db(demo: tuple[Registered, Result]) -> None:
    registered, _ = demo

    result = registered("demo", "--no-serve")

    assert result.code == 0 and "reusing the demo registry" in result.out


def test_the_demo_registry_verifies(demo: tuple[Registered, Result]) -> None:
    registered, _ = demo

    result = registered("verify")

    assert result.code == 0, result.err


def test_demo_builds_a_registry_that_verifies_on_postgresql(postgres_url: str, cli: Cli) -> None:
    assert clean(cli("--db", postgres_url, "demo", "--no-serve")).code == 0

    result = clean(cli("--db", postgres_url, "verify"))

    assert result.code == 0, result.err
