"""`registry demo` as a newcomer meets it: run by its path from a shell whose PATH lacks .venv/bin (as `make demo`
runs it), and every command it prints run exactly as printed."""

from __future__ import annotations

import json
import os
import shlex
import signal
import sqlite3
import subprocess
from collections import Counter
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from cli.invocation import path_hint, program, shell_words
from tests.api.server import free_port, serve_process
from tests.conftest import REGISTRY_BIN

VENV = REGISTRY_BIN.parent.parent
INVOKED = ".venv/bin/registry"  # as the Makefile runs it
WITHOUT_VENV = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != VENV / "bin")
WITH_VENV = os.pathsep.join([str(VENV / "bin"), WITHOUT_VENV])
SECONDS = 120


def environment(path: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_") and k != "VIRTUAL_ENV"}
    return kept | {"PATH": path, "LANG": "C.UTF-8"}


def run(directory: Path, words: list[str], path: str = WITHOUT_VENV) -> subprocess.CompletedProcess[str]:
    return subprocess.run(words, capture_output=True, text=True, cwd=directory, env=environment(path), timeout=SECONDS)


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with the project's .venv (linked) where `.venv/bin/registry demo --no-serve` built demo.db."""
    directory = tmp_path_factory.mktemp("newcomer")
    (directory / ".venv").symlink_to(VENV, target_is_directory=True)
    built = run(directory, [INVOKED, "demo", "--no-serve"])
    assert built.returncode == 0, built.stderr
    (directory / "built.txt").write_text(built.stdout, "utf-8")  # what the first run printed
    return directory


def commands(printed: str) -> list[str]:
    """The commands among the demo's hints: the lines indented by two spaces."""
    return [line.strip() for line in printed.splitlines() if line.startswith("  ")]


def hints(directory: Path, *options: str, path: str = WITHOUT_VENV, invoked: str = INVOKED) -> list[str]:
    """The commands a second `demo` run (which reuses demo.db) prints."""
    done = run(directory, [invoked, "demo", "--no-serve", *options], path)
    assert done.returncode == 0, done.stderr
    return commands(done.stdout)


def run_as_printed(directory: Path, line: str) -> subprocess.CompletedProcess[str]:
    """`line` run as a shell would: `serve` until it answers, `. FILE && …` through sh, the rest as they are."""
    words = shlex.split(line, comments=True)
    if words[0] == ".":
        return run(directory, ["sh", "-c", f"{line} && command -v registry"])
    if "serve" in words:
        return serve_until_it_answers(directory, words)
    return run(directory, words)


def serve_until_it_answers(directory: Path, words: list[str]) -> subprocess.CompletedProcess[str]:
    port = words[words.index("--port") + 1] if "--port" in words else "8000"
    process = subprocess.Popen(
        words, cwd=directory, env=environment(WITHOUT_VENV), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        answered = _health(process, f"http://127.0.0.1:{port}")
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=SECONDS)
    return subprocess.CompletedProcess(words, 0 if answered else 1, out, err)


def _health(process: subprocess.Popen[str], url: str) -> bool:
    for _attempt in range(600):
        if process.poll() is not None:
            return False
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        subprocess.run(["sleep", "0.05"], check=True)
    return False


def test_run_by_its_path_the_demo_prints_that_path(newcomer: Path) -> None:
    printed = hints(newcomer)

    assert printed and all(line.startswith(f"{INVOKED} --db sqlite:///demo.db ") for line in printed[:-1])


def test_every_command_the_demo_prints_runs_as_printed(newcomer: Path) -> None:
    port = str(free_port())
    printed = hints(newcomer, "--port", port)

    assert any("serve" in line and port in line for line in printed)
    for line in printed:
        done = run_as_printed(newcomer, line)
        assert done.returncode == 0, f"{line}\n{done.stderr}{done.stdout}"


def test_the_demo_says_how_to_put_registry_on_the_path(newcomer: Path) -> None:
    activate = hints(newcomer)[-1]

    assert activate == ". .venv/bin/activate"
    found = run(newcomer, ["sh", "-c", f"{activate} && command -v registry"])
    assert found.returncode == 0 and Path(found.stdout.strip()).samefile(REGISTRY_BIN)


def test_after_that_the_readme_commands_work(newcomer: Path) -> None:
    activate = hints(newcomer)[-1]

    done = run(newcomer, ["sh", "-c", f"{activate} && registry --db sqlite:///demo.db show czj-yusuan"])

    assert done.returncode == 0, done.stderr
    assert "政府预算" in done.stdout


@pytest.mark.parametrize("invoked", ["registry", INVOKED])
def test_with_registry_on_the_path_the_demo_prints_registry(newcomer: Path, invoked: str) -> None:
    printed = hints(newcomer, path=WITH_VENV, invoked=invoked)

    assert all(line.startswith("registry --db sqlite:///demo.db ") for line in printed)


def test_the_serving_demo_prints_a_query_that_the_server_answers(newcomer: Path) -> None:
    port = str(free_port())
    process = subprocess.Popen(
        [INVOKED, "demo", "--port", port],
        cwd=newcomer,
        env=environment(WITHOUT_VENV),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _health(process, f"http://127.0.0.1:{port}")
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=SECONDS)
    curl = next(line for line in commands(out) if line.startswith("curl "))

    server = subprocess.Popen(
        [INVOKED, "--db", "sqlite:///demo.db", "serve", "--port", port],
        cwd=newcomer,
        env=environment(WITHOUT_VENV),
        text=True,
    )
    try:
        assert _health(server, f"http://127.0.0.1:{port}")
        answer = run(newcomer, shlex.split(curl, comments=True))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=SECONDS)
    assert answer.returncode == 0, err
    assert json.loads(answer.stdout)["data"]["catalog"]["totalCount"] > 150


