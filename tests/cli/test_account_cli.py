"""`registry account …` through the installed `registry` command, on a SQLite file and on PostgreSQL.

Most cases set the accounts up through the application service (fast) and ask the CLI for one step; the lifecycle
is walked through the CLI alone. The race of two filings runs the entry point in two processes (account_filer.py).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from events.account import AccountElements
from projections import media_accounts
from registry.accounts.command import (
    ChangeAccount,
    CloseAccount,
    FileAccount,
    PublishAccount,
    RejectAccount,
    ReviewAccount,
)
from registry.accounts.service import Accounts
from registry.actor import Role
from registry.service import Registry, now
from tests.cli.account_filer import TIMEOUT, file_account
from tests.conftest import LOCALE_VARIABLES, Result
from tests.signing import write_test_key

ACCOUNT = "NM-GAJ01"
NAME, NEW_NAME = "鄂托克前旗公安", "鄂托克前旗公安在线"
CONTACT = "王警官 13900000000"
RENAMED = "机构改革后更名"
PEOPLE = {
    "李公安": ("公安局", {Role.DRAFTER}),
    "赵公安": ("公安局", {Role.DRAFTER}),
    "李财政": ("财政局", {Role.DRAFTER}),
    "陈政务": ("政务服务局", {Role.DRAFTER, Role.PRELIMINARY_REVIEWER}),
    "孙初审": ("政务服务局", {Role.PRELIMINARY_REVIEWER}),
    "吴发布": ("政务服务局", {Role.PUBLISHER}),
}
WECHAT = AccountElements(
    name=NAME,
    platform="微信公众号",
    handle="gh_etkqq_police",
    certified_as="公安局",
    purpose="警务信息发布",
    contact=CONTACT,
)
WECHAT_OPTIONS = [
    "--name", NAME,
    "--platform", "政务微信",  # an alias: recorded as 微信公众号
    "--handle", "gh_etkqq_police",
    "--certified-as", "公安局",
    "--opened-on", "2019-03-01",
    "--purpose", "警务信息发布",
    "--contact", CONTACT,
]  # fmt: skip
SPAWN = multiprocessing.get_context("spawn")

Cli = Callable[..., Result]
Steps = Callable[[Registry], None]


def clean(result: Result) -> Result:
    assert "Traceback" not in result.err, result.err
    return result


@pytest.fixture
def account(registry: Registry, db_url: str, cli: Cli, tmp_path: Path) -> Callable[..., Result]:
    """`registry --db URL --key KEY [--as ACTOR] account ARGS…` on the test registry, its people registered."""
    for name, (unit, roles) in PEOPLE.items():
        registry.register_actor(name, unit, frozenset(roles))
    key = tmp_path / "test.key"
    write_test_key(key)

    def run(actor: str | None, *args: str, env: dict[str, str] | None = None, key_file: bool = True) -> Result:
        given = [*(["--key", str(key)] if key_file else []), *(["--as", actor] if actor else [])]
        return clean(cli("--db", db_url, *given, "account", *args, env=env))

    return run


def as_json(result: Result) -> Any:
    assert result.code == 0, result
    return json.loads(result.out)


# -- accounts set up through the application service ----------------------------------------------------------------


def filed(account_id: str = ACCOUNT, by: str = "李公安", elements: AccountElements = WECHAT) -> Steps:
    def steps(registry: Registry) -> None:
        Accounts(registry).execute(
            FileAccount(account_id=account_id, actor=registry.actor(by), at=now(), elements=elements)
        )

    return steps


def passed(account_id: str = ACCOUNT) -> Steps:
    """The pending filing reviewed and published."""

    def steps(registry: Registry) -> None:
        accounts = Accounts(registry)
        accounts.execute(
            ReviewAccount(account_id=account_id, actor=registry.actor("孙初审"), at=now(), stage="preliminary")
        )
        accounts.execute(PublishAccount(account_id=account_id, actor=registry.actor("吴发布"), at=now()))

    return steps


def published(account_id: str = ACCOUNT, elements: AccountElements = WECHAT) -> Steps:
    def steps(registry: Registry) -> None:
        filed(account_id, elements=elements)(registry)
        passed(account_id)(registry)

    return steps


def renamed(registry: Registry) -> None:
    """Published, then renamed with a reason: the change is in review."""
    published()(registry)
    Accounts(registry).execute(
        ChangeAccount(
            account_id=ACCOUNT,
            actor=registry.actor("李公安"),
            at=now(),
            elements=AccountElements(name=NEW_NAME),
            fields=frozenset({"name"}),
            reason=RENAMED,
        )
    )


def closed(registry: Registry) -> None:
    published()(registry)
    Accounts(registry).execute(
        CloseAccount(account_id=ACCOUNT, actor=registry.actor("李公安"), at=now(), reason="整合至融媒体中心")
    )
    passed()(registry)


def refused(registry: Registry) -> None:
    filed()(registry)
    Accounts(registry).execute(
        RejectAccount(
            account_id=ACCOUNT, actor=registry.actor("孙初审"), at=now(), stage="preliminary", comment="认证主体待核实"
        )
    )


def nothing(registry: Registry) -> None:
    pass


def given(registry: Registry, *steps: Steps) -> None:
    for step in steps:
        step(registry)


# -- the lifecycle, through the CLI alone ---------------------------------------------------------------------------


def test_an_account_is_filed_published_changed_suspended_reopened_and_closed_and_its_platform_then_freed(
    account: Callable[..., Result],
) -> None:
    def step(actor: str, *args: str) -> tuple[str, str | None]:
        receipt = as_json(account(actor, *args, "--json"))
        return receipt["status"], receipt["waiting_for"]

    def reviewed_and_published() -> list[tuple[str, str | None]]:
        return [step("孙初审", "review", ACCOUNT), step("吴发布", "publish", ACCOUNT)]

    statuses = [
        step("李公安", "file", "--id", ACCOUNT, *WECHAT_OPTIONS),
        *reviewed_and_published(),
        step("李公安", "change", ACCOUNT, "--name", NEW_NAME, "--reason", RENAMED),
        *reviewed_and_published(),
        step("李公安", "suspend", ACCOUNT, "--reason", "人员调整，暂停更新"),
        *reviewed_and_published(),
        step("李公安", "change", ACCOUNT, "--reason", "恢复更新"),  # no element changes: the reopening
        *reviewed_and_published(),
        step("李公安", "close", ACCOUNT, "--reason", "整合至融媒体中心"),
        *reviewed_and_published(),
        step("李公安", "file", "--id", "NM-GAJ02", *WECHAT_OPTIONS),
    ]

    filing = [("filed", "preliminary"), ("filed", "publication"), ("open", None)]
    assert statuses == [
        *filing,
        ("open", "preliminary"),
        ("open", "publication"),
        ("open", None),
        ("open", "preliminary"),
        ("open", "publication"),
        ("suspended", None),
        ("suspended", "preliminary"),
        ("suspended", "publication"),
        ("open", None),
        ("open", "preliminary"),
        ("open", "publication"),
        ("closed", None),
        ("filed", "preliminary"),
    ]


def test_a_write_prints_the_account_its_version_its_position_and_what_it_waits_for(
    registry: Registry, account: Callable[..., Result]
) -> None:
    head = registry.store.head()[0]

    receipt = as_json(account("李公安", "file", "--id", ACCOUNT, *WECHAT_OPTIONS, "--json"))

    assert receipt == {
        "account_id": ACCOUNT,
        "version": 1,
        "position": head + 1,
        "status": "filed",
        "waiting_for": "preliminary",
    }


def test_a_write_tells_people_where_the_account_stands(account: Callable[..., Result]) -> None:
    result = account("李公安", "file", "--id", ACCOUNT, *WECHAT_OPTIONS)

    assert result.code == 0, result
    assert f"filed (开设备案): {ACCOUNT} version 1" in result.out
    assert "now 开设备案审核中; 开设备案 version 1 waits for 初审" in result.out


def test_file_records_the_platform_as_the_list_names_it_and_the_unit_of_the_filer(
    registry: Registry, account: Callable[..., Result]
) -> None:
    account("李公安", "file", "--id", ACCOUNT, *WECHAT_OPTIONS)

    state = Accounts(registry).load(ACCOUNT)[0]
    assert (state.unit, state.elements.platform, str(state.elements.opened_on)) == (
        "公安局",
        "微信公众号",
        "2019-03-01",
    )


def test_file_without_an_id_makes_a_new_one(account: Callable[..., Result]) -> None:
    first = as_json(account("李公安", "file", *WECHAT_OPTIONS, "--json"))
    second = as_json(account("李财政", "file", *WECHAT_OPTIONS, "--certified-as", "财政局", "--json"))

    assert first["account_id"].startswith("NM-") and second["account_id"].startswith("NM-")
    assert first["account_id"] != second["account_id"]


def test_review_passes_the_step_the_filing_waits_for_by_default(
    registry: Registry, account: Callable[..., Result]
) -> None:
    given(registry, filed())

    receipt = as_json(account("孙初审", "review", ACCOUNT, "--comment", "要素齐全", "--json"))

    assert receipt["waiting_for"] == "publication"


def test_review_without_a_stage_passes_the_next_step_of_the_profiles_account_review_path(
    registry: Registry, db_url: str, cli: Cli, tmp_path: Path
) -> None:
    packaged = resources.files("registry").joinpath("profiles/etuokeqianqi.toml").read_text("utf-8")
    profile = tmp_path / "two-steps.toml"
    profile.write_text('account_review = ["preliminary", "legality"]\n' + packaged, "utf-8")
    for name, (unit, roles) in PEOPLE.items():
        registry.register_actor(name, unit, frozenset(roles))
    registry.register_actor("周法务", "法务中心", frozenset({Role.LEGALITY_REVIEWER}))
    given(registry, filed(), _reviewed)

    result = clean(
        cli("--db", db_url, "--profile", str(profile), "--as", "周法务", "account", "review", ACCOUNT, "--json")
    )

    assert as_json(result)["waiting_for"] == "publication"
    assert [row["action"] for row in as_json(cli("--db", db_url, "account", "history", ACCOUNT, "--json"))][-1] == (
        "legality_review_passed"
    )


def test_change_changes_only_the_elements_given(registry: Registry, account: Callable[..., Result]) -> None:
    given(registry, published())

    account("李公安", "change", ACCOUNT, "--operator", "鄂托克前旗融媒体中心", "--reason", "委托运营")

    pending = as_json(account(None, "show", ACCOUNT, "--json"))["pending"]
    assert pending["changes"] == [{"field": "operator", "old": "", "new": "鄂托克前旗融媒体中心"}]
    assert pending["elements"] == WECHAT.as_json() | {"operator": "鄂托克前旗融媒体中心"}


# -- show, list, history ---------------------------------------------------------------------------------------------


def test_show_json_gives_the_unit_status_published_elements_with_the_contact_and_the_pending_filing(
    registry: Registry, account: Callable[..., Result]
) -> None:
    given(registry, renamed)

    shown = as_json(account(None, "show", ACCOUNT, "--json"))

    assert shown["published"].pop("published_at").endswith("Z")
    assert shown == {
        "account_id": ACCOUNT,
        "unit": "公安局",
        "status": "open",
        "status_label": "正常",
        "version": 2,
        "published": {"version": 1, "elements": WECHAT.as_json()},
        "pending": {
            "version": 2,
            "kind": "change",
            "reason": RENAMED,
            "filed_by": "李公安",
            "passed": [],
            "waiting_for": "preliminary",
            "elements": WECHAT.as_json() | {"name": NEW_NAME},
            "changes": [{"field": "name", "old": NAME, "new": NEW_NAME}],
        },
        "rejection": None,
    }


def test_show_prints_the_contact_for_staff_and_the_change_in_review(
    registry: Registry, account: Callable[..., Result]
) -> None:
    given(registry, renamed)

    result = account(None, "show", ACCOUNT)

    assert result.code == 0, result
    assert f"{ACCOUNT} · 主办单位 公安局 · 正常" in result.out
    assert "联系人" in result.out and CONTACT in result.out
    assert "in review: 变更备案 version 2, filed by 李公安, waits for 初审" in result.out
    assert f"账号名称: {NAME} → {NEW_NAME}" in result.out


def test_show_of_a_refused_filing_says_why_it_was_returned(registry: Registry, account: Callable[..., Result]) -> None:
    given(registry, refused)

    shown = as_json(account(None, "show", ACCOUNT, "--json"))

    assert (shown["status"], shown["published"], shown["pending"]) == ("refused", None, None)
    assert shown["rejection"] == {"stage": "preliminary", "comment": "认证主体待核实"}


def test_the_public_list_gives_published_accounts_and_never_their_contact(
    registry: Registry, account: Callable[..., Result]
) -> None:
    given(registry, published())

    result = account(None, "list", "--json")
    listed = as_json(result)

    assert CONTACT not in result.out
    assert [entry.pop("published_at")[-1] for entry in listed] == ["Z"]
    assert listed == [
        {
            "account_id": ACCOUNT,
            "unit": "公安局",
            "status": "open",
            "version": 1,
            **WECHAT.public_json(),
        }
    ]
    assert "contact" not in listed[0]


def test_the_public_list_as_a_table_leaves_the_contact_out_too(
    registry: Registry, account: Callable[..., Result]
) -> None:
    given(registry, published())

    result = account(None, "list")

    assert result.code == 0, result
    assert NAME in result.out and "正常" in result.out
    assert CONTACT not in result.out


def test_the_public_list_shows_a_closed_account_with_its_day_and_leaves_out_filings_in_review(
    registry: Registry, account: Callable[..., Result]
) -> None:
    given(
        registry,
        closed,
        filed("NM-NEW", elements=WECHAT),
        filed("NM-CZJ", by="李财政", elements=WECHAT.model_copy(update={"certified_as": "财政局"})),
    )

    listed = as_json(account(None, "list", "--json"))
    shown = account(None, "list")

    assert [(a["account_id"], a["status"]) for a in listed] == [(ACCOUNT, "closed")]
    assert listed[0]["published_at"] and "已注销" in shown.out  # the day it closed: its last publication
    assert [a["account_id"] for a in as_json(account(None, "list", "--status", "已注销", "--json"))] == [ACCOUNT]
    assert as_json(account(None, "list", "--status", "正常", "--json")) == []


def test_list_all_gives_every_account_with_its_status_and_no_contact(
    registry: Registry, account: Callable[..., Result]
) -> None:
    given(registry, closed, filed("NM-NEW"), _refused_weibo)

    result = account(None, "list", "--all", "--json")
    listed = as_json(result)

    assert [(a["account_id"], a["status"]) for a in listed] == [
        (ACCOUNT, "closed"),
        ("NM-NEW", "filed"),
        ("NM-WEIBO", "refused"),
    ]
    assert set(listed[0]) == {
        "account_id",
        "unit",
        "platform",
        "name",
        "status",
        "version",
        "pending_kind",
        "published_version",
        "published_at",
        "updated_at",
    }
    assert CONTACT not in result.out


def _refused_weibo(registry: Registry) -> None:
    weibo = WECHAT.model_copy(update={"platform": "新浪微博", "handle": "etkqq_police"})
    filed("NM-WEIBO", elements=weibo)(registry)
    Accounts(registry).execute(
        RejectAccount(
            account_id="NM-WEIBO", actor=registry.actor("孙初审"), at=now(), stage="preliminary", comment="重复"
        )
    )


def test_list_filters_by_unit_platform_alias_and_status(registry: Registry, account: Callable[..., Result]) -> None:
    weibo = WECHAT.model_copy(update={"platform": "新浪微博", "handle": "etkqq_police"})
    given(
        registry,
        published(),
        published("NM-WEIBO", elements=weibo),
        filed("NM-CZJ", by="李财政", elements=WECHAT.model_copy(update={"certified_as": "财政局"})),
    )

    def ids(*args: str) -> list[str]:
        return [a["account_id"] for a in as_json(account(None, "list", *args, "--json"))]

    assert ids("--platform", "微博") == ["NM-WEIBO"]
    assert ids("--unit", "公安局", "--platform", "微信") == [ACCOUNT]
    assert ids("--all", "--unit", "财政局") == ["NM-CZJ"]
    assert ids("--all", "--status", "filed") == ["NM-CZJ"]
    assert ids("--status", "suspended") == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--unit", "公按局"), "--unit: unknown unit '公按局'"),
        (("--platform", "脸书"), "--platform: unknown platform '脸书'"),
        (("--status", "filed"), "never published: list them with --all"),
        (("--status", "bogus"), "'bogus' is not one of"),
    ],
    ids=["unit", "platform", "unpublished status", "unknown status"],
)
def test_a_list_filter_that_names_nothing_is_a_usage_error(
    account: Callable[..., Result], args: tuple[str, ...], says: str
) -> None:
    result = account(None, "list", *args)

    assert result.code == 2, result
    assert says in result.err


def test_history_lists_the_old_and_the_new_name_with_the_reason(
    registry: Registry, account: Callable[..., Result]
) -> None:
    given(registry, renamed, passed())

    rows = as_json(account(None, "history", ACCOUNT, "--json"))

    change = next(row for row in rows if row["action"] == "file_change")
    assert (change["actor"], change["unit"], change["role"], change["reason"]) == (
        "李公安",
        "公安局",
        "drafter",
        RENAMED,
    )
    assert change["changes"] == [{"field": "name", "old": NAME, "new": NEW_NAME}]


def test_history_json_has_every_event_in_the_shape_of_an_item_history(
    registry: Registry, account: Callable[..., Result]
) -> None:
    given(registry, renamed, passed())

    rows = as_json(account(None, "history", ACCOUNT, "--json"))

    assert [(row["action"], row["version"], row["type"]) for row in rows] == [
        ("file", 1, "AccountFiled"),
        ("preliminary_review_passed", 1, "AccountReviewPassed"),
        ("publish", 1, "AccountPublished"),
        ("file_change", 2, "AccountChangeFiled"),
        ("preliminary_review_passed", 2, "AccountReviewPassed"),
        ("publish", 2, "AccountPublished"),
    ]
    assert [row["stream_version"] for row in rows] == [1, 2, 3, 4, 5, 6]
    assert all(row["verified"] for row in rows)
    assert set(rows[0]) == {
        "position", "stream_version", "version", "type", "action", "recorded_at", "occurred_at", "claimed_at",
        "backfilled_by", "actor", "unit", "role", "reason", "changes", "hash", "channel", "credential", "os_user",
        "verified",
    }  # fmt: skip
    assert {"field": "contact", "old": None, "new": CONTACT} in rows[0]["changes"]  # the staff's record
    assert rows[0]["channel"] == "cli"


def test_history_prints_who_did_what_and_why_in_chinese_words(
    registry: Registry, account: Callable[..., Result]
) -> None:
    given(registry, renamed, passed())

    result = account(None, "history", ACCOUNT)

    assert result.code == 0, result
    assert f"history of {ACCOUNT}: 6 event(s)" in result.out
    assert "开设备案 v1  李公安 · 公安局 · drafter" in result.out
    assert "公布（开设备案） v1  吴发布 · 政务服务局 · publisher" in result.out
    assert "变更备案 v2  李公安 · 公安局 · drafter" in result.out
    assert f"reason/comment: {RENAMED}" in result.out
    assert f"账号名称: {NAME} → {NEW_NAME}" in result.out
    assert "公布（变更备案） v2" in result.out
    assert "CHAIN BROKEN" not in result.out


def test_history_under_a_chinese_locale_names_roles_in_chinese(
    registry: Registry, account: Callable[..., Result]
) -> None:
    given(registry, renamed)

    result = account(None, "history", ACCOUNT, env={"LANG": "zh_CN.UTF-8"})

    assert result.code == 0, result
    assert "变更备案 v2  李公安 · 公安局 · 起草人" in result.out


# -- refusals, and the other exit codes ------------------------------------------------------------------------------


@dataclass
class Case:
    rule: str
    given: Steps
    actor: str
    args: tuple[str, ...]
    says: str
    key_file: bool = True


WEIBO_OPTIONS = ("--name", "鄂托克前旗公安", "--platform", "微博", "--handle", "etkqq", "--certified-as", "公安局")
CASES = {
    "second account on a platform": Case(
        "一平台一账号",
        filed(),
        "赵公安",
        ("file", "--id", "NM-GAJ02", *WECHAT_OPTIONS),
        f"公安局 already has an account on 微信公众号 ({ACCOUNT})",
    ),
    "certification naming another unit": Case(
        "认证一致",
        nothing,
        "李公安",
        ("file", "--id", ACCOUNT, *WEIBO_OPTIONS, "--certified-as", "鄂托克前旗融媒体中心"),
        "must name its 主办单位 公安局",
    ),
    "no handle": Case("账号要素", nothing, "李公安", ("file", "--name", "x", "--platform", "抖音"), "平台账号标识"),
    "change without a reason": Case(
        "变更留痕", published(), "李公安", ("change", ACCOUNT, "--name", NEW_NAME), "states its reason"
    ),
    "suspension without a reason": Case("变更留痕", published(), "李公安", ("suspend", ACCOUNT), "states its reason"),
    "closure without a reason": Case("变更留痕", published(), "李公安", ("close", ACCOUNT), "states its reason"),
    "change of a closed account": Case(
        "注销不可恢复", closed, "李公安", ("change", ACCOUNT, "--name", NEW_NAME, "--reason", "重新启用"), "for good"
    ),
    "filing for another unit": Case(
        "起草主体", nothing, "李财政", ("file", "--unit", "公安局", *WEIBO_OPTIONS), "only drafters (起草人) of 公安局"
    ),
    "review by a drafter": Case("初审主体", filed(), "李财政", ("review", ACCOUNT), "政务服务局"),
    "review of one's own filing": Case(
        "审核分离",
        filed(by="陈政务", elements=WECHAT.model_copy(update={"certified_as": "政务服务局"})),
        "陈政务",
        ("review", ACCOUNT),
        "陈政务 filed version 1",
    ),
    "rejection without a comment": Case("退回说明", filed(), "孙初审", ("reject", ACCOUNT), "comment"),
    "publication before review": Case("审查顺序", filed(), "吴发布", ("publish", ACCOUNT), "waits for 初审"),
    "review with nothing in review": Case(
        "审查顺序", published(), "孙初审", ("review", ACCOUNT), "no filing in review"
    ),
    "id filed again": Case("账号存在", filed(), "李公安", ("file", "--id", ACCOUNT, *WEIBO_OPTIONS), "already exists"),
    "publication by a drafter": Case("公布主体", filed(), "李公安", ("publish", ACCOUNT), "publishers"),
    "publication without the signing key": Case(
        "签名密钥", lambda registry: given(registry, filed(), _reviewed), "吴发布", ("publish", ACCOUNT), "key", False
    ),
}


def _reviewed(registry: Registry) -> None:
    Accounts(registry).execute(
        ReviewAccount(account_id=ACCOUNT, actor=registry.actor("孙初审"), at=now(), stage="preliminary")
    )


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_a_refusal_exits_4_names_its_rule_and_records_nothing(
    registry: Registry, account: Callable[..., Result], case: Case
) -> None:
    case.given(registry)
    before = registry.store.head()

    result = account(case.actor, *case.args, key_file=case.key_file)

    assert result.code == 4, result
    assert result.err.startswith(f"refused [{case.rule}]: "), result.err
    assert case.says in result.err
    assert result.out == ""
    assert registry.store.head() == before, "a refused command recorded something"


def test_a_refusal_with_json_prints_the_rule_for_programs(registry: Registry, account: Callable[..., Result]) -> None:
    given(registry, filed())

    result = account("赵公安", "file", *WECHAT_OPTIONS, "--json")

    assert result.code == 4
    error = json.loads(result.out)["error"]
    assert (error["exit"], error["rule"]) == (4, "一平台一账号")
    assert error["message"].startswith("公安局 already has an account on 微信公众号")


def test_a_refusal_under_a_chinese_locale_keeps_its_rule_and_exit_code(
    registry: Registry, account: Callable[..., Result]
) -> None:
    given(registry, filed())

    result = account("赵公安", "file", *WECHAT_OPTIONS, env={"LANG": "zh_CN.UTF-8"})

    assert result.code == 4
    assert result.err.startswith("已拒绝 [一平台一账号]")


@pytest.mark.parametrize(
    ("actor", "args"),
    [(None, ("show", "NM-NONE")), (None, ("history", "NM-NONE")), ("孙初审", ("review", "NM-NONE"))],
    ids=["show", "history", "review"],
)
def test_an_unknown_account_exits_3(account: Callable[..., Result], actor: str | None, args: tuple[str, ...]) -> None:
    result = account(actor, *args)

    assert result.code == 3, result
    assert "no account 'NM-NONE'" in result.err


@pytest.mark.parametrize(
    ("actor", "args", "says"),
    [
        (None, ("file", *WECHAT_OPTIONS), "--as ACTOR"),
        ("李公安", ("file", *WECHAT_OPTIONS, "--opened-on", "2019-13-01"), "'2019-13-01' is not a date"),
        ("孙初审", ("review", ACCOUNT, "--stage", "终审"), "'终审' is not one of"),
        ("李公安", ("frobnicate",), "No such command"),
    ],
    ids=["no actor", "bad date", "bad stage", "unknown command"],
)
def test_a_usage_error_exits_2(
    account: Callable[..., Result], actor: str | None, args: tuple[str, ...], says: str
) -> None:
    result = account(actor, *args)

    assert result.code == 2, result
    assert says in result.err


def test_an_account_command_takes_no_backfill(registry: Registry, db_url: str, cli: Cli) -> None:
    registry.register_actor("李公安", "公安局", frozenset({Role.DRAFTER}))
    backfill = ("--backfill-at", "2020-06-01T10:00+08:00", "--backfill-by", "李公安")

    result = clean(cli("--db", db_url, "--as", "李公安", *backfill, "account", "file", *WECHAT_OPTIONS))

    assert result.code == 2, result
    assert "take no --backfill-at" in result.err


def test_an_element_too_long_is_invalid_input(account: Callable[..., Result]) -> None:
    result = account("李公安", "file", *WECHAT_OPTIONS, "--handle", "x" * 501)

    assert result.code == 7, result
    assert "handle" in result.err


# -- retries ---------------------------------------------------------------------------------------------------------


def test_a_retry_with_the_same_command_id_is_one_filing(registry: Registry, account: Callable[..., Result]) -> None:
    before = registry.store.head()[0]

    first = as_json(account("李公安", "file", *WECHAT_OPTIONS, "--command-id", "gaj-wechat-1", "--json"))
    again = account("李公安", "file", *WECHAT_OPTIONS, "--command-id", "gaj-wechat-1")

    assert again.code == 0, again
    assert f"{first['account_id']} version 1 (log position {first['position']})" in again.out
    assert "already recorded by an earlier run of this command" in again.out
    assert registry.store.head()[0] == before + 1
    assert [a["account_id"] for a in as_json(account(None, "list", "--all", "--json"))] == [first["account_id"]]


def test_another_command_under_a_used_command_id_exits_5(registry: Registry, account: Callable[..., Result]) -> None:
    given(registry, published())
    account("李公安", "suspend", ACCOUNT, "--reason", "暂停更新", "--command-id", "gaj-1")
    before = registry.store.head()

    result = account("李公安", "file", *WEIBO_OPTIONS, "--command-id", "gaj-1")

    assert result.code == 5, result
    assert registry.store.head() == before


# -- two filings at the same moment ------------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["微信公众号", "新浪微博", "抖音"])
def test_of_two_concurrent_filings_on_one_platform_exactly_one_lands(
    registry: Registry, db_url: str, tmp_path: Path, platform: str
) -> None:
    for name, (unit, roles) in PEOPLE.items():
        registry.register_actor(name, unit, frozenset(roles))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_") and k not in LOCALE_VARIABLES}
    environment |= {"LANG": "C.UTF-8", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    filers = {"NM-A": "李公安", "NM-B": "赵公安"}
    barrier = SPAWN.Barrier(len(filers))

    def arguments(account_id: str, actor: str) -> list[str]:
        return [
            "--db", db_url, "--as", actor, "account", "file", "--id", account_id, "--platform", platform,
            "--name", f"鄂托克前旗公安（{platform}）", "--handle", f"{account_id}-handle", "--certified-as", "公安局",
        ]  # fmt: skip

    racers = {
        account_id: SPAWN.Process(
            target=file_account,
            args=(arguments(account_id, actor), str(tmp_path / account_id), environment, barrier),
        )
        for account_id, actor in filers.items()
    }
    for racer in racers.values():
        racer.start()
    for racer in racers.values():
        racer.join(TIMEOUT)
        if racer.is_alive():
            racer.kill()

    codes = {account_id: racer.exitcode for account_id, racer in racers.items()}
    assert sorted(code for code in codes.values() if code is not None) == [0, 4], codes
    (winner,) = [account_id for account_id, code in codes.items() if code == 0]
    (loser,) = [account_id for account_id, code in codes.items() if code == 4]
    refusal = (tmp_path / f"{loser}.err").read_text("utf-8")
    assert refusal.startswith("refused [一平台一账号]: "), refusal
    assert f"({winner})" in refusal
    with registry.store.reading() as conn:
        assert media_accounts.holders(conn, "公安局", platform) == (winner,)
