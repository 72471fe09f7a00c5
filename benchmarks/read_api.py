"""Q, read: catalog(first: 50) with every field over HTTP, 16 concurrent clients; requests per second, p50, p99.

The registry is `registry serve` (uvicorn, graphql-server, graphene); the floor is benchmarks/raw_endpoint.py, a raw
Starlette endpoint returning the same page as JSON from the same database, under the same uvicorn. Both in their
own process; the clients (asyncio, HTTP/1.1 keep-alive on plain sockets, so that the load generator costs little of
the two cores) in this one. Each client cycles through 20 pages spread over the catalog (keyset cursors), without
and with ETag revalidation (If-None-Match, answered 304). The catalogs are published items written straight into
the public read model (benchmarks/dataset.py), 100,000 of them, and 10,000 and 1,000,000 for the flatness check.

Run alone: python -m benchmarks.read_api [--quick]
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.dataset import catalog_database
from benchmarks.sample import arguments, item_id, log, report

CLIENTS = 16
PAGES = 20
REGISTRY = Path(sys.executable).with_name("registry")
QUERY = """query Page($after: CatalogCursor) { catalog(first: 50, after: $after) {
  totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  edges { cursor node { id version domain unit category name subname content basis timeLimit body channels audience
    audienceNote method levels publishedAt approvalReference
    history { version publishedAt changeKind reason } } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server(kind: str, path: Path) -> Iterator[int]:
    """The registry's or the floor's server on a free port, until the block ends."""
    port = free_port()
    if kind == "registry":
        command = [str(REGISTRY), "--db", f"sqlite:///{path}", "serve", "--port", str(port), "--no-graphiql"]
    else:
        command = [sys.executable, "-m", "benchmarks.raw_endpoint", str(path), str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} server did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(30)


def requests_for(kind: str, size: int) -> list[bytes]:
    """The raw HTTP requests of the PAGES pages, spread over a catalog of `size` items."""
    afters = [None] + [item_id(k * size // PAGES) for k in range(1, PAGES)]
    built = []
    for after in afters:
        if kind == "registry":
            cursor = base64.urlsafe_b64encode(f"item:{after}".encode()).decode() if after else None
            body = json.dumps({"query": QUERY, "variables": {"after": cursor}}).encode()
            head = (
                "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Accept: application/json\r\nContent-Length: {len(body)}\r\n"
            )
            built.append(head.encode() + b"%ETAG%\r\n" + body)
        else:
            query = f"?after={after}" if after else ""
            built.append(
                f"GET /catalog{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n".encode()
                + b"%ETAG%\r\n"
            )
    return built


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes, str]:
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    else:
        body = b""
    return status, body, headers.get("etag", "")


async def _client(
    port: int, requests: list[bytes], offset: int, tags: dict[int, str], until: float, latencies: list[float]
) -> None:
    """Send requests back to back on one keep-alive connection until `until`; with `tags`, as revalidations."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = offset
    while time.perf_counter() < until:
        index = n % len(requests)
        header = f"If-None-Match: {tags[index]}\r\n".encode() if tags else b""
        start = time.perf_counter()
        status, _, _ = await _exchange(reader, writer, requests[index].replace(b"%ETAG%", header))
        latencies.append(time.perf_counter() - start)
        assert status == (304 if tags else 200), status
        n += 1
    writer.close()


async def _learn_tags(port: int, requests: list[bytes]) -> dict[int, str]:
    """Each page's ETag, as a returning client would hold it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    tags = {}
    for index, request in enumerate(requests):
        status, _, tag = await _exchange(reader, writer, request.replace(b"%ETAG%", b""))
        assert status == 200 and tag, (status, tag)
        tags[index] = tag
    writer.close()
    return tags


async def _load(port: int, requests: list[bytes], revalidate: bool, seconds: float) -> dict[str, float]:
    tags = await _learn_tags(port, requests) if revalidate else {}
    warm_until = time.perf_counter() + 2
    await asyncio.gather(*(_client(port, requests, i, tags, warm_until, []) for i in range(CLIENTS)))
    latencies: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, requests, i, tags, start + seconds, latencies) for i in range(CLIENTS)))
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "requests": len(ordered),
    }


def same_page(path: Path, size: int) -> None:
    """The floor answers with the same page as the registry (a check, with httpx, before any load)."""
    pages: list[Any] = []
    for kind in ("registry", "floor"):
        with server(kind, path) as port:
            after = item_id(size // 2)
            if kind == "registry":
                cursor = base64.urlsafe_b64encode(f"item:{after}".encode()).decode()
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/graphql", json={"query": QUERY, "variables": {"after": cursor}}
                )
            else:
                answer = httpx.get(f"http://127.0.0.1:{port}/catalog", params={"after": after})
            answer.raise_for_status()
            pages.append(answer.json())
    assert pages[0] == pages[1], "the floor's page differs from the registry's"


def measure(kind: str, size: int, revalidate: bool, seconds: float) -> dict[str, float]:
    path = catalog_database(size)
    with server(kind, path) as port:
        figures = asyncio.run(_load(port, requests_for(kind, size), revalidate, seconds))
    log(
        f"Q {kind} {size:,} items {'revalidated' if revalidate else 'uncached'}: {figures['rps']:.0f} req/s, "
        f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms"
    )
    return figures


def main() -> None:
    args = arguments(__doc__ or "")
    main_size, small, large = (2_000, 1_000, 20_000) if args.quick else (100_000, 10_000, 1_000_000)
    seconds = 3.0 if args.quick else 15.0
    same_page(catalog_database(main_size), main_size)
    results = {
        "registry": measure("registry", main_size, False, seconds),
        "registry_revalidated": measure("registry", main_size, True, seconds),
        "floor": measure("floor", main_size, False, seconds),
        "floor_revalidated": measure("floor", main_size, True, seconds),
        "registry_small": measure("registry", small, False, seconds),
        "registry_large": measure("registry", large, False, seconds),
    }
    report(
        {
            "scenario": "Q",
            "clients": CLIENTS,
            "seconds": seconds,
            "sizes": {"main": main_size, "small": small, "large": large},
            "results": results,
        }
    )


if __name__ == "__main__":
    main()
