"""`registry import` and `registry export` through the real console script, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from events.database import open_engine
from events.elements import ItemElements
from events.event import ReviewStage
from registry.items.command import AdjustItem, ApproveItem, PassReview, PublishItem, SubmitItem
from registry.profile import load_profile
from registry.schema import upgrade
from registry.service import Registry
from tests.conftest import Result
from tests.registry.transfer.catalog_files import complete, people, publish, write_messy_xlsx, write_rows_xlsx
from tests.signing import signed_registry

Cli = Callable[..., Result]
CHINESE = {"LANG": "zh_CN.UTF-8"}

RICH = complete(
    "城乡低保对象认定结果",
    category="社会救助",
    subname="认定结果公示",
    content="低保对象姓名、家庭保障人口、月保障金额",
    basis="《社会救助暂行办法》《最低生活保障审核确认办法》",
    body="民政局、各镇人民政府",
    channels=["政府网站", "社区/企事业单位/村公示栏（电子屏）", "村民 微信群", "便民服务站"],
    audience=["public", "specific_group"],
    audience_note="低保申请人及其家庭成员",
    method=["proactive", "on_request"],
    levels=["county", "township", "village"],
)


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    engine = open_engine(db_url)
    upgrade(engine)
    found = signed_registry(engine)
    people(found)
    yield found
    engine.dispose()


@pytest.fixture
def published(registry: Registry) -> Registry:
    """Three published items of 民政局 in two domains (one at 村级) and one of 财政局."""
    publish(registry, "mzj-dibao", RICH, domain="社会救助", by="张民政")
    publish(
        registry,
        "mzj-tekun",
        {**RICH, "subname": "", "name": "特困人员认定", "levels": ["county"]},
        domain="社会救助",
        by="张民政",
    )
    publish(
        registry,
        "mzj-yanglao",
        complete("养老机构名录", category="养老服务", body="民政局", levels=["county"]),
        domain="养老服务",
        by="张民政",
    )
    publish(registry, "czj-yusuan", complete("政府预算"))
    return registry


def head(registry: Registry) -> int:
    return registry.store.head()[0]


def call(cli: Cli, url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return cli("--db", url, *args, env=env)


def test_import_reports_as_json(cli: Cli, registry: Registry, db_url: str, tmp_path: Path) -> None:
    path = write_messy_xlsx(tmp_path / "messy.xlsx")

    done = call(cli, db_url, "import", str(path), "--unit", "财政局", "--as", "李财政", "--json")

    assert done.code == 0, done.err
    report = json.loads(done.out)
    assert set(report) == {"file", "unit", "dry_run", "written", "rows", "counts", "position", "problems", "items"}
    assert report["counts"]["draft"] == 5 and report["written"] and report["position"] == head(registry)
    assert report["items"][0] == {
        "sheet": None,
        "row": 5,
        "item_id": report["items"][0]["item_id"],
        "title": "一般公共预算",
        "action": "draft",
    }
    same_as_above = {"severity": "warning", "row": 6, "column": "G", "field": "basis", "label": "公开依据"}
    assert any(same_as_above.items() <= problem.items() for problem in report["problems"])


def test_an_invalid_row_exits_7_lists_every_problem_and_writes_nothing(
    cli: Cli, registry: Registry, db_url: str, tmp_path: Path
) -> None:
    header = ["序号", "一级事项", "二级事项", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体"]
    header += ["公开对象", "公开方式", "公开层级"]
    good = ["1", "财政预决算", "政府预算", "内容", "《预算法》", "20个工作日内", "财政局", "政府网站", "全社会", "主动"]
    rows = [header, [*good, "县级"], [*good[:2], "政府决算", "内容", "", "", *good[6:], "县级"]]
    path = write_rows_xlsx(tmp_path / "bad.xlsx", rows)
    before = head(registry)

    done = call(cli, db_url, "--as", "李财政", "import", str(path), "--unit", "财政局")

    assert done.code == 7, done.out + done.err
    assert "row 3, 公开依据" in done.out and "row 3, 公开时限" in done.out
    assert "nothing imported" in done.err
    assert head(registry) == before

    skipped = call(cli, db_url, "--as", "李财政", "import", str(path), "--unit", "财政局", "--skip-invalid", "--json")
    assert skipped.code == 0
    assert [i["action"] for i in json.loads(skipped.out)["items"]] == ["draft", "skipped"]


def test_a_dry_run_writes_nothing(cli: Cli, registry: Registry, db_url: str, tmp_path: Path) -> None:
    path = write_messy_xlsx(tmp_path / "messy.xlsx")
    before = head(registry)

    done = call(cli, db_url, "--as", "李财政", "import", str(path), "--unit", "财政局", "--dry-run")

    assert done.code == 0 and "dry run, nothing written: would have 5 drafted" in done.out
    assert head(registry) == before


def _truncated_zip(path: Path) -> Path:
    write_messy_xlsx(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _random_bytes(path: Path) -> Path:
    path.write_bytes(os.urandom(4096))
    return path


def _text(path: Path) -> Path:
    path.write_text("序号,公开事项\n1,政府预算\n", "utf-8")
    return path


def _not_a_workbook(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return path


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("random.xlsx", _random_bytes, "not an .xlsx workbook"),
        ("notes.txt", _text, "unsupported file type .txt"),
        ("truncated.xlsx", _truncated_zip, "not a readable .xlsx workbook"),
        ("other.xlsx", _not_a_workbook, "not a readable .xlsx workbook"),
        ("random.xls", _random_bytes, "not an .xls workbook"),
        ("random.csv", _random_bytes, "not a text file"),
    ],
)
def test_a_corrupt_or_non_spreadsheet_file_exits_7_and_leaves_the_log_unchanged(
    cli: Cli, registry: Registry, db_url: str, tmp_path: Path, name: str, make: Callable[[Path], Path], message: str
) -> None:
    path = make(tmp_path / name)
    before = registry.store.head()

    done = call(cli, db_url, "--as", "李财政", "import", str(path), "--unit", "财政局")

    assert done.code == 7, done.err
    assert message in done.err and "nothing imported" in done.err and "Traceback" not in done.err
    assert registry.store.head() == before


def _no_catalog(path: Path) -> Path:
    path.write_text("姓名,电话\n张三,123\n", "utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "make", "english", "chinese"),
    [
        ("notes.txt", _text, "unsupported file type .txt", "不支持的文件类型 .txt：导入可读取 .xlsx、.xlsm、"),
        ("random.xlsx", _random_bytes, "not an .xlsx workbook", "不是.xlsx 工作簿（没有 zip 文件签名）"),
        ("people.csv", _no_catalog, "no catalog table found", "未找到目录表"),
    ],
)
def test_a_file_that_cannot_be_imported_is_told_in_the_reader_s_language_and_in_english_to_scripts(
    cli: Cli, registry: Registry, db_url: str, tmp_path: Path, name: str, make: Callable[[Path], Path],
    english: str, chinese: str,
) -> None:  # fmt: skip
    path = make(tmp_path / name)

    done = call(cli, db_url, "--as", "李财政", "import", str(path), "--unit", "财政局", "--json", env=CHINESE)

    assert done.code == 7, done.err
    assert chinese in done.err and "未导入任何内容" in done.err
    assert english in json.loads(done.out)["error"]["message"]


def test_an_import_into_a_misspelt_unit_is_refused_with_the_nearest_unit(
    cli: Cli, registry: Registry, db_url: str, tmp_path: Path
) -> None:
    path = write_messy_xlsx(tmp_path / "messy.xlsx")

    done = call(cli, db_url, "--as", "李财政", "import", str(path), "--unit", "财政具")

    assert done.code == 4
    assert "unknown unit '财政具' (did you mean 财政局?)" in done.err


def _published_elements(registry: Registry) -> dict[str, dict[str, Any]]:
    found = {}
    for item in ("mzj-dibao", "mzj-tekun", "mzj-yanglao"):
        state, _ = registry.load(item)
        assert state.published is not None
        found[item] = state.published.elements.as_json()
    return found


def test_the_xlsx_round_trip_preserves_every_element_and_records_nothing(
    cli: Cli, published: Registry, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "mzj.xlsx"
    assert call(cli, db_url, "export", "--unit", "民政局", "-o", str(out)).code == 0
    before = head(published)

    again = call(cli, db_url, "--as", "张民政", "import", str(out), "--unit", "民政局", "--json")

    assert again.code == 0, again.err
    assert [i["action"] for i in json.loads(again.out)["items"]] == ["unchanged"] * 3
    assert head(published) == before


def test_an_exported_xlsx_imports_into_an_empty_registry_as_the_same_items(
    cli: Cli, published: Registry, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "mzj.xlsx"
    call(cli, db_url, "export", "--unit", "民政局", "-o", str(out))
    fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = Registry(open_engine(fresh_url), load_profile())
    upgrade(fresh.engine)
    people(fresh)

    done = call(cli, fresh_url, "--as", "张民政", "import", str(out), "--unit", "民政局", "--json")

    assert done.code == 0, done.err
    imported = {}
    for item in json.loads(done.out)["items"]:
        state, _ = fresh.load(item["item_id"])
        assert state.pending is not None
        imported[item["title"]] = (state.domain, state.pending.elements.as_json())
    expected = {
        ItemElements.model_validate(e).title: (d, e)
        for d, e in [
            ("社会救助", _published_elements(published)["mzj-dibao"]),
            ("社会救助", _published_elements(published)["mzj-tekun"]),
            ("养老服务", _published_elements(published)["mzj-yanglao"]),
        ]
    }
    assert imported == expected


def test_the_xlsx_export_is_in_the_official_layout(cli: Cli, published: Registry, db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "mzj.xlsx"
    call(cli, db_url, "export", "--unit", "民政局", "-o", str(out))

    book = load_workbook(out)

    assert book.sheetnames == ["养老服务", "社会救助"]
    sheet = book["社会救助"]
    assert str(sheet["A1"].value).startswith("鄂托克前旗 民政局 社会救助领域 政务公开事项标准目录（")
    assert [c.value for c in sheet[2]][:5] == ["序号", "公开事项", None, None, "公开内容（要素）"]
    assert [c.value for c in sheet[3]][1:4] == ["一级事项", "二级事项", "三级事项"]
    assert {str(r) for r in sheet.merged_cells.ranges} >= {
        "A1:P1",
        "A2:A3",
        "B2:D2",
        "J2:K2",
        "L2:M2",
        "N2:P2",
        "B4:B5",
    }
    first = [c.value for c in sheet[4]]
    assert first[8] == "政府网站\n社区/企事业单位/村公示栏（电子屏）\n村民 微信群\n便民服务站"
    assert first[9:] == ["√", "√（低保申请人及其家庭成员）", "√", "√", "√", "√", "√"]


@pytest.mark.parametrize("fmt", ["csv", "html", "json", "xlsx"])
def test_every_export_format_re_imports_with_no_new_events(
    cli: Cli, published: Registry, db_url: str, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"mzj.{fmt}"
    assert call(cli, db_url, "export", "--unit", "民政局", "--format", fmt, "-o", str(out)).code == 0
    before = head(published)

    again = call(cli, db_url, "--as", "张民政", "import", str(out), "--unit", "民政局", "--json")

    assert again.code == 0, again.out + again.err
    assert json.loads(again.out)["counts"]["unchanged"] == 3
    assert head(published) == before


def test_export_level_village_gives_the_village_list(
    cli: Cli, published: Registry, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "village.json"

    done = call(cli, db_url, "export", "--level", "village", "-o", str(out), "--json")

    assert json.loads(done.out) == {"file": str(out), "format": "json", "items": 1, "tables": 1}
    document = json.loads(out.read_text("utf-8"))
    assert [i["item_id"] for i in document["items"]] == ["mzj-dibao"]
    assert "村级政务公开事项目录" in document["title"] and document["level"] == "village"
    html = tmp_path / "village.html"
    call(cli, db_url, "export", "--level", "村级", "-o", str(html))
    page = html.read_text("utf-8")
    assert "<table>" in page and "城乡低保对象认定结果" in page and "养老机构名录" not in page


def test_export_as_of_gives_the_catalog_as_it_was_then(
    cli: Cli, published: Registry, db_url: str, tmp_path: Path
) -> None:
    who = people(published)
    later = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the caller's clock: the registry's own time counts
    between = datetime.now(UTC)
    steps: list[Any] = [
        AdjustItem(
            item_id="czj-yusuan",
            actor=who["李财政"],
            at=later,
            trigger="法律法规修订",
            elements=ItemElements(content="第二版内容"),
            fields=frozenset({"content"}),
        ),
        SubmitItem(item_id="czj-yusuan", actor=who["李财政"], at=later),
        PassReview(item_id="czj-yusuan", actor=who["孙初审"], at=later, stage=ReviewStage.PRELIMINARY),
        PassReview(item_id="czj-yusuan", actor=who["周法务"], at=later, stage=ReviewStage.LEGALITY),
        ApproveItem(item_id="czj-yusuan", actor=who["王审议"], at=later, reference="2026年第9次政府常务会议"),
        PublishItem(item_id="czj-yusuan", actor=who["吴发布"], at=later),
    ]
    for step in steps:
        published.execute(step)

    def content_as_of(when: str | None) -> list[str]:
        out = tmp_path / "czj.json"
        call(cli, db_url, "export", "--unit", "财政局", "-o", str(out), *(["--as-of", when] if when else []))
        return [i["elements"]["content"] for i in json.loads(out.read_text("utf-8"))["items"]]

    assert content_as_of(None) == ["第二版内容"]
    assert content_as_of(between.isoformat()) == ["政府预算的内容"]
    assert content_as_of(later.isoformat()) == []  # before anything was published, whatever the commands said
    assert content_as_of("2025-12-31") == []


def test_export_refuses_an_unknown_level_or_format(cli: Cli, registry: Registry, db_url: str, tmp_path: Path) -> None:
    assert call(cli, db_url, "export", "--level", "county", "-o", str(tmp_path / "x.xlsx")).code == 2
    assert call(cli, db_url, "export", "--format", "pdf", "-o", str(tmp_path / "x.pdf")).code == 2
    assert call(cli, db_url, "export", "--as-of", "yesterday", "-o", str(tmp_path / "x.csv")).code == 2
