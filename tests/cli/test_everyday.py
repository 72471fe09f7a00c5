"""Everyday use, as a new user meets it: one clock, paged lists, proofs for people, JSON errors for scripts, a wrong
export name, a busy port, a key others can read."""

from __future__ import annotations

import json
import os
import shlex
import socket
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Result

Cli = Callable[..., Result]


def test_history_shows_the_jurisdictions_time_with_its_zone_and_json_keeps_utc(cli: Cli) -> None:
    assert cli("init", "--admin", "管理员").code == 0
    assert cli("--as", "管理员", "actor", "add", "李财政", "--unit", "财政局", "--role", "drafter").code == 0
    backfill = ("--backfill-at", "2020-06-01T10:00+08:00", "--backfill-by", "管理员")
    drafted = cli("--as", "李财政", *backfill, "draft", "--id", "old", "--domain", "财政预决算", "--name", "政府预算")
    assert drafted.code == 0, drafted.err

    shown = cli("history", "old")
    as_json = json.loads(cli("history", "old", "--json").out)

    assert "2020-06-01 10:00:00 Beijing time" in shown.out
    assert "UTC" not in shown.out
    assert as_json[0]["occurred_at"] == "2020-06-01T02:00:00.000000Z"
    chinese = cli("history", "old", env={"LANG": "zh_CN.UTF-8"})
    assert "2020-06-01 10:00:00 北京时间" in chinese.out


def test_list_pages_a_long_catalog_and_says_how_to_see_the_rest(cli: Cli, demo: str) -> None:
    everything = json.loads(cli("--db", demo, "list", "--json").out)
    assert len(everything) > 5

    first, second = (
        cli("--db", demo, "list", "--limit", "5"),
        cli("--db", demo, "list", "--limit", "5", "--offset", "5"),
    )
    first_json = json.loads(cli("--db", demo, "list", "--limit", "5", "--json").out)

    assert f"items 1–5 of {len(everything)}" in first.out
    assert "--offset 5" in first.out
    assert f"items 6–10 of {len(everything)}" in second.out
    assert [row["item_id"] for row in first_json] == [row["item_id"] for row in everything[:5]]
    for row in everything[:5]:
        assert row["item_id"] in first.out
    for row in everything[5:10]:
        assert row["item_id"] in second.out and row["item_id"] not in first.out


def test_list_past_the_end_says_there_are_no_items_there_and_how_many_there_are(cli: Cli, demo: str) -> None:
    total = len(json.loads(cli("--db", demo, "list", "--json").out))

    past = cli("--db", demo, "list", "--offset", "500")

    assert past.code == 0
    assert past.out.strip() == f"no items at offset 500: there are {total}"
    assert "501" not in past.out


def test_list_says_how_many_the_next_page_holds(cli: Cli, demo: str) -> None:
    total = len(json.loads(cli("--db", demo, "list", "--json").out))

    shown = cli("--db", demo, "list", "--limit", "5", "--offset", str(total - 8))

    assert "(the next 3)" in shown.out


def test_the_next_page_hint_is_a_command_that_runs_as_printed_with_the_filters(
    cli: Cli, demo: str, tmp_path: Path
) -> None:
    filters = ("--status", "已公布", "--domain", "财政预决算")
    everything = json.loads(cli("--db", demo, "list", *filters, "--json").out)
    first = cli("--db", demo, "list", *filters, "--limit", "3")
    more = next(line for line in first.out.splitlines() if line.startswith("more: "))
    command = shlex.split(more.removeprefix("more: ").rsplit(" (the next", 1)[0])

    assert command[1:3] == ["--db", demo]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=os.environ | {"LANG": "C.UTF-8"})

    assert done.returncode == 0, done.stderr
    assert f"items 4–6 of {len(everything)}" in done.stdout
    for row in everything[3:6]:
        assert row["item_id"] in done.stdout
    everyone = next(line for line in first.out.splitlines() if line.startswith(f"all {len(everything)}: "))
    assert everyone.endswith("list --status published --domain 财政预决算 --limit 0")


