"""A real webhook receiver on 127.0.0.1 for the delivery tests: it records every request and answers as the test
programs it (a status, a delay, Retry-After, a redirect, a huge answer, a closed connection, no answer at all).

A receiver can also be made *down*: its port is reserved (bound, not listening, so a connection is refused and no
other process takes the port) until `start()` opens it.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Reply:
    """How the receiver answers one request.

    - status, headers, body: the answer; `retry_after` adds that header, `redirect_to` answers 302 to that URL.
    - delay: seconds before answering. hang: no answer until `Receiver.release()` (or the receiver stops).
    - close: the connection is closed without any answer.
    - body_size: an answer body of that many bytes (Content-Length says so), written until the sender hangs up.
    - trickle: the whole answer, status line and headers included, is written one byte every `trickle` seconds.
    """

    status: int = 200
    delay: float = 0.0
    retry_after: str | None = None
    redirect_to: str | None = None
    body: bytes = b"ok"
    body_size: int | None = None
    close: bool = False
    hang: bool = False
    trickle: float | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Request:
    """One request as it arrived; `answered` and `body_sent` are filled in as it is answered."""

    number: int
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    at: float  # time.time() when the request had been read
    arrived: float  # time.monotonic() then
    reply: Reply
    answered: int | None = None  # the status sent, None when no answer was sent
    body_sent: int = 0
    finished: float | None = None  # time.monotonic() when the handler was done with it

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    @property
    def subscription(self) -> str:
        """The subscription the message is for: its webhook-id without the position (msg_<subscription>_<pos>)."""
        return subscription_of(self.webhook_id)


def subscription_of(webhook_id: str) -> str:
    prefix, _, _position = webhook_id.removeprefix("msg_").rpartition("_")
    return prefix


Plan = Callable[[Request], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A sender that hung up (or was killed) is no error of the receiver's; anything else is kept for the test."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return
        self.receiver.errors.append(repr(error))
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a server would
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.server.receiver._handle(self)

    do_GET = do_PUT = do_POST


class Receiver:
    """A receiver on 127.0.0.1: `url` takes requests at any path; `requests` holds them in arrival order."""

    def __init__(self, *, listening: bool = True) -> None:
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._stopped = False
        self._queue: list[Reply] = []
        self.plan: Plan | None = None
        self.default = Reply()
        self.requests: list[Request] = []
        self.errors: list[str] = []  # exceptions in the receiver's own handling (a bug of the test's)
        self._in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()  # per subscription: the most requests open at once
        self.overlaps: list[tuple[str, str, str]] = []  # (subscription, webhook-id open, webhook-id arriving)
        self._open: dict[str, list[str]] = {}
        # Reserve the port: bound but not listening, so a connection is refused until start().
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if listening:
            self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    @property
    def listening(self) -> bool:
        return self._server is not None

    # -- programming -----------------------------------------------------------------------------------------------

    def then(self, *replies: Reply) -> Receiver:
        """The next requests are answered with `replies`, one each, in order; after them the plan or the default."""
        with self._lock:
            self._queue.extend(replies)
        return self

    def release(self) -> None:
        """Answer the requests held by `hang` (and any later ones: hang is then off for good)."""
        self._released.set()

    # -- running ---------------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start listening on the reserved port."""
        if self._server is not None:
            return
        server = _Server(("127.0.0.1", self.port), _Handler, bind_and_activate=False)
        server.socket.close()
        server.socket = self._socket
        server.server_activate()  # listen()
        server.receiver = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop: held requests are let go, the server shuts down, the port is closed."""
        self._stopped = True
        self._released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(5)
            self._server = None
        else:
            self._socket.close()

    # -- what arrived ----------------------------------------------------------------------------------------------

    def received(self, subscription: str | None = None) -> list[Request]:
        with self._lock:
            found = list(self.requests)
        return [r for r in found if subscription is None or r.subscription == subscription]

    def acknowledged(self, subscription: str | None = None) -> list[Request]:
        """The requests answered with a 2xx."""
        return [r for r in self.received(subscription) if r.answered is not None and 200 <= r.answered < 300]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Request]:
        """Wait until `count` requests arrived (or `timeout` passed); returns them all."""
        deadline = time.monotonic() + timeout
        while len(self.received()) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received()

    # -- answering -------------------------------------------------------------------------------------------------

    def _reply_for(self, request: Request) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
        return self.plan(request) if self.plan is not None else self.default

    def _handle(self, handler: _Handler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        arrived = time.monotonic()
        request = Request(0, handler.path, headers, body, time.time(), arrived, Reply())
        with self._lock:
            request.number = len(self.requests)
            self.requests.append(request)
        reply = self._reply_for(request)
        request.reply = reply
        subscription = request.subscription
        with self._lock:
            for earlier in self._open.get(subscription, []):
                self.overlaps.append((subscription, earlier, request.webhook_id))
            self._open.setdefault(subscription, []).append(request.webhook_id)
            self._in_flight[subscription] += 1
            self.max_in_flight[subscription] = max(self.max_in_flight[subscription], self._in_flight[subscription])
        try:
            if reply.delay:
                time.sleep(reply.delay)
            if reply.hang:
                self._released.wait()
        finally:
            # No longer in flight before the answer goes out: the sender cannot send the next one before reading it,
            # so any overlap seen is a real one.
            with self._lock:
                self._in_flight[subscription] -= 1
                self._open[subscription].remove(request.webhook_id)
        try:
            self._answer(handler, request, reply)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
        finally:
            request.finished = time.monotonic()

    def _answer(self, handler: _Handler, request: Request, reply: Reply) -> None:
        if reply.close or self._stopped:
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        status = 302 if reply.redirect_to else reply.status
        size = reply.body_size if reply.body_size is not None else len(reply.body)
        if reply.trickle is not None:
            self._trickle(handler, request, reply, status, size)
            return
        handler.send_response(status)
        if reply.redirect_to:
            handler.send_header("Location", reply.redirect_to)
        if reply.retry_after is not None:
            handler.send_header("Retry-After", reply.retry_after)
        for name, value in reply.headers:
            handler.send_header(name, value)
        handler.send_header("Content-Type", "text/plain; charset=utf-8")
        handler.send_header("Content-Length", str(size))
        handler.end_headers()
        request.answered = status
        if reply.body_size is None:
            handler.wfile.write(reply.body)
            request.body_sent = len(reply.body)
            return
        block = b"x" * CHUNK
        while request.body_sent < size:
            piece = block[: size - request.body_sent]
            handler.wfile.write(piece)
            request.body_sent += len(piece)

    def _trickle(self, handler: _Handler, request: Request, reply: Reply, status: int, size: int) -> None:
        assert reply.trickle is not None
        head = f"HTTP/1.1 {status} Slow\r\nContent-Type: text/plain\r\nContent-Length: {size}\r\n\r\n"
        answer = head.encode() + (b"x" * size if reply.body_size is not None else reply.body)
        request.answered = status
        for byte in answer:
            if self._stopped:
                break
            handler.wfile.write(bytes([byte]))
            request.body_sent += 1
            time.sleep(reply.trickle)
        handler.close_connection = True


@dataclass
class Receivers:
    """Several receivers, stopped together."""

    started: list[Receiver] = field(default_factory=list)

    def new(self, *, listening: bool = True) -> Receiver:
        receiver = Receiver(listening=listening)
        self.started.append(receiver)
        return receiver

    def stop(self) -> None:
        for receiver in self.started:
            receiver.stop()
