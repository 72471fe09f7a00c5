"""`registry import` and `registry export`: catalogs in the official table layout, and the new-media account list
(政务新媒体清单), in and out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from cli.app import app
from cli.context import Exit, InvalidInput, Usage, cli_proof, context, unit_option
from cli.i18n import _, explained, listing, render
from cli.output import console, error, errors, grid, print_json
from events.elements import Level
from events.message import Message
from registry.accounts.service import Accounts
from registry.actor import Actor
from registry.service import Registry
from registry.transfer.account_table import NotAnAccountList
from registry.transfer.account_transfer import (
    EXPORT_FORMATS,
    AccountImportReport,
    ExportFormat,
    ListKind,
    import_accounts,
    list_kind,
    list_title,
    public_accounts,
    write_account_list,
)
from registry.transfer.catalog_table import NotACatalog, Problem
from registry.transfer.exporting import FORMATS, Format, Selection, public_entries, write_export
from registry.transfer.importing import ImportReport, import_catalog
from registry.transfer.spreadsheet import UnreadableFile

Json = Annotated[bool, typer.Option("--json", help=_("print the report as JSON (shape in docs/cli.md)"))]
LIST_KINDS: tuple[ListKind, ...] = ("catalog", "accounts")


def _list_kind(name: str) -> ListKind:
    for known in LIST_KINDS:
        if known == name:
            return known
    raise Usage(_("--list must be one of {kinds}, not {name!r}").format(kinds=listing(LIST_KINDS), name=name))


class _Bar:
    """A progress bar on stderr, shown only at a terminal (stdout stays clean for --json)."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=errors,
            transient=True,
            disable=not errors.is_terminal,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.progress.stop()

    def phase(self, description: Message, total: int | None) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(render(description), total=total)

    def advance(self, count: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, count)


@app.command(
    "import",
    help=_(
        "Import a catalog table (new rows become drafts, changed rows revisions or adjustments) or a new-media "
        "account list (each row of the unit filed, 开设备案). All or nothing."
    ),
)
def import_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help=_(".xlsx, .xls, .csv (UTF-8 or GB18030), .html, or a .json export"))],
    unit: Annotated[str, typer.Option(help=_("the unit whose catalog this is, e.g. 财政局"))],
    domain: Annotated[
        str | None, typer.Option(help=_("领域 of every row (default: the file's title, section rows or sheet names)"))
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=_("check and report; write nothing"))] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help=_("import the valid rows and list the invalid ones as skipped"))
    ] = False,
    acting: Annotated[str | None, typer.Option("--as", help=_("who is importing (a drafter of the unit)"))] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--list",
            help=_("catalog or accounts (政务新媒体清单; docs/accounts-import.md); default: told by the file's header"),
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    c = context(ctx)
    chosen = _list_kind(kind) if kind is not None else None
    actor_id = acting or c.actor_id
    if not actor_id:
        raise Usage(_("say who you are: --as ACTOR (or set REGISTRY_ACTOR)"))
    registry = c.registry()
    actor = registry.actor(actor_id)
    if (chosen or list_kind(file, registry.profile)) == "accounts":
        if domain is not None or skip_invalid:
            raise Usage(_("an account list is imported whole, for one unit: --domain and --skip-invalid do not apply"))
        _import_accounts(registry, file, unit, actor, dry_run=dry_run, as_json=as_json)
        return
    try:
        with _Bar() as bar:
            report = import_catalog(
                registry,
                file,
                unit=unit,
                actor=actor,
                domain=domain,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                progress=bar,
                proof=cli_proof(),
            )
    except (UnreadableFile, NotACatalog) as unreadable:
        raise InvalidInput(_("{problem}; nothing imported").format(problem=explained(unreadable))) from unreadable
    if as_json:
        print_json(report.as_json())
    else:
        _print_report(report)
    if report.blocked:
        refused_only = all(p.rule for p in report.errors)
        error(_("nothing imported: {count} error(s); fix them, or use --skip-invalid").format(count=len(report.errors)))
        raise typer.Exit(Exit.REFUSED if refused_only else Exit.INVALID_INPUT)


