"""The README's tour, run as a reader copies it: every command as printed, in order, with `registry` on the PATH
(as `. .venv/bin/activate` leaves it), in an empty directory.

Two commands cannot run unattended as printed, and are run as a person would: `actor password` asks twice for the
password on the terminal (a pseudo-terminal types it), and `registry serve` runs until stopped (it is stopped once
it answers; on a free port rather than 8000, which another test or a reader's demo may hold).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shlex
import socket
import subprocess
import termios
import time
from pathlib import Path

import httpx

from tests.conftest import REGISTRY_BIN

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "长城-correct-horse-42"


def tour() -> list[str]:
    """The commands of the README's "A short tour" block, continuation lines joined, comment lines dropped."""
    text = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"## A short tour\n.*?```sh\n(.*?)```", text, re.S)
    assert block, "README.md has no ```sh block under '## A short tour'"
    commands: list[str] = []
    pending = ""
    for line in block.group(1).splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue  # a comment that continues the previous line's
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        commands.append(pending + line)
        pending = ""
    return commands


def environment(tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_") and k not in ("LC_ALL", "LANGUAGE")}
    path = f"{REGISTRY_BIN.parent}{os.pathsep}{keep.get('PATH', '')}"
    return keep | {"PATH": path, "LANG": "C.UTF-8", "XDG_CONFIG_HOME": str(tmp_path / "config")}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_with_password(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run `argv` with a pseudo-terminal as its controlling terminal (getpass reads /dev/tty), typing PASSWORD at
    each of its two prompts."""
    primary, secondary = pty.openpty()

    def take_the_terminal() -> None:  # in the child, after start_new_session: the pty becomes its /dev/tty
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        argv, stdin=secondary, stdout=secondary, stderr=secondary, cwd=cwd, env=env,
        start_new_session=True, preexec_fn=take_the_terminal,
    )  # fmt: skip
    os.close(secondary)
    seen, typed = b"", 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the terminal closed: the process exited
            break
        if not chunk:
            break
        seen += chunk
        # click prints the prompt, then getpass turns echo off (flushing what was typed) and writes one space:
        # only after that space is the password read.
        if typed < 2 and seen.endswith((b": ", "： ".encode())):
            os.write(primary, PASSWORD.encode() + b"\n")
            typed += 1
            seen += b"\n"
    os.close(primary)
    return process.wait(timeout=10), seen.decode("utf-8", "replace")


def serve_until_it_answers(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    port = free_port()
    process = subprocess.Popen([*argv, "--port", str(port)], cwd=cwd, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                return f"{answer.status_code}"
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.2)
        raise AssertionError("registry serve did not answer within 30 s")
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_readme_tour_runs_as_printed(tmp_path: Path) -> None:
    env = environment(tmp_path)
    steps = tour()
    assert len(steps) > 20
    for command in steps:
        words = shlex.split(command, comments=True)
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            env[name] = value
            continue
        assert words[0] == "registry", command
        argv, output = words, None
        if ">" in words:
            argv, output = words[: words.index(">")], tmp_path / words[words.index(">") + 1]
        if argv[-1] == "serve":
            assert serve_until_it_answers(argv, tmp_path, env) == "200", command
            continue
        if "password" in argv and "--password-stdin" not in argv:
            code, seen = run_with_password(argv, tmp_path, env)
            assert code == 0, f"{command}\n{seen}"
            continue
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        if output is not None:
            output.write_text(done.stdout, "utf-8")
