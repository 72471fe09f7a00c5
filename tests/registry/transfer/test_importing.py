"""The import use case on a real store (SQLite file and PostgreSQL): elements, errors, atomicity, idempotence."""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from events.database import open_engine
from events.event import AdjustmentProposed, ItemDrafted, ItemRevised
from registry.items.command import DiscardItem, DraftItem, SubmitItem
from registry.rules import RuleViolation
from registry.schema import upgrade
from registry.service import Registry
from registry.transfer.catalog_table import NotACatalog
from registry.transfer.importing import IMPORT_TRIGGER, ImportReport, derived_id, identity, import_catalog
from registry.transfer.spreadsheet import UnreadableFile
from tests.registry.transfer.catalog_files import (
    HEADER,
    LEVELS_HEADER_SUB,
    LEVELS_HEADER_TOP,
    MESSY_EXPECTED,
    Clock,
    complete,
    good_row,
    levels_rows,
    people,
    publish,
    write_messy_xlsx,
    write_rows_xlsx,
    write_xls,
)
from tests.signing import signed_registry


def run(registry: Registry, path: Path, **options: object) -> ImportReport:
    actor = people(registry)[str(options.pop("by", "李财政"))]
    return import_catalog(registry, path, unit=str(options.pop("unit", "财政局")), actor=actor, **options)  # type: ignore[arg-type]


def head(registry: Registry) -> int:
    return registry.store.head()[0]


def test_a_messy_real_world_sheet_imports_with_the_right_elements(registry: Registry, tmp_path: Path) -> None:
    report = run(registry, write_messy_xlsx(tmp_path / "messy.xlsx"))

    assert report.written and report.counts()["draft"] == 5, [str(p) for p in report.errors]
    by_row = {o.row: o.item_id for o in report.outcomes}
    for row, expected in MESSY_EXPECTED.items():
        state, stored = registry.load(str(by_row[row]))
        assert state.pending is not None
        elements = state.pending.elements.as_json()
        assert {k: elements[k] for k in expected} == {
            k: list(v) if isinstance(v, tuple) else v for k, v in expected.items()
        }
        assert (state.domain, state.unit) == ("财政预决算", "财政局")
        assert stored[0].metadata.source == f"messy.xlsx row {row}"
    warnings = [str(p) for p in report.problems if p.severity == "warning"]
    assert "row 6, 公开依据: 同上 (same as above): took row 5's value" in warnings
    assert any("公开层级: no such column" in w for w in warnings)


def test_levels_given_as_a_merged_group_with_a_two_level_column(registry: Registry, tmp_path: Path) -> None:
    path = write_rows_xlsx(tmp_path / "levels.xlsx", [LEVELS_HEADER_TOP, LEVELS_HEADER_SUB, *levels_rows()])

    report = run(registry, path)

    first, second = (registry.load(str(o.item_id))[0].pending for o in report.outcomes)
    assert first is not None and second is not None
    assert first.elements.levels == ("county", "township", "village")
    assert second.elements.levels == ("county",)
    assert second.elements.audience == ("specific_group",) and second.elements.audience_note == "采购供应商"
    assert second.elements.method == ("proactive", "on_request")


def test_a_file_with_an_invalid_row_imports_nothing_and_reports_every_problem(
    registry: Registry, tmp_path: Path
) -> None:
    people(registry)
    before = head(registry)
    rows = [HEADER, good_row(1, "政府预算"), good_row(2, "政府决算", basis="", levels="市级"), good_row(3, "部门预算")]
    path = write_rows_xlsx(tmp_path / "bad.xlsx", rows, title="财政局目录")

    report = run(registry, path)

    assert not report.written and report.blocked and head(registry) == before
    assert [str(p) for p in report.errors] == [
        "row 4, 公开层级: '市级' is not a level (县级, 乡级, 村级 …)",
        "row 4, 公开依据: empty",
    ]
    assert [o.action for o in report.outcomes] == ["draft", "invalid", "draft"]


def test_skip_invalid_imports_the_valid_rows_and_lists_the_skipped(registry: Registry, tmp_path: Path) -> None:
    rows = [HEADER, good_row(1, "政府预算"), good_row(2, "政府决算", body=""), good_row(3, "部门预算")]
    path = write_rows_xlsx(tmp_path / "bad.xlsx", rows)

    report = run(registry, path, skip_invalid=True)

    assert report.written
    assert [(o.row, o.action) for o in report.outcomes] == [(2, "draft"), (3, "skipped"), (4, "draft")]
    assert [r["title"] for r in report.as_json()["items"]] == ["政府预算", "", "部门预算"]


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(registry: Registry, tmp_path: Path) -> None:
    people(registry)
    before = head(registry)

    report = run(registry, write_messy_xlsx(tmp_path / "messy.xlsx"), dry_run=True)

    assert report.counts()["draft"] == 5 and not report.written
    assert head(registry) == before


