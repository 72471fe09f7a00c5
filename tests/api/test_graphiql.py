"""GraphiQL from `registry serve` needs nothing but the registry: its page names no other site, and every file it
loads is served from /static/graphiql/, as pinned, with its licence beside it (tests/portal/test_graphiql.py runs it
in a browser cut off from everything but 127.0.0.1)."""

from __future__ import annotations

import base64
import hashlib
import re
import tomllib
from pathlib import Path

from api.app import STATIC
from api.headers import GRAPHIQL_POLICY
from tests.api.server import Api

HTML = {"Accept": "text/html"}
_LOADED = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"(?:[^>]*?\bintegrity="([^"]+)")?""")
_URL = re.compile(r"""\b(?:https?:)?//[a-z0-9.-]+""", re.IGNORECASE)


def test_the_graphiql_page_names_no_other_site(cli_server: Api) -> None:
    response = cli_server.http.get("/graphql", headers=HTML)

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert _URL.findall(response.text) == []


def test_every_file_the_graphiql_page_loads_is_served_by_the_registry_as_pinned(cli_server: Api) -> None:
    page = cli_server.http.get("/graphql", headers=HTML).text
    loaded = _LOADED.findall(page)

    assert {Path(path).name for path, _ in loaded} >= {
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
        "start.js",
    }
    for path, integrity in loaded:
        if path.startswith("data:"):
            continue
        assert path.startswith("/static/graphiql/"), path
        response = cli_server.http.get(path)
        assert response.status_code == 200, path
        if integrity:
            digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
            assert integrity == f"sha384-{digest}", f"{path} is not the build its integrity pins"


def test_graphiqls_start_up_script_loads_nothing_from_another_site() -> None:
    for own in ("start.js", "page.css", "index.html"):
        assert _URL.findall((STATIC / "graphiql" / own).read_text("utf-8")) == [], own


def test_the_graphiql_policy_allows_the_registry_itself_and_nothing_else(cli_server: Api) -> None:
    policy = cli_server.http.get("/graphql", headers=HTML).headers["content-security-policy"]

    assert policy == GRAPHIQL_POLICY
    sources = {source for part in policy.split(";") for source in part.split()[1:]}
    assert sources <= {"'self'", "'none'", "data:", "'unsafe-inline'"}, sources
    assert "'unsafe-inline'" in policy.split("style-src")[1].split(";")[0] and policy.count("'unsafe-inline'") == 1


def test_the_vendored_builds_carry_their_licences_and_a_readme_with_their_versions() -> None:
    folder = STATIC / "graphiql"
    readme = (folder / "README.md").read_text("utf-8")

    for licence in ("LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom", "THIRD-PARTY-NOTICES"):
        assert (folder / licence).is_file(), licence
        assert licence in readme, f"README.md does not mention {licence}"
    assert "MIT License" in (folder / "LICENSE.graphiql").read_text("utf-8")
    for pinned in ("graphiql 3.0.9", "react 18.2.0", "react-dom 18.2.0"):
        assert pinned in readme, f"README.md does not say {pinned}"


def test_the_vendored_files_are_package_data_of_api() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text("utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["api"]
    api = STATIC.parent

    for path in (STATIC / "graphiql").iterdir():
        relative = path.relative_to(api)
        assert any(relative.match(pattern) for pattern in patterns), f"{relative} is not in api's package-data"
