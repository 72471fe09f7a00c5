"""Reading the official catalog table by meaning: headers, cells, problems. Pure: sheets in, rows out."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from events.elements import ItemElements
from registry.transfer import catalog_layout, catalog_table
from registry.transfer.catalog_table import (
    CatalogRow,
    Merge,
    NotACatalog,
    Sheet,
    channels_of,
    levels_of,
    read_document,
    read_sheets,
)

TOP = ["序号", "公开事项", "", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体"]
TOP += ["公开对象", "", "公开方式", "", "公开层级", "", ""]
SUB = ["", "一级事项", "二级事项", "", "", "", "", "", "全社会", "特定群体", "主动", "依申请", "县级", "乡级", "村级"]
GOOD = ["1", "财政预决算", "政府预算", "预算内容", "《预算法》", "20个工作日内", "财政局", "政府网站"]
GOOD += ["√", "", "√", "", "√", "", ""]


def sheet(*rows: list[str], merges: tuple[Merge, ...] = (), name: str = "Sheet1") -> Sheet:
    return Sheet(name, tuple(tuple(r) for r in rows), merges)


def only(rows: tuple[CatalogRow, ...]) -> ItemElements:
    assert len(rows) == 1 and rows[0].elements is not None, [str(p) for r in rows for p in r.problems]
    return rows[0].elements


def row_with(**cells: str) -> list[str]:
    """GOOD with some cells replaced, by header label (top or sub)."""
    values = list(GOOD)
    for label, value in cells.items():
        index = SUB.index(label) if label in SUB else TOP.index(label)
        values[index] = value
    return values


def test_the_header_is_found_below_title_rows_and_read_with_its_second_row() -> None:
    catalog = read_sheets([sheet(["鄂托克前旗政务公开事项标准目录"], ["（2024年版）"], TOP, SUB, GOOD)])

    elements = only(catalog.rows)
    assert elements.category == "财政预决算" and elements.name == "政府预算"
    assert elements.audience == ("public",) and elements.method == ("proactive",) and elements.levels == ("county",)
    assert catalog.rows[0].row == 5
    assert catalog.rows[0].domain_hints[:2] == ("（2024年版）", "鄂托克前旗政务公开事项标准目录")


def test_columns_are_mapped_by_meaning_in_any_order() -> None:
    order = [6, 5, 4, 3, 0, 1, 2, 7, 8, 9, 10, 11, 12, 13, 14]
    catalog = read_sheets([sheet([TOP[i] for i in order], [SUB[i] for i in order], [GOOD[i] for i in order])])

    elements = only(catalog.rows)
    assert (elements.body, elements.time_limit, elements.basis, elements.content) == (
        "财政局",
        "20个工作日内",
        "《预算法》",
        "预算内容",
    )


@pytest.mark.parametrize(
    ("labels", "audience", "method"),
    [
        (("全社会", "特定群众", "主动公开", "依申请公开"), ("public", "specific_group"), ("proactive", "on_request")),
        (("社会公众", "特定对象", "主动", "依申请"), ("public", "specific_group"), ("proactive", "on_request")),
    ],
)
def test_synonyms_of_the_tick_columns_are_understood(
    labels: tuple[str, str, str, str], audience: tuple[str, ...], method: tuple[str, ...]
) -> None:
    sub = [*SUB[:8], *labels, *SUB[12:]]
    values = row_with(特定群体="√（低保户）", 依申请="√")

    elements = only(read_sheets([sheet(TOP, sub, values)]).rows)

    assert elements.audience == audience and elements.method == method and elements.audience_note == "低保户"


@pytest.mark.parametrize("glyph", ["√", "✓", "▲", "▄", "■", "●", "是"])
def test_any_tick_glyph_ticks(glyph: str) -> None:
    elements = only(read_sheets([sheet(TOP, SUB, row_with(乡级=glyph))]).rows)
    assert elements.levels == ("county", "township")


@pytest.mark.parametrize("blank", ["", "×", "□", "否", "/", "-"])
def test_blanks_and_crosses_do_not_tick(blank: str) -> None:
    elements = only(read_sheets([sheet(TOP, SUB, row_with(乡级=blank))]).rows)
    assert elements.levels == ("county",)


def test_a_level_column_may_stand_for_two_levels() -> None:
    top = [*TOP[:12], "公开层级", ""]
    sub = [*SUB[:12], "区级", "镇街级/村级"]
    values = [*GOOD[:12], "", "√"]

    elements = only(read_sheets([sheet(top, sub, values)]).rows)

    assert elements.levels == ("township", "village")


@pytest.mark.parametrize(
    ("label", "levels"),
    [
        ("县级", {"county"}),
        ("乡、村级", {"township", "village"}),
        ("镇级/村级", {"township", "village"}),
        ("县(市、区)级", {"county"}),
        ("嘎查村级", {"village"}),
        ("公开层级", None),
        ("市级", None),
    ],
)
def test_level_labels(label: str, levels: set[str] | None) -> None:
    found = levels_of(label)
    assert (None if found is None else {level.value for level in found}) == levels


def test_a_channel_checklist_gives_the_chosen_channels_in_canonical_names() -> None:
    cell = "■政府网站 □政府公报 ■两微一端\n□发布会/听证会 ■社区/企事业单位/村公示栏(电子屏) ■其他：村民微信群"
    assert channels_of(cell) == ["政府网站", "两微一端", "社区/企事业单位/村公示栏（电子屏）", "其他：村民微信群"]


@pytest.mark.parametrize(
    ("cell", "channels"),
    [
        ("政府网站 入户/现场", ["政府网站", "入户/现场"]),
        ("政府门户网站、公开查阅点，政务大厅", ["政府网站", "公开查阅点", "政务服务中心"]),
        ("政府网站\n乡村大喇叭", ["政府网站", "乡村大喇叭"]),
        ("村民 微信群", ["村民 微信群"]),
        ("政府网站、政务服务中心等", ["政府网站", "政务服务中心"]),
    ],
)
def test_free_text_channels_are_split_and_unknown_ones_kept_verbatim(cell: str, channels: list[str]) -> None:
    assert channels_of(cell) == channels


def test_free_text_audience_method_and_level_columns() -> None:
    top = [*TOP[:8], "公开对象", "公开方式", "公开层级"]
    values = [*GOOD[:8], "全社会、特定群体（采购供应商）", "主动公开、依申请公开", "县级、乡级"]

    elements = only(read_sheets([sheet(top, values)]).rows)

    assert elements.audience == ("public", "specific_group") and elements.audience_note == "采购供应商"
    assert elements.method == ("proactive", "on_request") and elements.levels == ("county", "township")


@pytest.mark.parametrize("everyone", ["所有人", "社会公众", "全体公民", "人民群众", "不特定对象", "社会大众"])
def test_words_for_everyone_in_an_audience_column_mean_the_public(everyone: str) -> None:
    top = [*TOP[:8], "公开对象", "公开方式", "公开层级"]
    values = [*GOOD[:8], everyone, "主动", "县级"]

    [row] = read_sheets([sheet(top, values)]).rows

    assert row.elements is not None and row.elements.audience == ("public",) and row.elements.audience_note == ""
    assert not row.problems, [str(p) for p in row.problems]


def test_an_audience_word_that_names_a_group_is_still_read_as_that_group() -> None:
    top = [*TOP[:8], "公开对象", "公开方式", "公开层级"]
    values = [*GOOD[:8], "低保对象", "主动", "县级"]

    [row] = read_sheets([sheet(top, values)]).rows

    assert row.elements is not None and row.elements.audience == ("specific_group",)
    assert row.elements.audience_note == "低保对象"


def test_a_domain_column_is_read_with_its_letter() -> None:
    top = [*TOP[:8], "公开对象", "公开方式", "公开层级", "领域"]
    values = [*GOOD[:8], "全社会", "主动", "县级", "财政预算"]

    [row] = read_sheets([sheet(top, values)]).rows

    assert (row.domain, row.domain_column) == ("财政预算", "L")


def test_merged_cells_and_empty_categories_take_the_value_from_the_row_above() -> None:
    second = ["2", "", "政府决算", "决算内容", "", "20个工作日内", "", "政府网站", "√", "", "√", "", "√", "", ""]
    third = ["3", "", "部门预算", "部门内容", "", "20个工作日内", "", "政府网站", "√", "", "√", "", "√", "", ""]
    merges = (Merge(2, 4, 4, 4), Merge(2, 4, 6, 6))  # 公开依据 and 公开主体 over three rows

    catalog = read_sheets([sheet(TOP, SUB, GOOD, second, third, merges=merges)])

    assert [(r.elements.category, r.elements.basis, r.elements.body) for r in catalog.rows if r.elements] == [
        ("财政预决算", "《预算法》", "财政局")
    ] * 3
    assert not [p for r in catalog.rows for p in r.problems]


def test_same_as_above_takes_the_value_above_with_a_warning() -> None:
    second = row_with(二级事项="政府决算", 公开依据="同上", 公开时限="同上。")

    catalog = read_sheets([sheet(TOP, SUB, GOOD, second)])

    assert catalog.rows[1].elements is not None
    assert catalog.rows[1].elements.basis == "《预算法》" and catalog.rows[1].elements.time_limit == "20个工作日内"
    assert [str(p) for p in catalog.rows[1].problems] == [
        "row 4, 公开依据: 同上 (same as above): took row 3's value",
        "row 4, 公开时限: 同上 (same as above): took row 3's value",
    ]
    assert {p.severity for p in catalog.rows[1].problems} == {"warning"}


def test_every_problem_of_every_row_is_reported_with_its_place() -> None:
    first = row_with(公开依据="同上")
    second = row_with(二级事项="政府决算", 公开依据="", 主动="", 县级="x1")
    catalog = read_sheets([sheet(["标题"], TOP, SUB, first, second)])

    problems = [str(p) for r in catalog.rows for p in r.problems]

    assert problems == [
        "row 4, 公开依据: 同上 (same as above), but there is no row above",
        "row 5, 公开层级: 'x1' under 公开层级/县级 is not a tick (√) or blank",
        "row 5, 公开依据: empty",
        "row 5, 公开方式: empty: nothing ticked",
    ]
    assert [r.elements for r in catalog.rows] == [None, None]
    assert catalog.rows[1].problems[1].as_json() == {
        "severity": "error",
        "sheet": None,
        "row": 5,
        "column": "E",
        "field": "basis",
        "label": "公开依据",
        "rule": None,
        "message": "empty",
    }


def test_a_missing_level_column_leaves_levels_to_fill_in_with_one_warning() -> None:
    catalog = read_sheets([sheet(TOP[:12], SUB[:12], GOOD[:12])])

    assert only(catalog.rows).levels == ()
    assert "levels" not in catalog.rows[0].fields
    assert [str(p) for p in catalog.problems] == [
        "row 1, 公开层级: no such column in the table: imported items leave it empty (fill it in before submission)"
    ]


def test_extra_columns_and_a_subname_column() -> None:
    top = ["序号", "公开事项", "", "", *TOP[3:], "咨询电话", "网站所属栏目", "备注", "更新周期"]
    sub = ["", "一级事项", "二级事项", "三级事项", *SUB[3:]]
    values = [*GOOD[:3], "一般公共预算", *GOOD[3:], "0477-1234567", "预决算公开", "无", "每年"]

    catalog = read_sheets([sheet(top, sub, values)])

    assert only(catalog.rows).subname == "一般公共预算"
    assert not catalog.problems


def test_title_section_and_note_rows_are_not_items() -> None:
    section = ["一、财政预决算"] + [""] * 14
    note = ["注：√表示适用"] + [""] * 14
    catalog = read_sheets([sheet(TOP, SUB, section, GOOD, note)])

    assert [r.row for r in catalog.rows] == [4]
    assert catalog.rows[0].domain_hints[0] == "一、财政预决算"
    assert [str(p) for p in catalog.problems] == ["row 5: skipped, not an item: 注：√表示适用"]


def test_a_file_without_a_catalog_header_is_not_a_catalog() -> None:
    with pytest.raises(NotACatalog, match="no catalog table found"):
        read_sheets([sheet(["姓名", "电话"], ["张三", "123"])])


def test_several_tables_on_one_sheet_each_keep_their_title() -> None:
    rows = [["鄂托克前旗 财政局 财政预决算领域 目录"], TOP, SUB, GOOD, [], ["鄂托克前旗 财政局 政府采购领域 目录"]]
    rows += [TOP, SUB, row_with(二级事项="采购意向")]

    catalog = read_sheets([sheet(*rows)])

    assert [(r.row, r.domain_hints[0]) for r in catalog.rows] == [
        (4, "鄂托克前旗 财政局 财政预决算领域 目录"),
        (9, "鄂托克前旗 财政局 政府采购领域 目录"),
    ]


def test_the_export_layout_reads_back_to_the_same_elements() -> None:
    first = ItemElements(
        category="社会救助",
        name="城乡低保",
        subname="认定结果",
        content="姓名、金额",
        basis="《社会救助暂行办法》",
        time_limit="信息形成或者变更之日起20个工作日内",
        body="民政局、各镇人民政府",
        channels=("政府网站", "社区/企事业单位/村公示栏（电子屏）", "村民 微信群"),
        audience=("public", "specific_group"),
        audience_note="低保申请人",
        method=("proactive", "on_request"),
        levels=("county", "township", "village"),
    )
    elements = [
        first,
        first.model_copy(update={"name": "特困供养", "subname": "", "audience": ("public",), "levels": ("village",)}),
        first.model_copy(update={"subname": "复核结果", "content": "多行\n内容", "audience_note": ""}),
    ]
    layout = catalog_layout.header(subnames=True)
    rows = [catalog_layout.row(n, e, subnames=True) for n, e in enumerate(elements, start=1)]
    merges = tuple(Merge(m.top + 1, m.bottom + 1, m.left, m.right) for m in layout.merges)
    merges += tuple(Merge(a + 3, b + 3, 1, 1) for a, b in catalog_layout.category_runs(rows))
    grid = [["标题"], list(layout.top), list(layout.sub), *rows]

    catalog = read_sheets([sheet(*grid, merges=merges)])

    assert merges[-1] == Merge(3, 5, 1, 1)  # 一级事项 merged over the three rows
    assert [r.elements for r in catalog.rows] == elements
    assert not catalog.problems and not [p for r in catalog.rows for p in r.problems]


def test_a_json_export_reads_back_with_domain_and_unit() -> None:
    document: dict[str, Any] = {
        "items": [
            {"domain": "财政预决算", "unit": "财政局", "elements": {"name": "政府预算", "levels": ["county"]}},
            {"domain": "", "unit": "财政局", "elements": {"name": "坏", "levels": ["city"]}},
        ]
    }
    catalog = read_document(document)

    assert catalog.rows[0].elements == ItemElements(name="政府预算", levels=("county",))
    assert (catalog.rows[0].domain, catalog.rows[0].unit) == ("财政预决算", "财政局")
    assert catalog.rows[1].elements is None and catalog.rows[1].problems[0].field == "levels"


def test_the_table_module_does_no_input_or_output() -> None:
    source = Path(catalog_table.__file__).read_text("utf-8")
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    allowed = {"__future__", "re", "unicodedata", "collections.abc", "dataclasses", "typing", "pydantic"}
    assert imported <= allowed | {"events.elements", "events.message"}  # messages are templates: no I/O
