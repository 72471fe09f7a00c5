"""Security headers over real HTTP, from `registry serve`: every response says nosniff, no referrer, and a content
security policy that keeps it out of frames; the portal page's policy lets it load what it loads, and nothing else."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from api.app import STATIC
from api.headers import GRAPHIQL_POLICY, PAGE_POLICY
from tests.api.server import Api

LOG = "{ log { position } }"

REQUESTS: dict[str, Callable[[Api], httpx.Response]] = {
    "the portal page": lambda api: api.http.get("/"),
    "a module": lambda api: api.http.get("/static/app.js"),
    "the stylesheet": lambda api: api.http.get("/static/style.css"),
    "a missing file": lambda api: api.http.get("/static/missing.js"),
    "GraphQL by POST": lambda api: api.post(LOG),
    "GraphQL by GET": lambda api: api.get(LOG),
    "a GraphQL error": lambda api: api.post("{ nothing }"),
    "a revalidation": lambda api: api.post(LOG, headers={"If-None-Match": api.post(LOG).headers["etag"]}),
    "a body too large": lambda api: api.post(LOG + " " * 65 * 1024),
    "a method not allowed": lambda api: api.http.put("/graphql", json={"query": LOG}),
    "a HEAD request": lambda api: api.http.head("/graphql"),
    "GraphiQL": lambda api: api.http.get("/graphql", headers={"Accept": "text/html"}),
    "the health check": lambda api: api.http.get("/healthz"),
}


def directives(policy: str) -> dict[str, set[str]]:
    """A content security policy as {directive: its sources}."""
    found = {}
    for part in policy.split(";"):
        if part.strip():
            name, *sources = part.split()
            found[name] = set(sources)
    return found


@pytest.mark.parametrize("what", REQUESTS)
def test_every_response_carries_the_security_headers(cli_server: Api, what: str) -> None:
    response = REQUESTS[what](cli_server)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert directives(response.headers["content-security-policy"])["frame-ancestors"] == {"'none'"}


def test_the_portal_page_gets_its_own_policy_and_what_only_a_header_can_add() -> None:
    """The page's <meta> policy (which the browser tests load the page under) is the header's, less frame-ancestors,
    which a <meta> policy cannot set: nothing the page loads is newly refused."""
    meta = re.search(r'http-equiv="Content-Security-Policy"\s+content="([^"]+)"', (STATIC / "index.html").read_text())
    assert meta is not None

    header = directives(PAGE_POLICY)

    assert header.pop("frame-ancestors") == {"'none'"}
    assert header == directives(meta.group(1))


def test_the_portal_page_has_no_inline_script_style_or_handler_for_the_policy_to_refuse() -> None:
    for page in [STATIC / "index.html", *STATIC.glob("*.js")]:
        text = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), page.name
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", text), page.name
        assert not re.search(r"""setAttribute\(\s*['"](style|on[a-z]+)['"]""", text), page.name
        assert not re.search(r"""(src|href)="(https?:)?//""", text), f"{page.name} loads from another site"


def test_graphiql_gets_a_policy_of_its_own_files_with_nothing_inline_for_it_to_refuse(cli_server: Api) -> None:
    response = cli_server.http.get("/graphql", headers={"Accept": "text/html"})
    policy = directives(response.headers["content-security-policy"])

    assert response.headers["content-security-policy"] == GRAPHIQL_POLICY
    assert "script-src" not in policy and policy["default-src"] == {"'self'"}  # scripts: its own files only
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", response.text)
    assert policy["font-src"] == {"'self'", "data:"}  # GraphiQL's stylesheet embeds its fonts
