"""Running portal.mjs: the tools it needs, the real server it drives, where its screenshots go."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.api.server import serve_process
from tests.conftest import REGISTRY_BIN

HERE = Path(__file__).parent
SCRIPT = HERE / "portal.mjs"
SCREENSHOTS = HERE / "screenshots"
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
RUN_KEY = pytest.StashKey[tuple[Path, float]]()  # the screenshots' folder and the browser's seconds, once it ran


def missing_tools(packages: tuple[str, ...] = ("playwright-core",)) -> str | None:
    """Why the browser tests cannot run here (None: they can): Node.js, Chromium, and `packages` of tests/portal."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Node.js 20 or newer)"
    if not Path(CHROMIUM).is_file():
        return f"Chromium is not at {CHROMIUM} (apt-get install -y chromium, or set PORTAL_CHROMIUM)"
    for package in packages:
        if not (HERE / "node_modules" / package).is_dir():
            return f"{package} is not installed: run `npm ci` in tests/portal"
    return None


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}


@contextmanager
def serving(cwd: Path) -> Iterator[str]:
    """`registry --db sqlite:///demo.db serve` in a subprocess, once /healthz answers; its base URL."""
    with serve_process(REGISTRY_BIN, "sqlite:///demo.db", cwd) as url:
        yield url


def clear_screenshots() -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.iterdir():
        if old.suffix in (".png", ".pdf"):
            old.unlink()


def passed(result: dict[str, Any], name: str, script: str, screenshots: Path = SCREENSHOTS) -> None:
    """`script`'s check `name` ran and passed (its detail and the screenshots say why not)."""
    check = result["checks"].get(name)
    assert check is not None, f"{script} ran no check named {name}: {result.get('problems', [])}"
    assert check["ok"], f"{name}: {check['detail']} (screenshots in {screenshots})"
