"""The official catalog table read by meaning: header detection, column mapping, cell normalisation. No I/O.

A reader turns a file into `Sheet`s (cell texts and merged ranges). `read_sheets` finds each table's header in
the first rows (title rows above it are kept as context), maps its columns by what their labels mean — not by
position — and turns every data row into ItemElements, or into problems that name the row and the column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from events.elements import CHANNELS, ELEMENT_LABELS, Audience, ItemElements, Level, Method
from events.message import N_, Message

Severity = Literal["error", "warning"]
ColumnKind = Literal["text", "channels", "choice", "tick", "domain", "index", "extra", "unknown"]

HEADER_SCAN_ROWS = 30  # title rows above the header: real catalogs have one to three
_MAX_LABEL = 20  # header labels are short; longer cells are data


@dataclass(frozen=True)
class Merge:
    """A merged range, 0-based and inclusive, as the reader found it."""

    top: int
    bottom: int
    left: int
    right: int


@dataclass(frozen=True)
class Sheet:
    """One sheet (or table page) of a file: its cell texts row by row, and its merged ranges."""

    name: str
    rows: tuple[tuple[str, ...], ...]
    merges: tuple[Merge, ...] = ()


@dataclass(frozen=True)
class Problem:
    """Something wrong or worth knowing about a file, a table, a row or one cell."""

    severity: Severity
    message: str | Message  # English, or a template and its arguments for the reader's language (str() is English)
    sheet: str = ""
    row: int | None = None  # as the spreadsheet numbers it, from 1
    column: str = ""  # the column's letter
    field: str = ""  # the element, e.g. "basis"
    rule: str = ""  # the rule's code, when a rule refused the row

    @property
    def label(self) -> str:
        return _LABELS.get(self.field, self.field)

    @property
    def text(self) -> Message:
        """What is wrong, to be put in the reader's language."""
        return self.message if isinstance(self.message, Message) else Message(self.message)

    @property
    def where(self) -> list[Message]:
        """Where, part by part: `sheet 财政预决算`, `row 12`, `公开依据` (each part only when known)."""
        parts = [Message(N_("sheet {sheet}"), sheet=self.sheet)] if self.sheet else []
        if self.row is not None:
            parts.append(Message(N_("row {row}"), row=self.row))
        if self.label:
            parts.append(Message(self.label))
        elif self.column:
            parts.append(Message(N_("column {column}"), column=self.column))
        return parts

    @property
    def place(self) -> str:
        """Where: `sheet 财政预决算, row 12, 公开依据` (each part only when known)."""
        return ", ".join(str(part) for part in self.where)

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else str(self.message)

    def as_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "sheet": self.sheet or None,
            "row": self.row,
            "column": self.column or None,
            "field": self.field or None,
            "label": self.label or None,
            "rule": self.rule or None,
            "message": str(self.message),
        }


@dataclass(frozen=True)
class CatalogRow:
    """One data row: its elements (None when it has errors), what the table could say, and where it came from."""

    sheet: str
    row: int
    elements: ItemElements | None
    fields: frozenset[str]  # the elements the table has columns for; the others are not the file's to change
    domain_hints: tuple[str, ...]  # section and title rows above the row, the sheet's name: nearest first
    problems: tuple[Problem, ...] = ()
    domain: str = ""  # where the file says it: a 领域 column, a JSON export
    unit: str = ""  # where the file says it: a JSON export
    domain_column: str = ""  # the 领域 column's letter
    letters: tuple[tuple[str, str], ...] = ()  # (element, the letter of its first column)

    @property
    def ok(self) -> bool:
        return self.elements is not None

    def letter(self, element: str) -> str:
        """The column the row's `element` is read from ("" when the table has none)."""
        return next((letter for name, letter in self.letters if name == element), "")


@dataclass(frozen=True)
class Catalog:
    rows: tuple[CatalogRow, ...]
    problems: tuple[Problem, ...]  # about a file or a table rather than a row


class NotACatalog(ValueError):
    """No sheet of the file has a catalog header. A template (marked with N_) and its arguments, like a row's
    problem: `str()` is the English, `text` what the CLI shows in the reader's language."""

    def __init__(self, template: str, /, **arguments: object) -> None:
        self.text = Message(template, **arguments)
        super().__init__(str(self.text))


# -- the vocabulary ------------------------------------------------------------------------------------------------


