"""`registry init` and the first admin, through the real `registry` console script on a SQLite file and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conftest import Result

Cli = Callable[..., Result]


def actors(cli: Cli, db_url: str) -> list[dict[str, object]]:
    listed = cli("--db", db_url, "actor", "list", "--json")
    assert listed.code == 0, listed.err
    found: list[dict[str, object]] = json.loads(listed.out)
    return found


def test_init_with_admin_registers_the_first_admin_in_the_profiles_review_unit(cli: Cli, db_url: str) -> None:
    done = cli("--db", db_url, "init", "--admin", "管理员")

    assert done.code == 0, done.err
    assert actors(cli, db_url) == [{"actor": "管理员", "unit": "政务服务局", "roles": ["admin"]}]


def test_init_with_admin_and_unit_registers_the_first_admin_in_that_unit(cli: Cli, db_url: str) -> None:
    done = cli("--db", db_url, "init", "--admin", "管理员", "--unit", "旗人民政府")

    assert done.code == 0, done.err
    assert actors(cli, db_url) == [{"actor": "管理员", "unit": "旗人民政府", "roles": ["admin"]}]


def test_after_init_with_admin_nobody_registers_themselves_as_admin(cli: Cli, db_url: str) -> None:
    assert cli("--db", db_url, "init", "--admin", "管理员").code == 0

    claimed = cli("--db", db_url, "actor", "add", "冒名者", "--unit", "财政局", "--role", "admin")

    assert claimed.code == 4
    assert "only an admin" in claimed.err
    assert [actor["actor"] for actor in actors(cli, db_url)] == ["管理员"]


def test_after_init_with_admin_the_admin_registers_actors(cli: Cli, db_url: str) -> None:
    assert cli("--db", db_url, "init", "--admin", "管理员").code == 0

    added = cli("--db", db_url, "--as", "管理员", "actor", "add", "李财政", "--unit", "财政局", "--role", "drafter")

    assert added.code == 0, added.err
    assert sorted(str(actor["actor"]) for actor in actors(cli, db_url)) == ["李财政", "管理员"]


def test_init_without_admin_says_to_create_the_first_admin_now(cli: Cli, db_url: str) -> None:
    done = cli("--db", db_url, "init")

    assert done.code == 0, done.err
    assert "registry init --admin NAME" in done.out
    assert actors(cli, db_url) == []


def test_init_once_an_admin_exists_says_nothing_about_one(cli: Cli, db_url: str) -> None:
    assert cli("--db", db_url, "init", "--admin", "管理员").code == 0

    again = cli("--db", db_url, "init")

    assert again.code == 0, again.err
    assert "--admin" not in again.out


def test_a_unit_without_an_admin_is_a_usage_error_that_creates_nothing(cli: Cli, db_url: str) -> None:
    refused = cli("--db", db_url, "init", "--unit", "财政局")

    assert refused.code == 2
    assert "--admin" in refused.err


def test_init_may_run_again_with_the_same_first_admin(cli: Callable[..., Result], db_url: str) -> None:
    assert cli("--db", db_url, "init", "--admin", "管理员").code == 0

    again = cli("--db", db_url, "init", "--admin", "管理员")

    assert again.code == 0, again
    assert "already an admin" in again.out
