"""`registry queue` and `registry report` through the installed command, on the demo's simulated 2020."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_terminal import in_terminal
from tests.conftest import REGISTRY_BIN, Result

Cli = Callable[..., Result]
RED = "\x1b[31m"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A demo registry built once for this module by `registry demo`."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    subprocess.run([str(REGISTRY_BIN), "--db", url, "demo", "--no-serve"], check=True, capture_output=True, timeout=300)
    return url


def as_json(result: Result) -> Any:
    assert result.code == 0, result.err
    return json.loads(result.out)


def coverage(cli: Cli, url: str, *options: str) -> dict[str, Any]:
    shape: dict[str, Any] = as_json(cli("--db", url, "report", "coverage", "--json", *options))
    return shape


def by_name(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows}


def test_the_demo_verifies(cli: Cli, demo_url: str) -> None:
    assert cli("--db", demo_url, "verify").code == 0


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("赵教育", [("jtj-zhaosheng", "revise"), ("jtj-jihua", "draft")]),
        ("孙初审", [("czj-bumen", "preliminary_review")]),
        ("周法务", [("mzj-tekun", "legality_review"), ("czj-juesuan", "legality_review")]),
        ("王审议", [("jtj-zizhu", "approval")]),
        ("吴发布", [("mzj-gaoling", "publication")]),
    ],
)
def test_every_role_has_a_queue_on_the_demo(cli: Cli, demo_url: str, actor: str, expected: list[Any]) -> None:
    shape = as_json(cli("--db", demo_url, "queue", "--as", actor, "--json"))
    steps = {step for _, step in expected}

    # The story's items waited longest (2020); the items added in 2022 queue behind them.
    assert [(i["item_id"], i["step"]) for i in shape["items"]][: len(expected)] == expected
    assert {i["step"] for i in shape["items"]} == steps
    assert all(i["working_days"] > 0 for i in shape["items"])


def test_the_queue_takes_the_global_actor_too(cli: Cli, demo_url: str) -> None:
    shape = as_json(cli("--db", demo_url, "--as", "吴发布", "queue", "--as-of", "2020-12-31", "--json"))

    assert shape["as_of"] == "2020-12-31"
    assert [(i["item_id"], i["waiting_since"], i["working_days"]) for i in shape["items"]] == [
        ("mzj-gaoling", "2020-09-29T02:00:00.000000Z", 62)
    ]


def test_a_returned_item_waits_for_its_drafter_with_the_reason(cli: Cli, demo_url: str) -> None:
    shape = as_json(cli("--db", demo_url, "queue", "--as", "赵教育", "--as-of", "2020-12-31", "--json"))
    returned = shape["items"][0]

    assert (returned["item_id"], returned["step_label"], returned["role"]) == ("jtj-zhaosheng", "退回修改", "drafter")
    assert "公开依据应补充" in returned["rejection"]


def test_a_queue_as_of_a_day_before_the_work_arrived(cli: Cli, demo_url: str) -> None:
    shape = as_json(cli("--db", demo_url, "queue", "--as", "孙初审", "--as-of", "2020-12-15", "--json"))

    assert shape["items"] == []


def test_the_queue_prints_a_table_for_people(cli: Cli, demo_url: str) -> None:
    result = cli("--db", demo_url, "queue", "--as", "周法务", "--as-of", "2020-12-31")

    assert result.code == 0, result.err
    assert "queue of 周法务" in result.out
    assert "mzj-tekun" in result.out


def test_each_queue_entry_has_its_step_s_deadline_from_the_profile(cli: Cli, demo_url: str) -> None:
    # Submitted on 2020-12-16 (Beijing); 初审 has 5 working days: due 2020-12-23, and 6 working days overdue by
    # the 31st (24, 25, 28, 29, 30, 31).
    shape = as_json(cli("--db", demo_url, "queue", "--as", "孙初审", "--as-of", "2020-12-31", "--json"))
    entry = shape["items"][0]

    assert (entry["item_id"], entry["deadline"], entry["working_days_left"], entry["overdue"]) == (
        "czj-bumen",
        "2020-12-23",
        -6,
        True,
    )


@pytest.mark.parametrize(
    ("as_of", "lang", "shown"),
    [
        ("2020-12-17", "C.UTF-8", "2020-12-23 4 working days left"),
        ("2020-12-22", "C.UTF-8", "2020-12-23 1 working day left"),
        ("2020-12-23", "C.UTF-8", "2020-12-23 due today"),
        ("2020-12-24", "C.UTF-8", "2020-12-23 1 working day overdue"),
        ("2020-12-31", "C.UTF-8", "2020-12-23 6 working days overdue"),
        ("2020-12-17", "zh_CN.UTF-8", "2020-12-23 还剩 4 个工作日"),
        ("2020-12-23", "zh_CN.UTF-8", "2020-12-23 今日到期"),
        ("2020-12-31", "zh_CN.UTF-8", "2020-12-23 逾期 6 个工作日"),
    ],
)
def test_the_queue_table_shows_the_deadline_and_the_working_days_left_or_overdue(
    cli: Cli, demo_url: str, as_of: str, lang: str, shown: str
) -> None:
    result = cli("--db", demo_url, "queue", "--as", "孙初审", "--as-of", as_of, env={"LANG": lang})

    assert result.code == 0, result.err
    assert shown in result.out
    assert ("期限" in result.out) == lang.startswith("zh")


def test_an_overdue_deadline_is_red_on_a_terminal_and_one_not_yet_due_is_not(demo_url: str, tmp_path: Path) -> None:
    queue = ("--db", demo_url, "queue", "--as", "孙初审", "--as-of")
    overdue = in_terminal(tmp_path, *queue, "2020-12-31", columns=250, colour=True)
    due = in_terminal(tmp_path, *queue, "2020-12-23", columns=250, colour=True)

    assert RED in overdue and "2020-12-23 6 working days overdue" in overdue
    assert RED not in due and "2020-12-23 due today" in due


def test_a_queue_needs_to_know_whose(cli: Cli, demo_url: str) -> None:
    assert cli("--db", demo_url, "queue").code == 2
    assert cli("--db", demo_url, "queue", "--as", "无名氏").code == 3


def test_the_demo_coverage_has_units_on_time_and_late(cli: Cli, demo_url: str) -> None:
    units = by_name(coverage(cli, demo_url, "--as-of", "2020-12-31")["units"], "unit")

    assert units["财政局"]["catalog"] == {
        "task": "unit-catalogs",
        "deadline": "2020-07-15",
        "done_on": "2020-07-13",
        "verdict": "on_time",
        "working_days_late": 0,
    }
    assert (units["民政局"]["catalog"]["verdict"], units["民政局"]["catalog"]["working_days_late"]) == ("late", 8)
    assert units["公安局"]["catalog"]["verdict"] == "on_time"  # on the deadline day itself
    assert units["城川镇"]["catalog"]["verdict"] == "on_time"
    assert (units["教育体育局"]["catalog"]["verdict"], units["教育体育局"]["catalog"]["working_days_late"]) == (
        "overdue",
        117,
    )


def test_the_demo_coverage_has_domains_on_time_and_late(cli: Cli, demo_url: str) -> None:
    domains = by_name(coverage(cli, demo_url, "--as-of", "2020-12-31")["domains"], "domain")

    assert len(domains) == 26
    assert domains["财政预决算"]["deadline"]["verdict"] == "on_time"
    assert (domains["保障性住房"]["deadline"]["verdict"], domains["保障性住房"]["deadline"]["working_days_late"]) == (
        "late",
        6,
    )
    assert domains["义务教育"]["deadline"]["verdict"] == "overdue"
    assert domains["财政预决算"]["published"] == 10
    assert domains["户籍管理"]["retired"] == 1


def test_the_demo_coverage_judges_the_updates(cli: Cli, demo_url: str) -> None:
    units = by_name(coverage(cli, demo_url, "--as-of", "2020-12-31")["units"], "unit")

    assert units["民政局"]["update"]["verdict"] == "on_time"
    assert units["公安局"]["update"]["verdict"] == "on_time"
    assert (units["教育体育局"]["update"]["verdict"], units["教育体育局"]["update"]["working_days_late"]) == (
        "overdue",
        22,
    )
    assert units["城川镇"]["update"] is None


def test_coverage_as_of_a_past_day_shows_that_day(cli: Cli, demo_url: str) -> None:
    then = coverage(cli, demo_url, "--as-of", "2020-07-20")
    units, domains = by_name(then["units"], "unit"), by_name(then["domains"], "domain")

    assert then["as_of"] == "2020-07-20"
    assert (units["民政局"]["catalog"]["verdict"], units["民政局"]["catalog"]["working_days_late"]) == ("overdue", 3)
    assert units["财政局"]["published"] == 1
    assert units["公安局"]["retired"] == 0
    assert domains["医疗卫生"]["deadline"]["verdict"] == "pending"
    assert then["stale"] == []


def test_coverage_lists_stuck_and_stale_items(cli: Cli, demo_url: str) -> None:
    end_of_2020 = coverage(cli, demo_url, "--as-of", "2020-12-31", "--stuck-after", "30")
    a_year_later = coverage(cli, demo_url, "--as-of", "2021-08-31")

    assert [(s["item_id"], s["status"]) for s in end_of_2020["stuck"]] == [
        ("mzj-tekun", "preliminary_reviewed"),
        ("mzj-gaoling", "approved"),
        ("jtj-zizhu", "legality_reviewed"),
    ]
    stale = [s["item_id"] for s in a_year_later["stale"]]
    assert {"ccz-dili", "czj-yusuan", "mzj-dibao"} <= set(stale)
    assert "czj-juesuan" not in stale  # an adjustment is on its way
    assert all(s["last_published_at"] < "2020-08-31" for s in a_year_later["stale"])


def test_coverage_prints_tables_for_people(cli: Cli, demo_url: str) -> None:
    result = cli("--db", demo_url, "report", "coverage", "--as-of", "2020-12-31")

    assert result.code == 0, result.err
    assert "coverage on 2020-12-31" in result.out
    for label in ("按时完成", "逾期完成", "逾期未完成"):
        assert label in result.out


def test_coverage_refuses_a_date_it_cannot_read(cli: Cli, demo_url: str) -> None:
    assert cli("--db", demo_url, "report", "coverage", "--as-of", "2020-13-01").code == 2
    assert cli("--db", demo_url, "report", "coverage", "--stuck-after", "-1").code == 2


def test_the_demo_activity_report(cli: Cli, demo_url: str) -> None:
    shape = as_json(cli("--db", demo_url, "report", "activity", "--json"))
    counts = {(r["actor"], r["unit"], r["action"]): r["count"] for r in shape["rows"]}

    assert counts[("吴发布", "政务服务局", "publish")] == 238
    assert counts[("吴发布", "政务服务局", "retire")] == 4
    assert counts[("周法务", "法务中心", "legality_rejected")] == 7
    assert shape["totals"]["actors"] == 31  # every actor but the admin, who records the backfills
    assert shape["totals"]["events"] == sum(counts.values())


def test_activity_of_one_unit_over_a_period(cli: Cli, demo_url: str) -> None:
    shape = as_json(
        cli(
            "--db", demo_url, "report", "activity", "--since", "2020-11-01", "--as-of", "2020-12-31",
            "--unit", "旗政务服务局", "--json",
        )
    )  # fmt: skip

    assert (shape["since"], shape["as_of"], shape["unit"]) == ("2020-11-01", "2020-12-31", "政务服务局")
    assert {(r["actor"], r["action"], r["count"]) for r in shape["rows"]} == {
        ("孙初审", "preliminary_review_passed", 15),
        ("钱初审", "preliminary_review_passed", 9),
        ("吴发布", "publish", 27),
        ("吴发布", "retire", 1),
    }


def test_activity_prints_a_table_for_people(cli: Cli, demo_url: str, tmp_path: Path) -> None:
    result = cli("--db", demo_url, "report", "activity", "--unit", "法务中心")

    assert result.code == 0, result.err
    assert "周法务" in result.out
    assert "合法性审查通过" in result.out