def key(text: str) -> str:
    """A label as compared: full-width forms folded (（）→()), no whitespace, no required-marks or colons."""
    folded = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s*:]+", "", folded)


_AUDIENCE_WORDS = {
    # Everyone: catalogs write 全社会 in many words, 所有人 among them; none of them names a group.
    Audience.PUBLIC: (
        "全社会",
        "社会公众",
        "公众",
        "不特定公众",
        "社会",
        "所有人",
        "全体公民",
        "公民",
        "社会大众",
        "大众",
        "人民群众",
        "广大群众",
        "社会各界",
        "全民",
        "任何人",
        "不特定对象",
    ),
    Audience.SPECIFIC_GROUP: ("特定群体", "特定群众", "特定对象", "特定人群", "特定"),
}
_METHOD_WORDS = {
    Method.PROACTIVE: ("主动", "主动公开"),
    Method.ON_REQUEST: ("依申请", "依申请公开", "申请公开"),
}
_LEVEL_STEMS = {
    Level.COUNTY: ("县", "旗", "区", "县区", "县市区", "县市", "旗县", "县旗", "市辖区"),
    Level.TOWNSHIP: ("乡", "镇", "乡镇", "镇街", "街道", "苏木", "苏木镇", "苏木乡镇", "乡镇街道", "镇街道"),
    Level.VILLAGE: ("村", "嘎查", "嘎查村", "社区", "村社区", "村居", "村组"),
}
_AUDIENCE = {key(w): a for a, words in _AUDIENCE_WORDS.items() for w in words}
_METHOD = {key(w): m for m, words in _METHOD_WORDS.items() for w in words}
_LEVEL = {stem: level for level, stems in _LEVEL_STEMS.items() for stem in stems}
_LABELS = ELEMENT_LABELS | {"domain": "领域"}
AUDIENCE_WORDS = {word: audience.value for audience, words in _AUDIENCE_WORDS.items() for word in words}

_CHANNEL_ALIASES: dict[str, tuple[str, ...]] = {
    "政府网站": ("政府门户网站", "门户网站", "网站", "政府网"),
    "政府公报": ("公报",),
    "两微一端": ("政务新媒体", "政务微博", "政务微信", "两微一端"),
    "发布会/听证会": ("新闻发布会", "发布会", "听证会"),
    "广播电视": ("广播", "电视"),
    "纸质媒体": ("报刊", "报纸", "纸媒"),
    "公开查阅点": ("查阅点", "政府信息公开查阅点", "信息公开查阅点"),
    "政务服务中心": ("政务大厅", "政务服务大厅"),
    "便民服务站": ("便民服务中心",),
    "入户/现场": ("入户", "现场"),
    "社区/企事业单位/村公示栏（电子屏）": ("公示栏", "村公示栏", "村务公开栏", "公开栏", "电子屏", "公示栏(电子屏)"),
    "精准推送": (),
    "其他": (),
}
_CHANNEL = {key(c): c for c in CHANNELS} | {
    key(alias): canonical for canonical, aliases in _CHANNEL_ALIASES.items() for alias in aliases
}

TICKS = "√✓✔☑■▲▄●◆★▇█"  # a chosen box or a ticked cell
BLANKS = "□☐○◇☆"  # an unchosen box
_NO_MARK = {"", "×", "✗", "✘", "x", "否", "无", "-", "—", "/", "n", "no", "0"}
_YES_MARK = {"是", "有", "v", "y", "yes", "1"}
SAME_AS_ABOVE = "同上"
_SEPARATORS = re.compile(r"[\n、，,；;]+")
_OPTION_SEPARATORS = re.compile(r"[\n、，,；;/和及与\s]+")
_BRACKETED = re.compile(r"\(([^()]*)\)")
_ENUMERATED = re.compile(r"^([一二三四五六七八九十]+[、.]|\(?[一二三四五六七八九十\d]+\)|\d+[、.])")
_NOTE_ROW = ("注", "说明", "备注", "填报", "制表", "审核", "联系")


def levels_of(label: str) -> frozenset[Level] | None:
    """县级 → {county}; 乡、村级 → {township, village}; 县(市、区)级 → {county}. None if not a level label."""
    text = _BRACKETED.sub("", key(label))
    found: set[Level] = set()
    for part in re.split(r"[、,/和及与]+", text):
        stem = part.removesuffix("级")
        if stem not in _LEVEL:
            return None
        found.add(_LEVEL[stem])
    return frozenset(found) or None


