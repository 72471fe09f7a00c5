"""The account list in and out: a unit's rows become 开设备案 filings, all or nothing; the public list as a table.

Import: each row of the importing unit is filed (FileAccount) by the importing drafter through Accounts.execute_all,
so the rules decide every row inside one write transaction and a refusal leaves the log as it was. Before writing,
every row is read and checked (the rules' own `decide`, with the unit's accounts as the log has them), so the report
names every row and column that stops the import. A row of an account already in the registry (same unit, platform
and 平台账号标识) files nothing; rows of other units are left to their own import (`--unit`); rows marked 已注销 are
not filed; rows marked 已关停 are filed, and the report says to file their 关停 once published.

Export: the public list (open and suspended accounts, never 联系人), by unit and platform, as .xlsx or .csv.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection

from events.account import AccountElements, AccountStatus
from events.message import N_, Message
from projections.media_accounts import ListedAccount, holders, public_list
from registry.accounts.command import FileAccount
from registry.accounts.decider import decide
from registry.accounts.rules import certified_unit, require_account_drafter
from registry.accounts.service import Accounts, new_account_id
from registry.accounts.state import AccountState
from registry.actor import Actor, Proof
from registry.profile import Profile
from registry.rules import Rule, RuleViolation, unknown_unit
from registry.transfer import spreadsheet
from registry.transfer.account_table import (
    LABELS,
    PUBLIC_COLUMNS,
    STATUS_LABELS,
    AccountList,
    AccountProblem,
    AccountRow,
    folded,
    has_account_header,
    read_account_sheets,
    unit_named,
)
from registry.transfer.catalog_table import NotACatalog, read_sheets

ListKind = Literal["catalog", "accounts"]
Action = Literal["file", "existing", "closed", "other_unit", "invalid"]
ACTIONS: tuple[Action, ...] = ("file", "existing", "closed", "other_unit", "invalid")
ExportFormat = Literal["xlsx", "csv"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("xlsx", "csv")
# Which column a rule's refusal is about.
_RULE_FIELDS = {
    Rule.ONE_ACCOUNT_PER_PLATFORM: "platform",
    Rule.CERTIFICATION: "certified_as",
    Rule.DRAFTING_UNIT: "unit",
}


@dataclass(frozen=True)
class AccountOutcome:
    """What the import did (or would do) with one row."""

    sheet: str
    row: int
    name: str
    platform: str
    account_id: str | None
    action: Action
    then: str = ""  # what to file after publication: "suspend" for a row marked 已关停

    def as_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet or None,
            "row": self.row,
            "account_id": self.account_id,
            "name": self.name,
            "platform": self.platform,
            "action": self.action,
            "then": self.then or None,
        }


@dataclass
class AccountImportReport:
    file: str
    unit: str
    dry_run: bool
    written: bool = False
    position: int = 0  # the log's head after the import
    problems: list[AccountProblem] = field(default_factory=list)
    outcomes: list[AccountOutcome] = field(default_factory=list)

    @property
    def errors(self) -> list[AccountProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def blocked(self) -> bool:
        """Errors stopped the import: nothing was or would be written."""
        return bool(self.errors)

    def counts(self) -> dict[str, int]:
        found = Counter(o.action for o in self.outcomes)
        return {action: found.get(action, 0) for action in ACTIONS}

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "list": "accounts",
            "unit": self.unit,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows": len(self.outcomes),
            "counts": self.counts(),
            "position": self.position,
            "problems": [p.as_json() for p in self.problems],
            "accounts": [o.as_json() for o in self.outcomes],
        }


def read_account_list(path: Path, profile: Profile) -> AccountList:
    """The account rows of a file. Raises spreadsheet.UnreadableFile or account_table.NotAnAccountList."""
    data = spreadsheet.read_bytes(path)
    kind = spreadsheet.format_of(path, data)
    if kind == "json":
        raise spreadsheet.UnreadableFile(
            N_("{file}: an account list is read from .xlsx, .xls, .csv or .html"), file=path.name
        )
    return read_account_sheets(spreadsheet.read_sheets(path, data, kind), profile)


def list_kind(path: Path, profile: Profile) -> ListKind:
    """What `registry import` reads `path` as when not told: an account list when no sheet has a catalog header
    and one has an account list's (账号名称 with 平台, or names with platform suffixes); else a catalog, which
    keeps the catalog import's answers (its errors included) for every other file."""
    try:
        data = spreadsheet.read_bytes(path)
        kind = spreadsheet.format_of(path, data)
        if kind == "json":
            return "catalog"
        sheets = spreadsheet.read_sheets(path, data, kind)
    except spreadsheet.UnreadableFile:
        return "catalog"
    try:
        read_sheets(sheets)
    except NotACatalog:
        return "accounts" if has_account_header(sheets, profile) else "catalog"
    return "catalog"


