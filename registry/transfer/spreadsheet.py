"""Reading catalog files into sheets: .xlsx (openpyxl), .xls (xlrd), .csv (UTF-8 or GB18030), .html tables, .json.

The format is told by the file's first bytes where it has a signature (portals often serve an .xlsx or an HTML
table under the name .xls), else by its suffix. Every failure to read is an `UnreadableFile` saying why.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

from events.message import N_, Message
from registry.transfer.catalog_table import Merge, Sheet

Format = Literal["xlsx", "xls", "csv", "html", "json"]

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TRAILING_EMPTY_ROWS = 1000  # formatted-but-empty rows below a table: stop looking
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".html", ".htm", ".json")


class UnreadableFile(ValueError):
    """The file is missing, damaged, or not a spreadsheet this registry reads. A template (marked with N_) and its
    arguments, like a row's problem: `str()` is the English, `text` what the CLI shows in the reader's language; a
    reader library's own words, quoted as an argument, stay as it wrote them."""

    def __init__(self, template: str, /, **arguments: object) -> None:
        self.text = Message(template, **arguments)
        super().__init__(str(self.text))


def format_of(path: Path, data: bytes) -> Format:
    """The file's format from its signature, else its suffix."""
    suffix = path.suffix.lower()
    if not data.strip():
        raise UnreadableFile(N_("{file}: the file is empty"), file=path.name)
    if data.startswith(_ZIP):
        return "xlsx"
    if data.startswith(_OLE2):
        return "xls"
    if suffix in (".xlsx", ".xlsm", ".xls"):
        head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta")):
            return "html"  # an HTML table saved as .xls, as many portals serve them
        kind = (
            Message(N_("an .xlsx workbook (no zip signature)"))
            if suffix != ".xls"
            else Message(N_("an .xls workbook (no OLE2 signature)"))
        )
        raise UnreadableFile(
            N_("{file}: not {kind}; the file is damaged or is not a spreadsheet"), file=path.name, kind=kind
        )
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".html", ".htm"):
        return "html"
    if suffix == ".json":
        return "json"
    raise UnreadableFile(
        N_(
            "{file}: unsupported file type {suffix}: import reads {suffixes} (a .json file as this registry exports it)"
        ),
        file=path.name,
        suffix=suffix or Message(N_("(no suffix)")),
        suffixes=SUFFIXES,
    )


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise UnreadableFile(N_("{path}: cannot read ({reason})"), path=str(path), reason=error.strerror) from error


def read_sheets(path: Path, data: bytes, kind: Format) -> list[Sheet]:
    """The sheets of a spreadsheet (xlsx, xls, csv, html)."""
    match kind:
        case "xlsx":
            return _xlsx(path, data)
        case "xls":
            return _xls(path, data)
        case "csv":
            return [_csv(path, text(path, data))]
        case "html":
            return [_html(path, text(path, data))]
        case "json":
            raise ValueError("a JSON export has items, not sheets: use read_json")


def read_json(path: Path, data: bytes) -> Any:
    try:
        return json.loads(text(path, data))
    except json.JSONDecodeError as error:
        raise UnreadableFile(
            N_("{path}: line {line}, column {column}: {problem}"),
            path=path.name,
            line=error.lineno,
            column=error.colno,
            problem=error.msg,
        ) from error


