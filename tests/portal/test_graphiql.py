"""GraphiQL (/graphql in a browser) in headless Chromium that can reach 127.0.0.1 and nothing else, against the real
`registry serve`: it renders and runs a query with the registry's own files, and asks no other host for anything."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.api.server import serve_process
from tests.conftest import REGISTRY_BIN
from tests.portal.browser import CHROMIUM, HERE, SCREENSHOTS, environment, missing_tools, passed

SCRIPT = HERE / "graphiql.mjs"
BROWSER_SECONDS = 120


@pytest.fixture(scope="module")
def graphiql(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The result of graphiql.mjs: {"checks": {name: {"ok", "detail"}}, "problems", "outside", "screenshots"}."""
    missing = missing_tools()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {missing}")
        pytest.skip(missing)
    work: Path = tmp_path_factory.mktemp("graphiql")
    subprocess.run(
        [str(REGISTRY_BIN), "--db", "sqlite:///registry.db", "init", "--admin", "管理员"],
        check=True,
        capture_output=True,
        cwd=work,
        env=environment(),
        timeout=120,
    )
    with serve_process(REGISTRY_BIN, "sqlite:///registry.db", work) as url:
        config = {"url": url, "chromium": CHROMIUM, "screenshots": str(SCREENSHOTS)}
        done = subprocess.run(
            ["node", str(SCRIPT), json.dumps(config)],
            capture_output=True,
            text=True,
            cwd=HERE,
            timeout=BROWSER_SECONDS,
        )
    assert done.returncode == 0, f"graphiql.mjs exited {done.returncode}:\n{done.stderr}\n{done.stdout}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_graphiql_renders_without_the_internet(graphiql: dict[str, Any]) -> None:
    passed(graphiql, "renders", "graphiql.mjs")


def test_graphiql_runs_a_query_without_the_internet(graphiql: dict[str, Any]) -> None:
    passed(graphiql, "runs_a_query", "graphiql.mjs")


def test_graphiqls_documentation_and_settings_open(graphiql: dict[str, Any]) -> None:
    passed(graphiql, "opens_its_documentation_and_settings", "graphiql.mjs")


def test_graphiql_asks_no_other_host_for_anything(graphiql: dict[str, Any]) -> None:
    assert graphiql["outside"] == []


def test_graphiql_starts_with_no_error_and_nothing_refused_by_its_policy(graphiql: dict[str, Any]) -> None:
    passed(graphiql, "no_policy_refusals", "graphiql.mjs")
    assert graphiql["problems"] == [], "\n".join(graphiql["problems"])
