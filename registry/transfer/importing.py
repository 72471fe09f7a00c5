"""The import use case: the rows of a catalog file become drafts, revisions or adjustment proposals, all or nothing.

Each row is matched to the unit's items by its names (一级/二级/三级事项): an unknown row drafts a new item (an id
derived from the unit and the names, so a repeated import finds it again); a row that says what the item already
says records nothing; a changed row revises a draft, or proposes an adjustment (变更) of a published item. An import
never submits or publishes: imported items go through review like any other.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlalchemy import Connection

from events.elements import ItemElements
from events.message import N_, Message
from projections.catalog_index import IndexedItem, existing_ids, unit_items
from registry.actor import Actor, Proof
from registry.items.command import AdjustItem, DraftItem, ItemCommand, ReviseItem
from registry.items.rules import (
    known_domain,
    require_drafter_of,
    require_lawful_time_limit,
    require_named_group,
    require_portal,
)
from registry.items.state import Status
from registry.rules import Rule, RuleViolation, unknown_unit
from registry.service import Registry, now
from registry.transfer import spreadsheet
from registry.transfer.catalog_table import Catalog, CatalogRow, Problem, key, read_document, read_sheets

IMPORT_TRIGGER = "其他：导入更新"
ID_PREFIX = "imp-"
Action = Literal["draft", "revise", "adjust", "unchanged", "duplicate", "invalid", "skipped"]
ACTIONS: tuple[Action, ...] = ("draft", "revise", "adjust", "unchanged", "duplicate", "invalid", "skipped")
_ENUMERATOR = re.compile(r"^\s*([一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．])\s*")


class Progress(Protocol):
    """Where a long import tells how far it is (`description`: str() is its English)."""

    def phase(self, description: Message, total: int | None) -> None: ...

    def advance(self, count: int = 1) -> None: ...


class _Silent:
    def phase(self, description: Message, total: int | None) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass


@dataclass(frozen=True)
class Outcome:
    """What the import did (or would do) with one row."""

    sheet: str
    row: int
    title: str
    item_id: str | None
    action: Action

    def as_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet or None,
            "row": self.row,
            "item_id": self.item_id,
            "title": self.title,
            "action": self.action,
        }


@dataclass
class ImportReport:
    file: str
    unit: str
    dry_run: bool
    skip_invalid: bool
    written: bool = False
    position: int = 0  # the log's head after the import
    problems: list[Problem] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def blocked(self) -> bool:
        """Errors stopped the import (nothing was or would be written)."""
        return bool(self.errors) and not self.skip_invalid

    def counts(self) -> dict[str, int]:
        found = Counter(o.action for o in self.outcomes)
        return {action: found.get(action, 0) for action in ACTIONS}

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "unit": self.unit,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows": len(self.outcomes),
            "counts": self.counts(),
            "position": self.position,
            "problems": [p.as_json() for p in self.problems],
            "items": [o.as_json() for o in self.outcomes],
        }


def read_catalog(path: Path) -> Catalog:
    """The catalog rows of a file. Raises spreadsheet.UnreadableFile or catalog_table.NotACatalog."""
    data = spreadsheet.read_bytes(path)
    kind = spreadsheet.format_of(path, data)
    if kind == "json":
        return read_document(spreadsheet.read_json(path, data))
    return read_sheets(spreadsheet.read_sheets(path, data, kind))


Identity = tuple[str, str, str]


def identity(elements: ItemElements) -> Identity:
    """What names an item within its unit: 一级, 二级 and 三级事项, compared without spacing or width differences."""
    return key(elements.category), key(elements.name), key(elements.subname)


def derived_id(unit: str, names: Identity) -> str:
    """A new item's id from its unit and names: the same row imported again finds the same item."""
    digest = hashlib.sha256("\x1f".join((unit, *names)).encode()).hexdigest()
    return ID_PREFIX + digest[:12]