def test_importing_the_same_file_twice_records_nothing_new(registry: Registry, tmp_path: Path) -> None:
    path = write_messy_xlsx(tmp_path / "messy.xlsx")
    first = run(registry, path)
    after_first = head(registry)

    second = run(registry, path)

    assert head(registry) == after_first and not second.written
    assert [o.action for o in second.outcomes] == ["unchanged"] * 5
    assert [o.item_id for o in second.outcomes] == [o.item_id for o in first.outcomes]


def test_new_items_get_ids_derived_from_unit_and_names(registry: Registry, tmp_path: Path) -> None:
    path = write_rows_xlsx(tmp_path / "a.xlsx", [HEADER, good_row(1, "政府预算")])

    report = run(registry, path)

    state, _ = registry.load(str(report.outcomes[0].item_id))
    assert state.pending is not None
    assert report.outcomes[0].item_id == derived_id("财政局", identity(state.pending.elements))


def test_a_changed_row_of_a_draft_becomes_a_revision_of_the_changed_elements(
    registry: Registry, tmp_path: Path
) -> None:
    run(registry, write_rows_xlsx(tmp_path / "v1.xlsx", [HEADER, good_row(1, "政府预算"), good_row(2, "政府决算")]))
    changed = [HEADER, good_row(1, "政府预算", content="新的内容"), good_row(2, "政府决算")]

    report = run(registry, write_rows_xlsx(tmp_path / "v2.xlsx", changed))

    assert [o.action for o in report.outcomes] == ["revise", "unchanged"]
    _, stored = registry.load(str(report.outcomes[0].item_id))
    revision = stored[-1].data
    assert isinstance(revision, ItemRevised)
    assert [(c.field, c.new) for c in revision.changes] == [("content", "新的内容")]
    assert stored[-1].metadata.source == "v2.xlsx row 2"


def test_a_changed_row_of_a_published_item_proposes_an_adjustment(registry: Registry, tmp_path: Path) -> None:
    publish(registry, "czj-yusuan", complete("政府预算"))
    row = good_row(
        1, "政府预算", content="政府预算的内容", channels="政府网站 政务服务中心", basis="《预算法实施条例》"
    )

    report = run(registry, write_rows_xlsx(tmp_path / "new.xlsx", [HEADER, row]))

    assert [(o.item_id, o.action) for o in report.outcomes] == [("czj-yusuan", "adjust")]
    state, stored = registry.load("czj-yusuan")
    proposal = stored[-1].data
    assert isinstance(proposal, AdjustmentProposed) and proposal.trigger == IMPORT_TRIGGER
    assert [c.field for c in proposal.changes] == ["basis"]
    assert state.published is not None and state.published.elements.basis == "《中华人民共和国预算法》"


def test_a_row_that_says_what_the_published_item_says_records_nothing(registry: Registry, tmp_path: Path) -> None:
    publish(registry, "czj-yusuan", complete("政府预算"))
    before = head(registry)
    row = good_row(1, "政府预算", channels="政府网站、政务服务中心")

    report = run(registry, write_rows_xlsx(tmp_path / "same.xlsx", [HEADER, row]))

    assert [(o.item_id, o.action) for o in report.outcomes] == [("czj-yusuan", "unchanged")]
    assert head(registry) == before


def test_a_drafter_of_another_unit_is_refused_before_the_file_is_read(registry: Registry, tmp_path: Path) -> None:
    """Else a dry run's report would tell which of the unit's items a file's rows match, and their ids."""
    people(registry)
    before = head(registry)
    path = write_rows_xlsx(tmp_path / "a.xlsx", [HEADER, good_row(1, "政府预算"), good_row(2, "政府决算")])

    with pytest.raises(RuleViolation) as refused:
        run(registry, path, by="张民政")

    assert head(registry) == before
    assert refused.value.rule.code == "起草主体"


