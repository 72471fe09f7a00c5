"""Every message people read has its Chinese: extracted from the sources as they are now, found translated in the
zh_CN catalog, and compiled into the committed .mo. A new string wrapped in _() or N_() without its translation
fails here: run `make messages`, translate what it leaves empty or fuzzy, and run it again (docs/cli.md#language).
"""

from __future__ import annotations

import gettext
import string
from pathlib import Path

import pytest
import typer
from babel.messages import frontend
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "cli" / "locale" / "zh_CN" / "LC_MESSAGES" / "registry.po"
COMPILED = CATALOG.with_suffix(".mo")
# As the Makefile's `messages` target extracts them: our packages, and Typer's own texts ("Options", "Commands" ...).
SOURCES = [ROOT / "cli", ROOT / "registry", ROOT / "events", Path(typer.__file__).parent]


def extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as config:
        # parse_mapping_cfg since Babel 2.15; parse_mapping before it
        parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
        method_map, options_map = parse(config)
    found: set[str] = set()
    for source in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(source, method_map, options_map):
            found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def catalog() -> Catalog:
    with CATALOG.open("rb") as po:
        return read_po(po, locale="zh_CN")


def fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


def test_every_message_in_the_sources_is_in_the_chinese_catalog() -> None:
    known = {message.id for message in catalog() if isinstance(message.id, str)}

    assert sorted(extracted() - known) == []


def test_every_message_of_the_chinese_catalog_is_translated_and_not_fuzzy() -> None:
    wanted = extracted()
    messages = [message for message in catalog() if message.id in wanted]

    assert [message.id for message in messages if not message.string] == []
    assert [message.id for message in messages if message.fuzzy] == []


def test_a_translation_fills_in_the_same_fields_as_its_english() -> None:
    pairs = [(m.id, m.string) for m in catalog() if isinstance(m.id, str) and m.id and isinstance(m.string, str)]

    assert [english for english, chinese in pairs if chinese and fields(chinese) != fields(english)] == []


def test_the_compiled_catalog_is_the_translated_one() -> None:
    with COMPILED.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    translated = {m.id: m.string for m in catalog() if isinstance(m.id, str) and m.id and m.string and not m.fuzzy}

    assert {message: compiled.gettext(message) for message in translated} == translated


@pytest.mark.parametrize("path", [CATALOG, COMPILED])
def test_the_catalogs_are_installed_with_the_package(path: Path) -> None:
    package_data = (ROOT / "pyproject.toml").read_text("utf-8")

    assert f'"locale/*/LC_MESSAGES/{path.name}"' in package_data
