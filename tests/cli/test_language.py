"""The registry speaks Chinese under a Chinese locale (LANG=zh_CN.UTF-8, or LC_ALL, LC_MESSAGES, LANGUAGE), English
otherwise; enumerated option values are accepted in English and in Chinese in any locale."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version

import pytest

from tests.conftest import Result

Cli = Callable[..., Result]
CHINESE = {"LANG": "zh_CN.UTF-8"}
ELEMENTS = (
    "--name", "政府预算", "--content", "一般公共预算收支", "--basis", "《中华人民共和国预算法》",
    "--time-limit", "批准后20日内", "--body", "财政局", "--channel", "政府网站",
    "--audience", "全社会", "--method", "主动", "--level", "县级",
)  # fmt: skip


@pytest.fixture
def submitted(cli: Cli) -> Cli:
    """A registry with a submitted item ys-2024 of 财政局, and 赵财审, a preliminary reviewer of the wrong unit."""
    for args in (
        ("init", "--admin", "管理员"),
        ("--as", "管理员", "actor", "add", "李财政", "--unit", "财政局", "--role", "drafter"),
        ("--as", "管理员", "actor", "add", "孙初审", "--unit", "政务服务局", "--role", "初审人"),
        ("--as", "管理员", "actor", "add", "赵财审", "--unit", "财政局", "--role", "preliminary_reviewer"),
        ("--as", "李财政", "draft", "--id", "ys-2024", "--domain", "财政预决算", *ELEMENTS),
        ("--as", "李财政", "submit", "ys-2024"),
    ):
        assert cli(*args).code == 0, args
    return cli


def test_the_help_speaks_chinese_under_a_chinese_locale(cli: Cli) -> None:
    shown = cli("--help", env=CHINESE)

    assert shown.code == 0
    assert "政务公开事项标准目录登记库" in shown.out
    assert "选项" in shown.out and "命令" in shown.out
    assert "在某一审核环节通过或退回待办版本" in shown.out  # review's help, in the list of commands


def test_a_command_s_help_speaks_chinese_under_a_chinese_locale(cli: Cli) -> None:
    shown = cli("review", "--help", env=CHINESE)

    assert "审核意见（--reject 时必填）" in shown.out
    assert "初审 (preliminary)" in shown.out


@pytest.mark.parametrize(
    "locale",
    [{"LC_ALL": "zh_CN.UTF-8"}, {"LC_MESSAGES": "zh_CN.UTF-8"}, {"LANGUAGE": "zh_CN", "LANG": "C"}, {"LANG": "zh_CN"}],
)
def test_the_locale_is_read_as_gettext_reads_it(cli: Cli, locale: dict[str, str]) -> None:
    assert "选项" in cli("--help", env=locale).out


@pytest.mark.parametrize("lang", ["C", "C.UTF-8", "en_US.UTF-8", "xx_YY.UTF-8", "!!", ""])
def test_any_other_locale_speaks_english(cli: Cli, lang: str) -> None:
    shown = cli("review", "--help", env={"LANG": lang})

    assert shown.code == 0
    assert "Pass or reject the pending version at a review stage." in shown.out


def test_a_refusal_speaks_chinese_with_the_rule_s_name_and_the_same_exit_code(submitted: Cli) -> None:
    refused = submitted("--as", "赵财审", "review", "ys-2024", "--stage", "preliminary", "--pass", env=CHINESE)

    assert refused.code == 4
    assert refused.err.strip() == "已拒绝 [初审主体]：初审由政务服务局的初审人办理"


def test_a_refusal_speaks_english_under_the_c_locale(submitted: Cli) -> None:
    refused = submitted("--as", "赵财审", "review", "ys-2024", "--stage", "preliminary", "--pass", env={"LANG": "C"})

    assert refused.code == 4
    assert refused.err.strip() == (
        "refused [初审主体]: the preliminary review is done by 政务服务局's preliminary reviewers (初审人)"
    )


def test_a_refusal_with_nested_messages_is_chinese_throughout(submitted: Cli) -> None:
    refused = submitted("--as", "李财政", "submit", "ys-2024", env=CHINESE)

    assert refused.code == 4
    assert refused.err.strip() == "已拒绝 [审查顺序]：提交要求事项处于梳理；当前处于已提交，待初审"


def test_a_review_stage_is_accepted_in_chinese(submitted: Cli) -> None:
    passed = submitted("--as", "孙初审", "review", "ys-2024", "--stage", "初审", "--pass", env=CHINESE)

    assert passed.code == 0
    assert passed.out.startswith("初审通过：ys-2024 第 1 版")


@pytest.mark.parametrize("status", ["已公布", "published", "待初审", "submitted"])
def test_a_status_is_accepted_in_english_and_in_chinese_in_any_locale(submitted: Cli, status: str) -> None:
    listed = submitted("list", "--status", status, "--json")

    assert listed.code == 0
    assert listed.out.count('"item_id"') == (1 if status in ("待初审", "submitted") else 0)


def test_an_unknown_status_is_a_usage_error_that_lists_the_choices(cli: Cli) -> None:
    refused = cli("list", "--status", "已发布了", env=CHINESE)

    assert refused.code == 2
    assert "已公布 (published)" in refused.err


def test_show_names_the_version_s_state_in_chinese(cli: Cli, demo: str) -> None:
    shown = cli("--db", demo, "show", "czj-yusuan", env=CHINESE)

    assert "第 1 版（已公布）" in shown.out.splitlines()[0]


def test_history_names_the_roles_in_chinese(cli: Cli, demo: str) -> None:
    shown = cli("--db", demo, "history", "czj-yusuan", env=CHINESE)

    assert " · 起草人 · " in shown.out and " · 发布人 · " in shown.out
    assert "drafter" not in shown.out and "publisher" not in shown.out


def test_the_demo_s_summary_names_the_statuses_in_chinese(cli: Cli) -> None:
    built = cli("demo", "--no-serve", env=CHINESE)

    assert built.code == 0, built.err
    summary = built.out.splitlines()[0]
    assert "已公布 " in summary and "、梳理中 " in summary
    assert "published" not in summary and "draft" not in summary


def test_an_export_name_with_an_unknown_suffix_lists_the_formats_as_chinese_lists_them(cli: Cli, demo: str) -> None:
    refused = cli("--db", demo, "export", "-o", "catalog.pdf", env=CHINESE)

    assert refused.code == 2
    assert ".xlsx、.csv、.json、.html" in refused.err


def test_version_prints_the_package_version(cli: Cli) -> None:
    shown = cli("--version")

    assert (shown.code, shown.out) == (0, f"registry {version('catalog-registry')}\n")


@pytest.mark.parametrize("command", [(), ("actor",), ("actor", "add"), ("review",), ("report", "coverage")])
def test_h_is_help_everywhere(cli: Cli, command: tuple[str, ...]) -> None:
    short, long = cli(*command, "-h"), cli(*command, "--help")

    assert (short.code, short.out) == (0, long.out)
    assert "Usage:" in short.out


def test_click_s_own_help_texts_speak_chinese(cli: Cli) -> None:
    shown = cli("review", "--help", env=CHINESE)

    assert shown.out.startswith("用法：registry review [选项]")
    assert "显示本帮助并退出。" in shown.out
    assert "Usage" not in shown.out and "Show this message" not in shown.out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("review", "ys-2024", "--pass"), "用法错误：缺少选项 '--stage'。"),
        (("checkpoints", "--limit", "many"), "用法错误：'--limit' 的取值无效：应为整数，无法将输入解析为整数"),
        (("list", "--bogus"), "用法错误：没有选项：--bogus"),
        (("revie",), "用法错误：没有命令 'revie'。是否要执行 'revise'、'review'、'retire'？"),
        (("list", "extra"), "用法错误：多余的参数（extra）"),
    ],
)
def test_a_usage_error_speaks_chinese_with_exit_2(cli: Cli, args: tuple[str, ...], said: str) -> None:
    refused = cli(*args, env=CHINESE)

    assert refused.code == 2
    assert refused.err.startswith("用法：registry")
    assert "执行 'registry" in refused.err and "-h' 查看帮助。" in refused.err
    assert refused.err.rstrip().endswith(said)


def test_a_usage_error_keeps_click_s_english_under_the_c_locale(cli: Cli) -> None:
    refused = cli("review", "ys-2024", "--pass")

    assert refused.code == 2
    assert refused.err == (
        "Usage: registry review [OPTIONS] {item}\nTry 'registry review -h' for help.\n\n"
        "usage error: Missing option '--stage'.\n"
    )


def test_the_staff_access_and_proof_commands_speak_chinese(cli: Cli) -> None:
    assert "撤销 API 令牌" in cli("token", "revoke", "--help", env=CHINESE).out
    assert "最新的签名检查点" in cli("head", "--help", env=CHINESE).out
    assert cli("head", env=CHINESE).err.strip().startswith("错误：")