def test_a_row_of_an_item_in_review_is_refused_by_the_order_rule(registry: Registry, tmp_path: Path) -> None:
    run(registry, write_rows_xlsx(tmp_path / "v1.xlsx", [HEADER, good_row(1, "政府预算")]))
    item_id = derived_id("财政局", ("财政预决算", "政府预算", ""))
    registry.execute(SubmitItem(item_id=item_id, actor=people(registry)["李财政"], at=Clock().tick()))

    report = run(registry, write_rows_xlsx(tmp_path / "v2.xlsx", [HEADER, good_row(1, "政府预算", body="别处")]))

    assert [(p.row, p.rule) for p in report.errors] == [(2, "审查顺序")]


def test_duplicate_rows_in_one_file(registry: Registry, tmp_path: Path) -> None:
    rows = [HEADER, good_row(1, "政府预算"), good_row(2, "政府预算"), good_row(3, "政府预算", content="另一个")]

    report = run(registry, write_rows_xlsx(tmp_path / "dup.xlsx", rows))

    assert [o.action for o in report.outcomes] == ["draft", "duplicate", "invalid"]
    assert [str(p) for p in report.errors] == [
        "row 4: the same 一级/二级/三级事项 as row 2, with other elements: one item per row"
    ]


def test_warnings_tell_what_submission_will_refuse(registry: Registry, tmp_path: Path) -> None:
    row = good_row(1, "政府预算", channels="公开查阅点", time_limit="信息形成之日起30个工作日内")

    report = run(registry, write_rows_xlsx(tmp_path / "a.xlsx", [HEADER, row]))

    assert report.written
    assert sorted(p.rule for p in report.problems if p.severity == "warning") == ["公开时限", "网站优先"]
    letters = {p.rule: HEADER[ord(p.column) - ord("A")] for p in report.problems}
    assert letters == {"公开时限": "公开时限", "网站优先": "公开渠道和载体"}, "each warning names its cell's column"


def test_the_batch_is_atomic_a_refused_command_records_nothing(registry: Registry) -> None:
    who = people(registry)
    before = head(registry)
    clock = Clock()
    commands = [
        DraftItem(item_id="a", actor=who["李财政"], at=clock.tick(), elements=complete("甲")),
        DraftItem(item_id="b", actor=who["张民政"], at=clock.tick(), unit="财政局", elements=complete("乙")),
    ]

    with pytest.raises(RuleViolation, match=r"command 2 of 2 \(b\)"):
        registry.execute_all(commands)

    assert head(registry) == before
    assert [r is None for r in registry.check_all(commands)] == [True, False]


def test_a_legacy_xls_with_merged_cells_imports(registry: Registry, tmp_path: Path) -> None:
    top = ["序号", "公开事项", "", *HEADER[3:8], "公开对象", "", "公开方式", "", "公开层级", ""]
    sub = ["", "一级事项", "二级事项", "", "", "", "", "", "全社会", "特定群体", "主动", "依申请", "县级", "乡级"]
    body = ["《中华人民共和国预算法》", "信息形成或者变更之日起20个工作日内", "财政局", "政府网站"]
    rows: list[Sequence[object]] = [
        ["财政局政务公开事项目录"],
        top,
        sub,
        [1, "财政预决算", "政府预算", "预算内容", *body, "√", "", "√", "", "√", ""],
        [2, "", "政府决算", "决算内容", *body, "√", "", "√", "", "√", "√"],
    ]
    merges = [(0, 0, 0, 13), (1, 2, 0, 0), (1, 1, 1, 2), *[(1, 2, c, c) for c in range(3, 8)]]
    merges += [(1, 1, 8, 9), (1, 1, 10, 11), (1, 1, 12, 13), (3, 4, 1, 1)]

    report = run(registry, write_xls(tmp_path / "legacy.xls", rows, merges))

    assert report.counts()["draft"] == 2, [str(p) for p in report.problems]
    second = registry.load(str(report.outcomes[1].item_id))[0].pending
    assert second is not None and second.elements.category == "财政预决算"
    assert second.elements.levels == ("county", "township")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030(registry: Registry, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "catalog.csv"
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream).writerows([["财政局目录"], HEADER, good_row(1, "政府预算"), good_row(2, "政府决算")])

    report = run(registry, path)

    assert [o.title for o in report.outcomes] == ["政府预算", "政府决算"]
    assert report.written


def test_an_unreadable_file_is_refused_before_anything_is_read(registry: Registry, tmp_path: Path) -> None:
    (tmp_path / "x.xlsx").write_bytes(b"\x00\x01garbage" * 50)
    (tmp_path / "names.csv").write_text("姓名,电话\n张三,123\n", "utf-8")

    with pytest.raises(UnreadableFile, match=r"not an \.xlsx workbook"):
        run(registry, tmp_path / "x.xlsx")
    with pytest.raises(NotACatalog):
        run(registry, tmp_path / "names.csv")