@dataclass
class _Plan:
    row: CatalogRow
    outcome: Outcome
    command: ItemCommand | None = None
    result: ItemElements | None = None  # the elements the row leads to


def import_catalog(
    registry: Registry,
    path: Path,
    *,
    unit: str,
    actor: Actor,
    domain: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    at: datetime | None = None,
    progress: Progress | None = None,
    proof: Proof | None = None,
) -> ImportReport:
    """Import the catalog in `path` into `unit`'s items, acting as `actor` (proven as `proof` says).

    Raises UnreadableFile or NotACatalog for a file that cannot be read, RuleViolation for an unknown unit.
    Problems of rows (and rules that refuse them) are in the report; with any error nothing is written unless
    `skip_invalid`, which leaves those rows out.
    """
    progress = progress or _Silent()
    owner = registry.profile.unit(unit)
    if owner is None:
        raise RuleViolation(Rule.DRAFTING_UNIT, unknown_unit(registry.profile, unit))
    require_drafter_of(actor, owner.name)  # before anything is read: a report names the unit's items by their rows
    forced = None
    if domain:
        known_domain(registry.profile, domain)  # refuses a misspelt --domain before anything is read
        forced = domain.strip()
    progress.phase(Message(N_("reading {file}"), file=path.name), None)
    catalog = read_catalog(path)
    report = ImportReport(file=path.name, unit=owner.name, dry_run=dry_run, skip_invalid=skip_invalid)
    report.problems.extend(catalog.problems)
    importer = _Importer(registry, owner.name, actor, forced, path.name, at or now())
    plans = importer.plan(catalog, report)

    progress.phase(Message(N_("checking rows")), len(plans))
    to_check = [p for p in plans if p.command is not None]
    refusals = registry.check_all([p.command for p in to_check if p.command], progress=progress.advance)
    for plan, refusal in zip(to_check, refusals, strict=True):
        if refusal is not None:
            _refuse(plan, refusal, report)
        else:
            _advise(plan, report)
    order = {row.sheet: index for index, row in reversed(list(enumerate(catalog.rows)))}
    report.problems.sort(key=lambda p: (order.get(p.sheet, -1), p.row or 0))
    if skip_invalid:
        for plan in plans:
            if plan.outcome.action == "invalid":
                plan.outcome = _replace(plan.outcome, action="skipped")
    report.outcomes = [p.outcome for p in plans]
    report.position = registry.store.head()[0]
    if report.blocked or dry_run:
        return report

    chosen = [p for p in plans if p.command is not None and p.outcome.action not in ("invalid", "skipped")]
    if chosen:
        progress.phase(Message(N_("importing {count} row(s)"), count=len(chosen)), len(chosen))
        receipts = registry.execute_all(
            [p.command for p in chosen if p.command],
            sources=[importer.source(p.row) for p in chosen],
            correlation_id=f"import:{uuid.uuid4()}",
            progress=progress.advance,
            proof=proof,
        )
        report.written = True
        report.position = receipts[-1].position
    return report


def _replace(outcome: Outcome, *, action: Action, item_id: str | None = None) -> Outcome:
    return Outcome(outcome.sheet, outcome.row, outcome.title, item_id or outcome.item_id, action)


def _refuse(plan: _Plan, refusal: RuleViolation, report: ImportReport) -> None:
    row = plan.row
    problem = Problem("error", _refused(refusal), row.sheet, row.row, rule=refusal.rule.code)
    report.problems.append(problem)
    plan.outcome = _replace(plan.outcome, action="invalid")


def _refused(refusal: RuleViolation) -> Message:
    """`str(refusal)` (refused [RULE]: …) as a message for the reader's language."""
    return Message(N_("refused [{rule}]: {message}"), rule=refusal.rule.code, message=refusal.text)


