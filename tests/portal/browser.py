"""Running portal.mjs: the tools it needs, the real server it drives, where its screenshots go."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SCRIPT = HERE / "portal.mjs"
SCREENSHOTS = HERE / "screenshots"
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
REGISTRY_BIN = Path(sys.executable).parent / "registry"
STARTUP_SECONDS = 30
RUN_KEY = pytest.StashKey[tuple[Path, float]]()  # the screenshots' folder and the browser's seconds, once it ran


def missing_tools() -> str | None:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Node.js 20 or newer)"
    if not Path(CHROMIUM).is_file():
        return f"Chromium is not at {CHROMIUM} (apt-get install -y chromium, or set PORTAL_CHROMIUM)"
    if not (HERE / "node_modules" / "playwright-core").is_dir():
        return "playwright-core is not installed: run `npm ci` in tests/portal"
    return None


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _healthy(process: subprocess.Popen[bytes], url: str) -> bool:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False


@contextmanager
def serving(cwd: Path) -> Iterator[str]:
    """`registry --db sqlite:///demo.db serve --port P` in a subprocess, once /healthz answers; its base URL."""
    for _attempt in range(3):  # another process may take the free port between the probe and the bind
        port = _free_port()
        with (cwd / "serve.log").open("w") as log:
            process = subprocess.Popen(
                [str(REGISTRY_BIN), "--db", "sqlite:///demo.db", "serve", "--port", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=environment(),
            )
        url = f"http://127.0.0.1:{port}"
        try:
            if _healthy(process, url):
                yield url
                return
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    raise RuntimeError(f"`registry serve` did not start: {(cwd / 'serve.log').read_text()}")


def clear_screenshots() -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.iterdir():
        if old.suffix in (".png", ".pdf"):
            old.unlink()
