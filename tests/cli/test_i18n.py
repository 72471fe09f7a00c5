"""Every message people read has its Chinese: extracted from the sources as they are now, found translated in the
zh_CN catalog, and compiled into the committed .mo. A new string wrapped in _() or N_() without its translation
fails here: run `make messages`, translate what it leaves empty or fuzzy, and run it again (docs/cli.md#language).
"""

from __future__ import annotations

import ast
import gettext
import re
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


# -- nothing people read is left unwrapped ---------------------------------------------------------------------------

# Calls whose text people read: a string literal or an f-string given to them directly (not through _() or ngettext)
# would stay English under a Chinese locale.
PRINTING = {"print", "error", "echo", "secho", "prompt", "confirm", "Usage", "InvalidInput", "NotFound", "BadParameter"}
PRINTING_KEYWORDS = {"help", "title", "short_help", "epilog", "prompt"}
DECORATORS = {"command", "callback"}
# What may stay as it is, with why: (module, the literal text as written, or the f-string's literal parts joined).
ALLOWED = {
    ("app.py", "registry "): "the program's name and version (`registry 0.1.0`), as every program prints it",
}


def _literal_text(node: ast.expr) -> str | None:
    """The text of a literal written in the source (a string, an f-string's literal parts, `"…".format(…)`, a
    concatenation or either branch of `a if c else b` of those); None for anything computed, such as `_("…")`."""
    match node:
        case ast.Constant(value=str(text)):
            return text
        case ast.JoinedStr(values=values):
            return "".join(v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        case ast.Call(func=ast.Attribute(value=value, attr="format")):
            return _literal_text(value)
        case ast.BinOp(left=left, right=right, op=ast.Add()):
            return (_literal_text(left) or "") + (_literal_text(right) or "") or None
        case ast.IfExp(body=body, orelse=orelse):
            return (_literal_text(body) or "") + (_literal_text(orelse) or "") or None
    return None


def _is_prose(text: str) -> bool:
    """A word people read, as opposed to a symbol (—, √), a separator or a bare placeholder."""
    return re.search(r"[A-Za-z]{2,}", re.sub(r"\{[^}]*\}", "", text)) is not None


def _name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def unwrapped(source: Path) -> list[str]:
    """`file:line: text` of every English text in `source` that is given to a printing or error call unwrapped, and
    of every command whose help is its docstring (help=_() is translated, a docstring is not)."""
    found: list[str] = []

    def report(node: ast.AST, text: str) -> None:
        if _is_prose(text) and (source.name, text) not in ALLOWED:
            found.append(f"{source.name}:{getattr(node, 'lineno', '?')}: {text!r}")

    for node in ast.walk(ast.parse(source.read_text("utf-8"))):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            arguments = [*node.args] if name in PRINTING or name == "grid" else []
            arguments += [k.value for k in node.keywords if k.arg in PRINTING_KEYWORDS]
            for argument in arguments:
                for part in argument.elts if isinstance(argument, ast.List) else [argument]:  # grid's columns
                    text = _literal_text(part)
                    if text is not None:
                        report(part, text)
        elif isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and _name(decorator.func) in DECORATORS
                    and not any(k.arg == "help" for k in decorator.keywords)
                    and ast.get_docstring(node)
                ):
                    report(decorator, f"the help of {node.name} is its docstring: give help=_(…)")
    return sorted(found, key=lambda entry: int(entry.split(":")[1]))


@pytest.mark.parametrize("source", sorted((ROOT / "cli").glob("*.py")), ids=lambda path: path.name)
def test_no_english_text_reaches_people_unwrapped(source: Path) -> None:
    assert unwrapped(source) == []


def test_the_guard_finds_an_unwrapped_message(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        'console.print(f"imported {count} rows")\n'
        'raise Usage("give --as")\n'
        'grid(_("ok"), ["when", "—"], [])\n'
        'error(_("wrapped {x}").format(x=1))\n'
        'typer.Option("--json", help="print JSON")\n'
        '@app.command()\ndef go():\n    """Go somewhere."""\n',
        "utf-8",
    )

    assert [line.split(": ", 1)[1] for line in unwrapped(source)] == [
        "'imported  rows'",
        "'give --as'",
        "'when'",
        "'print JSON'",
        "'the help of go is its docstring: give help=_(…)'",
    ]
