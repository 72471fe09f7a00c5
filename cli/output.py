"""Printing: JSON for machines (stable shapes, no markup), rich tables for people.

rich and the element labels are imported on first use (`console`, `errors` and the table helpers): a command that
prints JSON, such as `registry history --json`, starts without them (docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import json
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from rich.console import Console, ConsoleOptions
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

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


# Wide enough for any cell the registry holds (elements are bounded far below it): a table is as wide as its text.
UNBOUNDED_WIDTH = 100_000
# How a cell wraps: between any two CJK characters (as Chinese typesetting does) and at spaces, never inside a run of
# letters, digits and punctuation (an English word, an id, a date, "(draft)") unless the run alone is wider than
# the column.
_CJK = "\u2e80-\u9fff\u3000-\u303f\uf900-\ufaff\uff00-\uffef"
# Chinese line-breaking rules (禁则): a closing mark never starts a line, an opening mark never ends one. Each stays
# with the character it belongs to.
_OPENING = "（《「『“‘〈【〔［｛"
_CLOSING = "、，。；：？！）》」』”’〉】〕］｝…—·"
_PIECES = re.compile(rf"\s+|[{_OPENING}]*(?:[{_CJK}]|[^\s{_CJK}]+)[{_CLOSING}]*")
_LONGEST_UNBROKEN = 24  # a longer run (a URL, a long id) folds rather than widening its column past this


def __getattr__(name: str) -> Any:
    """`console` and `errors`, made when first imported."""
    if name in ("console", "errors"):
        from rich.console import Console

        stderr = name == "errors"
        stream = _VisibleControls(stderr)
        # A file or a pipe has no width: rich would assume 80 columns and cut tables to fit. Never cut what is saved.
        width = None if stream.isatty() else UNBOUNDED_WIDTH
        made = Console(file=stream, stderr=stderr, highlight=False, soft_wrap=True, width=width)  # type: ignore[arg-type]
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
    from rich.text import Text

    from events.elements import ELEMENT_LABELS

    table = Table(title=Text(title), show_header=False, title_justify="left")
    rows = [[label, show_value(field, elements.get(field))] for field, label in ELEMENT_LABELS.items()]
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for label, value in rows:
        table.add_row(Text(label), Cell(value))
    return table


def grid(title: str, columns: list[str], rows: Sequence[Sequence[str | Cell]]) -> Table:
    """A table; a cell is text, or a Cell for text in a style (the first column's is always plain text)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title), title_justify="left")
    for index, column in enumerate(columns):
        table.add_column(column, no_wrap=index == 0)
    for row in rows:
        first = row[0]
        table.add_row(
            Text(first.text if isinstance(first, Cell) else first),
            *(cell if isinstance(cell, Cell) else Cell(cell) for cell in row[1:]),
        )
    return table


class Cell:
    """A table cell's text that wraps as Chinese and English text should (see _PIECES), never cut short.

    `style` is a rich style name ("red"), applied to the text as a whole: the text itself is never read as markup.
    """

    def __init__(self, text: str, style: str = "") -> None:
        self.text = text
        self.style = style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from rich.cells import cell_len
        from rich.measure import Measurement

        words = [piece for piece in _PIECES.findall(self.text) if not piece.isspace()]
        narrowest = min(max((cell_len(word) for word in words), default=1), _LONGEST_UNBROKEN)
        widest = max((cell_len(line) for line in self.text.splitlines()), default=1)
        return Measurement(narrowest, widest).with_maximum(options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        from rich.text import Text

        # Text, never markup: [b] or [/x] in an element is text (as markup rich would style it, or fail on it).
        yield Text(
            "\n".join(line for paragraph in self.text.splitlines() for line in wrap(paragraph, options.max_width)),
            style=self.style,
        )


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken between pieces (a run wider than a line is folded)."""
    from rich.cells import cell_len

    lines: list[str] = []
    line, used = "", 0
    for piece in _PIECES.findall(text):
        size = cell_len(piece)
        if piece.isspace():
            if used:
                line, used = line + " ", used + 1
            continue
        if used + size > width and line.strip():
            lines.append(line.rstrip())
            line, used = "", 0
        while size > width:  # wider than a whole line: fold it at character boundaries
            head = ""
            for character in piece:
                if cell_len(head + character) > width - used:
                    break
                head += character
            head = head or piece[0]
            lines.append(line + head)
            line, used, piece = "", 0, piece[len(head) :]
            size = cell_len(piece)
        line, used = line + piece, used + size
    lines.append(line.rstrip())
    return lines