def channel_name(text: str) -> str | None:
    """The canonical channel `text` names (aliases, full-width or ASCII brackets), None for an unknown one."""
    found = key(text)
    return _CHANNEL.get(found) or _CHANNEL.get(found.removesuffix("等"))


def channels_of(text: str) -> list[str]:
    """A 公开渠道和载体 cell as canonical channel names: a ■/□ checklist or free text. Unknown names stay verbatim."""
    text = text.strip()
    if not text:
        return []
    marks = TICKS + BLANKS
    if not any(ch in marks for ch in text):
        return _free_channels(text)
    first = min(i for i, ch in enumerate(text) if ch in marks)
    chosen = _free_channels(text[:first])
    for glyph, name in re.findall(rf"([{marks}])([^{marks}]*)", text[first:]):
        name = name.strip(" \t\n、，,；;")
        if glyph in TICKS and name:
            chosen.append(channel_name(name) or name)
    return chosen


def _free_channels(text: str) -> list[str]:
    found: list[str] = []
    for piece in _SEPARATORS.split(text):
        piece = piece.strip()
        if not piece:
            continue
        words = piece.split()
        if channel_name(piece) is None and len(words) > 1 and all(channel_name(w) for w in words):
            found.extend(channel_name(w) or w for w in words)
        else:
            found.append(channel_name(piece) or piece)
    return found


def _option(label: str) -> tuple[str, frozenset[str]] | None:
    """A tick column's meaning from its header: (element, the values a mark in it means)."""
    text = key(label)
    if text in _AUDIENCE:
        return "audience", frozenset({_AUDIENCE[text].value})
    if text in _METHOD:
        return "method", frozenset({_METHOD[text].value})
    if text.endswith("级"):
        levels = levels_of(text)
        if levels:
            return "levels", frozenset(level.value for level in levels)
    return None


_ROLE_EXACT: dict[str, tuple[ColumnKind, str]] = {
    "序号": ("index", ""),
    "编号": ("index", ""),
    "序": ("index", ""),
    "公开事项": ("text", "name"),
    "事项": ("text", "name"),
    "事项名称": ("text", "name"),
    "特定群体说明": ("text", "audience_note"),
}
_ROLE_CONTAINS: tuple[tuple[str, ColumnKind, str], ...] = (
    ("一级", "text", "category"),
    ("二级", "text", "name"),
    ("三级", "text", "subname"),
    ("类别", "text", "category"),
    ("依据", "text", "basis"),
    ("时限", "text", "time_limit"),
    ("主体", "text", "body"),
    ("责任单位", "text", "body"),
    ("责任部门", "text", "body"),
    ("渠道", "channels", "channels"),
    ("载体", "channels", "channels"),
    ("内容", "text", "content"),
    ("要素", "text", "content"),
    ("对象", "choice", "audience"),
    ("方式", "choice", "method"),
    ("层级", "choice", "levels"),
    ("领域", "domain", ""),
    ("事项", "text", "name"),
)
_EXTRA_LABELS = ("备注", "咨询电话", "联系电话", "电话", "栏目", "更新周期", "周期", "说明", "链接", "网址")
_ELEMENT_ROLES = {"category", "name", "subname", "content", "basis", "time_limit", "body"}


def _role(label: str) -> tuple[ColumnKind, str]:
    """What a header label means, for a column that is not a tick option."""
    text = key(label)
    if not text or len(text) > _MAX_LABEL:
        return "unknown", ""
    if text in _ROLE_EXACT:
        return _ROLE_EXACT[text]
    if any(extra in text for extra in _EXTRA_LABELS):
        return "extra", ""
    for part, kind, element in _ROLE_CONTAINS:
        if part in text:
            return kind, element
    return "unknown", ""


def _known(label: str) -> bool:
    return _option(label) is not None or _role(label)[0] != "unknown"


# -- a table's columns ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    index: int
    letter: str
    label: str  # as the header says it (both rows), for messages
    kind: ColumnKind
    field: str = ""
    values: frozenset[str] = frozenset()  # a tick column: what a mark means


Report = Callable[[Severity, Column, str | Message], None]