@dataclass
class _Plan:
    row: AccountRow
    outcome: AccountOutcome
    command: FileAccount | None = None


def import_accounts(
    accounts: Accounts,
    path: Path,
    *,
    unit: str,
    actor: Actor,
    dry_run: bool = False,
    at: datetime | None = None,
    proof: Proof | None = None,
) -> AccountImportReport:
    """File the accounts of `unit` listed in `path`, acting as `actor`: all of them, or none.

    Raises UnreadableFile or NotAnAccountList for a file that cannot be read, RuleViolation for an unknown unit or
    an actor who does not file that unit's accounts. Problems of rows (and the rules that refuse them) are in the
    report; with any error nothing is written.
    """
    registry = accounts.registry
    profile = registry.profile
    owner = profile.unit(unit)
    if owner is None:
        raise RuleViolation(Rule.DRAFTING_UNIT, unknown_unit(profile, unit))
    require_account_drafter(actor, owner.name)  # before anything is read: the report lists the unit's accounts
    listing = read_account_list(path, profile)
    report = AccountImportReport(file=path.name, unit=owner.name, dry_run=dry_run)
    report.problems.extend(listing.problems)
    when = at or datetime.now(UTC)
    with registry.store.reading() as conn:
        plans = _Planner(accounts, conn, owner.name, actor, when, dry_run).plan(listing, report)
    report.problems.sort(key=lambda p: (p.sheet, p.row or 0))
    report.outcomes = [p.outcome for p in plans]
    report.position = registry.store.head()[0]
    if report.blocked or dry_run:
        return report
    chosen = [p for p in plans if p.command is not None]
    if not chosen:
        return report
    sources = [_source(path.name, p.row) for p in chosen]
    try:
        receipts = accounts.execute_all([p.command for p in chosen if p.command], sources=sources, proof=proof)
    except RuleViolation as refusal:  # the log changed since the check (another filing): still all or nothing
        source = refusal.text.arguments.get("source")
        plan = next((p for p, s in zip(chosen, sources, strict=True) if s == source), None)
        refused = refusal.text.arguments.get("problem", refusal.text)
        report.problems.append(_refusal(refusal.rule, refused, plan.row if plan else None))
        return report
    report.written = True
    report.position = receipts[-1].position
    return report


def _source(file: str, row: AccountRow) -> str:
    where = f"[{row.sheet}] " if row.sheet else ""
    return f"{file} {where}row {row.row}"


def _refusal(rule: Rule, text: object, row: AccountRow | None) -> AccountProblem:
    message = Message(N_("refused [{rule}]: {message}"), rule=rule.code, message=text)
    if row is None:
        return AccountProblem("error", message, rule=rule.code)
    name = _RULE_FIELDS.get(rule, "")
    if rule is Rule.ACCOUNT_ELEMENTS and row.elements is not None:
        name = next((f for f in ("name", "platform", "handle") if not getattr(row.elements, f)), "platform")
    return AccountProblem("error", message, row.sheet, row.row, row.letter(name), name, rule.code)


