"""The staff workbench (工作台, /staff/) in headless Chromium, tried as a new user would, against `registry serve` on a
registry set up with the CLI, on a SQLite file and on PostgreSQL.

Five staff (a drafter of 财政局, 初审 and 公布 of 政务服务局, 合法性审查 of 法务中心, 审议) sign in with their own
passwords, each in their own browser context, and carry one item drafted in the browser's form through review to
publication, then an adjustment (变更) and a retirement (取消) of it, the public page watched all along. Besides: the
separation of drafting and review, signing out, an item of another unit, a unit catalog imported through the page
(first with mistakes, then fixed), and the sign-in's refusals.

One run of workbench.mjs per backend (tests/portal's playwright-core driving Debian's chromium) checks every
behaviour; each test here asserts one of its checks. Screenshots go to tests/workbench/screenshots/, named by backend.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.api.server import serve_process
from tests.conftest import REGISTRY_BIN, fresh_postgres_schema
from tests.portal import browser
from tests.portal.browser import environment, missing_tools

HERE = Path(__file__).parent
SCRIPT = HERE / "workbench.mjs"
SCREENSHOTS = HERE / "screenshots"
BROWSER_SECONDS = 240

# name -> (unit, roles, password)
STAFF: dict[str, tuple[str, tuple[str, ...], str]] = {
    "李财政": ("财政局", ("drafter",), "workbench-起草-pw-2026"),
    "孙初审": ("政务服务局", ("preliminary_reviewer",), "workbench-初审-pw-2026"),
    "周法务": ("法务中心", ("legality_reviewer",), "workbench-法务-pw-2026"),
    "王审议": ("旗人民政府", ("approver",), "workbench-审议-pw-2026"),
    "吴发布": ("政务服务局", ("publisher",), "workbench-发布-pw-2026"),
    "赵双岗": ("政务服务局", ("drafter", "preliminary_reviewer"), "workbench-双岗-pw-2026"),
}
DESKS = {"drafter": "李财政", "preliminary": "孙初审", "legality": "周法务", "approver": "王审议"}
DESKS |= {"publisher": "吴发布", "dual": "赵双岗"}
# An item the dual-role person drafted and submitted, and a draft of 民政局 the drafter of 财政局 may not see.
OWN_ITEM = "zwfw-banshi"
OTHER_UNIT_ITEM = "mzj-dibao"
CLI_DRAFT = "czj-guozi"

HEADER = ["序号", "一级事项", "二级事项", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体"]
HEADER += ["公开对象", "公开方式", "公开层级", "领域"]
TITLE = "财政局政务公开事项目录（2026年）"
IMPORTED = ["政府决算", "部门预算", "部门决算", "“三公”经费"]


def catalog_row(number: int, name: str, **changes: str) -> list[str]:
    """A row of 财政局's catalog as the official table lays it out, 领域 last."""
    values = {
        "content": f"{name}报表及说明",
        "basis": "《中华人民共和国预算法》《中华人民共和国政府信息公开条例》",
        "time_limit": "信息形成或者变更之日起20个工作日内",
        "body": "旗财政局",
        "channels": "政府网站、政务新媒体",
        "audience": "全社会",
        "method": "主动",
        "levels": "县级",
        "domain": "财政预决算",
    } | changes
    return [str(number), "财政预决算", name, *values.values()]