def test_prove_speaks_to_people_and_gives_the_file_with_json(cli: Cli, demo: str) -> None:
    shown = cli("--db", demo, "prove", "czj-yusuan")
    as_json = json.loads(cli("--db", demo, "prove", "czj-yusuan", "--json").out)

    assert shown.code == 0, shown.err
    assert not shown.out.lstrip().startswith("{")
    assert f"leaf {as_json['leafIdx']}" in shown.out
    assert str(as_json["treeSize"]) in shown.out
    assert "--json" in shown.out


def test_checkpoints_lists_the_sizes_a_consistency_proof_can_join(cli: Cli, demo: str) -> None:
    listed = json.loads(cli("--db", demo, "checkpoints", "--json").out)
    sizes = [checkpoint["size"] for checkpoint in listed]
    assert sizes == sorted(sizes, reverse=True) and len(sizes) >= 2

    table = cli("--db", demo, "checkpoints")
    missing = cli("--db", demo, "prove", "--consistency", str(sizes[-1] + 1), str(sizes[0]))
    proof = cli("--db", demo, "prove", "--consistency", str(sizes[-1]), str(sizes[0]), "--json")

    for size in sizes:
        assert str(size) in table.out
    assert missing.code == 3
    assert "registry checkpoints" in missing.err
    assert proof.code == 0 and json.loads(proof.out)["size1"] == sizes[-1]


def test_a_failure_asked_for_as_json_is_json(cli: Cli, demo: str) -> None:
    missing = cli("--db", demo, "history", "NOPE", "--json")
    refused = cli("--db", demo, "--as", "李财政", "submit", "czj-yusuan", "--json")

    assert missing.code == 3
    assert json.loads(missing.out) == {
        "error": {"exit": 3, "message": "no item 'NOPE'", "text": "error: no item 'NOPE'"}
    }
    assert refused.code == 4
    assert json.loads(refused.out)["error"]["rule"]
    assert not json.loads(refused.out)["error"]["message"].startswith("refused")


def test_a_json_failure_s_message_is_english_and_its_text_what_the_reader_was_told(cli: Cli, demo: str) -> None:
    submit = ("--db", demo, "--as", "李财政", "submit", "czj-yusuan", "--json")
    missing = cli("--db", demo, "history", "NOPE", "--json", env={"LANG": "zh_CN.UTF-8"})
    refused, in_english = cli(*submit, env={"LANG": "zh_CN.UTF-8"}), cli(*submit)

    assert json.loads(missing.out)["error"] == {"exit": 3, "message": "no item 'NOPE'", "text": missing.err.strip()}
    assert missing.err.startswith("错误：")
    said = json.loads(refused.out)["error"]
    assert said["text"] == refused.err.strip() and said["text"].startswith("已拒绝 [")
    assert said["message"] == json.loads(in_english.out)["error"]["message"]
    assert in_english.err.strip() == f"refused [{said['rule']}]: {said['message']}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list", "--status", "bogus"), "Invalid value for '--status': 'bogus' is not one of draft (梳理中)"),
        (("review", "czj-yusuan", "--pass"), "Missing option '--stage'."),
        (("list", "--bogus"), "No such option: --bogus"),
    ],
)
def test_a_usage_error_asked_for_as_json_is_json_too(cli: Cli, demo: str, args: tuple[str, ...], message: str) -> None:
    english = cli("--db", demo, *args, "--json")
    chinese = cli("--db", demo, *args, "--json", env={"LANG": "zh_CN.UTF-8"})

    assert english.code == chinese.code == 2
    assert json.loads(english.out)["error"]["message"].startswith(message)
    assert json.loads(english.out)["error"]["text"] == english.err.strip().splitlines()[-1]
    assert json.loads(chinese.out)["error"]["message"] == json.loads(english.out)["error"]["message"]
    assert json.loads(chinese.out)["error"]["text"].startswith("用法错误：")


