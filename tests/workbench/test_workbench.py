"""The staff workbench (工作台, /staff/) in headless Chromium, against `registry serve` on a registry set up with the
CLI: an admin, a drafter and the four reviewing desks (初审, 合法性审查, 审议, 公布) with passwords, and one item
drafted and submitted. The review checks carry that item through the browser to publication; the drafter's steps in
between (resubmitting a returned item) are the CLI's, run by workbench.mjs.

One run of workbench.mjs (tests/portal's playwright-core driving Debian's chromium) checks every behaviour; each test
here asserts one of its checks. Screenshots go to tests/workbench/screenshots/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.api.server import serve_process
from tests.conftest import REGISTRY_BIN

HERE = Path(__file__).parent
SCRIPT = HERE / "workbench.mjs"
SCREENSHOTS = HERE / "screenshots"
PLAYWRIGHT = HERE.parent / "portal" / "node_modules" / "playwright-core"
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
BROWSER_SECONDS = 180

REVIEWER = {"name": "孙初审", "password": "workbench-初审-pw-2026", "unit": "政务服务局"}
# The other desks, each with a password: name -> (unit, role, password).
STAFF = {
    "李财政": ("财政局", "drafter", "workbench-起草-pw-2026"),
    "周法务": ("法务中心", "legality_reviewer", "workbench-法务-pw-2026"),
    "王审议": ("旗人民政府", "approver", "workbench-审议-pw-2026"),
    "吴发布": ("政务服务局", "publisher", "workbench-发布-pw-2026"),
}
ITEM = {
    "id": "czj-yusuan",
    "title": "政府预算",
    "basis": "《中华人民共和国预算法》",
    "drafter": "李财政",
    "drafterUnit": "财政局",
}


def missing_tools() -> str | None:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Node.js 20 or newer)"
    if not Path(CHROMIUM).is_file():
        return f"Chromium is not at {CHROMIUM} (apt-get install -y chromium, or set PORTAL_CHROMIUM)"
    if not PLAYWRIGHT.is_dir():
        return "playwright-core is not installed: run `npm ci` in tests/portal"
    return None


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}


def _registry(cwd: Path, *args: str, given: str | None = None) -> None:
    done = subprocess.run(
        [str(REGISTRY_BIN), "--db", "sqlite:///workbench.db", *args],
        input=given,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_environment(),
        timeout=120,
    )
    assert done.returncode == 0, f"registry {' '.join(args)} exited {done.returncode}: {done.stderr}{done.stdout}"


def _set_up(cwd: Path) -> None:
    """An admin, a drafter of 财政局, the 初审 reviewer with a password, and an item waiting for 初审."""
    _registry(cwd, "init", "--admin", "管理员")
    _registry(
        cwd, "--as", "管理员", "actor", "add", ITEM["drafter"], "--unit", ITEM["drafterUnit"], "--role", "drafter"
    )
    _registry(
        cwd,
        "--as",
        "管理员",
        "actor",
        "add",
        REVIEWER["name"],
        "--unit",
        REVIEWER["unit"],
        "--role",
        "preliminary_reviewer",
    )
    _registry(
        cwd, "--as", "管理员", "actor", "password", REVIEWER["name"], "--password-stdin", given=REVIEWER["password"]
    )
    for name, (unit, role, password) in STAFF.items():
        if name != ITEM["drafter"]:
            _registry(cwd, "--as", "管理员", "actor", "add", name, "--unit", unit, "--role", role)
        _registry(cwd, "--as", "管理员", "actor", "password", name, "--password-stdin", given=password)
    _registry(
        cwd,
        *("--as", ITEM["drafter"], "draft", "--id", ITEM["id"], "--domain", "财政预决算"),
        *("--category", "财政预决算", "--name", ITEM["title"], "--content", "一般公共预算、政府性基金预算"),
        *("--basis", ITEM["basis"], "--time-limit", "信息形成或者变更之日起20个工作日内", "--body", "财政局"),
        *("--channel", "政府网站", "--audience", "public", "--method", "proactive", "--level", "county"),
    )
    _registry(cwd, "--as", ITEM["drafter"], "submit", ITEM["id"])


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The result of workbench.mjs: {"checks": {name: {"ok", "detail"}}, "problems", "screenshots", "seconds"}."""
    missing = missing_tools()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {missing}")
        pytest.skip(missing)
    work = tmp_path_factory.mktemp("workbench")
    _set_up(work)
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    with serve_process(REGISTRY_BIN, "sqlite:///workbench.db", work) as url:
        config = {
            "url": url,
            "chromium": CHROMIUM,
            "screenshots": str(SCREENSHOTS),
            "reviewer": REVIEWER,
            "item": ITEM,
            "staff": {name: {"unit": unit, "password": password} for name, (unit, _, password) in STAFF.items()},
            "cli": {"bin": str(REGISTRY_BIN), "db": "sqlite:///workbench.db", "cwd": str(work)},
        }
        done = subprocess.run(
            ["node", str(SCRIPT), json.dumps(config, ensure_ascii=False)],
            capture_output=True,
            text=True,
            cwd=HERE,
            env=_environment(),
            timeout=BROWSER_SECONDS,
        )
    assert done.returncode == 0, f"workbench.mjs exited {done.returncode}:\n{done.stderr}\n{done.stdout}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def passed(result: dict[str, Any], name: str) -> None:
    check = result["checks"].get(name)
    assert check is not None, f"workbench.mjs ran no check named {name}"
    assert check["ok"], f"{name}: {check['detail']} (screenshots in {SCREENSHOTS})"


