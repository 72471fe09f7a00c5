"""Staff access through the real `registry` console script, on a SQLite file and on PostgreSQL: passwords, disabling,
API tokens (shown once, kept nowhere), the access audit, and how the history tells a proven act from an asserted one.

Each case sets its registry up through the application service (fast), then runs the command under test.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import pwd
import selectors
import subprocess
import termios
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import MetaData, select

from cli.access import expiry
from cli.context import Usage
from events.database import open_engine
from events.elements import ItemElements
from registry import access, credentials
from registry.actor import Channel, Proof, Role
from registry.items.command import DiscardItem, DraftItem
from registry.rules import RuleViolation
from registry.service import ACTOR_STREAM, Registry, now
from tests.conftest import REGISTRY_BIN, Result, initialise
from tests.signing import signed_registry

Cli = Callable[..., Result]
ADMIN = "管理员"
PASSWORD = "correct horse battery staple"
SYSTEM = "财政局预算系统"
ITEM = "czj-yusuan"


@pytest.fixture
def staffed(registry: Registry) -> Registry:
    """An admin, a drafter of 财政局 and a drafter-and-reviewer of 政务服务局."""
    registry.register_actor(ADMIN, "政务服务局", frozenset({Role.ADMIN}))
    admin = registry.actor(ADMIN)
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}), admin)
    registry.register_actor("陈政务", "政务服务局", frozenset({Role.DRAFTER, Role.PRELIMINARY_REVIEWER}), admin)
    return registry


@pytest.fixture
def sqlite_staffed(sqlite_url: str) -> Iterator[tuple[Registry, str]]:
    """The same on a SQLite file only, for what does not depend on the database: reading a password."""
    engine = open_engine(sqlite_url)
    initialise(engine)
    registry = signed_registry(engine)
    registry.register_actor(ADMIN, "政务服务局", frozenset({Role.ADMIN}))
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}), registry.actor(ADMIN))
    yield registry, sqlite_url
    engine.dispose()


def everything_stored(registry: Registry) -> str:
    """Every row of every table in the database, as text: the log, the projections, the credentials, alembic's."""
    tables = MetaData()
    with warnings.catch_warnings():  # SQLAlchemy cannot reflect the history view's index on an expression (a table's
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")  # rows suffice)
        tables.reflect(registry.engine)
    with registry.store.reading() as conn:
        return "\n".join(repr(row) for table in tables.sorted_tables for row in conn.execute(select(table)).all())


def password_hash(registry: Registry, actor_id: str) -> str | None:
    with registry.store.reading() as conn:
        return access.password_hash(conn, actor_id)


# -- passwords ------------------------------------------------------------------------------------------------------


def test_an_admin_sets_a_password_from_standard_input_and_the_actors_sessions_end(
    staffed: Registry, db_url: str, cli: Cli
) -> None:
    with staffed.store.writing() as conn:
        session_id = access.open_session(conn, "李财政", now())

    done = cli("--db", db_url, "--as", ADMIN, "actor", "password", "李财政", "--password-stdin", input=PASSWORD + "\n")

    assert done.code == 0, done.err
    assert credentials.password_matches(password_hash(staffed, "李财政"), PASSWORD)
    assert PASSWORD not in everything_stored(staffed) + done.out + done.err
    with staffed.store.reading() as conn:
        found = conn.execute(
            select(access.sessions.c.ended_at).where(access.sessions.c.digest == credentials.digest(session_id))
        ).scalar_one()
    assert found is not None, "the session outlived the password reset"


def test_a_password_under_12_characters_exits_7_and_changes_nothing(staffed: Registry, db_url: str, cli: Cli) -> None:
    before = staffed.store.head()

    refused = cli("--db", db_url, "--as", ADMIN, "actor", "password", "李财政", "--password-stdin", input="short\n")

    assert refused.code == 7, refused
    assert refused.err.startswith("invalid input: a password has at least 12 characters")
    assert "Traceback" not in refused.err
    assert password_hash(staffed, "李财政") is None
    assert staffed.store.head() == before