def test_an_export_file_name_with_an_unknown_suffix_is_refused_naming_the_supported_ones(
    cli: Cli, demo: str, tmp_path: Path
) -> None:
    refused = cli("--db", demo, "export", "-o", "catalog.pdf")
    chosen = cli("--db", demo, "export", "-o", "catalog.pdf", "--format", "csv")

    assert refused.code == 2
    for suffix in (".xlsx", ".csv", ".json", ".html"):
        assert suffix in refused.err
    assert chosen.code == 0, chosen.err
    assert not (tmp_path / "catalog.pdf").read_bytes().startswith(b"PK")  # a CSV as asked, not an xlsx (a zip)
    assert not (tmp_path / "catalog.pdf.partial").exists()


@pytest.fixture
def busy_port() -> Iterator[int]:
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    yield held.getsockname()[1]
    held.close()


def test_serve_on_a_port_in_use_is_a_usage_error_said_before_anything_else(cli: Cli, demo: str, busy_port: int) -> None:
    served = cli("--db", demo, "serve", "--port", str(busy_port))

    assert served.code == 2
    assert served.out == ""
    assert f"port {busy_port}" in served.err and "in use" in served.err
    assert "Traceback" not in served.err


def test_init_warns_when_others_can_read_the_signing_key(cli: Cli, tmp_path: Path) -> None:
    assert cli("init").code == 0
    key = tmp_path / "registry.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    quiet = cli("init")

    os.chmod(key, 0o644)
    warned = cli("init")

    assert "warning" not in quiet.err
    assert warned.code == 0
    assert "can be read by other users" in warned.err and "chmod 600" in warned.err


def test_the_demo_on_a_port_in_use_says_so_before_building_or_printing_anything(
    cli: Cli, busy_port: int, tmp_path: Path
) -> None:
    demo = cli("demo", "--port", str(busy_port))

    assert demo.code == 2
    assert demo.out == ""
    assert "in use" in demo.err and "PORT=" in demo.err
    assert not (tmp_path / "demo.db").exists()


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_a_port_out_of_range_is_a_usage_error(cli: Cli, port: str) -> None:
    served = cli("serve", "--port", port)

    assert served.code == 2
    assert "--port" in served.err


def test_history_with_a_profile_that_cannot_be_read_is_invalid_input_not_a_crash(
    cli: Cli, demo: str, tmp_path: Path
) -> None:
    (tmp_path / "mars.toml").write_text('jurisdiction = "火星"\ntimezone = "Mars/Base"\n', "utf-8")

    for profile in ("missing.toml", "mars.toml"):
        shown = cli("--db", demo, "--profile", profile, "history", "czj-yusuan")
        assert shown.code == 7, shown
        assert "Traceback" not in shown.err and profile in shown.err


def test_an_export_time_without_an_offset_is_the_jurisdictions_time(cli: Cli, demo: str, tmp_path: Path) -> None:
    counts = {}
    for given in ("2020-09-27T09:00", "2020-09-27T09:00+08:00", "2020-09-27T09:00Z"):
        done = cli("--db", demo, "export", "-o", "c.json", "--as-of", given, "--json")
        assert done.code == 0, done.err
        counts[given] = json.loads(done.out)["items"]

    # 09:00 in Beijing is 01:00 UTC; the demo publishes between them, so the instants give different catalogs.
    assert counts["2020-09-27T09:00"] == counts["2020-09-27T09:00+08:00"] != counts["2020-09-27T09:00Z"]


def test_list_names_a_pending_adjustment_in_chinese_like_the_status(cli: Cli, demo: str) -> None:
    rows = json.loads(cli("--db", demo, "list", "--json").out)
    adjusted = next(r for r in rows if r["pending_kind"] == "change" and r["published_version"])

    listed = cli("--db", demo, "list", "--limit", "0")

    line = next(line for line in listed.out.splitlines() if adjusted["item_id"] in line)
    assert "（变更）" in line and "(change)" not in listed.out
