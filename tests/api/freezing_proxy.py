"""A TCP proxy in front of a server whose traffic a test can freeze: the connections stay open and the kernel keeps
acknowledging, but no byte moves either way, as when the server behind hangs (tests/api/test_replicas.py)."""

from __future__ import annotations

import select
import socket
import threading
from types import TracebackType


class FreezingProxy:
    """Listens on 127.0.0.1:`port` and forwards to `target` until `freeze()`."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.frozen = threading.Event()
        self.closed = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self) -> None:
        self.frozen.set()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _address = self.listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, one: socket.socket, other: socket.socket) -> None:
        try:
            while not self.closed.is_set():
                if self.frozen.is_set():
                    self.closed.wait(0.05)
                    continue
                ready, _, _ = select.select([one, other], [], [], 0.05)
                for side in ready:
                    data = side.recv(65536)
                    if not data:
                        return
                    (other if side is one else one).sendall(data)
        except OSError:
            return

    def __enter__(self) -> FreezingProxy:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.closed.set()
        self.listener.close()
        for each in self.sockets:
            each.close()
