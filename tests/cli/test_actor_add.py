"""`registry actor add` warns of a role the actor's unit can never act in, through the real console script."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import Result

Cli = Callable[..., Result]


@pytest.fixture
def admin(cli: Cli, db_url: str) -> str:
    done = cli("--db", db_url, "init", "--admin", "管理员")
    assert done.code == 0, done.err
    return db_url


def test_a_preliminary_reviewer_outside_the_review_unit_is_registered_with_a_warning_naming_the_rule(
    cli: Cli, admin: str
) -> None:
    done = cli(
        "--db", admin, "--as", "管理员", "actor", "add", "何财审", "--unit", "财政局", "--role", "preliminary_reviewer"
    )

    assert done.code == 0, done.err
    assert done.err.startswith(
        "warning: 何财审 of 财政局 will be refused [初审主体]: the preliminary review is done by 政务服务局"
    )
    assert "registered 何财审" in done.out


def test_only_the_roles_the_unit_cannot_use_are_warned_of(cli: Cli, admin: str) -> None:
    args = ("actor", "add", "钱财政", "--unit", "财政局", "--role", "drafter", "--role", "publisher", "--json")

    done = cli("--db", admin, "--as", "管理员", *args)

    assert done.code == 0, done.err
    assert [line.split("]")[0] for line in done.err.splitlines()] == [
        "warning: 钱财政 of 财政局 will be refused [公布主体"
    ]
    assert json.loads(done.out)["actor"] == "钱财政"


def test_a_role_the_unit_acts_in_is_registered_without_a_warning(cli: Cli, admin: str) -> None:
    args = ("actor", "add", "孙初审", "--unit", "旗政务服务局", "--role", "preliminary_reviewer", "--role", "publisher")

    done = cli("--db", admin, "--as", "管理员", *args)

    assert done.code == 0 and done.err == "", done


def test_a_misspelt_unit_is_refused_with_the_nearest_unit(cli: Cli, admin: str) -> None:
    done = cli("--db", admin, "--as", "管理员", "actor", "add", "钱财政", "--unit", "财政具", "--role", "drafter")

    assert done.code == 4
    assert done.err.strip() == (
        "refused [人员登记]: unknown unit '财政具' (did you mean 财政局?): the jurisdiction profile has no such unit"
    )


def test_the_roles_are_named_in_chinese_under_a_chinese_locale(cli: Cli, admin: str) -> None:
    args = ("actor", "add", "钱财政", "--unit", "财政局", "--role", "drafter", "--role", "审议人")

    added = cli("--db", admin, "--as", "管理员", *args, env={"LANG": "zh_CN.UTF-8"})
    listed = cli("--db", admin, "actor", "list", env={"LANG": "zh_CN.UTF-8"})

    assert added.out.strip() == "已登记 钱财政（财政局：审议人、起草人）"
    assert "起草人" in listed.out and "drafter" not in listed.out and "admin" not in listed.out
