"""`list --domain`, `export --domain` and their `--unit` through the real console script: a name that is no domain
(or no unit) says so, with the nearest names."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from events.database import open_engine
from registry.schema import upgrade
from registry.service import Registry
from tests.conftest import Result
from tests.registry.transfer.catalog_files import complete, people, publish
from tests.signing import signed_registry

Cli = Callable[..., Result]


@pytest.fixture
def published(db_url: str) -> Iterator[Registry]:
    """One published item of 财政预决算 and one of 社会救助."""
    engine = open_engine(db_url)
    upgrade(engine)
    registry = signed_registry(engine)
    people(registry)
    publish(registry, "czj-yusuan", complete("政府预算"))
    publish(registry, "mzj-dibao", complete("城乡低保", body="民政局"), domain="社会救助", by="张民政")
    yield registry
    engine.dispose()


@pytest.mark.parametrize("command", ["list", "export"])
def test_a_misspelt_domain_filter_is_a_usage_error_that_names_the_nearest_domain(
    cli: Cli, published: Registry, db_url: str, tmp_path: Path, command: str
) -> None:
    output = tmp_path / "catalog.json"
    done = cli("--db", db_url, command, *(["-o", str(output)] if command == "export" else []), "--domain", "财政预决")

    assert done.code == 2, done
    assert "unknown domain 财政预决 (did you mean 财政预决算?)" in done.err
    assert done.out == "" and not output.exists()


@pytest.mark.parametrize("command", ["list", "export"])
def test_a_misspelt_unit_filter_is_a_usage_error_that_names_the_nearest_unit(
    cli: Cli, published: Registry, db_url: str, tmp_path: Path, command: str
) -> None:
    output = tmp_path / "catalog.json"
    done = cli("--db", db_url, command, *(["-o", str(output)] if command == "export" else []), "--unit", "财政具")
    chinese = cli(
        "--db", db_url, command, *(["-o", str(output)] if command == "export" else []), "--unit", "财政具",
        env={"LANG": "zh_CN.UTF-8"},
    )  # fmt: skip

    assert done.code == chinese.code == 2, done
    assert "unknown unit '财政具' (did you mean 财政局?)" in done.err
    assert "未知单位 '财政具'（是否是指 财政局？）" in chinese.err
    assert done.out == "" and not output.exists()


def test_list_by_a_unit_lists_its_items(cli: Cli, published: Registry, db_url: str) -> None:
    done = cli("--db", db_url, "list", "--unit", "民政局", "--json")

    assert done.code == 0, done.err
    assert [row["item_id"] for row in json.loads(done.out)] == ["mzj-dibao"]


def test_list_by_an_alias_or_with_领域_lists_the_domains_items(cli: Cli, published: Registry, db_url: str) -> None:
    for written in ("财政预决算", "财政预决算领域"):
        done = cli("--db", db_url, "list", "--domain", written, "--json")

        assert done.code == 0, done.err
        assert [row["item_id"] for row in json.loads(done.out)] == ["czj-yusuan"]


def test_export_of_a_domain_exports_its_items(cli: Cli, published: Registry, db_url: str, tmp_path: Path) -> None:
    done = cli("--db", db_url, "export", "--domain", "社会救助", "-o", str(tmp_path / "c.json"), "--json")

    assert done.code == 0, done.err
    assert json.loads(done.out)["items"] == 1


def test_list_of_a_declared_other_domain_is_no_error(cli: Cli, published: Registry, db_url: str) -> None:
    done = cli("--db", db_url, "list", "--domain", "其他：政府采购", "--json")

    assert done.code == 0, done.err
    assert json.loads(done.out) == []
