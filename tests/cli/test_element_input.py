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
