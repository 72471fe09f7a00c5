"""What `registry` prints for people cannot steer their terminal: C1 control characters in recorded text are shown,
not sent. (They are valid text, kept exactly in the log and in every JSON output.)"""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conftest import Result

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
