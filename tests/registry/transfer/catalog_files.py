"""Catalog files as found in the wild, written for the tests, and a registry with actors and published items."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from events.elements import ItemElements
from events.event import ReviewStage
from registry.actor import Actor, Role
from registry.items.command import ApproveItem, DraftItem, PassReview, PublishItem, SubmitItem
from registry.service import Registry

PEOPLE: dict[str, tuple[str, Role]] = {
    "李财政": ("财政局", Role.DRAFTER),
    "刘城川": ("城川镇", Role.DRAFTER),
    "张民政": ("民政局", Role.DRAFTER),
    "孙初审": ("政务服务局", Role.PRELIMINARY_REVIEWER),
    "周法务": ("法务中心", Role.LEGALITY_REVIEWER),
    "王审议": ("旗人民政府", Role.APPROVER),
    "吴发布": ("政务服务局", Role.PUBLISHER),
}
WORKING_DAYS_20 = "信息形成或者变更之日起20个工作日内"

# The official table's columns, and a complete row of 财政局's catalog under them.
HEADER = ["序号", "一级事项", "二级事项", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体"]
HEADER += ["公开对象", "公开方式", "公开层级"]


def good_row(number: int, name: str, **changes: str) -> list[str]:
    """A complete row of 财政局's table under HEADER, with `changes` (by element) made to it."""
    values = {
        "content": f"{name}的内容",
        "basis": "《中华人民共和国预算法》",
        "time_limit": "信息形成或者变更之日起20个工作日内",
        "body": "财政局",
        "channels": "政府网站",
        "audience": "全社会",
        "method": "主动",
        "levels": "县级",
    } | changes
    return [str(number), "财政预决算", name, *values.values()]


# The messy sheet: title rows, a two-row merged header in another order, 特定群众, 主动公开/依申请公开,
# 公开内容(要素)及要求 with ASCII brackets, a 三级事项 column, no 公开层级, extra columns, ▲/▄ ticks, a ■/□
# checklist and free-text channels, merged cells and an empty 一级事项 meaning "as above", and 同上.
MESSY_TITLE = "鄂托克前旗财政局财政预决算领域基层政务公开标准目录（2024年版）"
MESSY_HEADER_TOP = [
    "序号",
    "公开事项",
    "",
    "",
    "公开主体",
    "公开内容(要素)及要求",
    "公开依据",
    "公开时限",
    "公开渠道和载体",
    "公开对象",
    "",
    "公开方式",
    "",
    "咨询电话",
    "网站所属栏目",
    "备注",
]
MESSY_HEADER_SUB = [
    "",
    "一级事项",
    "二级事项",
    "三级事项",
    "",
    "",
    "",
    "",
    "",
    "全社会",
    "特定群众",
    "主动公开",
    "依申请公开",
]
MESSY_ROWS: list[list[Any]] = [
    [
        1,
        "财政预决算",
        "政府预算",
        "一般公共预算",
        "财政局",
        "一般公共预算收支、转移支付情况",
        "《中华人民共和国预算法》",
        "本级人民代表大会或其常务委员会批准后20日内",
        "■政府网站 □政府公报 ■两微一端 □发布会/听证会 ■公开查阅点",
        "√",
        None,
        "▲",
        None,
        "0477-7621234",
        "财政预决算",
        None,
    ],
    [
        2,
        None,
        "政府预算",
        "政府性基金预算",
        "财政局",
        "政府性基金收支",
        "同上",
        "同上",
        "政府网站 入户/现场",
        "▄",
        None,
        "√",
        None,
    ],
    [
        3,
        None,
        "政府决算",
        None,
        "财政局",
        "决算收支、政府债务情况",
        "《中华人民共和国预算法》《地方预决算公开操作规程》",
        WORKING_DAYS_20,
        "政府门户网站、村务公开栏、乡村大喇叭",
        "√",
        "低保对象",
        "√",
        "√",
    ],
    [4, None, "部门预算", None, "各预算部门", "部门收支预算、三公经费", "《地方预决算公开操作规程》", WORKING_DAYS_20],
    [5, "", "部门决算", None, None, "部门收支决算", "《地方预决算公开操作规程》", WORKING_DAYS_20],
]
# Merged cells, 1-based as Excel writes them: 一级事项 over rows 5-7, 公开主体 over rows 8-9, channels and ticks too.
MESSY_MERGES = ["B5:B7", "E8:E9", "I8:I9", "J8:J9", "L8:L9"]
MESSY_EXTRA = {(8, 9): "■政府网站 □两微一端 ■其他", (8, 10): "√", (8, 12): "√"}

MESSY_EXPECTED: dict[int, dict[str, Any]] = {
    5: {
        "category": "财政预决算",
        "name": "政府预算",
        "subname": "一般公共预算",
        "body": "财政局",
        "basis": "《中华人民共和国预算法》",
        "time_limit": "本级人民代表大会或其常务委员会批准后20日内",
        "channels": ("政府网站", "两微一端", "公开查阅点"),
        "audience": ("public",),
        "method": ("proactive",),
        "levels": (),
    },
    6: {
        "category": "财政预决算",
        "subname": "政府性基金预算",
        "basis": "《中华人民共和国预算法》",
        "time_limit": "本级人民代表大会或其常务委员会批准后20日内",
        "channels": ("政府网站", "入户/现场"),
        "audience": ("public",),
        "method": ("proactive",),
    },
    7: {
        "category": "财政预决算",
        "name": "政府决算",
        "channels": ("政府网站", "社区/企事业单位/村公示栏（电子屏）", "乡村大喇叭"),
        "audience": ("public", "specific_group"),
        "audience_note": "低保对象",
        "method": ("proactive", "on_request"),
    },
    8: {"category": "财政预决算", "name": "部门预算", "body": "各预算部门", "channels": ("政府网站", "其他")},
    9: {"category": "财政预决算", "name": "部门决算", "body": "各预算部门", "channels": ("政府网站", "其他")},
}


