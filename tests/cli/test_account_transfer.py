"""`registry import` and `registry export` of the new-media account list, through the real console script."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from events.account import AccountElements, AccountStatus
from events.database import open_engine
from projections.media_accounts import all_accounts, public_list
from registry.accounts.command import FileAccount, PublishAccount, ReviewAccount, SuspendAccount
from registry.accounts.service import Accounts
from registry.actor import Role
from registry.service import Registry
from tests.conftest import Result, initialise
from tests.signing import signed_registry

Cli = Callable[..., Result]
SAMPLES = Path(__file__).resolve().parent.parent / "data" / "accounts"
PEOPLE = {
    "高公安": ("公安局", Role.DRAFTER),
    "李财政": ("财政局", Role.DRAFTER),
    "刘城川": ("城川镇", Role.DRAFTER),
    "孙初审": ("政务服务局", Role.PRELIMINARY_REVIEWER),
    "吴发布": ("政务服务局", Role.PUBLISHER),
}
HEADER = ["序号", "账号名称", "平台", "平台账号标识", "主办单位", "认证主体", "开设日期", "状态"]


def with_people(registry: Registry) -> Registry:
    for name, (unit, role) in PEOPLE.items():
        registry.register_actor(name, unit, frozenset({role}))
    return registry


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    engine = open_engine(db_url)
    initialise(engine)
    yield with_people(signed_registry(engine))
    engine.dispose()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[str, Registry]]:
    """A second, empty registry (SQLite) to import an export into."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = open_engine(url)
    initialise(engine)
    yield url, with_people(signed_registry(engine))
    engine.dispose()


def head(registry: Registry) -> int:
    return registry.store.head()[0]


def run_import(cli: Cli, url: str, path: Path, unit: str, by: str, *options: str) -> Result:
    return cli("--db", url, "--as", by, "import", str(path), "--unit", unit, "--json", *options)


def accounts_of(registry: Registry, unit: str | None) -> list[dict[str, Any]]:
    with registry.store.reading() as conn:
        return all_accounts(conn, unit=unit)


def elements_of(registry: Registry, account_id: str) -> AccountElements:
    return Accounts(registry).load(account_id)[0].elements


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def publish_all(registry: Registry) -> None:
    """Take every filed account through 初审 and 公布."""
    service, actors = Accounts(registry), {a.actor_id: a for a in registry.actors()}
    now = datetime.now(UTC)
    for row in accounts_of(registry, None):
        if row["status"] == AccountStatus.FILED.value:
            service.execute(
                ReviewAccount(account_id=row["account_id"], actor=actors["孙初审"], at=now, stage="preliminary")
            )
            service.execute(PublishAccount(account_id=row["account_id"], actor=actors["吴发布"], at=now))


def test_a_wild_xlsx_with_merged_units_files_the_importing_unit_s_accounts(
    cli: Cli, registry: Registry, db_url: str
) -> None:
    done = run_import(cli, db_url, SAMPLES / "wild.xlsx", "公安局", "高公安")

    assert done.code == 0, done.out + done.err
    report = json.loads(done.out)
    assert report["written"] and report["list"] == "accounts"
    assert [(a["row"], a["action"], a["then"]) for a in report["accounts"]] == [
        (4, "file", None),
        (5, "file", None),
        (6, "file", "suspend"),
        (7, "closed", None),
        (8, "other_unit", None),
        (9, "other_unit", None),
    ]
    filed = {a["row"]: elements_of(registry, a["account_id"]) for a in report["accounts"] if a["action"] == "file"}
    assert filed[4].model_dump() == {
        "name": "鄂托克前旗公安",
        "platform": "微信公众号",
        "handle": "gh_e3f1a2b4",
        "operator": "",
        "certified_as": "鄂托克前旗公安局",  # as the platform prints it: the rule reads it
        "opened_on": date(2016, 5, 4),
        "purpose": "警务资讯、便民服务",
        "link": "",
        "contact": "张警官 13900000001",
    }
    assert (filed[5].name, filed[5].platform, filed[5].opened_on) == ("前旗警方", "新浪微博", date(2017, 3, 1))
    assert (filed[6].platform, filed[6].operator) == ("抖音", "某文化传媒有限公司")
    assert {a["unit"] for a in accounts_of(registry, "公安局")} == {"公安局"} and len(
        accounts_of(registry, "公安局")
    ) == 3
    suspend = next(p for p in report["problems"] if p["row"] == 6 and p["field"] == "status")
    assert "file its 关停" in suspend["message"] and suspend["column"] == "I"