def _import_accounts(registry: Registry, file: Path, unit: str, actor: Actor, *, dry_run: bool, as_json: bool) -> None:
    try:
        report = import_accounts(Accounts(registry), file, unit=unit, actor=actor, dry_run=dry_run, proof=cli_proof())
    except (UnreadableFile, NotAnAccountList) as unreadable:
        raise InvalidInput(_("{problem}; nothing imported").format(problem=explained(unreadable))) from unreadable
    if as_json:
        print_json(report.as_json())
    else:
        _print_account_report(report)
    if report.blocked:
        refused_only = all(p.rule for p in report.errors)
        error(
            _("nothing imported: {count} error(s); fix them and import the list again").format(count=len(report.errors))
        )
        raise typer.Exit(Exit.REFUSED if refused_only else Exit.INVALID_INPUT)


def _print_account_report(report: AccountImportReport) -> None:
    phrases = (
        ("file", _("{count} filed (开设备案)")),
        ("existing", _("{count} already in the registry")),
        ("closed", _("{count} closed (已注销), not filed")),
        ("other_unit", _("{count} of other units, left for their own import")),
    )
    if _print_summary(report, phrases) and any(o.then for o in report.outcomes):
        console.print(
            _("next: after review and publication, file 关停 for the accounts marked 已关停 (see the warnings)"),
            markup=False,
        )


def _print_report(report: ImportReport) -> None:
    phrases = (
        ("draft", _("{count} drafted")),
        ("revise", _("{count} revised")),
        ("adjust", _("{count} adjustment(s) proposed")),
        ("unchanged", _("{count} unchanged")),
        ("duplicate", _("{count} duplicate(s)")),
        ("skipped", _("{count} skipped")),
    )
    _print_summary(report, phrases)


def _print_summary(report: ImportReport | AccountImportReport, phrases: Sequence[tuple[str, str]]) -> bool:
    """An import's problems and what it did (`phrases`: each action's count, as a phrase); whether it wrote."""
    _print_problems(report.problems, report.file)
    counts = report.counts()
    done = listing(phrase.format(count=counts[action]) for action, phrase in phrases if counts[action])
    if report.blocked:
        console.print(_("{count} row(s) read; nothing imported").format(count=len(report.outcomes)), markup=False)
    elif report.dry_run:
        console.print(
            _("dry run, nothing written: would have {done}").format(done=done or _("nothing to do")), markup=False
        )
    elif report.written:
        console.print(
            _("imported {file}: {done} (log position {position})").format(
                file=report.file, done=done, position=report.position
            ),
            markup=False,
        )
        return True
    else:
        console.print(
            _("nothing new in {file}: {done}").format(file=report.file, done=done or _("no rows")), markup=False
        )
    return False


def _print_problems(problems: Sequence[Problem], file: str) -> None:
    if problems:
        console.print(
            grid(
                _("{count} problem(s) in {file}").format(count=len(problems), file=file),
                [_("where"), "", _("problem")],
                [
                    [
                        listing(render(part) for part in p.where) or _("file"),
                        _("error") if p.severity == "error" else _("warning"),
                        _message(p),
                    ]
                    for p in problems
                ],
            )
        )


def _message(problem: Problem) -> str:
    """The problem in the reader's language, with the rule that refused it when the message does not name it."""
    said = render(problem.text)
    return said if not problem.rule or str(problem.message).startswith("refused") else f"[{problem.rule}] {said}"