@dataclass
class _Table:
    columns: list[Column]
    titles: list[str]  # the title rows above the header, nearest last
    fields: frozenset[str] = frozenset()
    sections: list[str] = field(default_factory=list)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _is_header(cells: Sequence[str]) -> bool:
    """Short labels naming an item's name and at least three more elements.

    Tick options (全社会, 主动, 县级) do not count: a data row of free-text columns holds the same words.
    """
    roles = set()
    for cell in cells:
        kind, element = _role(cell) if _option(cell) is None else ("tick", "")
        if kind in ("text", "channels", "choice"):
            roles.add(element)
    return len(roles) >= 4 and bool(roles & {"category", "name", "subname"})


def _is_second_header(top: Sequence[str], cells: Sequence[str]) -> bool:
    """Sub-labels under the header (一级事项, 全社会, 主动, 县级 …), and nothing that looks like data."""
    subs = False
    for index, cell in enumerate(cells):
        if not cell:
            continue
        above = top[index] if index < len(top) else ""
        if cell == above:
            continue  # a label merged over both header rows
        if not _known(cell):
            return False
        subs = subs or _option(cell) is not None or _role(cell)[1] in ("category", "name", "subname")
    return subs


def _columns(top: Sequence[str], sub: Sequence[str] | None, width: int) -> tuple[list[Column], list[Problem]]:
    columns: list[Column] = []
    problems: list[Problem] = []
    group = ""
    for index in range(width):
        upper = top[index] if index < len(top) else ""
        lower = sub[index] if sub is not None and index < len(sub) else ""
        if upper:
            group = upper
        elif lower:
            upper = group  # a group label left of its sub-labels, not merged (CSV)
        label = upper if not lower or lower == upper else f"{upper}/{lower}" if upper else lower
        letter = column_letter(index)
        kind, element, values = _meaning(upper, lower if lower != upper else "")
        if kind == "unknown" and (upper or lower):
            what = lower or upper
            if _role(upper)[0] in ("choice",):
                message = N_("column {letter} ({label}): {what} is not a known option; ignored")
                problems.append(Problem("warning", Message(message, letter=letter, label=label, what=what)))
            else:
                message = N_("column {letter} ({label}) is not an element; ignored")
                problems.append(Problem("warning", Message(message, letter=letter, label=label)))
        columns.append(Column(index, letter, label, kind, element, values))
    return _without_duplicates(columns, problems)


def _meaning(upper: str, lower: str) -> tuple[ColumnKind, str, frozenset[str]]:
    for label in (lower, upper) if lower else (upper,):
        option = _option(label)
        if option:
            return "tick", option[0], option[1]
        kind, element = _role(label)
        if kind != "unknown":
            if lower and label == upper and _role(upper)[0] == "choice":
                return "unknown", "", frozenset()  # an unknown sub-label under 公开对象/方式/层级
            return kind, element, frozenset()
    return "unknown", "", frozenset()


def _without_duplicates(columns: list[Column], problems: list[Problem]) -> tuple[list[Column], list[Problem]]:
    seen: set[tuple[str, str, frozenset[str]]] = set()
    kept: list[Column] = []
    for column in columns:
        if column.kind in ("text", "channels", "tick", "domain"):
            mark = (column.kind, column.field, column.values)
            if mark in seen:
                problems.append(
                    Problem(
                        "warning",
                        Message(
                            N_("column {letter} ({label}) repeats an earlier column; ignored"),
                            letter=column.letter,
                            label=column.label,
                        ),
                    )
                )
                column = Column(column.index, column.letter, column.label, "extra")
            seen.add(mark)
        kept.append(column)
    return kept, problems


def _fields(columns: list[Column]) -> frozenset[str]:
    found = {c.field for c in columns if c.field}
    if "audience" in found:
        found.add("audience_note")  # the note rides in the 特定群体 cell or the 公开对象 text
    return frozenset(found)


_REQUIRED = ("content", "basis", "time_limit", "body", "channels", "audience", "method", "levels")


def _missing_columns(fields: frozenset[str]) -> list[Problem]:
    return [
        Problem(
            "warning",
            N_("no such column in the table: imported items leave it empty (fill it in before submission)"),
            field=element,
        )
        for element in _REQUIRED
        if element not in fields
    ]


# -- reading sheets ------------------------------------------------------------------------------------------------


