"""graphql-http's server audits (the GraphQL-over-HTTP spec's checks) against `registry serve`: no error, no warning."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.api.server import Api

AUDIT = Path(__file__).with_name("audit")


def node_and_npm() -> tuple[str, str]:
    """The node and npm executables; skips (fails under CI=true) when either is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        reason = "node and npm are needed to run graphql-http's audit (tests/api/audit)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    return node, npm


def test_graphql_http_server_audit_finds_no_error_and_no_warning(cli_server: Api) -> None:
    node, npm = node_and_npm()
    if not (AUDIT / "node_modules" / "graphql-http").is_dir():
        subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=AUDIT, check=True, timeout=300)

    done = subprocess.run(
        [node, "audit.mjs", f"{cli_server.url}/graphql"], cwd=AUDIT, capture_output=True, text=True, timeout=120
    )

    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    failing = [line for line in lines if line.get("status") in ("warn", "error")]
    assert failing == [], done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    [summary] = [line["summary"] for line in lines if "summary" in line]
    assert summary["ok"] > 0
    assert (summary["warn"], summary["error"]) == (0, 0)