def test_a_csv_grouped_by_unit_files_the_rows_its_numbering_continues(
    cli: Cli, registry: Registry, db_url: str
) -> None:
    done = run_import(cli, db_url, SAMPLES / "grouped.csv", "财政局", "李财政")

    assert done.code == 0, done.out + done.err
    report = json.loads(done.out)
    assert [a["action"] for a in report["accounts"]] == ["other_unit", "other_unit", "file", "file"]
    assert sorted(a["platform"] for a in accounts_of(registry, "财政局")) == ["微信公众号", "抖音"]


def test_an_account_list_is_told_by_its_header_and_the_catalog_import_is_unchanged(
    cli: Cli, registry: Registry, db_url: str
) -> None:
    told = cli(
        "--db", db_url, "--as", "李财政", "import", str(SAMPLES / "grouped.csv"), "--unit", "财政局", "--dry-run"
    )
    as_catalog = cli(
        "--db",
        db_url,
        "--as",
        "李财政",
        "import",
        str(SAMPLES / "grouped.csv"),
        "--unit",
        "财政局",
        "--list",
        "catalog",
    )

    assert told.code == 0 and "would have 2 filed (开设备案)" in told.out, told.out + told.err
    assert as_catalog.code == 7 and "no catalog table found" in as_catalog.err


def test_a_dry_run_reports_and_writes_nothing(cli: Cli, registry: Registry, db_url: str) -> None:
    before = head(registry)

    done = run_import(cli, db_url, SAMPLES / "wild.xlsx", "公安局", "高公安", "--dry-run", "--list", "accounts")

    assert done.code == 0 and json.loads(done.out)["counts"]["file"] == 3
    assert head(registry) == before


def test_a_second_account_on_a_platform_in_the_last_row_refuses_the_whole_list(
    cli: Cli, registry: Registry, db_url: str, tmp_path: Path
) -> None:
    rows = [HEADER, ["1", "前旗财政", "微信", "gh_1", "财政局", "财政局", "2018-01-01", "正常"]]
    rows += [["2", "财政发布", "抖音", "dy_1", "财政局", "财政局", "2018-06-01", "正常"]]
    rows += [["3", "财政服务", "政务微信", "gh_2", "财政局", "财政局", "2019-01-01", "正常"]]
    before = head(registry)

    done = cli(
        "--db", db_url, "--as", "李财政", "import", str(write_csv(tmp_path / "two.csv", rows)), "--unit", "财政局"
    )

    assert done.code == 4, done.out + done.err
    assert "row 4, 平台" in done.out and "一平台一账号" in done.out and "row 2 of the file" in done.out
    assert "nothing imported" in done.err
    assert head(registry) == before and accounts_of(registry, "财政局") == []


