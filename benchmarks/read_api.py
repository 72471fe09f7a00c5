"""Q, read: catalog(first: 50) with every field over HTTP, 16 concurrent clients; requests per second, p50, p99.

The registry is `registry serve` (uvicorn, graphql-server, graphene); the floor is benchmarks/raw_endpoint.py, a raw
Starlette endpoint returning the same page as JSON from the same database, under the same uvicorn. Both in their
own process; the clients (asyncio, HTTP/1.1 keep-alive on plain sockets, so that the load generator costs little of
the two cores) in this one. The catalogs are published items written straight into the public read model
(benchmarks/dataset.py), 100,000 of them, and 10,000 and 1,000,000 for the flatness check.

Uncached means it: every request of the run asks for a page no earlier request asked for (DISTINCT pages spread over
the catalog, keyset cursors), so that neither the registry's response cache nor anything else can answer from
memory. The server first answers WARM_UP requests of pages the timed part never asks (start-up: connections, first
executions); then each client asks every CLIENTS-th of the other pages for the run's seconds. A run that has asked
every distinct page before its time is up ends there, its rate taken over the time it ran.

Revalidated: each client cycles through 20 pages spread over the catalog with If-None-Match (answered 304), after
2 s of the same.

A portal's day: first-time visitors (no If-None-Match) asking 2,000 distinct queries (catalog pages, a domain's
pages, items) drawn from a Zipf distribution (s = 1), as a portal's traffic is: a few pages most of the time. A day
here is the requests between two publications: every answer depends on the public log position, which a
publication moves, so each query's first asking after one is a miss, and every later one may be answered from the
registry's response cache (api/response_cache.py), as a real portal's would be. Publications come in batches after
review meetings, not hourly, and a county portal's pages are asked thousands to tens of thousands of times a day (with
crawlers): the model day is DAY_REQUESTS = 20,000 requests, ten per distinct query on average, drawn once with a
fixed seed, dealt round-robin to the 16 clients and timed whole, from the first request to the last, starting with
an empty response cache. About 1,800 of the 2,000 queries are asked that day (reported as `distinct`, the day's
misses: each is executed at its first asking). Before the day the server answers WARM_UP requests of catalog pages
the day never asks, as before an uncached run. The day's rate is compared with the floor's uncached rate.

Run alone: python -m benchmarks.read_api [--quick]
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.dataset import catalog_database
from benchmarks.sample import arguments, item_id, log, report

CLIENTS = 16
PAGES = 20
DISTINCT = 20_000  # pages of the uncached runs: more than a run asks for, so none is asked twice
PORTAL_QUERIES = 2_000
ZIPF_S = 1.0
DAY_REQUESTS = 20_000  # a portal's day: the requests between two publications (see the docstring)
WARM_UP = CLIENTS * 8  # requests before an uncached run or a day, of pages the timed part never asks
DOMAIN_PAGE = 'catalog(first: 20, after: $after, filter: {domain: "财政预决算"})'
ITEM_QUERY = """query Item($id: ItemId!) { item(id: $id) { id version domain unit category name subname content basis
  timeLimit body channels audience audienceNote method levels publishedAt approvalReference
  history { version publishedAt changeKind reason } } }"""
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

    def command(port: int) -> list[str]:
        if kind == "registry":
            return [str(REGISTRY), "--db", f"sqlite:///{path}", "serve", "--port", str(port), "--no-graphiql"]
        return [sys.executable, "-m", "benchmarks.raw_endpoint", str(path), str(port)]

    with launched(command) as port:
        yield port


@contextmanager
def launched(command: Callable[[int], list[str]]) -> Iterator[int]:
    """The server `command(port)` starts, on a free port, once it accepts connections, until the block ends."""
    port = free_port()
    process = subprocess.Popen(command(port), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    said = process.stderr.read().decode() if process.poll() is not None and process.stderr else ""
                    raise RuntimeError(f"{' '.join(command(port)[:4])}... did not start: {said}") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(30)


def _post(query: str, variables: dict[str, Any]) -> bytes:
    """A raw POST /graphql request (with the %ETAG% slot for an If-None-Match header)."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    head = (
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\n"
    )
    return head.encode() + b"%ETAG%\r\n" + body


def _cursor(after: str | None) -> str | None:
    return base64.urlsafe_b64encode(f"item:{after}".encode()).decode() if after else None