def test_the_workbench_serves_a_labelled_sign_in_form_under_the_page_policy(workbench: dict[str, Any]) -> None:
    passed(workbench, "sign_in_form")


def test_the_page_meets_no_console_error_nor_unexpected_answer(workbench: dict[str, Any]) -> None:
    assert workbench["problems"] == [], "\n".join(workbench["problems"])


def test_a_wrong_password_is_told_in_chinese(workbench: dict[str, Any]) -> None:
    passed(workbench, "wrong_password")


def test_the_preliminary_reviewer_finds_the_submitted_item_in_their_queue(workbench: dict[str, Any]) -> None:
    passed(workbench, "queue")


def test_an_item_shows_its_elements_and_its_timeline_in_beijing_time(workbench: dict[str, Any]) -> None:
    passed(workbench, "item_timeline")


def test_signing_out_ends_the_session_and_a_reload_shows_the_sign_in_form(workbench: dict[str, Any]) -> None:
    passed(workbench, "sign_out")


def test_too_many_failures_say_when_to_try_again(workbench: dict[str, Any]) -> None:
    passed(workbench, "locked_out")


def test_a_return_without_a_comment_is_stopped_in_chinese_and_sends_nothing(workbench: dict[str, Any]) -> None:
    passed(workbench, "reject_needs_comment")


def test_the_reviewer_returns_the_item_with_a_comment_and_it_leaves_their_queue(workbench: dict[str, Any]) -> None:
    passed(workbench, "reject")


def test_a_stale_page_is_told_someone_else_changed_the_item_and_reloads_it(workbench: dict[str, Any]) -> None:
    passed(workbench, "conflict")


def test_the_reviewer_passes_the_resubmitted_item(workbench: dict[str, Any]) -> None:
    passed(workbench, "pass")


def test_a_drafter_signed_in_sees_no_review_buttons(workbench: dict[str, Any]) -> None:
    passed(workbench, "drafter_no_buttons")


def test_legality_review_passes_in_the_browser(workbench: dict[str, Any]) -> None:
    passed(workbench, "legality")


def test_approval_needs_a_reference_and_records_it(workbench: dict[str, Any]) -> None:
    passed(workbench, "approval")


def test_the_publisher_publishes_and_the_public_page_shows_the_item(workbench: dict[str, Any]) -> None:
    passed(workbench, "publish")
