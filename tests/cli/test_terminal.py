"""What `registry` prints for people cannot steer their terminal: C1 control characters in recorded text are shown,
not sent. (They are valid text, kept exactly in the log and in every JSON output.)"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
from collections.abc import Callable
from pathlib import Path

from rich.cells import cell_len

from tests.conftest import REGISTRY_BIN, Result

CSI = "\u009b"  # a one-character "ESC [": 31m would turn the rest of the screen red on a terminal that obeys it
CONTENT = f"补贴对象名单{CSI}31m；发放标准"
REASON = f"材料不全{CSI}2J请补充"


def test_c1_controls_are_shown_escaped_to_people_and_kept_exact_in_json(cli: Callable[..., Result]) -> None:
    assert cli("init").code == 0
    for name, unit, role in (("李财政", "财政局", "drafter"), ("孙初审", "政务服务局", "preliminary_reviewer")):
        assert cli("actor", "add", name, "--unit", unit, "--role", role).code == 0
    drafted = cli(
        "--as", "李财政", "draft", "--id", "bt-1", "--domain", "财政预决算", "--category", "财政预决算",
        "--name", "补贴发放", "--content", CONTENT, "--basis", "《预算法》", "--time-limit", "20个工作日内",
        "--body", "财政局", "--channel", "政府网站", "--audience", "public", "--method", "proactive",
        "--level", "county",
    )  # fmt: skip
    assert drafted.code == 0, drafted.err
    assert cli("--as", "李财政", "submit", "bt-1").code == 0
    rejected = cli("--as", "孙初审", "review", "bt-1", "--stage", "preliminary", "--reject", "--comment", REASON)
    assert rejected.code == 0, rejected.err

    shown, history = cli("show", "bt-1"), cli("history", "bt-1")
    as_json = json.loads(cli("show", "bt-1", "--json").out)
    history_json = json.loads(cli("history", "bt-1", "--json").out)

    for printed in (shown, history):
        assert printed.code == 0, printed.err
        assert CSI not in printed.out
    assert "补贴对象名单\\x9b31m；发放标准" in shown.out
    assert "材料不全\\x9b2J请补充" in history.out
    assert as_json["elements"]["content"] == CONTENT
    assert REASON in [row["reason"] for row in history_json]


# A long 公开内容 and 公开依据, and a title that mixes CJK text with words that must stay whole.
LONG_CONTENT = (
    "一般公共预算、政府性基金预算、国有资本经营预算、社会保险基金预算，政府债务限额、余额等，“三公”经费预算情况说明" * 2
)
LONG_BASIS = "《中华人民共和国预算法》《中华人民共和国预算法实施条例》《地方预决算公开操作规程》《政府信息公开条例》"
MIXED_TITLE = "政府预算 (draft) 2024-03-01 reviewed-by 情况说明"


def drafted_long_item(cli: Callable[..., Result]) -> None:
    assert cli("init").code == 0
    assert cli("actor", "add", "李财政", "--unit", "财政局", "--role", "drafter").code == 0
    drafted = cli(
        "--as", "李财政", "draft", "--id", "ys-long", "--domain", "财政预决算", "--category", "财政预决算",
        "--name", MIXED_TITLE, "--content", LONG_CONTENT, "--basis", LONG_BASIS, "--time-limit", "20个工作日内",
        "--body", "财政局", "--channel", "政府网站", "--audience", "public", "--method", "proactive",
        "--level", "county",
    )  # fmt: skip
    assert drafted.code == 0, drafted.err


def in_terminal(cwd: Path, *args: str, columns: int = 80, colour: bool = False) -> str:
    """What `registry ARGS` shows on a terminal `columns` wide (a real pseudo-terminal, as a person's shell has);
    with `colour`, in colour and with the escape sequences that make it."""
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_") and k != "COLUMNS"}
    environment |= {"TERM": "xterm", "LANG": "C.UTF-8", "XDG_CONFIG_HOME": str(cwd / "config")}
    environment.pop("NO_COLOR", None)
    if not colour:
        environment["NO_COLOR"] = "1"
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        environment.pop(variable, None)
    process = subprocess.Popen(
        [str(REGISTRY_BIN), *args], stdin=secondary, stdout=secondary, stderr=secondary, cwd=cwd, env=environment
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed: the process exited
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=60) == 0
    os.close(primary)
    printed = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    return printed if colour else re.sub(r"\x1b\[[0-9;]*m", "", printed)


def second_column(printed: str, label: str) -> str:
    """The text of the row `label` of an elements table, its wrapped lines joined again."""
    text, inside = [], False
    for line in printed.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) != 2:
            inside = False
            continue
        if cells[0] == label:
            inside = True
        elif cells[0]:
            inside = False
        if inside:
            text.append(cells[1])
    return "".join(text)


def test_output_that_is_not_a_terminal_is_never_cut(cli: Callable[..., Result]) -> None:
    drafted_long_item(cli)

    shown, listed = cli("show", "ys-long"), cli("list")

    assert "…" not in shown.out + listed.out
    assert LONG_CONTENT in shown.out
    assert LONG_BASIS in shown.out
    assert MIXED_TITLE in listed.out


def test_a_terminal_of_80_columns_wraps_cells_between_characters_and_keeps_words_whole(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    drafted_long_item(cli)

    shown, listed = in_terminal(tmp_path, "show", "ys-long"), in_terminal(tmp_path, "list")

    for printed in (shown, listed):
        assert "…" not in printed
        assert max(cell_len(line) for line in printed.splitlines()) <= 80
    assert second_column(shown, "公开内容（要素）") == LONG_CONTENT
    assert second_column(shown, "公开依据") == LONG_BASIS
    for word in ("(draft)", "2024-03-01", "reviewed-by", "ys-long"):
        assert word in listed, f"{word} was split:\n{listed}"


def test_brackets_in_recorded_text_are_text_not_markup(cli: Callable[..., Result]) -> None:
    assert cli("init").code == 0
    assert cli("actor", "add", "李财政", "--unit", "财政局", "--role", "drafter").code == 0
    name = "预算[/b]表 [red]x[/red]"
    drafted = cli(
        "--as", "李财政", "draft", "--id", "bt-2", "--domain", "财政预决算", "--name", name, "--content", "[b]要素[/b]",
    )  # fmt: skip
    assert drafted.code == 0, drafted.err

    shown, listed = cli("show", "bt-2"), cli("list")

    assert shown.code == 0 and listed.code == 0, shown.err + listed.err
    assert name in shown.out and "[b]要素[/b]" in shown.out
    assert name in listed.out
