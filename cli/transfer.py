"""`registry import` and `registry export`: catalogs in the official table layout, in and out."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from cli.app import app
from cli.context import Exit, InvalidInput, Usage, cli_proof, context
from cli.output import console, error, errors, grid, print_json
from events.elements import Level
from registry.catalog_table import NotACatalog
from registry.exporting import FORMATS, Format, Selection, public_entries, write_export
from registry.importing import ImportReport, import_catalog
from registry.spreadsheet import UnreadableFile

Json = Annotated[bool, typer.Option("--json", help="print the report as JSON (shape in docs/cli.md)")]


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

    def phase(self, description: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(description, total=total)

    def advance(self, count: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, count)


@app.command("import")
def import_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help=".xlsx, .xls, .csv (UTF-8 or GB18030), .html, or a .json export")],
    unit: Annotated[str, typer.Option(help="the unit whose catalog this is, e.g. 财政局")],
    domain: Annotated[
        str | None, typer.Option(help="领域 of every row (default: the file's title, section rows or sheet names)")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check and report; write nothing")] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="import the valid rows and list the invalid ones as skipped")
    ] = False,
    acting: Annotated[str | None, typer.Option("--as", help="who is importing (a drafter of the unit)")] = None,
    as_json: Json = False,
) -> None:
    """Import a catalog table: new rows become drafts, changed rows revisions or adjustments. All or nothing."""
    c = context(ctx)
    actor_id = acting or c.actor_id
    if not actor_id:
        raise Usage("say who you are: --as ACTOR (or set REGISTRY_ACTOR)")
    registry = c.registry()
    actor = registry.actor(actor_id)
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
        raise InvalidInput(f"{unreadable}; nothing imported") from unreadable
    if as_json:
        print_json(report.as_json())
    else:
        _print_report(report)
    if report.blocked:
        refused_only = all(p.rule for p in report.errors)
        error(f"nothing imported: {len(report.errors)} error(s); fix them, or use --skip-invalid")
        raise typer.Exit(Exit.REFUSED if refused_only else Exit.INVALID_INPUT)


def _print_report(report: ImportReport) -> None:
    if report.problems:
        console.print(
            grid(
                f"{len(report.problems)} problem(s) in {report.file}",
                ["where", "", "problem"],
                [
                    [p.place or "file", "error" if p.severity == "error" else "warning", _message(p.message, p.rule)]
                    for p in report.problems
                ],
            )
        )
    counts = report.counts()
    done = ", ".join(
        f"{counts[action]} {word}"
        for action, word in (
            ("draft", "drafted"),
            ("revise", "revised"),
            ("adjust", "adjustment(s) proposed"),
            ("unchanged", "unchanged"),
            ("duplicate", "duplicate(s)"),
            ("skipped", "skipped"),
        )
        if counts[action]
    )
    if report.blocked:
        console.print(f"{len(report.outcomes)} row(s) read; nothing imported", markup=False)
    elif report.dry_run:
        console.print(f"dry run, nothing written: would have {done or 'nothing to do'}", markup=False)
    elif report.written:
        console.print(f"imported {report.file}: {done} (log position {report.position})", markup=False)
    else:
        console.print(f"nothing new in {report.file}: {done or 'no rows'}", markup=False)


def _message(message: str, rule: str) -> str:
    return message if not rule or message.startswith("refused") else f"[{rule}] {message}"


def _as_of(text: str, zone: tzinfo) -> datetime:
    """A day (the catalog at the end of that day, the jurisdiction's time) or an ISO time (UTC unless it says)."""
    try:
        return datetime.combine(date.fromisoformat(text), time.max, zone)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Usage(f"--as-of takes a date (2025-06-01) or a time (2025-06-01T09:30:00+08:00), not {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command("export")
def export_file(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="the file to write")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="xlsx, csv, json or html (default: from the file name, else xlsx)")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="only this unit's catalog")] = None,
    domain: Annotated[str | None, typer.Option(help="only this 领域")] = None,
    level: Annotated[str | None, typer.Option(help="village (村级): the village lists, for a notice board")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="the catalog as it was authoritative then: 2025-06-01 or a time")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help='print {"file", "format", "items", "tables"}')] = False,
) -> None:
    """Export the public catalog in the official layout: two-row header, √ ticks, a sheet per domain."""
    chosen = _format(fmt) if fmt else _SUFFIXES.get(output.suffix.lower(), "xlsx")
    if level is not None and level not in (Level.VILLAGE.value, Level.VILLAGE.label):
        raise Usage("--level takes village (村级): the village lists")
    c = context(ctx)
    registry = c.registry()
    if unit:
        found = registry.profile.unit(unit)
        if found is None:
            raise Usage(f"unknown unit {unit!r}: the jurisdiction profile has no such unit")
        unit = found.name
    if domain:
        known = registry.profile.domain(domain)
        domain = known.name if known else domain.strip()
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
        raise InvalidInput(f"{output}: cannot write ({failure.strerror})") from failure
    tables = len({e.domain for e in entries}) or 1
    if as_json:
        print_json({"file": str(output), "format": chosen, "items": len(entries), "tables": tables})
    else:
        console.print(f"exported {len(entries)} item(s) in {tables} table(s) to {output}", markup=False)


_SUFFIXES: dict[str, Format] = {".xlsx": "xlsx", ".csv": "csv", ".json": "json", ".html": "html", ".htm": "html"}


def _format(name: str) -> Format:
    for known in FORMATS:
        if known == name:
            return known
    raise Usage(f"--format must be one of {', '.join(FORMATS)}, not {name!r}")