def _as_of(text: str, zone: tzinfo) -> datetime:
    """A day (the catalog at the end of that day) or an ISO time, both in the jurisdiction's time unless the time
    gives its offset: a clerk who writes 09:00 means 09:00 where they are."""
    try:
        return datetime.combine(date.fromisoformat(text), time.max, zone)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Usage(
            _("--as-of takes a date (2025-06-01) or a time (2025-06-01T09:30:00+08:00), not {text!r}").format(text=text)
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


@app.command(
    "export", help=_("Export the public catalog in the official layout: two-row header, √ ticks, a sheet per domain.")
)
def export_file(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help=_("the file to write"))],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=_("xlsx, csv, json or html (default: from the file name, else xlsx)")),
    ] = None,
    unit: Annotated[str | None, typer.Option(help=_("only this unit's catalog"))] = None,
    domain: Annotated[str | None, typer.Option(help=_("only this 领域"))] = None,
    level: Annotated[str | None, typer.Option(help=_("village (村级): the village lists, for a notice board"))] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help=_("the catalog as it was authoritative then: 2025-06-01 or a time"))
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            "--list",
            help=_("catalog, or accounts: the public list of new-media accounts (政务新媒体清单), .xlsx or .csv"),
        ),
    ] = "catalog",
    as_json: Annotated[bool, typer.Option("--json", help=_('print {"file", "format", "items", "tables"}'))] = False,
) -> None:
    if _list_kind(kind) == "accounts":
        if domain is not None or level is not None or as_of is not None:
            raise Usage(_("the account list is exported as it stands now: --domain, --level and --as-of do not apply"))
        _export_accounts(ctx, output, fmt, unit, as_json=as_json)
        return
    chosen = _format(fmt) if fmt else _format_of(output)
    if level is not None and level not in (Level.VILLAGE.value, Level.VILLAGE.label):
        raise Usage(_("--level takes village (村级): the village lists"))
    c = context(ctx)
    registry = c.registry()
    if unit:
        unit = unit_option(registry.profile, unit)
    if domain:
        from registry.items.rules import known_domain
        from registry.rules import RuleViolation

        try:
            domain = known_domain(registry.profile, domain)
        except RuleViolation as unknown:  # a misspelt filter says so, rather than exporting an empty catalog
            raise Usage(_("--domain: {problem}").format(problem=explained(unknown))) from None
    zone = ZoneInfo(registry.profile.timezone)
    selection = Selection(
        jurisdiction=registry.profile.jurisdiction,
        unit=unit,
        domain=domain,
        village=level is not None,
        as_of=_as_of(as_of, zone) if as_of else None,
        zone=zone,
    )
    with registry.store.reading() as conn:
        entries = public_entries(conn, selection)
    partial = output.with_name(output.name + ".partial")
    try:
        write_export(partial, chosen, entries, selection)
        partial.replace(output)
    except OSError as failure:
        partial.unlink(missing_ok=True)
        raise InvalidInput(
            _("{path}: cannot write ({reason})").format(path=output, reason=failure.strerror)
        ) from failure
    tables = len({e.domain for e in entries}) or 1
    if as_json:
        print_json({"file": str(output), "format": chosen, "items": len(entries), "tables": tables})
    else:
        console.print(
            _("exported {count} item(s) in {tables} table(s) to {path}").format(
                count=len(entries), tables=tables, path=output
            ),
            markup=False,
        )


def _export_accounts(ctx: typer.Context, output: Path, fmt: str | None, unit: str | None, *, as_json: bool) -> None:
    chosen = _account_format(fmt or (output.suffix.lower().removeprefix(".") if output.suffix else "xlsx"))
    registry = context(ctx).registry()
    if unit:
        unit = unit_option(registry.profile, unit)
    with registry.store.reading() as conn:
        accounts = public_accounts(conn, registry.profile, unit)
    title = list_title(registry.profile, datetime.now(ZoneInfo(registry.profile.timezone)).date(), unit)
    partial = output.with_name(output.name + ".partial")
    try:
        write_account_list(partial, chosen, accounts, title)
        partial.replace(output)
    except OSError as failure:
        partial.unlink(missing_ok=True)
        raise InvalidInput(
            _("{path}: cannot write ({reason})").format(path=output, reason=failure.strerror)
        ) from failure
    if as_json:
        print_json({"file": str(output), "format": chosen, "list": "accounts", "accounts": len(accounts)})
    else:
        console.print(
            _("exported {count} account(s) of the public list to {path}").format(count=len(accounts), path=output),
            markup=False,
        )


def _account_format(name: str) -> ExportFormat:
    for known in EXPORT_FORMATS:
        if known == name:
            return known
    raise Usage(
        _("the account list is exported as {formats}, not {name!r}").format(formats=listing(EXPORT_FORMATS), name=name)
    )


_SUFFIXES: dict[str, Format] = {".xlsx": "xlsx", ".csv": "csv", ".json": "json", ".html": "html", ".htm": "html"}


def _format_of(output: Path) -> Format:
    """The format a file name asks for: its suffix, or xlsx for a name without one. Any other suffix is refused:
    an xlsx named x.pdf opens in nothing."""
    if not output.suffix:
        return "xlsx"
    found = _SUFFIXES.get(output.suffix.lower())
    if found is None:
        raise Usage(
            _("cannot export to {name}: the supported formats are {suffixes} (or name one with --format)").format(
                name=output.name, suffixes=listing(_SUFFIXES)
            )
        )
    return found


def _format(name: str) -> Format:
    for known in FORMATS:
        if known == name:
            return known
    raise Usage(_("--format must be one of {formats}, not {name!r}").format(formats=listing(FORMATS), name=name))