def read_sheets(sheets: Sequence[Sheet]) -> Catalog:
    """Every catalog table in `sheets`, row by row. Raises NotACatalog when no sheet has a catalog header."""
    results = [_read_sheet(sheet) for sheet in sheets]
    tabled = [r for r in results if r[2]]
    if not tabled:
        raise NotACatalog(
            N_(
                "no catalog table found: no row among the first {rows} of any sheet names the columns "
                "公开事项, 公开内容, 公开依据, 公开时限, 公开主体 …"
            ),
            rows=HEADER_SCAN_ROWS,
        )
    named = len(tabled) > 1
    rows: list[CatalogRow] = []
    problems: list[Problem] = []
    for sheet, (sheet_rows, sheet_problems, found) in zip(sheets, results, strict=True):
        if not found:
            if named or len(sheets) > 1:
                message = Message(N_("sheet {sheet}: no catalog table; skipped"), sheet=sheet.name)
                problems.append(Problem("warning", message))
            continue
        name = sheet.name if named else ""
        problems.extend(_renamed(p, name) for p in sheet_problems)
        for row in sheet_rows:
            rows.append(
                CatalogRow(
                    sheet=name,
                    row=row.row,
                    elements=row.elements,
                    fields=row.fields,
                    domain_hints=row.domain_hints,
                    problems=tuple(_renamed(p, name) for p in row.problems),
                    domain=row.domain,
                    domain_column=row.domain_column,
                    letters=row.letters,
                )
            )
    return Catalog(tuple(rows), tuple(problems))


def _renamed(problem: Problem, sheet: str) -> Problem:
    return Problem(problem.severity, problem.message, sheet, problem.row, problem.column, problem.field, problem.rule)


def _filled(sheet: Sheet) -> list[list[str]]:
    """The sheet's cells, stripped, each merged range's value copied into every cell it covers."""
    width = max((len(r) for r in sheet.rows), default=0)
    grid = [[(cell or "").strip() for cell in row] + [""] * (width - len(row)) for row in sheet.rows]
    for merge in sheet.merges:
        if merge.top >= len(grid) or merge.left >= width:
            continue
        value = grid[merge.top][merge.left]
        for r in range(merge.top, min(merge.bottom, len(grid) - 1) + 1):
            for c in range(merge.left, min(merge.right, width - 1) + 1):
                grid[r][c] = value
    return grid


def _read_sheet(sheet: Sheet) -> tuple[list[CatalogRow], list[Problem], bool]:
    grid = _filled(sheet)
    width = len(grid[0]) if grid else 0
    rows: list[CatalogRow] = []
    problems: list[Problem] = []
    context: list[str] = []
    table: _Table | None = None
    above: dict[int, tuple[int, str]] = {}  # column -> (row number, resolved text) of the previous data row
    r = 0
    while r < len(grid):
        cells = grid[r]
        if (table is not None or r < HEADER_SCAN_ROWS) and _is_header(cells):
            second = r + 1 < len(grid) and _is_second_header(cells, grid[r + 1])
            columns, column_problems = _columns(cells, grid[r + 1] if second else None, width)
            fields = _fields(columns)
            problems.extend(Problem(p.severity, p.message, row=r + 1, field=p.field) for p in column_problems)
            problems.extend(Problem(p.severity, p.message, row=r + 1, field=p.field) for p in _missing_columns(fields))
            table = _Table(columns, context, fields)
            context, above = [], {}
            r += 2 if second else 1
            if r < len(grid) and _is_numbering(grid[r]):
                r += 1
            continue
        if table is None:
            text = _row_text(cells)
            if text:
                context.append(text)
            r += 1
            if r >= HEADER_SCAN_ROWS:
                return [], [], False
            continue
        if _title_before_header(grid, r):
            if text := _row_text(cells):
                context.append(text)  # the title of the next table on this sheet
            r += 1
            continue
        kind, text = _row_kind(table, cells)
        if kind == "section":
            table.sections.append(text)
        elif kind == "note":
            message = Message(N_("skipped, not an item: {text}"), text=text[:40])
            problems.append(Problem("warning", message, row=r + 1))
        elif kind == "data":
            rows.append(_data_row(sheet.name, table, cells, r + 1, above))
        r += 1
    return rows, problems, table is not None


def _title_before_header(grid: list[list[str]], r: int) -> bool:
    """A row of one text (or none) with another table's header within the next three rows."""
    if len({c for c in grid[r] if c}) > 1:
        return False
    for ahead in range(r + 1, min(r + 4, len(grid))):
        if _is_header(grid[ahead]):
            return True
        if len({c for c in grid[ahead] if c}) > 1:
            return False
    return False


def _row_text(cells: Sequence[str]) -> str:
    seen: list[str] = []
    for cell in cells:
        if cell and cell not in seen:
            seen.append(cell)
    return " ".join(seen)


