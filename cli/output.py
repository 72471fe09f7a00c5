"""Printing: JSON for machines (stable shapes, no markup), rich tables for people."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from events.elements import ELEMENT_LABELS, Audience, Level, Method

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)

_ENUM_LABELS: dict[str, dict[str, str]] = {
    "audience": {a.value: a.label for a in Audience},
    "method": {m.value: m.label for m in Method},
    "levels": {level.value: level.label for level in Level},
}


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def error(message: str) -> None:
    errors.print(message, markup=False)


def show_value(field: str, value: Any) -> str:
    """An element value as people read it: lists joined, enum values with their Chinese labels."""
    if value is None:
        return "—"
    if isinstance(value, list):
        labels = _ENUM_LABELS.get(field, {})
        return "、".join(labels.get(v, str(v)) for v in value) or "—"
    return str(value) if value != "" else "—"


def elements_table(elements: dict[str, Any], title: str) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for field, label in ELEMENT_LABELS.items():
        table.add_row(label, show_value(field, elements.get(field)))
    return table


def grid(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for index, column in enumerate(columns):
        table.add_column(column, overflow="fold", no_wrap=index == 0)
    for row in rows:
        table.add_row(*row)
    return table
