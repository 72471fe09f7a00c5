"""Element values as people type them into `registry draft`, through the real console script."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from registry.actor import Role
from registry.service import Registry
from tests.conftest import Result

Cli = Callable[..., Result]
CHINESE = {"LANG": "zh_CN.UTF-8"}


@pytest.mark.parametrize("everyone", ["所有人", "社会公众", "全社会", "public"])
def test_an_audience_of_everyone_is_the_public(
    cli: Cli, registry: Registry, db_url: str, tmp_path: Path, everyone: str
) -> None:
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}))
    source = tmp_path / "item.json"
    source.write_text(json.dumps({"name": "政府预算", "audience": [everyone]}, ensure_ascii=False), "utf-8")

    done = cli("--db", db_url, "--as", "李财政", "draft", "--id", "ys", "--domain", "财政预决算", "--from", str(source))

    assert done.code == 0, done.err
    pending = registry.load("ys")[0].pending
    assert pending is not None and pending.elements.audience == ("public",)


def test_an_audience_option_of_everyone_is_the_public(cli: Cli, registry: Registry, db_url: str) -> None:
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}))

    done = cli("--db", db_url, "--as", "李财政", "draft", "--id", "ys", "--name", "政府预算", "--audience", "所有人")

    assert done.code == 0, done.err
    pending = registry.load("ys")[0].pending
    assert pending is not None and pending.elements.audience == ("public",)


@pytest.mark.parametrize(
    ("option", "wrong", "choices"),
    [
        ("--audience", "everyone", "public (全社会), specific_group (特定群体)"),
        ("--method", "push", "proactive (主动), on_request (依申请)"),
        ("--level", "province", "county (县级), township (乡级), village (村级)"),
    ],
)
def test_a_wrong_element_option_is_a_usage_error_that_lists_the_choices(
    cli: Cli, registry: Registry, db_url: str, option: str, wrong: str, choices: str
) -> None:
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}))
    before = registry.store.head()

    done = cli("--db", db_url, "--as", "李财政", "draft", "--id", "ys", "--name", "政府预算", option, wrong)

    assert done.code == 2
    assert done.err.rstrip().endswith(f"usage error: Invalid value for '{option}': {wrong!r} is not one of {choices}")
    assert registry.store.head() == before


def test_a_wrong_element_option_lists_the_choices_in_chinese_under_a_chinese_locale(
    cli: Cli, registry: Registry, db_url: str
) -> None:
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}))

    done = cli("--db", db_url, "--as", "李财政", "draft", "--name", "政府预算", "--level", "省级", env=CHINESE)

    assert done.code == 2
    assert done.err.rstrip().endswith("'省级' 不在可选值中：县级 (county)、乡级 (township)、村级 (village)")


@pytest.mark.parametrize(
    ("option", "given", "field", "value"),
    [("--method", "依申请", "method", "on_request"), ("--level", "镇级", "levels", "township")],
)
def test_an_element_option_is_accepted_in_english_and_in_chinese(
    cli: Cli, registry: Registry, db_url: str, option: str, given: str, field: str, value: str
) -> None:
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}))

    done = cli("--db", db_url, "--as", "李财政", "draft", "--id", "ys", "--name", "政府预算", option, given)

    assert done.code == 0, done.err
    pending = registry.load("ys")[0].pending
    assert pending is not None and getattr(pending.elements, field) == (value,)


def test_a_wrong_value_in_a_from_file_names_the_field_and_the_choices(
    cli: Cli, registry: Registry, db_url: str, tmp_path: Path
) -> None:
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}))
    source = tmp_path / "item.json"
    source.write_text(json.dumps({"name": "政府预算", "audience": ["everyone"]}), "utf-8")

    done = cli("--db", db_url, "--as", "李财政", "draft", "--from", str(source))

    assert done.code == 7
    assert done.err.strip() == (
        f"invalid input: {source}: audience: 'everyone' is not one of public (全社会), specific_group (特定群体)"
    )
