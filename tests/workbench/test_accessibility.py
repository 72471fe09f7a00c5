"""The workbench for everyone, on the demo registry: axe-core's WCAG 2 A/AA rules on each view (labels, names,
contrast), at an office screen's 1280 pixels and a phone's 390, no page wider than its screen, and sign-in by keyboard
alone. One run of accessibility.mjs; each test asserts one of its checks. Screenshots: tests/workbench/screenshots/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from registry.demo import DEMO_PASSWORDS
from tests.api.server import serve_process
from tests.conftest import REGISTRY_BIN
from tests.portal import browser
from tests.portal.browser import missing_tools

HERE = Path(__file__).parent
SCREENSHOTS = HERE / "screenshots"
VIEWS = ("sign-in", "queue", "item", "items", "form-draft", "import")
SIZES = ("office", "phone")


@pytest.fixture(scope="module")
def audit(built_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    missing = missing_tools(("playwright-core", "axe-core"))
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {missing}")
        pytest.skip(missing)
    work = tmp_path_factory.mktemp("a11y")
    for name in ("demo.db", "demo.key"):
        shutil.copy2(built_demo / name, work / name)
    SCREENSHOTS.mkdir(exist_ok=True)
    with serve_process(REGISTRY_BIN, "sqlite:///demo.db", work) as url:
        config = {
            "url": url,
            "chromium": browser.CHROMIUM,
            "screenshots": str(SCREENSHOTS),
            "reviewer": {"name": "孙初审", "password": DEMO_PASSWORDS["孙初审"]},
            "drafter": {"name": "李财政", "password": DEMO_PASSWORDS["李财政"]},
        }
        done = subprocess.run(
            ["node", str(HERE / "accessibility.mjs"), json.dumps(config, ensure_ascii=False)],
            capture_output=True,
            text=True,
            cwd=HERE,
            timeout=240,
        )
    assert done.returncode == 0, f"accessibility.mjs exited {done.returncode}:\n{done.stderr}\n{done.stdout}"
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def _passed(audit: dict[str, Any], name: str) -> None:
    browser.passed(audit, name, "accessibility.mjs", SCREENSHOTS)


def test_the_run_meets_no_error(audit: dict[str, Any]) -> None:
    assert audit["problems"] == [], "\n".join(audit["problems"])


def test_signing_in_takes_the_keyboard_alone_and_lands_on_the_views_heading(audit: dict[str, Any]) -> None:
    _passed(audit, "keyboard_sign_in")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("view", VIEWS)
def test_each_view_meets_wcag_2_aa_as_axe_checks_it(audit: dict[str, Any], view: str, size: str) -> None:
    _passed(audit, f"axe_{size}_{view}")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("view", VIEWS)
def test_no_view_is_wider_than_the_screen(audit: dict[str, Any], view: str, size: str) -> None:
    _passed(audit, f"fits_{size}_{view}")