@pytest.mark.ten_thousand_rows
def test_ten_thousand_rows_import_in_one_run(sqlite_url: str, tmp_path: Path) -> None:
    # SQLite only: the write path costs the same per event on PostgreSQL, which the other tests cover.
    engine = open_engine(sqlite_url)
    upgrade(engine)
    registry = signed_registry(engine)
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        writer.writerows(good_row(n, f"事项{n:05d}") for n in range(1, 10_001))
    people(registry)
    before = head(registry)

    started = time.perf_counter()
    report = run(registry, path)
    elapsed = time.perf_counter() - started

    assert report.counts()["draft"] == 10_000 and report.written
    assert head(registry) == before + 10_000
    print(f"10,000 rows imported in {elapsed:.1f} s on {registry.engine.dialect.name}")


def test_drafts_are_created_never_submitted(registry: Registry, tmp_path: Path) -> None:
    report = run(registry, write_rows_xlsx(tmp_path / "a.xlsx", [HEADER, good_row(1, "政府预算")]))

    state, stored = registry.load(str(report.outcomes[0].item_id))
    assert state.status == "draft" and [type(e.data) for e in stored] == [ItemDrafted]


def test_a_row_of_a_discarded_draft_becomes_a_new_item_with_a_suffixed_id(registry: Registry, tmp_path: Path) -> None:
    path = write_rows_xlsx(tmp_path / "a.xlsx", [HEADER, good_row(1, "政府预算")])
    first = run(registry, path).outcomes[0].item_id
    assert first is not None
    registry.execute(DiscardItem(item_id=first, actor=people(registry)["李财政"], at=Clock().tick(), reason="重做"))

    again = run(registry, path)

    assert [(o.item_id, o.action) for o in again.outcomes] == [(f"{first}-2", "draft")]


DOMAIN_HEADER = [*HEADER, "领域"]


def test_a_misspelt_domain_cell_is_an_error_of_its_row_and_column_and_nothing_is_imported(
    registry: Registry, tmp_path: Path
) -> None:
    people(registry)
    before = head(registry)
    rows = [DOMAIN_HEADER, [*good_row(1, "政府预算"), "财政预决算"], [*good_row(2, "政府决算"), "财政预算"]]

    report = run(registry, write_rows_xlsx(tmp_path / "domains.xlsx", rows))

    assert not report.written and report.blocked and head(registry) == before
    [error] = report.errors
    assert (error.row, error.column, error.field, error.rule) == (3, "L", "domain", "目录领域")
    assert str(error).startswith("row 3, 领域: refused [目录领域]: unknown domain 财政预算 (did you mean 财政预决算?)")
    assert [o.action for o in report.outcomes] == ["draft", "invalid"]


def test_a_domain_cell_may_declare_another_domain(registry: Registry, tmp_path: Path) -> None:
    rows = [DOMAIN_HEADER, [*good_row(1, "政府采购意向"), "其他领域：政府采购"]]

    report = run(registry, write_rows_xlsx(tmp_path / "other.xlsx", rows))

    assert report.written, [str(p) for p in report.errors]
    assert registry.load(str(report.outcomes[0].item_id))[0].domain == "政府采购"


def test_a_misspelt_domain_option_is_refused_before_the_file_is_read(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(
        RuleViolation, match=r"^refused \[目录领域\]: unknown domain 财政预算 \(did you mean 财政预决算\?\)"
    ):
        run(registry, tmp_path / "not-even-there.xlsx", domain="财政预算")


def test_a_domain_option_may_declare_another_domain(registry: Registry, tmp_path: Path) -> None:
    path = write_rows_xlsx(tmp_path / "a.xlsx", [HEADER, good_row(1, "政府采购意向")])

    report = run(registry, path, domain="其他：政府采购")

    assert registry.load(str(report.outcomes[0].item_id))[0].domain == "政府采购"


def test_an_audience_of_everyone_imports_as_the_public_without_a_warning(registry: Registry, tmp_path: Path) -> None:
    path = write_rows_xlsx(tmp_path / "a.xlsx", [HEADER, good_row(1, "政府预算", audience="所有人")])

    report = run(registry, path)

    state = registry.load(str(report.outcomes[0].item_id))[0]
    assert state.pending is not None and state.pending.elements.audience == ("public",)
    assert report.problems == []
