"""The official catalog layout for export: title, the two-row merged header, √ ticks, the channel list. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from events.elements import Audience, ItemElements, Level, Method
from registry.transfer.catalog_table import Merge

TICK = "√"
CHANNEL_SEPARATOR = "\n"  # one channel per line: narrow columns print well, and names may contain "/"

_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("公开对象", tuple(a.label for a in Audience)),
    ("公开方式", tuple(m.label for m in Method)),
    ("公开层级", tuple(level.label for level in Level)),
)
_SINGLE = ("公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体")


@dataclass(frozen=True)
class Header:
    """The two header rows (a merged cell's text in its first cell, "" in the cells it covers) and their merges."""

    top: tuple[str, ...]
    sub: tuple[str, ...]
    merges: tuple[Merge, ...]  # rows 0 and 1 of the header

    @property
    def width(self) -> int:
        return len(self.top)


def header(subnames: bool) -> Header:
    """序号 | 公开事项 (一级 | 二级 [| 三级]) | 内容 | 依据 | 时限 | 主体 | 渠道 | 对象 (2) | 方式 (2) | 层级 (3)."""
    names = ("一级事项", "二级事项", "三级事项") if subnames else ("一级事项", "二级事项")
    top: list[str] = ["序号", "公开事项", *[""] * (len(names) - 1), *_SINGLE]
    sub: list[str] = ["", *names, *[""] * len(_SINGLE)]
    merges = [Merge(0, 1, 0, 0), Merge(0, 0, 1, len(names))]
    merges += [Merge(0, 1, column, column) for column in range(1 + len(names), len(top))]
    for label, options in _GROUPS:
        merges.append(Merge(0, 0, len(top), len(top) + len(options) - 1))
        top += [label, *[""] * (len(options) - 1)]
        sub += options
    return Header(tuple(top), tuple(sub), tuple(merges))


def row(number: int, elements: ItemElements, subnames: bool) -> list[str]:
    """One item as the official table shows it."""
    names = [elements.category, elements.name] + ([elements.subname] if subnames else [])
    return [
        str(number),
        *names,
        elements.content,
        elements.basis,
        elements.time_limit,
        elements.body,
        CHANNEL_SEPARATOR.join(elements.channels),
        _tick(Audience.PUBLIC in elements.audience),
        _specific_group(elements),
        *(_tick(m in elements.method) for m in Method),
        *(_tick(level in elements.levels) for level in Level),
    ]


def _tick(ticked: bool) -> str:
    return TICK if ticked else ""


def _specific_group(elements: ItemElements) -> str:
    """√, with the group named in brackets: √（低保对象）."""
    note = f"（{elements.audience_note}）" if elements.audience_note else ""
    return _tick(Audience.SPECIFIC_GROUP in elements.audience) + note


def category_runs(rows: Sequence[Sequence[str]]) -> list[tuple[int, int]]:
    """(first, last) indexes of runs of two or more rows with the same non-empty 一级事项: merged when printed."""
    runs: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(rows) + 1):
        if index == len(rows) or rows[index][1] != rows[start][1]:
            if index - start > 1 and rows[start][1]:
                runs.append((start, index - 1))
            start = index
    return runs


def title(
    jurisdiction: str, unit: str | None, domain: str | None, village: bool, day: date, as_of: bool = False
) -> str:
    """鄂托克前旗 财政局 财政预决算领域 政务公开事项标准目录（2026年11月27日）."""
    parts = [jurisdiction]
    if unit:
        parts.append(unit)
    if domain:
        parts.append(f"{domain}领域")
    parts.append("村级政务公开事项目录" if village else "政务公开事项标准目录")
    when = f"{day.year}年{day.month}月{day.day}日"
    return " ".join(parts) + (f"（截至{when}）" if as_of else f"（{when}）")