def on_a_terminal(registry_url: str, cwd: Path, *typed: str) -> tuple[int, str]:
    """Run `registry actor password 李财政` with a pseudo-terminal as its controlling terminal, typing each of
    `typed` after the next prompt (the prompt flushes what was typed ahead). The exit code and what it showed."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [str(REGISTRY_BIN), "--db", registry_url, "--as", ADMIN, "actor", "password", "李财政"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")},
        start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(slave)
    shown = b""
    answers = list(typed)
    waiting = selectors.DefaultSelector()
    waiting.register(master, selectors.EVENT_READ)
    while True:
        assert waiting.select(timeout=60), f"no prompt within a minute; so far: {shown.decode(errors='replace')}"
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        if answers and shown.endswith(b": "):  # click writes "prompt:", getpass turns echo off, then writes " "
            os.write(master, answers.pop(0).encode() + b"\n")
    os.close(master)
    return process.wait(timeout=60), shown.decode(errors="replace")


def test_on_a_terminal_the_password_is_asked_twice_without_echo(
    sqlite_staffed: tuple[Registry, str], tmp_path: Path
) -> None:
    registry, url = sqlite_staffed

    code, shown = on_a_terminal(url, tmp_path, PASSWORD, PASSWORD)

    assert code == 0, shown
    assert "new password for 李财政:" in shown
    assert "the same password again:" in shown
    assert PASSWORD not in shown
    assert credentials.password_matches(password_hash(registry, "李财政"), PASSWORD)


def test_two_different_passwords_on_a_terminal_exit_7_and_change_nothing(
    sqlite_staffed: tuple[Registry, str], tmp_path: Path
) -> None:
    registry, url = sqlite_staffed

    code, shown = on_a_terminal(url, tmp_path, PASSWORD, PASSWORD + "!")

    assert code == 7, shown
    assert "the two passwords differ" in shown
    assert password_hash(registry, "李财政") is None


def test_without_a_terminal_the_password_comes_from_password_stdin_or_it_is_a_usage_error(
    sqlite_staffed: tuple[Registry, str], cli: Cli
) -> None:
    registry, url = sqlite_staffed

    refused = cli("--db", url, "--as", ADMIN, "actor", "password", "李财政", input=PASSWORD + "\n")

    assert refused.code == 2, refused
    assert "--password-stdin" in refused.err
    assert password_hash(registry, "李财政") is None


# -- disabling ------------------------------------------------------------------------------------------------------


def test_a_disabled_actor_may_no_longer_act_and_their_tokens_stop_working(
    staffed: Registry, db_url: str, cli: Cli
) -> None:
    _, secret = staffed.issue_token("李财政", SYSTEM, frozenset(), None, staffed.actor(ADMIN))

    done = cli("--db", db_url, "--as", ADMIN, "actor", "disable", "李财政", "--reason", "调离岗位")

    assert done.code == 0, done.err
    with pytest.raises(RuleViolation, match="disabled"):
        staffed.actor("李财政")
    with staffed.store.writing() as conn:
        assert access.token_by_secret(conn, secret, now()) is None


# -- tokens ---------------------------------------------------------------------------------------------------------


def test_token_create_shows_the_token_once_and_warns_that_it_is_not_shown_again(
    staffed: Registry, db_url: str, cli: Cli
) -> None:
    created = cli(
        "--db", db_url, "--as", ADMIN, "token", "create", "--actor", "陈政务", "--name", SYSTEM, "--role", "drafter"
    )

    assert created.code == 0, created.err
    (secret,) = [word for word in created.out.split() if word.startswith("rgt_")]
    assert credentials.well_formed_token(secret)
    assert created.out.count(secret) == 1
    assert SYSTEM in created.out and "陈政务" in created.out and "drafter" in created.out
    assert "only time the token is shown" in created.err


def test_a_tokens_secret_is_kept_nowhere_only_its_digest(staffed: Registry, db_url: str, cli: Cli) -> None:
    created = cli("--db", db_url, "--as", ADMIN, "token", "create", "--actor", "李财政", "--name", SYSTEM, "--json")
    assert created.code == 0, created.err
    shown = json.loads(created.out)
    secret = shown.pop("token")

    listed = cli("--db", db_url, "token", "list", "--json")

    stored = everything_stored(staffed)
    assert secret not in stored, "the secret is in the database"
    assert credentials.digest(secret) in stored
    if db_url.startswith("sqlite"):
        files = Path(db_url.removeprefix("sqlite:///")).parent.glob("registry.db*")
        assert not any(secret.encode() in file.read_bytes() for file in files), "the secret is in the SQLite file"
    assert secret not in listed.out + listed.err
    assert credentials.digest(secret) not in listed.out
    assert json.loads(listed.out) == [shown]


def test_a_token_expires_in_90_days_unless_told_otherwise(staffed: Registry, db_url: str, cli: Cli) -> None:
    created = cli("--db", db_url, "--as", ADMIN, "token", "create", "--actor", "李财政", "--name", SYSTEM, "--json")

    assert created.code == 0, created.err
    shown = json.loads(created.out)
    lifetime = datetime.fromisoformat(shown["expires_at"]) - datetime.fromisoformat(shown["created_at"])
    assert abs(lifetime - timedelta(days=90)) < timedelta(minutes=1)


def test_token_list_says_who_which_roles_until_when_and_whether_revoked(
    staffed: Registry, db_url: str, cli: Cli
) -> None:
    admin = staffed.actor(ADMIN)
    kept, _ = staffed.issue_token("陈政务", SYSTEM, frozenset({Role.DRAFTER}), None, admin)
    gone, _ = staffed.issue_token("陈政务", "政务服务平台", frozenset(), now() + timedelta(days=1), admin)
    staffed.revoke_token(gone.token_id, admin)
    staffed.issue_token("李财政", "另一个系统", frozenset(), None, admin)

    listed = cli("--db", db_url, "token", "list", "--actor", "陈政务", "--json")

    assert listed.code == 0, listed.err
    rows = json.loads(listed.out)
    assert [(r["token_id"], r["name"], r["roles"], r["state"]) for r in rows] == [
        (kept.token_id, SYSTEM, ["drafter"], "active"),
        (gone.token_id, "政务服务平台", ["drafter", "preliminary_reviewer"], "revoked"),
    ]
    assert set(rows[0]) == {
        "token_id", "actor", "name", "roles", "created_at", "expires_at", "last_used_at", "revoked_at",
        "issued_by", "state",
    }  # fmt: skip
    assert rows[1]["revoked_at"] is not None
    assert {r["issued_by"] for r in rows} == {ADMIN}


def test_a_revoked_token_no_longer_authenticates_and_the_log_says_who_revoked_it(
    staffed: Registry, db_url: str, cli: Cli
) -> None:
    token, secret = staffed.issue_token("李财政", SYSTEM, frozenset(), None, staffed.actor(ADMIN))

    revoked = cli("--db", db_url, "--as", ADMIN, "token", "revoke", token.token_id)

    assert revoked.code == 0, revoked.err
    with staffed.store.writing() as conn:
        assert access.token_by_secret(conn, secret, now()) is None
        last = staffed.store.read_stream(conn, ACTOR_STREAM + "李财政")[-1]
    assert (last.type, last.metadata.actor) == ("TokenRevoked", ADMIN)
    assert secret not in revoked.out


def test_revoking_an_unknown_token_exits_3(staffed: Registry, db_url: str, cli: Cli) -> None:
    refused = cli("--db", db_url, "--as", ADMIN, "token", "revoke", "tok_000000000000")

    assert refused.code == 3, refused
    assert "no token 'tok_000000000000'" in refused.err


@pytest.mark.parametrize(
    ("given", "expires"),
    [
        ("90d", datetime(2027, 3, 6, 12, 0, tzinfo=UTC)),
        ("12h", datetime(2026, 12, 7, 0, 0, tzinfo=UTC)),
        ("2027-01-01", datetime(2026, 12, 31, 16, 0, tzinfo=UTC)),  # as 2027-01-01 begins in Beijing
        ("2027-01-01T09:00+08:00", datetime(2027, 1, 1, 1, 0, tzinfo=UTC)),
        ("never", None),
    ],
)
def test_expires_takes_days_hours_a_date_a_time_or_never(given: str, expires: datetime | None) -> None:
    assert expiry(given, datetime(2026, 12, 6, 12, 0, tzinfo=UTC), ZoneInfo("Asia/Shanghai")) == expires


@pytest.mark.parametrize("given", ["soon", "90", "-1d", "2027-01-01T09:00", "99999999999d"])
def test_an_expiry_that_cannot_be_read_is_a_usage_error(given: str) -> None:
    with pytest.raises(Usage, match="--expires"):
        expiry(given, datetime(2026, 12, 6, 12, 0, tzinfo=UTC), ZoneInfo("Asia/Shanghai"))


# -- the access audit -----------------------------------------------------------------------------------------------


def test_report_access_lists_sign_ins_failures_lock_outs_and_sign_outs(
    staffed: Registry, db_url: str, cli: Cli
) -> None:
    moment = now()
    with staffed.store.writing() as conn:
        for name, event in [
            ("李财政", "login_failed"),
            ("李财政", "login"),
            ("陈政务", "login"),
            ("李财政", "logout"),
            ("李财政", "locked_out"),
        ]:
            access.record_access(conn, moment, name, "203.0.113.7", event)

    report = cli("--db", db_url, "report", "access", "--name", "李财政", "--since", "2020-01-01", "--json")

    assert report.code == 0, report.err
    shown = json.loads(report.out)
    assert [(e["name"], e["client"], e["event"]) for e in shown["entries"]] == [
        ("李财政", "203.0.113.7", "login_failed"),
        ("李财政", "203.0.113.7", "login"),
        ("李财政", "203.0.113.7", "logout"),
        ("李财政", "203.0.113.7", "locked_out"),
    ]
    assert shown["totals"] == {"login": 1, "login_failed": 1, "locked_out": 1, "logout": 1}
    assert (shown["since"], shown["name"]) == ("2020-01-01", "李财政")


# -- what the history shows -----------------------------------------------------------------------------------------


def test_a_cli_write_records_the_channel_cli_and_the_operating_system_user(
    staffed: Registry, db_url: str, cli: Cli
) -> None:
    drafted = cli(
        "--db", db_url, "--as", "李财政", "draft", "--id", ITEM, "--domain", "财政预决算", "--name", "政府预算"
    )
    assert drafted.code == 0, drafted.err

    history = cli("--db", db_url, "history", ITEM, "--json")

    assert history.code == 0, history.err
    (row,) = json.loads(history.out)
    assert (row["channel"], row["credential"], row["os_user"]) == ("cli", None, pwd.getpwuid(os.geteuid()).pw_name)


def test_the_history_tells_a_token_or_session_act_from_an_asserted_one(
    staffed: Registry, db_url: str, cli: Cli
) -> None:
    drafter = staffed.actor("李财政")
    staffed.execute(
        DraftItem(item_id=ITEM, actor=drafter, at=now(), domain="财政预决算", elements=ItemElements(name="政府预算")),
        proof=Proof(channel=Channel.TOKEN, credential="tok_0123456789ab"),
    )
    staffed.execute(
        DiscardItem(item_id=ITEM, actor=drafter, at=now(), reason="重复"),
        proof=Proof(channel=Channel.SESSION, credential="9f2c" * 16),
    )

    history = cli("--db", db_url, "history", ITEM)

    assert history.code == 0, history.err
    drafted, discarded = [line for line in history.out.splitlines() if line.startswith("#")]
    assert "李财政 · 财政局 · drafter · token tok_0123456789ab  [chain ok]" in drafted
    assert "李财政 · 财政局 · drafter · session  [chain ok]" in discarded
