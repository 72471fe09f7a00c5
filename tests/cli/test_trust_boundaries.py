"""The record cannot be bent through the CLI: the signing key, backfills, command ids, where the key lives."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.context import Context
from events.database import open_engine
from events.schema import events
from tests.cli.test_lifecycle import ACTORS, ELEMENT_OPTIONS, ITEM, REFERENCE
from tests.conftest import Result

Cli = Callable[..., Result]


def head(url: str) -> int:
    engine = open_engine(url)
    with engine.connect() as conn:
        position = conn.execute(select(events.c.position).order_by(events.c.position.desc()).limit(1)).scalar()
    engine.dispose()
    return int(position or 0)


@pytest.fixture
def approved(cli: Cli, db_url: str) -> str:
    """A registry set up as the README says (init with its first admin), with ITEM approved and waiting."""

    def ok(*args: str) -> None:
        result = cli("--db", db_url, *args)
        assert result.code == 0, result

    ok("init", "--admin", "管理员")
    for name, unit, role in ACTORS:
        ok("--as", "管理员", "actor", "add", name, "--unit", unit, "--role", role)
    ok("--as", "李财政", "draft", "--id", ITEM, "--domain", "财政预决算", *ELEMENT_OPTIONS)
    ok("--as", "李财政", "submit", ITEM)
    ok("--as", "孙初审", "review", ITEM, "--stage", "preliminary", "--pass")
    ok("--as", "周法务", "review", ITEM, "--stage", "legality", "--pass")
    ok("--as", "王审议", "approve", ITEM, "--reference", REFERENCE)
    return db_url


def key_file(cli: Cli, url: str) -> Path:
    result = cli("--db", url, "key")
    assert result.code == 0, result
    return Path(result.out.split("signing key ", 1)[1].split(" (Ed25519", 1)[0])


def test_a_publication_with_the_key_file_moved_away_is_refused_and_writes_nothing(
    cli: Cli, approved: str, tmp_path: Path
) -> None:
    key = key_file(cli, approved)
    key.rename(tmp_path / "elsewhere.key")
    before = head(approved)

    result = cli("--db", approved, "--as", "吴发布", "publish", ITEM)

    assert result.code == 4, result
    assert result.err.startswith("refused [签名密钥]: "), result.err
    assert head(approved) == before
    assert cli("--db", approved, "verify").code == 0


def test_a_publication_with_another_key_is_refused(cli: Cli, approved: str, tmp_path: Path) -> None:
    assert cli("--db", f"sqlite:///{tmp_path / 'other.db'}", "init").code == 0  # makes other.key

    result = cli("--db", approved, "--key", str(tmp_path / "other.key"), "--as", "吴发布", "publish", ITEM)

    assert result.code == 4, result
    assert "not this registry's current key" in result.err


def test_init_does_not_replace_a_lost_key_with_a_new_one(cli: Cli, approved: str, tmp_path: Path) -> None:
    key = key_file(cli, approved)
    key.rename(tmp_path / "elsewhere.key")

    result = cli("--db", approved, "init")

    assert result.code == 2, result
    assert "restore" in result.err
    assert not key.exists()


def test_a_rotation_is_an_admins_recorded_act_and_the_new_key_signs(cli: Cli, approved: str) -> None:
    old = key_file(cli, approved)
    refused = cli("--db", approved, "--as", "吴发布", "key", "--rotate")

    rotated = cli("--db", approved, "--as", "管理员", "key", "--rotate")
    published = cli("--db", approved, "--as", "吴发布", "publish", ITEM)

    assert refused.code == 4 and "admin" in refused.err, refused
    assert rotated.code == 0, rotated
    assert published.code == 0, published
    assert [p.name for p in old.parent.glob(f"{old.stem}.*.retired.key")], "the old key is kept beside the new"
    verified = cli("--db", approved, "verify", "--json")
    assert verified.code == 0 and json.loads(verified.out)["ok"] is True, verified


def test_a_backfill_time_without_an_offset_is_a_usage_error(cli: Cli, approved: str) -> None:
    result = cli(
        "--db", approved, "--as", "李财政", "--backfill-at", "2020-06-01T10:00", "--backfill-by", "管理员",
        "draft", "--id", "x", "--name", "x",
    )  # fmt: skip

    assert result.code == 2, result
    assert "UTC offset" in result.err


def test_a_backfill_needs_the_admin_who_records_it(cli: Cli, approved: str) -> None:
    result = cli("--db", approved, "--as", "李财政", "--backfill-at", "2020-06-01T10:00+08:00", "draft", "--name", "x")

    assert result.code == 2, result
    assert "--backfill-by" in result.err


def test_a_backfill_is_marked_in_the_history(cli: Cli, approved: str) -> None:
    backfill = ("--backfill-at", "2020-06-01T10:00+08:00", "--backfill-by", "管理员")
    drafted = cli("--db", approved, "--as", "李财政", *backfill, "draft", "--id", "old", "--name", "纸质目录事项")

    shown = cli("--db", approved, "history", "old")
    as_json = json.loads(cli("--db", approved, "history", "old", "--json").out)

    assert drafted.code == 0, drafted
    assert "2020-06-01 10:00:00 Beijing time" in shown.out and "补录" in shown.out and "管理员" in shown.out
    assert as_json[0]["occurred_at"] == "2020-06-01T02:00:00.000000Z"
    assert as_json[0]["backfilled_by"] == "管理员"


def test_a_command_id_used_for_another_item_exits_5_and_writes_nothing(cli: Cli, approved: str) -> None:
    for item in ("b", "c"):
        assert cli("--db", approved, "--as", "李财政", "draft", "--id", item, *ELEMENT_OPTIONS).code == 0
    assert cli("--db", approved, "--as", "李财政", "submit", "b", "--command-id", "k-1").code == 0
    before = head(approved)

    result = cli("--db", approved, "--as", "李财政", "submit", "c", "--command-id", "k-1")

    assert result.code == 5, result
    assert "already used for a different command" in result.err
    assert head(approved) == before


def test_a_retried_draft_without_an_id_is_the_same_draft(cli: Cli, approved: str) -> None:
    draft = ("--as", "李财政", "draft", "--name", "新事项", "--command-id", "draft-1", "--json")

    first = cli("--db", approved, *draft)
    again = cli("--db", approved, *draft)

    assert first.code == again.code == 0, (first, again)
    assert json.loads(first.out) == json.loads(again.out)


def test_a_postgresql_registrys_key_is_found_wherever_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dcounty_a"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("REGISTRY_KEY_FILE", raising=False)
    found = []
    for directory in ("one", "two"):
        (tmp_path / directory).mkdir()
        monkeypatch.chdir(tmp_path / directory)
        found.append(Context(db=url, actor_id=None, profile_path=None).key_path)

    assert found[0] == found[1] == tmp_path / "config/catalog-registry/keys/127.0.0.1-5432-test-county_a.key"