def requests_for(kind: str, size: int, pages: int = PAGES, shift: int = 0) -> list[bytes]:
    """The raw HTTP requests of `pages` pages, spread over a catalog of `size` items (starting `shift` items after
    the usual cursors: other pages)."""
    afters = [None if shift == 0 else item_id(shift)] + [item_id(k * size // pages + shift) for k in range(1, pages)]
    built = []
    for after in afters:
        if kind == "registry":
            built.append(_post(QUERY, {"after": _cursor(after)}))
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


def portal_day_requests(size: int) -> list[bytes]:
    """PORTAL_QUERIES distinct queries of a portal over a catalog of `size` items: catalog pages (half), a domain's
    pages (a tenth) and items (the rest), in the order of their popularity rank (shuffled, fixed seed)."""
    pages = PORTAL_QUERIES // 2
    domain_pages = PORTAL_QUERIES // 10
    items = PORTAL_QUERIES - pages - domain_pages
    built = requests_for("registry", size, pages)
    domain = QUERY.replace("catalog(first: 50, after: $after)", DOMAIN_PAGE)
    afters = [item_id(k * size // domain_pages) if k else None for k in range(domain_pages)]
    built += [_post(domain, {"after": _cursor(after)}) for after in afters]
    built += [_post(ITEM_QUERY, {"id": item_id(k * size // items)}) for k in range(items)]
    random.Random(20261206).shuffle(built)
    return built


def portal_day(count: int) -> list[int]:
    """A portal's day: DAY_REQUESTS indexes of 0..count-1 drawn from a Zipf distribution (rank r with weight
    1 / (r + 1) ** ZIPF_S), with a fixed seed."""
    weights = [1 / (rank + 1) ** ZIPF_S for rank in range(count)]
    return random.Random(20261207).choices(range(count), weights=weights, k=DAY_REQUESTS)


async def _client(
    port: int,
    requests: list[bytes],
    tags: dict[int, str],
    until: float,
    latencies: list[float],
    order: Iterator[int],
) -> None:
    """Send the requests of indexes `order` back to back on one keep-alive connection, until `until` or the end of
    `order`; with `tags`, as revalidations."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for index in order:
        if time.perf_counter() >= until:
            break
        header = f"If-None-Match: {tags[index]}\r\n".encode() if tags else b""
        start = time.perf_counter()
        status, _, _ = await _exchange(reader, writer, requests[index].replace(b"%ETAG%", header))
        latencies.append(time.perf_counter() - start)
        assert status == (304 if tags else 200), status
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


def _cycling(start: int, count: int) -> Iterator[int]:
    index = start
    while True:
        yield index % count
        index += 1


async def _load(port: int, requests: list[bytes], mode: str, seconds: float, warm: list[bytes]) -> dict[str, float]:
    """Warm up, then load, in `mode`: "uncached" (the requests `warm`, then each of `requests` once, client i every
    CLIENTS-th from i, for `seconds` at most), "revalidate" (2 s, then `seconds`: each client cycles through
    `requests` with If-None-Match) or "zipf" (the requests `warm`, then a portal's day over `requests`, whole)."""
    tags = await _learn_tags(port, requests) if mode == "revalidate" else {}
    if mode == "revalidate":
        warm_until = time.perf_counter() + 2
        await asyncio.gather(
            *(_client(port, requests, tags, warm_until, [], _cycling(i, len(requests))) for i in range(CLIENTS))
        )
    else:
        await asyncio.gather(
            *(_client(port, warm, {}, float("inf"), [], iter(range(i, len(warm), CLIENTS))) for i in range(CLIENTS))
        )
    day = portal_day(len(requests)) if mode == "zipf" else []

    def order(i: int) -> Iterator[int]:
        if mode == "zipf":
            return iter(day[i::CLIENTS])
        if mode == "uncached":
            return iter(range(i, len(requests), CLIENTS))
        return _cycling(i, len(requests))

    latencies: list[float] = []
    start = time.perf_counter()
    until = float("inf") if mode == "zipf" else start + seconds
    await asyncio.gather(*(_client(port, requests, tags, until, latencies, order(i)) for i in range(CLIENTS)))
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    figures = {
        "rps": len(ordered) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "requests": len(ordered),
    }
    if mode == "zipf":
        figures["distinct"] = len(set(day))  # the day's misses: each query's first asking
        figures["seconds"] = elapsed
    return figures


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


def measure(kind: str, size: int, mode: str, seconds: float) -> dict[str, float]:
    """One run of `mode` (uncached, revalidate, zipf) against `kind` (registry, floor) over `size` items."""
    path = catalog_database(size)
    warm: list[bytes] = []
    if mode == "zipf":
        requests = portal_day_requests(size)
        # The day's catalog pages start after every (size / its pages)-th item: these start one item later.
        warm = requests_for(kind, size, PORTAL_QUERIES // 2, shift=1)[:WARM_UP]
    elif mode == "uncached":
        distinct = requests_for(kind, size, min(DISTINCT, size))
        warm, requests = distinct[:WARM_UP], distinct[WARM_UP:]
    else:
        requests = requests_for(kind, size)
    with server(kind, path) as port:
        figures = asyncio.run(_load(port, requests, mode, seconds, warm))
    day = f", {figures['distinct']:,.0f} distinct of {DAY_REQUESTS:,}" if mode == "zipf" else ""
    log(
        f"Q {kind} {size:,} items {mode}: {figures['rps']:.0f} req/s, "
        f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms{day}"
    )
    return figures


def main() -> None:
    args = arguments(__doc__ or "")
    main_size, small, large = (2_000, 1_000, 20_000) if args.quick else (100_000, 10_000, 1_000_000)
    seconds = 3.0 if args.quick else 15.0
    same_page(catalog_database(main_size), main_size)
    results = {
        "registry": measure("registry", main_size, "uncached", seconds),
        "registry_revalidated": measure("registry", main_size, "revalidate", seconds),
        "registry_portal_day": measure("registry", main_size, "zipf", seconds),
        "floor": measure("floor", main_size, "uncached", seconds),
        "floor_revalidated": measure("floor", main_size, "revalidate", seconds),
        "registry_small": measure("registry", small, "uncached", seconds),
        "registry_large": measure("registry", large, "uncached", seconds),
    }
    report(
        {
            "scenario": "Q",
            "clients": CLIENTS,
            "seconds": seconds,
            "sizes": {"main": main_size, "small": small, "large": large},
            "portal_queries": PORTAL_QUERIES,
            "zipf_s": ZIPF_S,
            "day_requests": DAY_REQUESTS,
            "warm_up": WARM_UP,
            "results": results,
        }
    )


if __name__ == "__main__":
    main()
