"""Dependencies point inward: the pure domain needs only stdlib, pydantic and orjson; nothing imports api or cli."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# decide/evolve, the rules, the commands and state, and the event vocabulary with its codec.
PURE = (
    "registry/rules.py",  # the rules every aggregate shares: their names, the refusal, the review path's roles
    "registry/actor.py",
    "registry/admin.py",  # the admin's acts of no aggregate: actors, credentials, the signing key
    "registry/commands.py",  # what every aggregate's commands share
    "registry/calendar.py",
    "registry/items/decider.py",
    "registry/items/rules.py",
    "registry/items/command.py",
    "registry/items/state.py",
    "registry/items/worklist.py",  # who may act on what: the step an item waits for
    "registry/accounts/decider.py",
    "registry/accounts/rules.py",
    "registry/accounts/command.py",
    "registry/accounts/state.py",
    "registry/supervision/deadline.py",  # the step deadlines, in working days
    "registry/push/webhook.py",  # webhook subscriptions' acts, retries and signature: hmac and base64 are stdlib
    "events/event.py",
    "events/status.py",
    "events/elements.py",
    "events/account.py",
    "events/codec.py",
    "events/message.py",  # messages for people: a template and its arguments, translated at the edge
    "events/chain.py",  # the canonical form and the hash of a row: stdlib and orjson (`registry history` imports it)
)
# The jurisdiction profile is data the rules read; it is held to the same standard as the modules that use it.
PURE_DATA = ("registry/profile.py",)
PURE_MODULES = {path.removesuffix(".py").replace("/", ".") for path in PURE + PURE_DATA}
# orjson: JSON text in and out (the codec's fast path for stored payloads), no I/O.
THIRD_PARTY_ALLOWED = {"pydantic", "pydantic_core", "typing_extensions", "orjson"}
INNER_PACKAGES = ("registry", "events", "projections")
EDGES = {"api", "cli"}
HEAVY = {"sqlalchemy", "alembic", "typer", "click", "rich", "graphene", "psycopg", "api", "cli", "projections"}


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at any depth of the file (functions and TYPE_CHECKING blocks included)."""
    package = path.relative_to(ROOT).parent.parts
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            # `from events import codec` imports the module events.codec.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def allowed_in_pure_code(module: str) -> bool:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__" or top in THIRD_PARTY_ALLOWED:
        return True
    if module in PURE_MODULES:
        return True
    # `from registry.items.decider import decide` also lists registry.items.decider.decide: a name inside a pure module.
    return module.rsplit(".", 1)[0] in PURE_MODULES or module in {"registry", "events"}


@pytest.mark.parametrize("path", PURE + PURE_DATA)
def test_a_pure_domain_module_imports_only_the_standard_library_pydantic_orjson_and_the_pure_domain(path: str) -> None:
    imports = imported_modules(ROOT / path)

    assert sorted(module for module in imports if not allowed_in_pure_code(module)) == []


@pytest.mark.parametrize(
    "path",
    sorted(str(p.relative_to(ROOT)) for package in INNER_PACKAGES for p in (ROOT / package).rglob("*.py")),
)
def test_no_module_of_the_domain_the_log_or_the_projections_imports_the_api_or_the_cli(path: str) -> None:
    imports = imported_modules(ROOT / path)

    assert sorted(module for module in imports if module.split(".")[0] in EDGES) == []


def test_importing_the_pure_domain_loads_no_database_web_or_command_line_library() -> None:
    """Package initialisers run too: this catches what they would drag in."""
    modules = ", ".join(sorted(PURE_MODULES))
    probe = f"import sys, {modules}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"

    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)

    assert sorted(set(loaded.stdout.split()) & HEAVY) == []