def text(path: Path, data: bytes) -> str:
    """The file's text: UTF-8 (with or without a BOM), else GB18030 (Chinese Excel's CSV)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            decoded = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(decoded):
            break
        return decoded
    raise UnreadableFile(
        N_("{file}: not a text file in UTF-8 or GB18030; the file is damaged or binary"), file=path.name
    )


def _cell(value: Any) -> str:
    """A cell value as the text the catalog means: 1.0 -> 1, a date -> 2024-01-31."""
    match value:
        case None:
            return ""
        case bool():
            return "是" if value else "否"
        case float() if value.is_integer():
            return str(int(value))
        case datetime() if value.time() == time(0):
            return value.date().isoformat()
        case datetime() | date() | time():
            return value.isoformat()
        case _:
            return str(value)


def _trimmed(rows: list[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    while rows and not any(rows[-1]):
        rows.pop()
    return tuple(rows)


def _xlsx(path: Path, data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        # Not read-only: read-only worksheets do not expose merged cells.
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as error:  # openpyxl raises many types on damaged files; all mean "cannot read"
        raise UnreadableFile(
            N_("{file}: not a readable .xlsx workbook ({reason})"),
            file=path.name,
            reason=f"{type(error).__name__}: {error}",
        ) from error
    sheets = []
    for worksheet in book.worksheets:
        rows: list[tuple[str, ...]] = []
        empty = 0
        for values in worksheet.iter_rows(values_only=True):
            cells = tuple(_cell(v) for v in values)
            rows.append(cells)
            empty = 0 if any(cells) else empty + 1
            if empty > _TRAILING_EMPTY_ROWS:
                break
        merges = tuple(
            Merge(r.min_row - 1, r.max_row - 1, r.min_col - 1, r.max_col - 1) for r in worksheet.merged_cells.ranges
        )
        sheets.append(Sheet(worksheet.title, _trimmed(rows), merges))
    return sheets


def _xls(path: Path, data: bytes) -> list[Sheet]:
    import xlrd  # type: ignore[import-untyped]

    try:
        # formatting_info gives the merged cells; a few writers produce files that only open without it.
        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=False)
        except (NotImplementedError, AssertionError):
            book = xlrd.open_workbook(file_contents=data)
    except Exception as error:  # xlrd raises many types on damaged files; all mean "cannot read"
        raise UnreadableFile(
            N_("{file}: not a readable .xls workbook ({reason})"),
            file=path.name,
            reason=f"{type(error).__name__}: {error}",
        ) from error
    sheets = []
    for worksheet in book.sheets():
        rows = []
        for r in range(worksheet.nrows):
            cells = []
            for c in range(worksheet.ncols):
                cell = worksheet.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    cells.append(_cell(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)))
                elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    cells.append("")
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    cells.append(_cell(bool(cell.value)))
                else:
                    cells.append(_cell(cell.value))
            rows.append(tuple(cells))
        merges = tuple(Merge(rlo, rhi - 1, clo, chi - 1) for rlo, rhi, clo, chi in worksheet.merged_cells)
        sheets.append(Sheet(worksheet.name, _trimmed(rows), merges))
    return sheets


def _csv(path: Path, content: str) -> Sheet:
    sample = content[:20_000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    try:
        rows = [tuple(row) for row in csv.reader(io.StringIO(content, newline=""), dialect)]
    except csv.Error as error:
        raise UnreadableFile(N_("{file}: not readable as CSV ({reason})"), file=path.name, reason=str(error)) from error
    return Sheet(path.stem, _trimmed(rows))


def _html(path: Path, content: str) -> Sheet:
    parser = _TableParser()
    parser.feed(content)
    parser.close()
    if not parser.tables:
        raise UnreadableFile(N_("{file}: no <table> in this HTML file"), file=path.name)
    return Sheet(path.stem, _trimmed([tuple(r) for r in parser.rows]), tuple(parser.merges))


class _TableParser(HTMLParser):
    """HTML tables as one grid: rowspan/colspan as merges, headings and captions as title rows, <br> as newline."""

    _TITLES = ("h1", "h2", "h3", "h4", "caption", "title")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.merges: list[Merge] = []
        self.tables = 0
        self._depth = 0
        self._covered: set[tuple[int, int]] = set()
        self._column = 0
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._title: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._depth += 1
            self.tables += 1
        elif self._depth == 1 and tag == "tr":
            self.rows.append([])
            self._column = 0
        elif self._depth == 1 and tag in ("td", "th"):
            given = dict(attrs)
            self._span = (_span(given.get("rowspan")), _span(given.get("colspan")))
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")
        elif tag in self._TITLES and self._depth <= 1 and self._cell is None:
            self._title = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._depth = max(0, self._depth - 1)
            if self._depth == 0:
                self.rows.append([])  # tables apart: the next one's title and header start afresh
        elif self._depth == 1 and tag in ("td", "th") and self._cell is not None:
            self._place("".join(self._cell))
            self._cell = None
        elif tag in self._TITLES and self._title is not None:
            heading = " ".join("".join(self._title).split())
            if heading:
                self.rows.append([heading])
            self._title = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(re.sub(r"\s+", " ", data))
        elif self._title is not None:
            self._title.append(data)

    def _place(self, value: str) -> None:
        if not self.rows:
            self.rows.append([])
        r = len(self.rows) - 1
        while (r, self._column) in self._covered:
            self._column += 1
        text = "\n".join(line.strip() for line in value.split("\n")).strip()
        row = self.rows[r]
        row.extend([""] * (self._column + 1 - len(row)))
        row[self._column] = text
        rowspan, colspan = self._span
        if rowspan > 1 or colspan > 1:
            self.merges.append(Merge(r, r + rowspan - 1, self._column, self._column + colspan - 1))
            for dr in range(rowspan):
                for dc in range(colspan):
                    if dr or dc:
                        self._covered.add((r + dr, self._column + dc))
        self._column += colspan


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1