def write_catalog(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    """An .xlsx of the official layout: the title merged across the table, the header, the rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "财政局"
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, end_row=1, start_column=1, end_column=len(HEADER))
    sheet.append(HEADER)
    for values in rows:
        sheet.append(list(values))
    book.save(path)
    return path


def catalogs(work: Path) -> dict[str, Any]:
    """The catalog with mistakes, the fixed one, and where the page must point at each mistake (sheet row, column)."""
    faulty = [
        catalog_row(1, IMPORTED[0]),
        catalog_row(2, IMPORTED[1], time_limit=""),  # sheet row 4: 公开时限 (F) missing
        catalog_row(3, IMPORTED[2], domain="财政预算"),  # sheet row 5: 领域 (L) unknown
        catalog_row(4, IMPORTED[3], time_limit="信息形成之日起30个工作日内"),  # row 6: over 20 days, no law cited
    ]
    fixed = [catalog_row(number, name) for number, name in enumerate(IMPORTED, start=1)]
    return {
        "faulty": str(write_catalog(work / "财政局目录（待修改）.xlsx", faulty)),
        "fixed": str(write_catalog(work / "财政局目录.xlsx", fixed)),
        "errors": [{"row": 4, "column": "F"}, {"row": 5, "column": "L"}],
        "warnings": [{"row": 6, "column": "F", "label": "公开时限"}],
        "names": IMPORTED,
    }


def _registry(cwd: Path, db_url: str, *args: str, given: str | None = None) -> None:
    done = subprocess.run(
        [str(REGISTRY_BIN), "--db", db_url, *args],
        input=given,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment(),
        timeout=120,
    )
    assert done.returncode == 0, f"registry {' '.join(args)} exited {done.returncode}: {done.stderr}{done.stdout}"


def _set_up(cwd: Path, db_url: str) -> None:
    """An admin; the staff with their passwords; a submitted item of the dual-role person; a draft of 民政局."""
    _registry(cwd, db_url, "init", "--admin", "管理员")
    admin = ("--as", "管理员")
    for name, (unit, roles, password) in STAFF.items():
        _registry(cwd, db_url, *admin, "actor", "add", name, "--unit", unit, *(f"--role={role}" for role in roles))
        _registry(cwd, db_url, *admin, "actor", "password", name, "--password-stdin", given=password)
    _registry(cwd, db_url, *admin, "actor", "add", "陈民政", "--unit", "民政局", "--role", "drafter")
    complete = (
        *("--basis", "《中华人民共和国政府信息公开条例》", "--time-limit", "信息形成或者变更之日起20个工作日内"),
        *("--channel", "政府网站", "--audience", "public", "--method", "proactive", "--level", "county"),
    )
    _registry(
        cwd,
        db_url,
        *("--as", "赵双岗", "draft", "--id", OWN_ITEM, "--domain", "其他：政务服务"),
        *("--category", "政务服务", "--name", "办事指南", "--content", "事项名称、办理条件、办理流程"),
        *("--body", "政务服务局", *complete),
    )
    _registry(cwd, db_url, "--as", "赵双岗", "submit", OWN_ITEM)
    _registry(
        cwd,
        db_url,
        *("--as", "陈民政", "draft", "--id", OTHER_UNIT_ITEM, "--domain", "社会救助"),
        *("--category", "社会救助", "--name", "最低生活保障", "--content", "低保对象名单", "--body", "民政局"),
    )
    # A draft written elsewhere (the CLI, an import) whose channels are not in the form's checkbox order.
    _registry(
        cwd,
        db_url,
        *("--as", "李财政", "draft", "--id", CLI_DRAFT, "--domain", "财政预决算"),
        *(
            "--category",
            "财政预决算",
            "--name",
            "国有资本经营预算",
            "--content",
            "国有资本经营预算表",
            "--body",
            "财政局",
        ),
        *("--basis", "《中华人民共和国预算法》", "--time-limit", "信息形成或者变更之日起20个工作日内"),
        *("--channel", "政府网站", "--channel", "政务服务中心", "--channel", "公开查阅点"),
        *("--audience", "public", "--method", "proactive", "--level", "county"),
    )


@contextmanager
def database(backend: str, work: Path) -> Iterator[str]:
    """The --db URL of a fresh registry database: a SQLite file in `work`, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        yield "sqlite:///workbench.db"
    else:
        with fresh_postgres_schema() as url:
            yield url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def workbench(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The result of workbench.mjs: {"checks": {name: {"ok", "detail"}}, "problems", "screenshots", "seconds"}."""
    backend: str = request.param
    missing = missing_tools()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {missing}")
        pytest.skip(missing)
    work = tmp_path_factory.mktemp(f"workbench-{backend}")
    with database(backend, work) as db_url:
        _set_up(work, db_url)
        SCREENSHOTS.mkdir(exist_ok=True)
        for old in SCREENSHOTS.glob(f"{backend}-*.png"):
            old.unlink()
        with serve_process(REGISTRY_BIN, db_url, work) as url:
            config = {
                "url": url,
                "backend": backend,
                "chromium": browser.CHROMIUM,
                "screenshots": str(SCREENSHOTS),
                "staff": {name: {"unit": unit, "password": password} for name, (unit, _, password) in STAFF.items()},
                "desks": DESKS,
                "ownItem": OWN_ITEM,
                "otherUnitItem": OTHER_UNIT_ITEM,
                "cliDraft": CLI_DRAFT,
                "catalogs": catalogs(work),
                "cli": {"bin": str(REGISTRY_BIN), "db": db_url, "cwd": str(work)},
            }
            done = subprocess.run(
                ["node", str(SCRIPT), json.dumps(config, ensure_ascii=False)],
                capture_output=True,
                text=True,
                cwd=HERE,
                env=environment(),
                timeout=BROWSER_SECONDS,
            )
        assert done.returncode == 0, f"workbench.mjs exited {done.returncode}:\n{done.stderr}\n{done.stdout}"
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        yield result


def passed(result: dict[str, Any], name: str) -> None:
    browser.passed(result, name, "workbench.mjs", SCREENSHOTS)


def test_the_workbench_serves_a_labelled_sign_in_form_under_the_page_policy(workbench: dict[str, Any]) -> None:
    passed(workbench, "sign_in_form")


def test_the_page_meets_no_console_error_nor_unexpected_answer(workbench: dict[str, Any]) -> None:
    assert workbench["problems"] == [], "\n".join(workbench["problems"])


def test_the_browser_run_stays_well_under_three_minutes(workbench: dict[str, Any]) -> None:
    assert workbench["seconds"] < 150, f"the browser took {workbench['seconds']} s"


def test_a_wrong_password_is_told_in_chinese(workbench: dict[str, Any]) -> None:
    passed(workbench, "wrong_password")


def test_the_draft_form_shows_what_the_rules_would_refuse_until_every_element_is_filled(
    workbench: dict[str, Any],
) -> None:
    passed(workbench, "draft_form_check")


def test_the_drafter_drafts_and_submits_an_item_in_the_browser(workbench: dict[str, Any]) -> None:
    passed(workbench, "draft_submitted")


def test_the_preliminary_reviewer_finds_the_submitted_item_in_their_queue(workbench: dict[str, Any]) -> None:
    passed(workbench, "queue")


def test_an_item_shows_its_elements_and_its_timeline_in_beijing_time(workbench: dict[str, Any]) -> None:
    passed(workbench, "item_timeline")


def test_a_return_without_a_comment_is_stopped_in_chinese_and_sends_nothing(workbench: dict[str, Any]) -> None:
    passed(workbench, "reject_needs_comment")


def test_the_reviewer_returns_the_item_with_a_comment_and_it_leaves_their_queue(workbench: dict[str, Any]) -> None:
    passed(workbench, "reject")


def test_the_drafter_reads_the_comment_revises_in_the_form_and_resubmits(workbench: dict[str, Any]) -> None:
    passed(workbench, "revise_resubmit")


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


def test_the_publisher_publishes_and_sees_the_signed_checkpoint(workbench: dict[str, Any]) -> None:
    passed(workbench, "publish")


def test_the_public_page_shows_the_published_item(workbench: dict[str, Any]) -> None:
    passed(workbench, "public_published")


def test_the_drafter_proposes_an_adjustment_in_the_form(workbench: dict[str, Any]) -> None:
    passed(workbench, "adjustment_proposed")


def test_the_reviewer_sees_the_changed_element_marked_and_the_trigger_and_reason(workbench: dict[str, Any]) -> None:
    passed(workbench, "adjustment_comparison")


def test_while_the_adjustment_is_pending_the_public_sees_the_old_value(workbench: dict[str, Any]) -> None:
    passed(workbench, "adjustment_pending_public")


def test_an_action_whose_answer_was_lost_is_tried_again_with_its_key_and_recorded_once(
    workbench: dict[str, Any],
) -> None:
    passed(workbench, "retry_after_lost_answer")


def test_a_revision_in_the_form_records_only_what_was_changed(workbench: dict[str, Any]) -> None:
    passed(workbench, "revision_changes_only_what_changed")


def test_the_adjustment_goes_through_review_and_the_public_sees_the_new_value(workbench: dict[str, Any]) -> None:
    passed(workbench, "adjustment_published")


def test_the_drafter_proposes_a_retirement_in_the_form(workbench: dict[str, Any]) -> None:
    passed(workbench, "retirement_proposed")


def test_the_retirement_goes_through_review_and_the_public_sees_it_retired(workbench: dict[str, Any]) -> None:
    passed(workbench, "retirement_published")


def test_who_drafted_an_item_cannot_pass_its_preliminary_review_and_is_told_the_rule(
    workbench: dict[str, Any],
) -> None:
    passed(workbench, "review_separation")


def test_signing_out_ends_the_session_and_a_reload_shows_the_sign_in_form(workbench: dict[str, Any]) -> None:
    passed(workbench, "sign_out")


def test_an_item_of_another_unit_is_not_found(workbench: dict[str, Any]) -> None:
    passed(workbench, "other_unit_not_found")


def test_a_catalog_with_mistakes_lists_each_with_row_and_column_and_writes_nothing(workbench: dict[str, Any]) -> None:
    passed(workbench, "import_blocked")


def test_the_fixed_catalog_imports_as_drafts(workbench: dict[str, Any]) -> None:
    passed(workbench, "import_done")


def test_too_many_failures_say_when_to_try_again(workbench: dict[str, Any]) -> None:
    passed(workbench, "locked_out")
