"""The portal page's files as the app serves them: /, /static/..., every module the page imports."""

from __future__ import annotations

import re
from pathlib import Path

import anyio
import pytest
from starlette.applications import Starlette
from starlette.types import Message, Scope

from api.app import STATIC, create_app
from events.database import open_engine
from registry.profile import load_profile

_REFERENCE = re.compile(r"""(?:src|href)="(/static/[^"]+)"|from\s+'\./([^']+)'""")


@pytest.fixture
def app(sqlite_url: str) -> Starlette:
    return create_app(open_engine(sqlite_url), load_profile())


def get(app: Starlette, path: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of GET `path`, straight through the ASGI app."""
    sent: list[Message] = []
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"portal.test")],
        "server": ("portal.test", 80),
        "client": ("127.0.0.1", 50000),
    }

    async def request() -> None:
        done = anyio.Event()
        requested = False

        async def receive() -> Message:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()  # the client stays until the response is complete
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                done.set()

        with anyio.fail_after(10):
            await app(scope, receive, send)

    anyio.run(request)
    headers = {name.decode().lower(): value.decode() for name, value in sent[0]["headers"]}
    return sent[0]["status"], headers, b"".join(message.get("body", b"") for message in sent[1:])


def references(text: str) -> set[str]:
    """The /static/ paths an HTML page or a module names (its stylesheet, scripts and imports)."""
    return {f"/static/{module}" if module else path for path, module in _REFERENCE.findall(text)}


def test_the_root_serves_the_portal_page(app: Starlette) -> None:
    status, headers, body = get(app, "/")

    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/app.js">' in body.decode()


def test_every_file_the_page_loads_is_served_with_its_type(app: Starlette) -> None:
    types = {".js": "text/javascript", ".css": "text/css"}
    seen: set[str] = set()
    waiting = references((STATIC / "index.html").read_text())
    while waiting:
        path = waiting.pop()
        seen.add(path)
        status, headers, body = get(app, path)
        assert status == 200, path
        assert headers["content-type"].startswith(types[Path(path).suffix]), (path, headers["content-type"])
        waiting |= references(body.decode()) - seen

    assert {"/static/app.js", "/static/style.css", "/static/catalog.js", "/static/item.js"} <= seen


def test_nothing_outside_the_static_folder_is_served(app: Starlette) -> None:
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/missing.js"):
        assert get(app, path)[0] == 404, path


def test_the_page_writes_data_as_text_never_as_html() -> None:
    for module in STATIC.glob("*.js"):
        text = module.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, f"{module.name} uses {sink}"