def write_messy_xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "预决算"
    sheet.append([MESSY_TITLE])
    sheet.append(["编制单位：鄂托克前旗财政局"])
    sheet.append(MESSY_HEADER_TOP)
    sheet.append(MESSY_HEADER_SUB)
    for values in MESSY_ROWS:
        sheet.append(values)
    for (row, column), value in MESSY_EXTRA.items():
        sheet.cell(row=row, column=column, value=value)
    sheet.merge_cells("A1:P1")
    for merged in ("A3:A4", "B3:D3", "E3:E4", "F3:F4", "G3:G4", "H3:H4", "I3:I4", "J3:K3", "L3:M3"):
        sheet.merge_cells(merged)
    for merged in ("N3:N4", "O3:O4", "P3:P4", *MESSY_MERGES):
        sheet.merge_cells(merged)
    book.save(path)
    return path


# The second layout: one header row, sub-labels only under 公开层级 (县级 | 乡、村级), free-text 对象 and 方式.
LEVELS_HEADER_TOP = ["序号", "一级事项", "二级事项", "公开内容（要素）", "公开依据", "公开时限", "公开主体"]
LEVELS_HEADER_TOP += ["公开渠道和载体", "公开对象", "公开方式", "公开层级", ""]
LEVELS_HEADER_SUB = ["", "", "", "", "", "", "", "", "", "", "县级", "乡、村级"]


def levels_rows() -> list[list[str]]:
    first = ["1", "政府采购", "采购意向", "采购项目名称、预算金额", "《中华人民共和国政府采购法》", WORKING_DAYS_20]
    second = ["2", "政府采购", "采购结果", "中标供应商、金额", "《中华人民共和国政府采购法实施条例》", WORKING_DAYS_20]
    return [
        [*first, "财政局", "政府网站", "全社会", "主动", "√", "√"],
        [*second, "财政局", "政府网站、其他", "特定群体（采购供应商）", "主动公开、依申请公开", "√", ""],
    ]


def write_rows_xlsx(path: Path, rows: Sequence[Sequence[Any]], title: str = "") -> Path:
    """A plain sheet of `rows` (a title first when given, merged across)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append([title])
    for values in rows:
        sheet.append(list(values))
    if title:
        sheet.merge_cells(start_row=1, end_row=1, start_column=1, end_column=max(len(r) for r in rows))
    book.save(path)
    return path


def write_xls(path: Path, rows: Sequence[Sequence[Any]], merges: Sequence[tuple[int, int, int, int]] = ()) -> Path:
    """A legacy .xls written with xlwt; `merges` are (first row, last row, first column, last column), 0-based."""
    import xlwt  # type: ignore[import-untyped]

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("目录")
    covered = {(r, c) for r1, r2, c1, c2 in merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    anchors = {(r1, c1): (r1, r2, c1, c2) for r1, r2, c1, c2 in merges}
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if (r, c) in anchors:
                r1, r2, c1, c2 = anchors[(r, c)]
                sheet.write_merge(r1, r2, c1, c2, value)
            elif (r, c) not in covered and value not in (None, ""):
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def complete(name: str, **changes: Any) -> dict[str, Any]:
    """Publishable elements named `name`."""
    elements: dict[str, Any] = {
        "category": "财政预决算",
        "name": name,
        "content": f"{name}的内容",
        "basis": "《中华人民共和国预算法》",
        "time_limit": WORKING_DAYS_20,
        "body": "财政局",
        "channels": ["政府网站", "政务服务中心"],
        "audience": ["public"],
        "method": ["proactive"],
        "levels": ["county"],
    }
    elements.update(changes)
    return elements


class Clock:
    def __init__(self) -> None:
        self._ticks = itertools.count()
        self.start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def tick(self) -> datetime:
        return self.start + timedelta(minutes=next(self._ticks))


def people(registry: Registry) -> dict[str, Actor]:
    """Register the test's actors (once per registry) and return them by name."""
    known = {a.actor_id: a for a in registry.actors()}
    for name, (unit, role) in PEOPLE.items():
        if name not in known:
            registry.register_actor(name, unit, frozenset({role}))
    return {a.actor_id: a for a in registry.actors()}


def publish(
    registry: Registry, item_id: str, elements: dict[str, Any], *, domain: str = "财政预决算", by: str = "李财政"
) -> None:
    """Draft `item_id` and take it through review to publication."""
    who = people(registry)
    clock = Clock()
    run = registry.execute
    run(
        DraftItem(
            item_id=item_id,
            actor=who[by],
            at=clock.tick(),
            domain=domain,
            elements=ItemElements.model_validate(elements),
        )
    )
    run(SubmitItem(item_id=item_id, actor=who[by], at=clock.tick()))
    run(PassReview(item_id=item_id, actor=who["孙初审"], at=clock.tick(), stage=ReviewStage.PRELIMINARY))
    run(PassReview(item_id=item_id, actor=who["周法务"], at=clock.tick(), stage=ReviewStage.LEGALITY))
    run(ApproveItem(item_id=item_id, actor=who["王审议"], at=clock.tick(), reference="2026年第1次政府常务会议"))
    run(PublishItem(item_id=item_id, actor=who["吴发布"], at=clock.tick()))