def test_the_demo_is_a_county_with_items_in_every_status(newcomer: Path) -> None:
    items = json.loads(run(newcomer, [INVOKED, "--db", "sqlite:///demo.db", "list", "--json"]).stdout)
    statuses = Counter(item["status"] for item in items)

    assert len(items) >= 240
    assert set(statuses) == {
        "draft", "submitted", "preliminary_reviewed", "legality_reviewed", "approved", "published", "retired",
        "discarded",
    }  # fmt: skip
    assert statuses["published"] > len(items) / 2
    assert any(item["rejection"] for item in items if item["status"] == "draft")
    assert sum(item["pending_kind"] == "change" for item in items) >= 5  # adjustments on their way


def test_the_demo_covers_the_26_pilot_domains_and_the_towns_village_lists(newcomer: Path) -> None:
    coverage = json.loads(run(newcomer, [INVOKED, "--db", "sqlite:///demo.db", "report", "coverage", "--json"]).stdout)
    out = newcomer / "village.json"
    exported = run(newcomer, [INVOKED, "--db", "sqlite:///demo.db", "export", "--level", "village", "-o", str(out)])
    assert exported.returncode == 0, exported.stderr
    village = json.loads(out.read_text())

    assert len(coverage["domains"]) == 26 and all(domain["published"] > 0 for domain in coverage["domains"])
    towns = {unit["unit"] for unit in coverage["units"] if unit["kind"] == "town"}
    assert towns <= {item["unit"] for item in village["items"]}


def test_the_demo_history_shows_adjustments_with_their_trigger_and_reason(newcomer: Path) -> None:
    done = run(newcomer, [INVOKED, "--db", "sqlite:///demo.db", "history", "yjj-whxk", "--json"])
    history = json.loads(done.stdout)

    assert any("法律法规修订" in json.dumps(row, ensure_ascii=False) for row in history)
    assert any("《中华人民共和国安全生产法》2021年6月修正" in (row.get("reason") or "") for row in history)


