"""The reference portal page in headless Chromium, against `registry serve` on the demo data.

One run of portal.mjs (playwright-core driving Debian's chromium) checks every behaviour; each test here asserts
one of its checks. Screenshots (and a PDF of the printed village list) go to tests/portal/screenshots/.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REGISTRY_BIN
from tests.portal.browser import (
    CHROMIUM,
    HERE,
    RUN_KEY,
    SCREENSHOTS,
    SCRIPT,
    clear_screenshots,
    environment,
    missing_tools,
    passed,
    serving,
)

BEIJING = timezone(timedelta(hours=8))
BROWSER_SECONDS = 300

# The demo item whose pending adjustment (变更) the fixture carries to publication, so that it has two published
# versions; the demo's own actors do each step.
ADJUSTED = "czj-juesuan"
ADJUSTMENT = {
    "trigger": "法律法规修订",
    "reason": "浏览器测试：公开内容增加转移支付安排情况",
    "content": "一般公共预算、政府性基金预算、国有资本经营预算、社会保险基金预算决算，政府债务情况，转移支付安排情况",
}
STEPS: list[tuple[str, list[str]]] = [  # (the item's status before the step, the step)
    (
        "published",
        [
            "--as",
            "李财政",
            "adjust",
            ADJUSTED,
            "--trigger",
            ADJUSTMENT["trigger"],
            "--reason",
            ADJUSTMENT["reason"],
            "--content",
            ADJUSTMENT["content"],
        ],
    ),
    ("draft", ["--as", "李财政", "submit", ADJUSTED]),
    ("submitted", ["--as", "孙初审", "review", ADJUSTED, "--stage", "preliminary", "--pass", "--comment", "要素齐全"]),
    ("preliminary_reviewed", ["--as", "周法务", "review", ADJUSTED, "--stage", "legality", "--pass"]),
    ("legality_reviewed", ["--as", "王审议", "approve", ADJUSTED, "--reference", "2021年第3次政府常务会议"]),
    ("approved", ["--as", "吴发布", "publish", ADJUSTED]),
]


def _registry(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [str(REGISTRY_BIN), "--db", "sqlite:///demo.db", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment(),
        timeout=120,
    )
    assert done.returncode == 0, f"registry {' '.join(args)} exited {done.returncode}: {done.stderr}{done.stdout}"
    return done.stdout


def _show(cwd: Path) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(_registry(cwd, "show", ADJUSTED, "--json"))
    return shown


def _published_at(shown: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(shown["published_at"]).replace("Z", "+00:00"))


def _publish_new_version(cwd: Path) -> dict[str, Any]:
    """Carry ADJUSTED through the rest of an adjustment with the CLI; what the as-of check needs to know."""
    before = _show(cwd)
    status = before["status"]
    statuses = [step_status for step_status, _ in STEPS]
    assert status in statuses, f"{ADJUSTED} is {status}: the demo changed; pick another item to adjust"
    for step_status, step in STEPS[statuses.index(status) :]:
        if step_status == "approved":
            # The as-of time falls a whole second after the old publication and before the new one.
            wait = 2 - (datetime.now(UTC) - _published_at(before)).total_seconds()
            time.sleep(max(0.0, wait))
        _registry(cwd, *step)
    after = _show(cwd)
    old, new = _published_at(before), _published_at(after)
    between = (old + (new - old) / 2).astimezone(BEIJING).replace(microsecond=0)
    assert old <= between < new
    return {
        "itemId": ADJUSTED,
        "oldVersion": before["published_version"],
        "newVersion": after["published_version"],
        "oldContent": before["elements"]["content"],
        "newContent": after["elements"]["content"],
        "reason": (before["pending"] or {}).get("reason") or ADJUSTMENT["reason"],
        "asOfDate": between.strftime("%Y-%m-%d"),
        "asOfTime": between.strftime("%H:%M:%S"),
    }


def _approved_item(cwd: Path) -> dict[str, Any]:
    """An item of the demo waiting for publication (待公布), and the command that publishes it: the live check runs
    it while the page is open."""
    approved = json.loads(_registry(cwd, "list", "--status", "approved", "--json"))
    assert approved, "the demo has no approved item to publish while the page is open: the demo changed"
    item = approved[0]
    command = [str(REGISTRY_BIN), "--db", "sqlite:///demo.db", "--as", "吴发布", "publish", item["item_id"]]
    return {"itemId": item["item_id"], "title": item["title"], "command": command, "cwd": str(cwd)}


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> dict[str, Any]:
    """The result of portal.mjs: {"checks": {name: {"ok", "detail"}}, "problems", "screenshots", "seconds"}."""
    missing = missing_tools()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {missing}")
        pytest.skip(missing)
    work = tmp_path_factory.mktemp("portal")
    _registry(work, "demo", "--no-serve")
    adjusted = _publish_new_version(work)
    live = _approved_item(work)
    clear_screenshots()
    with serving(work) as url:
        config = {
            "url": url,
            "chromium": CHROMIUM,
            "screenshots": str(SCREENSHOTS),
            "adjusted": adjusted,
            "live": live,
        }
        started = time.monotonic()
        done = subprocess.run(
            ["node", str(SCRIPT), json.dumps(config, ensure_ascii=False)],
            capture_output=True,
            text=True,
            cwd=HERE,
            env=environment(),  # the live check runs `registry`, which must not read the tests' REGISTRY_ settings
            timeout=BROWSER_SECONDS,
        )
        seconds = time.monotonic() - started
    assert done.returncode == 0, f"portal.mjs exited {done.returncode}:\n{done.stderr}\n{done.stdout}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    pytestconfig.stash[RUN_KEY] = (SCREENSHOTS, seconds)
    return result


def test_the_page_loads_without_console_errors(portal: dict[str, Any]) -> None:
    passed(portal, "loads", "portal.mjs")
    assert portal["problems"] == [], "\n".join(portal["problems"])


def test_every_form_control_has_a_label(portal: dict[str, Any]) -> None:
    passed(portal, "labelled_controls", "portal.mjs")


def test_the_page_works_from_the_keyboard(portal: dict[str, Any]) -> None:
    passed(portal, "keyboard", "portal.mjs")


def test_search_narrows_the_list(portal: dict[str, Any]) -> None:
    passed(portal, "search_narrows", "portal.mjs")


def test_filters_by_level_audience_and_method_narrow_the_list(portal: dict[str, Any]) -> None:
    passed(portal, "filters_narrow", "portal.mjs")


def test_browsing_by_domain_and_by_unit_lists_their_items(portal: dict[str, Any]) -> None:
    passed(portal, "browse_by_domain_and_unit", "portal.mjs")


def test_pagination_follows_the_cursors_forward_and_back(portal: dict[str, Any]) -> None:
    passed(portal, "pagination", "portal.mjs")


def test_an_item_page_shows_every_element_and_its_version_history(portal: dict[str, Any]) -> None:
    passed(portal, "item_history", "portal.mjs")


def test_the_as_of_view_shows_the_version_then_in_force(portal: dict[str, Any]) -> None:
    passed(portal, "as_of_shows_older_version", "portal.mjs")


def test_times_are_shown_in_the_jurisdictions_zone_with_the_zone_named(portal: dict[str, Any]) -> None:
    passed(portal, "times_name_the_zone", "portal.mjs")


def test_a_retired_items_page_says_when_why_and_on_whose_approval_with_its_last_version(
    portal: dict[str, Any],
) -> None:
    passed(portal, "retired_item", "portal.mjs")


def test_the_village_list_holds_the_village_level_items(portal: dict[str, Any]) -> None:
    passed(portal, "village_list", "portal.mjs")


def test_pages_print_without_their_controls(portal: dict[str, Any]) -> None:
    passed(portal, "print", "portal.mjs")


def test_the_log_head_is_shown_with_how_to_verify_it(portal: dict[str, Any]) -> None:
    passed(portal, "log_head", "portal.mjs")


def test_the_page_fits_a_phone(portal: dict[str, Any]) -> None:
    passed(portal, "phone", "portal.mjs")


def test_each_view_links_the_atom_feed_of_what_it_shows(portal: dict[str, Any]) -> None:
    passed(portal, "feed_links", "portal.mjs")


def test_the_new_media_section_lists_the_accounts_by_unit_and_platform_and_each_units_page_its_own(
    portal: dict[str, Any],
) -> None:
    passed(portal, "media_accounts", "portal.mjs")


def test_a_change_published_while_the_page_is_open_shows_a_notice_that_refreshes_the_view(
    portal: dict[str, Any],
) -> None:
    passed(portal, "live_notice", "portal.mjs")