class _Planner:
    def __init__(
        self, accounts: Accounts, conn: Connection, unit: str, actor: Actor, at: datetime, dry_run: bool
    ) -> None:
        self.accounts, self.conn, self.unit, self.actor, self.at = accounts, conn, unit, actor, at
        self.dry_run = dry_run  # a dry run names no new account: the ids are made when the import is written
        self.profile = accounts.registry.profile

    def plan(self, listing: AccountList, report: AccountImportReport) -> list[_Plan]:
        plans: list[_Plan] = []
        claimed: dict[str, AccountRow] = {}  # platform -> the row that files it (一平台一账号 within the file)
        for row in listing.rows:
            report.problems.extend(row.problems)
            elements = row.elements
            outcome = AccountOutcome(
                row.sheet,
                row.row,
                elements.name if elements else "",
                elements.platform if elements else "",
                None,
                "invalid",
            )
            plan = _Plan(row, outcome)
            plans.append(plan)
            if row.listed == "closed":
                report.problems.append(
                    AccountProblem(
                        "warning",
                        N_("marked 已注销 (closed): not filed"),
                        row.sheet,
                        row.row,
                        row.letter("status"),
                        "status",
                    )
                )
                plan.outcome = _with(outcome, "closed")
                continue
            if elements is None:
                continue
            if row.unit and row.unit != self.unit:
                report.problems.append(
                    AccountProblem(
                        "warning",
                        Message(
                            N_("an account of {unit}, not {importing}: left for its own import (--unit {unit})"),
                            unit=row.unit,
                            importing=self.unit,
                        ),
                        row.sheet,
                        row.row,
                        row.letter("unit"),
                        "unit",
                    )
                )
                plan.outcome = _with(outcome, "other_unit")
                continue
            elements = self._certified(row, elements, report)
            if elements.platform in claimed:
                earlier = claimed[elements.platform]
                refusal = RuleViolation(
                    Rule.ONE_ACCOUNT_PER_PLATFORM,
                    N_("row {row} of the file already lists an account of {unit} on {platform}"),
                    row=earlier.row,
                    unit=self.unit,
                    platform=elements.platform,
                )
                report.problems.append(_refusal(refusal.rule, refusal.text, row))
                continue
            claimed[elements.platform] = row
            self._file(plan, elements, report)
        return plans

    def _certified(self, row: AccountRow, elements: AccountElements, report: AccountImportReport) -> AccountElements:
        """认证主体 as the rule reads it (its name, an alias, or either after the jurisdiction's name: 鄂托克前旗公安局)
        is kept as written; another short form that names the 主办单位 (县公安局) is recorded by the unit's name, and
        the report says so."""
        written = elements.certified_as.strip()
        if not written or certified_unit(self.profile, written) is not None:
            return elements  # as written: the rule reads it
        reading = unit_named(self.profile, written)
        if reading.unit != self.unit:
            return elements  # the rule refuses it, naming the column
        report.problems.append(
            AccountProblem(
                "warning",
                Message(N_("认证主体 {text} recorded as {unit}"), text=written, unit=self.unit),
                row.sheet,
                row.row,
                row.letter("certified_as"),
                "certified_as",
            )
        )
        return elements.model_copy(update={"certified_as": self.unit})

    def _file(self, plan: _Plan, elements: AccountElements, report: AccountImportReport) -> None:
        row = plan.row
        held = holders(self.conn, self.unit, elements.platform)
        for account_id in held:
            state, _ = self.accounts.load(account_id)
            if folded(state.elements.handle) == folded(elements.handle):
                plan.outcome = _with(plan.outcome, "existing", account_id)
                if _public(state.elements) != _public(elements):
                    report.problems.append(
                        AccountProblem(
                            "warning",
                            Message(
                                N_("already in the registry as {account}, which says otherwise: file a change there"),
                                account=account_id,
                            ),
                            row.sheet,
                            row.row,
                        )
                    )
                return
        command = FileAccount(
            account_id=new_account_id(), actor=self.actor, at=self.at, unit=self.unit, elements=elements
        )
        try:
            decide(command, AccountState(), self.profile, held)
        except RuleViolation as refusal:
            report.problems.append(_refusal(refusal.rule, refusal.text, row))
            return
        plan.command = command
        new_id = None if self.dry_run else command.account_id
        plan.outcome = _with(plan.outcome, "file", new_id, "suspend" if row.listed == "suspended" else "")
        if row.listed == "suspended":
            report.problems.append(
                AccountProblem(
                    "warning",
                    Message(
                        N_(
                            "marked 已关停 (suspended): filed as open; once it is published, file its 关停 "
                            "(registry account suspend {account})"
                        ),
                        account=new_id or "ID",
                    ),
                    row.sheet,
                    row.row,
                    row.letter("status"),
                    "status",
                )
            )


