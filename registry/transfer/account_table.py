"""The account list (政务新媒体清单) read by meaning: header, columns, platforms, units, dates, status. No I/O.

A reader turns a file into `Sheet`s (spreadsheet.py). `read_account_sheets` finds each sheet's header in its first
rows (title rows above it are skipped), maps its columns by what their labels mean, and turns every data row into
AccountElements, its 主办单位 and its 状态 — or into problems that name the row and the column. Published lists
write the same thing many ways; each way read here is in docs/accounts-import.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from pydantic import ValidationError

from events.account import ACCOUNT_LABELS, AccountElements
from events.message import N_, Message
from registry.profile import Profile
from registry.transfer.catalog_table import HEADER_SCAN_ROWS, Problem, Severity, Sheet, column_letter, key

Listed = Literal["open", "suspended", "closed"]
_Report = Callable[[Severity, str, str | Message], None]

# The table's labels, by element (and the three columns that are not elements: 序号, 主办单位, 状态).
LABELS = {
    "index": "序号",
    "name": "账号名称",
    "platform": "平台",
    "handle": "平台账号标识",
    "unit": "主办单位",
    "operator": "运营单位",
    "certified_as": "认证主体",
    "opened_on": "开设日期",
    "status": "状态",
    "purpose": "主要内容/定位",
    "link": "链接/二维码",
    "contact": ACCOUNT_LABELS["contact"],
}
# What an export writes, in this order. Never 联系人: the list is public.
PUBLIC_COLUMNS = (
    "index",
    "name",
    "platform",
    "handle",
    "unit",
    "operator",
    "certified_as",
    "opened_on",
    "status",
    "purpose",
    "link",
)
STATUS_LABELS: dict[Listed, str] = {"open": "正常", "suspended": "已关停", "closed": "已注销"}

_STATUS_WORDS: dict[Listed, tuple[str, ...]] = {
    "open": (
        "正常",
        "运营中",
        "正常运营",
        "正常运行",
        "运行中",
        "正常更新",
        "在用",
        "使用中",
        "已开通",
        "开通",
        "启用",
    ),
    "suspended": ("已关停", "关停", "暂停更新", "暂停", "停更", "停止更新", "暂停运营", "已暂停"),
    # 关闭 is left out on purpose: lists use it for both 关停 and 注销.
    "closed": ("已注销", "注销", "已撤销", "撤销", "已注销账号"),
}
_STATUS = {key(word): listed for listed, words in _STATUS_WORDS.items() for word in words}

# Header labels: exact ones first, then the words a label contains, in an order that settles overlaps
# (平台账号标识 is a handle, not a platform; 运营状态 a status, not an operator; 单位名称 a unit, not a name).
_EXACT = {
    "序号": "index",
    "编号": "index",
    "序": "index",
    "账号": "name",
    "帐号": "name",
    "名称": "name",
    "类型": "platform",
    "认证": "certified_as",
}
_CONTAINS: tuple[tuple[str, str], ...] = (
    ("联系", "contact"),
    ("负责人", "contact"),
    ("标识", "handle"),
    ("id", "handle"),
    ("微信号", "handle"),
    ("用户名", "handle"),
    ("认证", "certified_as"),
    ("状态", "status"),
    ("运营", "operator"),
    ("运维", "operator"),
    ("承办", "operator"),
    ("日期", "opened_on"),
    ("时间", "opened_on"),
    ("链接", "link"),
    ("二维码", "link"),
    ("网址", "link"),
    ("地址", "link"),
    ("内容", "purpose"),
    ("定位", "purpose"),
    ("简介", "purpose"),
    ("功能", "purpose"),
    ("平台", "platform"),
    ("类型", "platform"),
    ("载体", "platform"),
    ("单位", "unit"),
    ("部门", "unit"),
    ("主办", "unit"),
    ("名称", "name"),
    ("账号", "name"),
    ("帐号", "name"),
)
_MAX_LABEL = 16
_NOTE_ROW = ("注", "说明", "备注", "填报", "制表", "审核", "联系人：", "联系电话")
_SUFFIX = re.compile(r"^(?P<name>.*?)\s*[（(](?P<platform>[^()（）]+)[)）]\s*$", re.S)
_EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system, as it counts after February 1900
_UNIT_PREFIXES = ("县", "旗", "区", "市", "本级")
_SHORTEST_SUFFIX = 3  # 执法局 may name 城市执法局; 政府 names nothing


class NotAnAccountList(ValueError):
    """No sheet of the file has an account list header (账号名称 and 平台, or names with platform suffixes)."""

    def __init__(self, template: str, /, **arguments: object) -> None:
        self.text = Message(template, **arguments)
        super().__init__(str(self.text))


@dataclass(frozen=True)
class AccountProblem(Problem):
    """A problem of an account list: its `field` is a column of the list (LABELS), named in Chinese."""

    @property
    def label(self) -> str:
        return LABELS.get(self.field, self.field)


@dataclass(frozen=True)
class AccountRow:
    """One data row: its account (None when it has errors), its 主办单位 and 状态, and where it came from."""

    sheet: str
    row: int  # as the spreadsheet numbers it, from 1
    elements: AccountElements | None  # the platform as the profile names it; 联系人 as the file says it
    unit: str  # the profile's unit the 主办单位 cell names; "" when the table has no such column
    listed: Listed
    problems: tuple[AccountProblem, ...] = ()
    letters: tuple[tuple[str, str], ...] = ()  # (field, its column's letter)

    @property
    def ok(self) -> bool:
        return self.elements is not None

    def letter(self, field: str) -> str:
        return next((letter for name, letter in self.letters if name == field), "")


@dataclass(frozen=True)
class AccountList:
    rows: tuple[AccountRow, ...]
    problems: tuple[AccountProblem, ...]  # about a table rather than a row


# -- cells ---------------------------------------------------------------------------------------------------------


def folded(text: str) -> str:
    """A cell as compared: full-width forms folded (（→(, full-width space → space), no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def listed_as(text: str) -> Listed | None:
    """A 状态 cell: open (正常, 运营中 …), suspended (已关停, 暂停更新 …), closed (已注销 …); an empty cell is open."""
    found = key(text)
    return "open" if not found else _STATUS.get(found)


def platform_suffix(profile: Profile, name: str) -> tuple[str, str] | None:
    """武定警方（新浪微博） -> (武定警方, 新浪微博): a name ending in a bracketed platform; None for any other name."""
    found = _SUFFIX.match(name.strip())
    if found is None or not found.group("name").strip():
        return None
    platform = platform_named(profile, found.group("platform"))
    return (found.group("name").strip(), platform) if platform else None


def platform_named(profile: Profile, text: str) -> str | None:
    """The platform a 平台 cell names (its aliases, full-width or not, with a bracketed note such as 微信（订阅号）)."""
    plain = folded(text)
    if not plain:
        return None
    found = profile.platform(plain)
    if found is None and "(" in plain:
        found = profile.platform(plain.split("(", 1)[0])
    return found


@dataclass(frozen=True)
class UnitReading:
    """What a 主办单位 (or 认证主体) cell names: the profile's unit, or why it cannot say (`note` then an error)."""

    unit: str | None
    note: Message | None = None  # with a unit: how it was read (a warning); without: the problem


def unit_named(profile: Profile, text: str) -> UnitReading:
    """The profile's unit a short or long unit name means: 公安局, 县公安局, 旗公安局, 鄂托克前旗公安局.

    The name itself or an alias first; then without the jurisdiction's name and one leading 县/旗/区/市; then the one
    unit whose name or alias ends with what is left (执法局 → 城市执法局), at least three characters long. A name
    that fits several units, or none, is refused.
    """
    written = text.strip()
    exact = profile.unit(written) or profile.unit(folded(written))
    if exact is not None:
        return UnitReading(exact.name)
    stems = [folded(written)]
    for prefix in (profile.jurisdiction, *_UNIT_PREFIXES):
        stems += [stem.removeprefix(prefix) for stem in stems if stem.startswith(prefix) and stem != prefix]
    for stem in stems[1:]:
        found = profile.unit(stem)
        if found is not None:
            return UnitReading(found.name)
    stem = stems[-1]
    if len(stem) >= _SHORTEST_SUFFIX:
        ending = sorted(
            {
                unit.name
                for unit in profile.units
                for alias in (unit.name, *unit.aliases)
                if folded(alias).endswith(stem)
            }
        )
        if len(ending) == 1:
            return UnitReading(ending[0], Message(N_("{text} read as {unit}"), text=written, unit=ending[0]))
        if ending:
            return UnitReading(
                None, Message(N_("{text} may be any of {units}: write the unit's name"), text=written, units=ending)
            )
    near = profile.nearest_units(stem)
    if near:
        return UnitReading(
            None, Message(N_("{text} is not a unit of the profile (did you mean {units}?)"), text=written, units=near)
        )
    return UnitReading(None, Message(N_("{text} is not a unit of the profile"), text=written))


def date_of(text: str) -> tuple[date | None, Message | None]:
    """A 开设日期 cell: (the day, a warning) or (None, the problem). Empty is (None, None).

    2019-03-01, 2019/3/1, 2019.3.1, 2019年3月1日, 20190301, an Excel day number (43525); a month alone
    (2019年3月, 2019.03, 2019-03) or a year alone (2019年) is its first day, with a warning.
    """
    plain = folded(text)
    if not plain:
        return None, None
    plain = plain.split("T", 1)[0].removesuffix("00:00:00")
    try:
        if found := re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", plain):
            return date(*map(int, found.groups())), None
        if found := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", plain):
            return date(*map(int, found.groups())), None
        if found := re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?(份)?", plain):
            day = date(int(found.group(1)), int(found.group(2)), 1)
            return day, Message(N_("{text}: no day given; recorded as {day}"), text=text.strip(), day=day.isoformat())
        if found := re.fullmatch(r"(\d{4})年?", plain):
            day = date(int(found.group(1)), 1, 1)
            return day, Message(N_("{text}: no day given; recorded as {day}"), text=text.strip(), day=day.isoformat())
        if found := re.fullmatch(r"(\d{5})(\.0+)?", plain):
            number = int(found.group(1))
            if 20000 <= number <= 80000:  # 1954 to 2119: a day number Excel shows as a date
                return _EXCEL_EPOCH + timedelta(days=number), None
    except ValueError:
        pass
    return None, Message(N_("{text!r} is not a date (2019-03-01, 2019年3月1日, 2019.03 …)"), text=text.strip())


# -- headers -------------------------------------------------------------------------------------------------------


def field_of(label: str) -> str | None:
    """What a header label means: a field of LABELS, or None."""
    text = key(label).casefold()
    if not text or len(text) > _MAX_LABEL:
        return None
    if text in _EXACT:
        return _EXACT[text]
    if text in {key(value) for value in LABELS.values()}:
        return next(f for f, value in LABELS.items() if key(value) == text)
    return next((field for word, field in _CONTAINS if word in text), None)


@dataclass(frozen=True)
class _Column:
    index: int
    letter: str
    label: str
    field: str | None


def _header(cells: Sequence[str]) -> list[_Column] | None:
    """The row's columns if it is an account list's header: 账号名称 and at least one more field, none twice."""
    columns = [_Column(i, column_letter(i), cell, field_of(cell) if cell else None) for i, cell in enumerate(cells)]
    fields = [c.field for c in columns if c.field]
    if "name" not in fields or len(set(fields)) < 2:
        return None
    if not {"platform", "handle", "unit", "status"} & set(fields):
        return None
    return columns


def _filled(sheet: Sheet) -> list[list[str]]:
    """The sheet's cells, stripped, each merged range's value in every cell it covers (a 主办单位 merged over rows)."""
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


def _find_header(grid: list[list[str]], profile: Profile) -> tuple[int, list[_Column]] | None:
    for r, cells in enumerate(grid[:HEADER_SCAN_ROWS]):
        columns = _header(cells)
        if columns is None:
            continue
        fields = {c.field for c in columns}
        if "platform" in fields:
            return r, columns
        # No 平台 column: an account list only if its names carry their platform (武定警方（新浪微博）).
        name = next(c.index for c in columns if c.field == "name")
        below = [row[name] for row in grid[r + 1 :] if name < len(row) and row[name]]
        if any(platform_suffix(profile, text) for text in below):
            return r, columns
    return None


def has_account_header(sheets: Sequence[Sheet], profile: Profile) -> bool:
    """Whether a sheet has an account list's header: 账号名称 with 平台, or names with platform suffixes."""
    return any(_find_header(_filled(sheet), profile) is not None for sheet in sheets)


# -- rows ----------------------------------------------------------------------------------------------------------


def read_account_sheets(sheets: Sequence[Sheet], profile: Profile) -> AccountList:
    """Every account row of the sheets that hold an account list. Raises NotAnAccountList when none does."""
    read = [(sheet, _read_sheet(sheet, profile)) for sheet in sheets]
    tabled = [(sheet, found) for sheet, found in read if found is not None]
    if not tabled:
        raise NotAnAccountList(
            N_(
                "no account list found: no row among the first {rows} of any sheet names the columns "
                "账号名称 and 平台 (or 账号名称 with the platform in brackets after each name)"
            ),
            rows=HEADER_SCAN_ROWS,
        )
    named = len(tabled) > 1
    rows: list[AccountRow] = []
    problems: list[AccountProblem] = []
    for sheet, (sheet_rows, sheet_problems) in tabled:
        name = sheet.name if named else ""
        problems.extend(_in_sheet(p, name) for p in sheet_problems)
        for row in sheet_rows:
            rows.append(
                AccountRow(
                    name,
                    row.row,
                    row.elements,
                    row.unit,
                    row.listed,
                    tuple(_in_sheet(p, name) for p in row.problems),
                    row.letters,
                )
            )
    return AccountList(tuple(rows), tuple(problems))


def _in_sheet(problem: AccountProblem, sheet: str) -> AccountProblem:
    return AccountProblem(problem.severity, problem.message, sheet, problem.row, problem.column, problem.field)


def _read_sheet(sheet: Sheet, profile: Profile) -> tuple[list[AccountRow], list[AccountProblem]] | None:
    grid = _filled(sheet)
    found = _find_header(grid, profile)
    if found is None:
        return None
    start, columns = found
    problems: list[AccountProblem] = []
    kept: list[_Column] = []
    seen: set[str] = set()
    for column in columns:
        if not column.label:
            continue
        if column.field is None or column.field in seen:
            message = (
                N_("column {letter} ({label}) is not a column of the account list; ignored")
                if column.field is None
                else N_("column {letter} ({label}) repeats an earlier column; ignored")
            )
            problems.append(
                AccountProblem("warning", Message(message, letter=column.letter, label=column.label), row=start + 1)
            )
            continue
        seen.add(column.field)
        kept.append(column)
    if "handle" not in seen:
        problems.append(
            AccountProblem(
                "error",
                N_("no such column in the table: every account needs its platform id or handle (平台账号标识)"),
                row=start + 1,
                field="handle",
            )
        )
    reader = _RowReader(profile, kept)
    rows: list[AccountRow] = []
    for r in range(start + 1, len(grid)):
        cells = grid[r]
        filled = [cell for cell in cells if cell]
        if not filled:
            continue
        if len(filled) >= 3 and all(cell.isdigit() for cell in filled) and r == start + 1:
            continue  # the columns' numbers under the header: 1 2 3 …
        if len(set(filled)) == 1 and (len(filled) > 2 or not reader.has_data(cells)):
            continue  # a section row (一、旗直部门) merged across the table
        if filled[0].startswith(_NOTE_ROW) and not reader.has_data(cells, without_first=True):
            problems.append(
                AccountProblem(
                    "warning", Message(N_("skipped, not an account: {text}"), text=filled[0][:40]), row=r + 1
                )
            )
            continue
        rows.append(reader.read(sheet.name, cells, r + 1))
    return rows, problems


class _RowReader:
    """Reads data rows, remembering the previous one: an empty 主办单位 may continue it (see `_unit`)."""

    def __init__(self, profile: Profile, columns: list[_Column]) -> None:
        self.profile = profile
        self.columns = {c.field: c for c in columns if c.field}
        self.letters = tuple((field, c.letter) for field, c in self.columns.items())
        self.previous: tuple[int | None, str] | None = None  # (序号, unit) of the previous data row

    def cell(self, cells: Sequence[str], field: str) -> str:
        column = self.columns.get(field)
        return cells[column.index].strip() if column is not None and column.index < len(cells) else ""

    def has_data(self, cells: Sequence[str], *, without_first: bool = False) -> bool:
        fields: tuple[str, ...] = ("platform", "handle", "certified_as", "status", "opened_on")
        if not without_first:
            fields = ("name", *fields)
        return any(self.cell(cells, field) for field in fields)

    def read(self, sheet: str, cells: Sequence[str], row: int) -> AccountRow:
        problems: list[AccountProblem] = []

        def problem(severity: Severity, field: str, message: str | Message) -> None:
            letter = self.columns[field].letter if field in self.columns else ""
            problems.append(AccountProblem(severity, message, row=row, column=letter, field=field))

        listed = listed_as(self.cell(cells, "status"))
        if listed is None:
            text = self.cell(cells, "status")
            problem("error", "status", Message(N_("{text!r} is not a status (正常, 已关停, 已注销)"), text=text))
            listed = "open"
        index = self._index(cells)
        unit = self._unit(cells, index, problem)
        self.previous = (index, unit or self.cell(cells, "unit"))
        values: dict[str, object] = {
            field: self.cell(cells, field) for field in ("handle", "operator", "certified_as", "purpose", "link")
        }
        values["contact"] = self.cell(cells, "contact")
        values["name"], values["platform"] = self._name_and_platform(cells, problem)
        opened_on, note = date_of(self.cell(cells, "opened_on"))
        if note is not None:
            problem("error" if opened_on is None else "warning", "opened_on", note)
        values["opened_on"] = opened_on
        for field in ("name", "handle"):
            if field in self.columns and not values[field]:
                problem("error", field, N_("empty"))
        if listed == "closed":
            # 已注销: never filed, so what it lacks does not matter; its warnings stay.
            problems = [p for p in problems if p.severity == "warning"]
        elements = None
        if not any(p.severity == "error" for p in problems):
            try:
                elements = AccountElements.model_validate(values)
            except ValidationError as error:
                for e in error.errors(include_url=False):
                    problem("error", str(e["loc"][0]) if e["loc"] else "", e["msg"])
        return AccountRow(sheet, row, elements, unit, listed, tuple(problems), self.letters)

    def _index(self, cells: Sequence[str]) -> int | None:
        text = folded(self.cell(cells, "index")).removesuffix(".0")
        return int(text) if text.isdigit() else None

    def _unit(self, cells: Sequence[str], index: int | None, problem: _Report) -> str:
        """The row's 主办单位. An empty cell continues the unit of the row above only when the 序号 goes on from
        that row's (a list grouped by unit, its unit written once: a CSV, or merged cells saved without merges)."""
        if "unit" not in self.columns:
            return ""
        text = self.cell(cells, "unit")
        if not text:
            previous = self.previous
            if previous is not None and previous[1] and index is not None and previous[0] == index - 1:
                text = previous[1]
            else:
                problem("error", "unit", N_("empty, and the 序号 does not continue a row above that names its unit"))
                return ""
        reading = unit_named(self.profile, text)
        if reading.unit is None:
            problem("error", "unit", reading.note or Message(N_("{text} is not a unit of the profile"), text=text))
            return ""
        if reading.note is not None:
            problem("warning", "unit", reading.note)
        return reading.unit

    def _name_and_platform(self, cells: Sequence[str], problem: _Report) -> tuple[str, str]:
        """The account's name and platform: the 平台 cell, or the name's bracketed suffix (then cut from the name)."""
        name, written = self.cell(cells, "name"), self.cell(cells, "platform")
        suffix = platform_suffix(self.profile, name)
        platform = platform_named(self.profile, written) if written else None
        if written and platform is None:
            problem(
                "error",
                "platform",
                Message(
                    N_(
                        "unknown platform {platform!r}: a platform is one of {platforms}, or another written 其他：NAME"
                    ),
                    platform=written,
                    platforms=[Message(p.name) for p in self.profile.platforms],
                ),
            )
            return name, written
        if suffix is None:
            if not written:
                problem(
                    "error", "platform", N_("empty, and the name does not end with its platform, e.g. （新浪微博）")
                )
            return name, platform or ""
        if platform is not None and platform != suffix[1]:
            problem(
                "error",
                "name",
                Message(
                    N_("the name says the platform is {suffix}, the 平台 column {platform}"),
                    suffix=suffix[1],
                    platform=platform,
                ),
            )
        return suffix
