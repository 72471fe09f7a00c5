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


# C1 control characters (U+0080-U+009F) are valid text in an element or a comment, but some terminals act on them
# (U+009B is CSI, the start of a control sequence): a drafter's text must not move the cursor or recolour the
# screen of the person reading `registry history`. Shown as \x80 ... \x9f. (rich already drops C0 controls such
# as CR, and the registry refuses ESC and the other C0 controls in what it records.)
_C1_VISIBLE = {code: f"\\x{code:02x}" for code in range(0x80, 0xA0)}


class _VisibleControls:
    """The process's stdout or stderr (looked up at each write, as rich does), with C1 controls made visible."""

    def __init__(self, stderr: bool) -> None:
        self.stderr = stderr

    @property
    def target(self) -> Any:
        return sys.stderr if self.stderr else sys.stdout

    def write(self, text: str) -> int:
        return int(self.target.write(text.translate(_C1_VISIBLE)))

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, flush, encoding: the stream's own
        return getattr(self.target, name)


def __getattr__(name: str) -> Any:
    """`console` and `errors`, made when first imported."""
    if name in ("console", "errors"):
        from rich.console import Console

        stderr = name == "errors"
        made = Console(file=_VisibleControls(stderr), stderr=stderr, highlight=False, soft_wrap=True)  # type: ignore[arg-type]
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