def _advise(plan: _Plan, report: ImportReport) -> None:
    """Warn of what review will refuse later: the imported draft is recorded, but cannot be submitted as it is."""
    elements, row = plan.result, plan.row
    if elements is None:
        return
    checks: list[tuple[str, Callable[[ItemElements], None]]] = [
        ("time_limit", require_lawful_time_limit),
        ("channels", require_portal),
        ("audience", require_named_group),
    ]
    for element, check in checks:
        if element not in row.fields:
            continue
        try:
            check(elements)
        except RuleViolation as refusal:
            report.problems.append(
                Problem(
                    "warning",
                    Message(N_("{message} (submission will be refused until this is fixed)"), message=refusal.text),
                    row.sheet,
                    row.row,
                    column=row.letter(element),
                    field=element,
                    rule=refusal.rule.code,
                )
            )


class _Importer:
    def __init__(self, registry: Registry, unit: str, actor: Actor, domain: str | None, file: str, at: datetime):
        self.registry, self.unit, self.actor, self.domain, self.file, self.at = registry, unit, actor, domain, file, at

    def source(self, row: CatalogRow) -> str:
        where = f"[{row.sheet}] " if row.sheet else ""
        return f"{self.file} {where}row {row.row}"

    def plan(self, catalog: Catalog, report: ImportReport) -> list[_Plan]:
        with self.registry.store.reading() as conn:
            indexed = unit_items(conn, self.unit)
            index: dict[Identity, list[IndexedItem]] = {}
            for item in indexed:
                for known in {identity(e) for e in (item.pending, item.published) if e is not None}:
                    index.setdefault(known, []).append(item)
            new_ids = self._new_ids(conn, catalog, index)
        plans: list[_Plan] = []
        seen: dict[Identity, _Plan] = {}
        for row in catalog.rows:
            report.problems.extend(row.problems)
            title = row.elements.title if row.elements else ""
            outcome = Outcome(row.sheet, row.row, title, None, "invalid")
            plan = _Plan(row, outcome)
            plans.append(plan)
            if row.elements is None:
                continue
            named = self.registry.profile.unit(row.unit) if row.unit else None
            if row.unit and (named.name if named else row.unit) != self.unit:
                report.problems.append(
                    Problem(
                        "error",
                        Message(
                            N_("the item belongs to {unit}, not {importing} (import it with --unit {unit})"),
                            unit=row.unit,
                            importing=self.unit,
                        ),
                        row.sheet,
                        row.row,
                    )
                )
                continue
            if self.domain is None and row.domain and not self._known_domain(row, report):
                continue
            names = identity(row.elements)
            if names in seen:
                self._duplicate(plan, seen[names], report)
                continue
            seen[names] = plan
            matches = index.get(names, [])
            if len(matches) > 1:
                ids = ", ".join(m.item_id for m in matches)
                report.problems.append(
                    Problem(
                        "error",
                        Message(N_("the names match more than one item ({ids}); change them there"), ids=ids),
                        row.sheet,
                        row.row,
                    )
                )
                continue
            if matches:
                self._update(plan, matches[0])
            else:
                item_id = new_ids[names]
                plan.command = DraftItem(
                    item_id=item_id,
                    actor=self.actor,
                    at=self.at,
                    domain=self._domain_of(row),
                    unit=self.unit,
                    elements=row.elements,
                )
                plan.result = row.elements
                plan.outcome = _replace(outcome, action="draft", item_id=item_id)
        return plans

    def _duplicate(self, plan: _Plan, first: _Plan, report: ImportReport) -> None:
        row, earlier = plan.row, first.row
        assert row.elements is not None and earlier.elements is not None
        place = (
            Message(N_("{sheet} row {row}"), sheet=earlier.sheet, row=earlier.row)
            if earlier.sheet
            else Message(N_("row {row}"), row=earlier.row)
        )
        if _same(row.elements, earlier.elements, row.fields | earlier.fields):
            duplicate = Message(N_("the same item as {place}; skipped"), place=place)
            report.problems.append(Problem("warning", duplicate, row.sheet, row.row))
            plan.outcome = _replace(plan.outcome, action="duplicate", item_id=first.outcome.item_id)
        else:
            report.problems.append(
                Problem(
                    "error",
                    Message(
                        N_("the same 一级/二级/三级事项 as {place}, with other elements: one item per row"), place=place
                    ),
                    row.sheet,
                    row.row,
                )
            )

    def _update(self, plan: _Plan, item: IndexedItem) -> None:
        """A row of an item that exists: nothing if it says what the item says, else a revision or adjustment."""
        row = plan.row
        assert row.elements is not None
        outcome = _replace(plan.outcome, action="unchanged", item_id=item.item_id)
        plan.outcome = outcome
        for current in (item.pending, item.published):
            if current is not None and _same(row.elements, current, row.fields):
                return
        base = item.pending if item.pending is not None else item.published
        assert base is not None
        changed = frozenset(f for f in row.fields if getattr(row.elements, f) != getattr(base, f))
        plan.result = base.model_copy(update={f: getattr(row.elements, f) for f in changed})
        if item.status == Status.PUBLISHED:
            plan.command = AdjustItem(
                item_id=item.item_id,
                actor=self.actor,
                at=self.at,
                trigger=IMPORT_TRIGGER,
                reason=f"导入 {self.source(row)}",
                elements=row.elements,
                fields=changed,
            )
            plan.outcome = _replace(outcome, action="adjust")
        else:
            # A draft is revised; an item in review is refused by the rules, and the report says so.
            plan.command = ReviseItem(
                item_id=item.item_id, actor=self.actor, at=self.at, elements=row.elements, fields=changed
            )
            plan.outcome = _replace(outcome, action="revise")

    def _new_ids(
        self, conn: Connection, catalog: Catalog, index: dict[Identity, list[IndexedItem]]
    ) -> dict[Identity, str]:
        """Ids for the rows that name no item: derived from unit and names; suffixed if a retired item has it."""
        wanted = {
            names: derived_id(self.unit, names)
            for row in catalog.rows
            if row.elements is not None and (names := identity(row.elements)) not in index
        }
        taken = existing_ids(conn, list(wanted.values()))
        for names, item_id in wanted.items():
            if item_id in taken:
                candidates = [f"{item_id}-{n}" for n in range(2, 50)]
                used = existing_ids(conn, candidates)
                wanted[names] = next(c for c in candidates if c not in used)
        return wanted

    def _domain_of(self, row: CatalogRow) -> str:
        if self.domain is not None:
            return self.domain
        if row.domain:
            return row.domain.strip()  # as the file says it: drafting records the domain it names
        for hint in row.domain_hints:
            found = self._domain_in(hint)
            if found:
                return found
        return ""

    def _known_domain(self, row: CatalogRow, report: ImportReport) -> bool:
        """Whether the row's 领域 cell names a domain (see rules.known_domain); if not, the report says where."""
        try:
            known_domain(self.registry.profile, row.domain)
        except RuleViolation as refusal:
            report.problems.append(
                Problem(
                    "error",
                    _refused(refusal),
                    row.sheet,
                    row.row,
                    column=row.domain_column,
                    field="domain",
                    rule=refusal.rule.code,
                )
            )
            return False
        return True

    def _domain_in(self, text: str) -> str | None:
        """The profile's domain named by a title, a section row or a sheet: 财政预决算, 一、财政预决算, …预决算领域…."""
        known = self.registry.profile.domain(_ENUMERATOR.sub("", text))
        if known:
            return known.name
        best: tuple[int, str] | None = None
        for candidate in re.findall(r"(\S+?)领域", text):
            for domain in self.registry.profile.domains:
                for name in (domain.name, *domain.aliases):
                    if candidate.endswith(name) and (best is None or len(name) > best[0]):
                        best = (len(name), domain.name)
        return best[1] if best else None


def _same(a: ItemElements, b: ItemElements, fields: frozenset[str]) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in fields)