def accounts(printed: str) -> dict[str, str]:
    """The demo's sign-in table: each actor's name and demo password (the rows `│ name │ unit │ roles │ password │`)."""
    rows = [line.split("│")[1:-1] for line in printed.splitlines() if line.startswith("│")]
    return {cells[0].strip(): cells[-1].strip() for cells in rows}


def test_the_demo_prints_accounts_that_sign_in_to_the_workbench(newcomer: Path) -> None:
    built = (newcomer / "built.txt").read_text("utf-8")
    reused = run(newcomer, [INVOKED, "demo", "--no-serve"])
    printed = accounts(built)

    assert "http://127.0.0.1:8000/staff/" in built
    assert {"管理员", "孙初审", "周法务", "王审议", "吴发布", "李财政"} <= set(printed)
    assert accounts(reused.stdout) == printed  # a reused demo.db prints the same accounts
    with serve_process(REGISTRY_BIN, "sqlite:///demo.db", newcomer) as url:
        answers = {
            name: httpx.post(f"{url}/staff/login", data={"name": name, "password": password}, timeout=30).status_code
            for name, password in printed.items()
        }
        wrong = httpx.post(
            f"{url}/staff/login", data={"name": "孙初审", "password": "not-the-demo-password"}, timeout=30
        )
    assert answers == dict.fromkeys(printed, 200)
    assert wrong.status_code != 200


def test_the_demo_passwords_are_nowhere_in_the_log(newcomer: Path) -> None:
    passwords = accounts((newcomer / "built.txt").read_text("utf-8")).values()
    with closing(sqlite3.connect(newcomer / "demo.db")) as db:
        log = "\n".join(payload + metadata for payload, metadata in db.execute("SELECT payload, metadata FROM events"))
        stored = [row[0] for row in db.execute("SELECT password_hash FROM credentials")]

    assert passwords and not [password for password in passwords if password in log]
    assert len(stored) >= len(passwords) and all(found.startswith("$argon2id$") for found in stored)


# -- cli/invocation ------------------------------------------------------------------------------------------------


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "env" / "bin"
    folder.mkdir(parents=True)
    program_file = folder / "registry"
    program_file.write_text("#!/bin/sh\n")
    program_file.chmod(0o755)
    return folder


def test_a_program_not_on_the_path_is_named_by_the_path_it_was_run_by(bin_dir: Path, tmp_path: Path) -> None:
    assert program(str(bin_dir / "registry"), search_path=str(tmp_path)) == str(bin_dir / "registry")


def test_a_program_on_the_path_is_named_by_its_name(bin_dir: Path) -> None:
    assert program(str(bin_dir / "registry"), search_path=str(bin_dir)) == "registry"


def test_another_program_of_the_same_name_on_the_path_is_not_this_one(bin_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "registry").write_text("#!/bin/sh\n")
    (other / "registry").chmod(0o755)

    assert program(str(bin_dir / "registry"), search_path=str(other)) == str(bin_dir / "registry")


def test_a_module_run_is_named_with_its_interpreter(tmp_path: Path) -> None:
    main = tmp_path / "main.py"
    main.write_text("")

    assert program(str(main)).endswith(" -m cli.main")


def test_a_virtual_environment_is_put_on_the_path_by_its_activate_script(bin_dir: Path, tmp_path: Path) -> None:
    (bin_dir / "activate").write_text("")

    assert path_hint(str(bin_dir / "registry"), search_path=str(tmp_path)) == f". {bin_dir / 'activate'}"
    assert path_hint(str(bin_dir / "registry"), search_path=str(bin_dir)) is None


def test_shell_words_split_back_into_the_words() -> None:
    words = ["--domain", "财政预决算", "a b", "it's", "$HOME", ""]

    assert shlex.split(shell_words(*words)) == words
    assert shell_words("list", "--domain", "财政预决算") == "list --domain 财政预决算"