def _is_numbering(cells: Sequence[str]) -> bool:
    """A row of column numbers (1 2 3 …) under the header."""
    filled = [c for c in cells if c]
    return len(filled) >= 3 and all(c.isdigit() for c in filled)


def _row_kind(table: _Table, cells: Sequence[str]) -> tuple[str, str]:
    meaningful = [
        cell
        for cell, column in zip(cells, table.columns, strict=False)
        if cell
        and (column.kind not in ("index", "extra", "unknown") or (column.kind == "index" and not cell.isdigit()))
    ]
    if not meaningful:
        return "empty", ""
    texts = set(meaningful)
    if len(texts) == 1:
        text = meaningful[0]
        if _mark(text) is None:
            if len(meaningful) >= 3:
                return "section", text  # one text merged across the table: 一、财政预决算
            if _ENUMERATED.match(key(text)) or text.endswith(("领域", "类")):
                return "section", text
            if text.startswith(_NOTE_ROW):
                return "note", text
    return "data", ""


def _mark(text: str) -> bool | None:
    """A tick cell: True (√, ■, ▲, ▄ …), False (empty, ×, 否 …), None if it is neither."""
    folded = key(text).lower()
    if folded in _NO_MARK or all(ch in BLANKS for ch in folded):
        return False
    if all(ch in TICKS for ch in folded) or folded in _YES_MARK:
        return True
    return None


def _data_row(
    sheet: str, table: _Table, cells: Sequence[str], row: int, above: dict[int, tuple[int, str]]
) -> CatalogRow:
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    ticks: dict[str, set[str]] = {}
    domain, domain_column = "", ""
    own_category = False
    failed: set[str] = set()  # elements with a problem already: "empty" would say it twice

    def problem(severity: Severity, column: Column, message: str | Message) -> None:
        problems.append(Problem(severity, message, row=row, column=column.letter, field=column.field))

    for column in table.columns:
        if column.kind in ("index", "extra", "unknown"):
            continue
        text = cells[column.index] if column.index < len(cells) else ""
        if key(text).rstrip("。.") == SAME_AS_ABOVE:
            if column.index in above:
                source_row, text = above[column.index]
                problem("warning", column, Message(N_("同上 (same as above): took row {row}'s value"), row=source_row))
            else:
                problem("error", column, N_("同上 (same as above), but there is no row above"))
                failed.add(column.field)
                continue
        if column.field == "category":
            own_category = bool(text)
            if not text and column.index in above:
                text = above[column.index][1]  # an empty 一级事项 continues the one above
        above[column.index] = (row, text)
        match column.kind:
            case "text":
                values[column.field] = text
            case "domain":
                domain, domain_column = text, column.letter
            case "channels":
                values["channels"] = channels_of(text)
            case "choice":
                _read_choice(column, text, values, ticks, problem)
            case "tick":
                _read_tick(column, text, values, ticks, problem)
    for element, chosen in ticks.items():
        values[element] = sorted(chosen)
    failed.update(p.field for p in problems if p.severity == "error")
    _require(table, values, own_category, row, problems, failed)
    elements = None
    if not any(p.severity == "error" for p in problems):
        elements = _validated(values, table, row, problems)
    hints = (*table.sections[-1:], *table.titles[::-1], sheet)
    letters = tuple({c.field: c.letter for c in reversed(table.columns) if c.field}.items())
    return CatalogRow(
        sheet, row, elements, table.fields, hints, tuple(problems), domain, domain_column=domain_column, letters=letters
    )


def _read_choice(
    column: Column, text: str, values: dict[str, Any], ticks: dict[str, set[str]], problem: Report
) -> None:
    """A 公开对象 / 公开方式 / 公开层级 column written as text: 主动、依申请; 县级、乡级; 特定群体（低保对象）."""
    chosen = ticks.setdefault(column.field, set())
    if not text:
        return
    if column.field == "levels":
        levels = levels_of(text)
        if levels is None:
            problem("error", column, Message(N_("{text!r} is not a level (县级, 乡级, 村级 …)"), text=text))
        else:
            chosen.update(level.value for level in levels)
        return
    note = ""
    if column.field == "audience":
        text, note = _note(text)
    table = _AUDIENCE if column.field == "audience" else _METHOD
    for part in _OPTION_SEPARATORS.split(key(text)):
        if not part:
            continue
        if part in table:
            chosen.add(table[part].value)
        elif column.field == "audience":
            chosen.add(Audience.SPECIFIC_GROUP.value)
            note = note or part
            problem("warning", column, Message(N_("{part!r} read as 特定群体 ({part})"), part=part))
        else:
            problem("error", column, Message(N_("{part!r} is not a method (主动, 依申请)"), part=part))
    if note:
        values["audience_note"] = note