def _with(outcome: AccountOutcome, action: Action, account_id: str | None = None, then: str = "") -> AccountOutcome:
    return AccountOutcome(
        outcome.sheet, outcome.row, outcome.name, outcome.platform, account_id or outcome.account_id, action, then
    )


def _public(elements: AccountElements) -> dict[str, Any]:
    return {name: folded(str(value)) if value is not None else "" for name, value in elements.public_json().items()}


# -- export --------------------------------------------------------------------------------------------------------


def public_accounts(conn: Connection, profile: Profile, unit: str | None = None) -> list[ListedAccount]:
    """The public list (open and suspended accounts), by unit and platform in the profile's order, then name."""
    found = public_list(conn, unit=unit)  # a county's list is some hundreds of rows, sorted here as a whole
    units = {u.name: i for i, u in enumerate(profile.units)}
    platforms = {p.name: i for i, p in enumerate(profile.platforms)}

    def order(account: ListedAccount) -> tuple[int, str, int, str, str, str]:
        platform = str(account.elements.get("platform", ""))
        return (
            units.get(account.unit, len(units)),
            account.unit,
            platforms.get(platform, len(platforms)),
            platform,
            str(account.elements.get("name", "")),
            account.account_id,
        )

    return sorted(found, key=order)


def table_rows(accounts: list[ListedAccount]) -> list[list[str]]:
    """The list's rows under its header (PUBLIC_COLUMNS), 序号 from 1. Only public elements: never 联系人."""
    rows = []
    for number, account in enumerate(accounts, start=1):
        values = {
            **{name: str(account.elements.get(name) or "") for name in PUBLIC_COLUMNS},
            "index": str(number),
            "unit": account.unit,
            "status": STATUS_LABELS["suspended" if account.status is AccountStatus.SUSPENDED else "open"],
        }
        rows.append([values[name] for name in PUBLIC_COLUMNS])
    return rows


def list_title(profile: Profile, day: date, unit: str | None = None) -> str:
    return f"{profile.jurisdiction}{unit or ''}政务新媒体清单（{day.year}年{day.month}月{day.day}日）"


def write_account_list(path: Path, fmt: ExportFormat, accounts: list[ListedAccount], title: str) -> None:
    """Write the list: .xlsx with a title row and the 主办单位 merged over its accounts; .csv with the header first."""
    header = [LABELS[name] for name in PUBLIC_COLUMNS]
    rows = table_rows(accounts)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(rows)
        return
    _xlsx(path, header, rows, title)


def _xlsx(path: Path, header: list[str], rows: list[list[str]], title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "政务新媒体清单"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    opened = PUBLIC_COLUMNS.index("opened_on")
    for values in rows:
        cells: list[object] = list(values)
        if values[opened]:
            cells[opened] = date.fromisoformat(values[opened])
        cells[0] = int(values[0])
        sheet.append(cells)
    for cell in sheet[get_column_letter(opened + 1)][2:]:
        cell.number_format = "yyyy-mm-dd"
    unit = PUBLIC_COLUMNS.index("unit")
    first = 0
    for index in range(1, len(rows) + 1):
        if index == len(rows) or rows[index][unit] != rows[first][unit]:
            if index - first > 1:
                sheet.merge_cells(start_row=first + 3, start_column=unit + 1, end_row=index + 2, end_column=unit + 1)
                sheet.cell(first + 3, unit + 1).alignment = Alignment(vertical="center")
            first = index
    widths = {"index": 6, "name": 22, "platform": 12, "handle": 20, "unit": 16, "opened_on": 12, "status": 8}
    for number, name in enumerate(PUBLIC_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = widths.get(name, 18)
    sheet.freeze_panes = "A3"
    book.save(path)
