"""Export: the public catalog in the official layout, as .xlsx (a sheet per domain), .csv, .json or printable .html.

Only authoritative published versions are exported (now, or as they stood at a given time); drafts and pending
versions never are. Every format re-imports to the same items.
"""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from events.elements import Level
from events.envelope import format_time
from projections.public_query import CatalogFilter, PublishedEntry, catalog_page
from registry.transfer.catalog_layout import Header, category_runs, header, row, title

Format = Literal["xlsx", "csv", "json", "html"]
FORMATS: tuple[Format, ...] = ("xlsx", "csv", "json", "html")
NO_DOMAIN = "未分领域"
CHINA = ZoneInfo("Asia/Shanghai")
_PAGE = 1000


@dataclass(frozen=True)
class Selection:
    """What to export: a unit's or a domain's catalog (or all), the village list, at a time (or now)."""

    jurisdiction: str
    unit: str | None = None
    domain: str | None = None
    village: bool = False
    as_of: datetime | None = None
    zone: tzinfo = CHINA  # the jurisdiction's: the title's date is a local day

    @property
    def day(self) -> date:
        return (self.as_of or datetime.now(UTC)).astimezone(self.zone).date()

    def title(self, domain: str | None) -> str:
        """The catalog's official title for `domain` (or the selection's own)."""
        return title(self.jurisdiction, self.unit, domain, self.village, self.day, self.as_of is not None)


@dataclass(frozen=True)
class _Table:
    domain: str
    title: str
    subnames: bool
    rows: list[list[str]]
    entries: list[PublishedEntry]


def public_entries(conn: Connection, selection: Selection) -> list[PublishedEntry]:
    """The selected catalog, ordered by domain, then 一级/二级/三级事项 (keyset pages read in SQL)."""
    flt = CatalogFilter(
        domain=selection.domain, unit=selection.unit, level=Level.VILLAGE.value if selection.village else None
    )
    entries: list[PublishedEntry] = []
    after: str | None = None
    while True:
        page = catalog_page(conn, flt, selection.as_of, _PAGE, after)
        entries.extend(PublishedEntry.from_row(r) for r in page.rows)
        if not page.has_next or not page.rows:
            break
        after = str(page.rows[-1]["item_id"])
    return sorted(entries, key=_order)


def _order(entry: PublishedEntry) -> tuple[bool, str, str, str, str, str]:
    e = entry.elements
    # Items without a 一级事项 first: below a row that has one, an empty 一级事项 cell means "the same".
    return (not entry.domain, entry.domain, e.category, e.name, e.subname, entry.item_id)


