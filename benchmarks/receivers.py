"""Webhook receivers for the push benchmark: N minimal HTTP/1.1 servers (keep-alive) in one asyncio process.

Each answers every POST with 200 at once and notes the webhook-id and the arrival time (time.time()). The process
prints its ports as one JSON line, serves until its stdin closes, then prints what arrived as one JSON line:
{"arrivals": [[webhook_id, unix_time], ...]}. Kept apart from the sender so that they share no interpreter lock.

Run: python -m benchmarks.receivers N
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


async def _serve(arrivals: list[tuple[str, float]], reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length, webhook_id = 0, ""
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"webhook-id":
                    webhook_id = value.strip().decode()
            if length:
                await reader.readexactly(length)
            arrivals.append((webhook_id, time.time()))
            writer.write(_OK)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):  # closed, or shutting down
        pass
    finally:
        writer.close()


async def main(count: int) -> None:
    arrivals: list[tuple[str, float]] = []
    servers = [await asyncio.start_server(lambda r, w: _serve(arrivals, r, w), "127.0.0.1", 0) for _ in range(count)]
    ports = [server.sockets[0].getsockname()[1] for server in servers]
    sys.stdout.write(json.dumps({"ports": ports}) + "\n")
    sys.stdout.flush()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the benchmark closes our stdin
    for server in servers:
        server.close()
    sys.stdout.write(json.dumps({"arrivals": arrivals}) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