def _note(text: str) -> tuple[str, str]:
    """特定群体（低保对象） or 特定群体：低保对象 -> (特定群体, 低保对象)."""
    folded = unicodedata.normalize("NFKC", text).strip()
    found = re.match(r"^(.*?)\((.*)\)$", folded, re.S) or re.match(r"^(.*?)[:](.*)$", folded, re.S)
    if found:
        return found.group(1).strip(), found.group(2).strip()
    return folded, ""


def _read_tick(column: Column, text: str, values: dict[str, Any], ticks: dict[str, set[str]], problem: Report) -> None:
    chosen = ticks.setdefault(column.field, set())
    if column.values == {Audience.SPECIFIC_GROUP.value}:
        # The 特定群体 cell may name the group: √（低保对象）, or just 低保对象.
        bare = re.sub(f"[{TICKS}]", "", text)
        ticked = bare != text
        rest, note = _note(bare)
        if rest and (_mark(rest) or _option(rest) == (column.field, column.values)):
            ticked = True
        elif rest and _mark(rest) is None:
            note, ticked = note or rest, True
        if note:
            values["audience_note"] = note
        if ticked:
            chosen.update(column.values)
        return
    mark = _mark(text)
    if mark is None and _option(text) == (column.field, column.values):
        mark = True  # the cell repeats its column's label: 主动 under 主动
    if mark is None:
        problem(
            "error",
            column,
            Message(N_("{text!r} under {label} is not a tick (√) or blank"), text=text, label=column.label),
        )
    elif mark:
        chosen.update(column.values)


def _require(
    table: _Table, values: dict[str, Any], own_category: bool, row: int, problems: list[Problem], failed: set[str]
) -> None:
    columns = {c.field: c for c in reversed(table.columns) if c.field}
    if "name" in table.fields and not values.get("name") and not (own_category or values.get("subname")):
        problems.append(Problem("error", N_("empty"), row=row, column=columns["name"].letter, field="name"))
    elif not any(values.get(name) for name in ("category", "name", "subname")):
        first = next(c for c in table.columns if c.field in ("category", "name", "subname"))
        problems.append(
            Problem("error", N_("empty: the row names no item"), row=row, column=first.letter, field=first.field)
        )
    for element in _REQUIRED:
        if element in table.fields and element not in failed and not values.get(element):
            column = columns[element]
            message = N_("empty") if column.kind in ("text", "channels", "choice") else N_("empty: nothing ticked")
            problems.append(Problem("error", message, row=row, column=column.letter, field=element))


def _validated(values: dict[str, Any], table: _Table, row: int, problems: list[Problem]) -> ItemElements | None:
    try:
        return ItemElements.model_validate(values)
    except ValidationError as error:
        columns = {c.field: c.letter for c in table.columns if c.field}
        for e in error.errors(include_url=False):
            element = str(e["loc"][0]) if e["loc"] else ""
            problems.append(Problem("error", e["msg"], row=row, column=columns.get(element, ""), field=element))
        return None


def read_document(document: Any) -> Catalog:
    """The rows of a JSON export of this registry: `{"items": [{"domain", "unit", "elements": {…}}, …]}`."""
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise NotACatalog(N_('not a catalog export: expected a JSON object with a list "items"'))
    every = frozenset(ItemElements.model_fields)
    rows: list[CatalogRow] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("elements"), dict):
            problem = Problem("error", N_('expected an object with "elements"'), row=number)
            rows.append(CatalogRow("", number, None, every, (), (problem,)))
            continue
        problems: list[Problem] = []
        elements: ItemElements | None = None
        try:
            elements = ItemElements.model_validate(item["elements"])
        except ValidationError as error:
            for e in error.errors(include_url=False):
                element = str(e["loc"][0]) if e["loc"] else ""
                problems.append(Problem("error", e["msg"], row=number, field=element))
        domain, unit = str(item.get("domain") or ""), str(item.get("unit") or "")
        rows.append(CatalogRow("", number, elements, every, (), tuple(problems), domain, unit))
    return Catalog(tuple(rows), ())
