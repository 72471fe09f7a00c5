"""Catalog tables in the official layout (one header row), as a unit sends them for `registry import`."""

from __future__ import annotations

import csv
from pathlib import Path

HEADER = ["序号", "一级事项", "二级事项", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体"]
HEADER += ["公开对象", "公开方式", "公开层级"]


def row(number: int, name: str) -> list[str]:
    """A complete row of 财政局's 财政预决算 catalog: the item `name`."""
    basis, time_limit = "《中华人民共和国预算法》", "信息形成或者变更之日起20个工作日内"
    return [
        str(number),
        "财政预决算",
        name,
        f"{name}的内容",
        basis,
        time_limit,
        "财政局",
        "政府网站",
        "全社会",
        "主动",
        "县级",
    ]


def write_catalog_csv(path: Path, names: list[str]) -> Path:
    """A UTF-8 CSV catalog with one row per name."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        writer.writerows(row(number, name) for number, name in enumerate(names, start=1))
    return path