def _tables(entries: Sequence[PublishedEntry], selection: Selection) -> list[_Table]:
    groups: dict[str, list[PublishedEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.domain, []).append(entry)
    if not groups:
        groups[selection.domain or ""] = []
    tables = []
    for domain, members in groups.items():
        subnames = any(e.elements.subname for e in members)
        rows = [row(number, e.elements, subnames) for number, e in enumerate(members, start=1)]
        tables.append(_Table(domain, selection.title(domain), subnames, rows, members))
    return tables


def write_export(path: Path, fmt: Format, entries: Sequence[PublishedEntry], selection: Selection) -> None:
    """Write `entries` to `path` in `fmt`."""
    tables = _tables(entries, selection)
    match fmt:
        case "xlsx":
            _xlsx(path, tables)
        case "csv":
            _csv(path, tables)
        case "html":
            path.write_text(_html(tables, selection), encoding="utf-8")
        case "json":
            path.write_text(json.dumps(_document(entries, selection), ensure_ascii=False, indent=2) + "\n", "utf-8")


def _document(entries: Sequence[PublishedEntry], selection: Selection) -> dict[str, Any]:
    heading = selection.title(selection.domain)
    return {
        "title": heading,
        "jurisdiction": selection.jurisdiction,
        "unit": selection.unit,
        "domain": selection.domain,
        "level": Level.VILLAGE.value if selection.village else None,
        "as_of": format_time(selection.as_of) if selection.as_of else None,
        "date": selection.day.isoformat(),
        "items": [
            {
                "item_id": e.item_id,
                "version": e.version,
                "domain": e.domain,
                "unit": e.unit,
                "published_at": e.published_at,
                "approval_reference": e.approval_reference,
                "elements": e.elements.as_json(),
            }
            for e in entries
        ],
    }


def _csv(path: Path, tables: list[_Table]) -> None:
    # UTF-8 with a BOM: Excel on Chinese Windows opens it without asking for an encoding.
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        for index, table in enumerate(tables):
            if index:
                writer.writerow([])
            layout = header(table.subnames)
            writer.writerow([table.title])
            writer.writerow(layout.top)
            writer.writerow(layout.sub)
            writer.writerows(table.rows)


_WIDTHS = {"序号": 6, "公开内容（要素）": 40, "公开依据": 36, "公开时限": 22, "公开主体": 14, "公开渠道和载体": 18}


def _xlsx(path: Path, tables: list[_Table]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    used: set[str] = set()
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    centred = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for table in tables:
        layout = header(table.subnames)
        sheet = book.create_sheet(_sheet_name(table.domain, used))
        sheet.append([table.title])
        sheet.append(list(layout.top))
        sheet.append(list(layout.sub))
        for cells in table.rows:
            sheet.append(cells)
        sheet.merge_cells(start_row=1, end_row=1, start_column=1, end_column=layout.width)
        for merge in layout.merges:
            sheet.merge_cells(
                start_row=merge.top + 2,
                end_row=merge.bottom + 2,
                start_column=merge.left + 1,
                end_column=merge.right + 1,
            )
        for first, last in category_runs(table.rows):
            sheet.merge_cells(start_row=first + 4, end_row=last + 4, start_column=2, end_column=2)
        sheet["A1"].font = Font(bold=True, size=14)
        sheet["A1"].alignment = centred
        ticks = _tick_columns(layout)
        for line in sheet.iter_rows(min_row=2, max_row=len(table.rows) + 3, max_col=layout.width):
            for cell in line:
                cell.border = border
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # openpyxl makes "=..." a formula: an element's text must stay text
                column = int(cell.column or 1) - 1
                cell.alignment = centred if int(cell.row or 0) <= 3 or column in ticks or column == 0 else wrap
                if int(cell.row or 0) <= 3:
                    cell.font = Font(bold=True)
        for index, label in enumerate(layout.top):
            width = _WIDTHS.get(label, 6 if index in ticks else 14)
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.freeze_panes = "A4"
        sheet.print_title_rows = "2:3"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    book.save(path)


def _tick_columns(layout: Header) -> set[int]:
    first = layout.top.index("公开对象")
    return set(range(first, layout.width))


def _sheet_name(domain: str, used: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    name = "".join(ch for ch in (domain or NO_DOMAIN) if ch not in "[]:*?/\\")[:31] or NO_DOMAIN
    candidate, number = name, 2
    while candidate in used:
        suffix = f"({number})"
        candidate, number = name[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate)
    return candidate


_STYLE = """
body { font-family: "SimSun", "Songti SC", serif; margin: 1.5em; }
h1, h2 { text-align: center; font-size: 1.3em; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2em; font-size: 0.9em; }
th, td { border: 1px solid #000; padding: 0.3em 0.4em; vertical-align: middle; }
th { font-weight: bold; text-align: center; }
td.tick, td.number { text-align: center; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
@page { size: A4 landscape; margin: 1.2cm; }
"""


def _html(tables: list[_Table], selection: Selection) -> str:
    heading = selection.title(selection.domain)
    parts = [
        "<!doctype html>",
        '<html lang="zh-CN">',
        f'<head><meta charset="utf-8"><title>{html.escape(heading)}</title><style>{_STYLE}</style></head>',
        "<body>",
    ]
    for table in tables:
        parts.append(f"<h2>{html.escape(table.title)}</h2>")
        parts.extend(_html_table(table))
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _html_table(table: _Table) -> Iterator[str]:
    layout = header(table.subnames)
    ticks = _tick_columns(layout)
    yield "<table>"
    yield "<thead>"
    for line in (0, 1):
        headings = [
            (m.left, _th(layout.top[m.left], m.bottom - m.top + 1, m.right - m.left + 1))
            for m in layout.merges
            if m.top == line
        ]
        if line == 1:
            headings += [(i, _th(label)) for i, label in enumerate(layout.sub) if label]
        yield "<tr>" + "".join(cell for _, cell in sorted(headings)) + "</tr>"
    yield "</thead>"
    yield "<tbody>"
    spans = {first: last - first + 1 for first, last in category_runs(table.rows)}
    covered = {index for first, last in category_runs(table.rows) for index in range(first + 1, last + 1)}
    for index, cells in enumerate(table.rows):
        out: list[str] = []
        for column, value in enumerate(cells):
            if column == 1 and index in covered:
                continue
            span = f' rowspan="{spans[index]}"' if column == 1 and index in spans else ""
            kind = ' class="tick"' if column in ticks else ' class="number"' if column == 0 else ""
            out.append(f"<td{kind}{span}>{_text(value)}</td>")
        yield "<tr>" + "".join(out) + "</tr>"
    yield "</tbody>"
    yield "</table>"


def _th(label: str, rowspan: int = 1, colspan: int = 1) -> str:
    spans = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    return f"<th{spans}>{html.escape(label)}</th>"


def _text(value: str) -> str:
    return "<br>".join(html.escape(line) for line in value.split("\n"))