def test_an_account_against_one_in_the_registry_is_refused_with_its_row_and_column(
    cli: Cli, registry: Registry, db_url: str, tmp_path: Path
) -> None:
    drafter = registry.actor("李财政")
    held = AccountElements(name="前旗财政", platform="微信公众号", handle="gh_1", certified_as="财政局")
    Accounts(registry).execute(FileAccount(account_id="NM-1", actor=drafter, at=datetime.now(UTC), elements=held))
    rows = [HEADER, ["1", "财政发布", "抖音", "dy_1", "财政局", "财政局", "", ""]]
    rows += [["2", "财政服务", "微信", "gh_other", "财政局", "财政局", "", ""]]
    before = head(registry)

    done = run_import(cli, db_url, write_csv(tmp_path / "held.csv", rows), "财政局", "李财政")

    assert done.code == 4
    (refused,) = [p for p in json.loads(done.out)["problems"] if p["severity"] == "error"]
    assert (refused["row"], refused["column"], refused["label"], refused["rule"]) == (3, "C", "平台", "一平台一账号")
    assert "NM-1" in refused["message"]
    assert head(registry) == before


def test_the_same_list_imported_again_files_nothing(cli: Cli, registry: Registry, db_url: str) -> None:
    assert run_import(cli, db_url, SAMPLES / "wild.xlsx", "公安局", "高公安").code == 0
    before = head(registry)

    again = run_import(cli, db_url, SAMPLES / "wild.xlsx", "公安局", "高公安")

    assert again.code == 0 and json.loads(again.out)["counts"]["existing"] == 3
    assert head(registry) == before


def test_a_certification_that_names_another_unit_is_refused_in_its_column(
    cli: Cli, registry: Registry, db_url: str, tmp_path: Path
) -> None:
    rows = [HEADER, ["1", "前旗财政", "微信", "gh_1", "财政局", "某某传媒公司", "", "正常"]]

    done = run_import(cli, db_url, write_csv(tmp_path / "cert.csv", rows), "财政局", "李财政")

    assert done.code == 4
    (refused,) = [p for p in json.loads(done.out)["problems"] if p["severity"] == "error"]
    assert (refused["row"], refused["column"], refused["rule"]) == (2, "F", "认证一致")


def test_a_row_that_cannot_be_read_exits_7_naming_row_and_column_and_writes_nothing(
    cli: Cli, registry: Registry, db_url: str, tmp_path: Path
) -> None:
    rows = [HEADER, ["1", "前旗财政", "微信", "gh_1", "财政局", "财政局", "2018-01-01", "正常"]]
    rows += [["2", "财政发布", "抖音", "dy_1", "财政局", "财政局", "去年", "正常"]]
    before = head(registry)

    done = cli(
        "--db", db_url, "--as", "李财政", "import", str(write_csv(tmp_path / "date.csv", rows)), "--unit", "财政局"
    )

    assert done.code == 7
    assert "row 3, 开设日期" in done.out and "'去年' is not a date" in done.out
    assert head(registry) == before


def test_importing_as_a_drafter_of_another_unit_is_refused_before_the_file_is_read(
    cli: Cli, registry: Registry, db_url: str
) -> None:
    done = run_import(cli, db_url, SAMPLES / "wild.xlsx", "公安局", "李财政")

    assert done.code == 4 and "起草主体" in done.err


def test_catalog_only_options_do_not_apply_to_an_account_list(cli: Cli, registry: Registry, db_url: str) -> None:
    done = run_import(cli, db_url, SAMPLES / "wild.xlsx", "公安局", "高公安", "--skip-invalid")

    assert done.code == 2 and "--skip-invalid" in done.err


def filed_and_published(cli: Cli, registry: Registry, url: str) -> Registry:
    """wild.xlsx imported for its three units, reviewed and published; the account marked 已关停 suspended."""
    for unit, by in (("公安局", "高公安"), ("财政局", "李财政"), ("城川镇", "刘城川")):
        done = run_import(cli, url, SAMPLES / "wild.xlsx", unit, by)
        assert done.code == 0, done.out + done.err
        for account in json.loads(done.out)["accounts"]:
            if account["then"] == "suspend":
                suspended = account["account_id"]
    publish_all(registry)
    now, service = datetime.now(UTC), Accounts(registry)
    service.execute(SuspendAccount(account_id=suspended, actor=registry.actor("高公安"), at=now, reason="暂停更新"))
    service.execute(ReviewAccount(account_id=suspended, actor=registry.actor("孙初审"), at=now, stage="preliminary"))
    service.execute(PublishAccount(account_id=suspended, actor=registry.actor("吴发布"), at=now))
    return registry


