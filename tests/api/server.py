"""The real HTTP server for the API tests: the app in a uvicorn thread, or a `registry serve` subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine

from api.app import create_app
from registry.profile import Profile

STARTUP_SECONDS = 30


@dataclass
class Api:
    """A running server: its base URL and a client for it."""

    url: str
    http: httpx.Client

    def post(
        self, query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return self.http.post("/graphql", json=body, headers=headers)

    def get(self, query: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.http.get("/graphql", params={"query": query}, headers=headers)

    def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of `query`, which must answer 200 without errors."""
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The errors of `query`, which must answer 200 with at least one."""
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json().get("errors") or []
        assert found, f"expected errors, got {response.text}"
        return found

    def refused(self, query: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The errors of `query`, which must be refused before execution (invalid, or a variable its type refuses):
        under application/json, 200 with `errors` and `data: null`, and no error with a `path` (none comes from a
        resolver)."""
        response = self.post(query, variables, headers={"Accept": "application/json"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["data"] is None, body
        found: list[dict[str, Any]] = body["errors"]
        assert found and all("path" not in error for error in found), found
        return found


@contextmanager
def client(url: str) -> Iterator[Api]:
    with httpx.Client(base_url=url, timeout=30) as http:
        yield Api(url, http)


@contextmanager
def serving(engine: Engine, profile: Profile, **options: Any) -> Iterator[Api]:
    """`create_app(engine, profile, **options)` served by uvicorn on a free 127.0.0.1 port in a background thread of
    this process."""
    app = create_app(engine, profile, **options)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the in-process server did not start")
        time.sleep(0.01)
    try:
        with client(f"http://127.0.0.1:{port}") as api:
            yield api
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        listener.close()


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def registry_serve(registry_bin: Path, db_url: str, cwd: Path, *flags: str) -> Iterator[Api]:
    """`registry --db DB_URL serve --host 127.0.0.1 --port P FLAGS` as a subprocess, once its /healthz answers."""
    with serve_process(registry_bin, db_url, cwd, *flags) as url, client(url) as api:
        yield api


@contextmanager
def serve_process(registry_bin: Path, db_url: str, cwd: Path, *flags: str) -> Iterator[str]:
    """The real `registry serve` in a subprocess (its output in cwd/serve.log), once /healthz answers: its URL."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    for _attempt in range(3):  # another process may take the free port between probe and bind
        port = free_port()
        with (cwd / "serve.log").open("w") as log:
            process = subprocess.Popen(
                [str(registry_bin), "--db", db_url, "serve", "--host", "127.0.0.1", "--port", str(port), *flags],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=environment,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            if _wait_for_health(process, url):
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


def _wait_for_health(process: subprocess.Popen[bytes], url: str) -> bool:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process.poll() is None  # not another server that took the port first
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    return False
