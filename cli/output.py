"""Printing: JSON for machines (stable shapes, no markup), rich tables for people.

rich and the element labels are imported on first use (`console`, `errors` and the table helpers): a command that
prints JSON, such as `registry history --json`, starts without them (docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    console: Console
    errors: Console


def __getattr__(name: str) -> Any:
    """`console` and `errors`, made when first imported."""
    if name in ("console", "errors"):
        from rich.console import Console

        made = Console(stderr=name == "errors", highlight=False, soft_wrap=True)
        globals()[name] = made
        return made
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _enum_labels() -> dict[str, dict[str, str]]:
    from events.elements import Audience, Level, Method

    return {
        "audience": {a.value: a.label for a in Audience},
        "method": {m.value: m.label for m in Method},
        "levels": {level.value: level.label for level in Level},
    }


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def error(message: str) -> None:
    from cli.output import errors

    errors.print(message, markup=False)


def show_value(field: str, value: Any) -> str:
    """An element value as people read it: lists joined, enum values with their Chinese labels."""
    if value is None:
        return "—"
    if isinstance(value, list):
        labels = _enum_labels().get(field, {})
        return "、".join(labels.get(v, str(v)) for v in value) or "—"
    return str(value) if value != "" else "—"


def elements_table(elements: dict[str, Any], title: str) -> Table:
    from rich.table import Table

    from events.elements import ELEMENT_LABELS

    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for field, label in ELEMENT_LABELS.items():
        table.add_row(label, show_value(field, elements.get(field)))
    return table


def grid(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for index, column in enumerate(columns):
        table.add_column(column, overflow="fold", no_wrap=index == 0)
    for row in rows:
        table.add_row(*row)
    return table