def cells_of(path: Path) -> list[list[str]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as source:
            return list(csv.reader(source))
    sheet = load_workbook(path).active
    assert sheet is not None
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def public(registry: Registry) -> list[tuple[str, str, dict[str, Any]]]:
    with registry.store.reading() as conn:
        listed = public_list(conn)
    return sorted(((a.unit, a.status.value, a.elements) for a in listed), key=lambda a: (a[0], a[2]["platform"]))


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_an_exported_list_imports_into_a_fresh_registry_as_the_same_accounts(
    cli: Cli, registry: Registry, db_url: str, fresh: tuple[str, Registry], tmp_path: Path, suffix: str
) -> None:
    filed_and_published(cli, registry, db_url)
    path = tmp_path / f"清单{suffix}"

    exported = cli("--db", db_url, "export", "-o", str(path), "--list", "accounts", "--json")

    assert exported.code == 0, exported.err
    assert json.loads(exported.out) == {"file": str(path), "format": suffix[1:], "list": "accounts", "accounts": 5}
    cells = cells_of(path)
    header = next(i for i, row in enumerate(cells) if row[0] == "序号")
    assert cells[header][:9] == [
        "序号",
        "账号名称",
        "平台",
        "平台账号标识",
        "主办单位",
        "运营单位",
        "认证主体",
        "开设日期",
        "状态",
    ]
    listed = [row for row in cells[header + 1 :] if any(row)]
    assert [row[0] for row in listed] == ["1", "2", "3", "4", "5"]
    merged = [""] * 2 if suffix == ".xlsx" else ["公安局"] * 2  # the xlsx merges a unit over its accounts
    assert [row[4] for row in listed] == ["财政局", "公安局", *merged, "城川镇"]  # the profile's order of units
    assert [row[2] for row in listed[1:4]] == ["微信公众号", "新浪微博", "抖音"]  # and of platforms
    assert "已关停" in [row[8] for row in listed]

    fresh_url, imported = fresh
    for unit, by in (("公安局", "高公安"), ("财政局", "李财政"), ("城川镇", "刘城川")):
        done = run_import(cli, fresh_url, path, unit, by)
        assert done.code == 0, done.out + done.err
    publish_all(imported)
    back = public(imported)

    assert [(unit, elements) for unit, _, elements in back] == [
        (unit, elements) for unit, _, elements in public(registry)
    ]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_contact_never_appears_in_an_export(
    cli: Cli, registry: Registry, db_url: str, tmp_path: Path, suffix: str
) -> None:
    filed_and_published(cli, registry, db_url)
    assert elements_of(registry, accounts_of(registry, "公安局")[0]["account_id"]).contact or any(
        elements_of(registry, a["account_id"]).contact for a in accounts_of(registry, "公安局")
    )
    path = tmp_path / f"清单{suffix}"

    assert cli("--db", db_url, "export", "-o", str(path), "--list", "accounts").code == 0

    text = "\n".join("\t".join(row) for row in cells_of(path))
    assert "张警官" not in text and "13900000001" not in text and "王会计" not in text and "联系人" not in text
    if suffix == ".xlsx":
        shutil.unpack_archive(path, tmp_path / "unpacked", "zip")
        raw = "".join(p.read_text("utf-8", "replace") for p in (tmp_path / "unpacked").rglob("*.xml"))
        assert "张警官" not in raw and "王会计" not in raw


def test_the_account_list_is_exported_as_xlsx_or_csv_only(cli: Cli, registry: Registry, db_url: str) -> None:
    done = cli("--db", db_url, "export", "-o", "list.json", "--list", "accounts")

    assert done.code == 2 and "xlsx, csv" in done.err
