"""A second process that folds part of the log for a rebuild or a verify, and sends the rows back to the first.

A fold is Python, one core's work; the machine has more. The partner reads the streams from a given id onwards, up
to the position the first process read the log to, through a read-only connection of its own (SQLite files only:
the first process holds the write lock, or reads a snapshot at that position, so both see the same log), folds
them with the same appliers, and sends each batch of finished rows back pickled over a pipe. Only the first
process writes, in its one transaction: the rebuild still lands whole or not at all. A thread of the first process
reads the pipe into a small queue, which the fold empties between its pages: when the queue is full, the partner
waits, so memory stays bounded by a few batches.
"""

from __future__ import annotations

import argparse
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from projections.row_store import Write

# What the pipe carries: ("rows", table name, rows) or ("read", events read).
Message = tuple[str, Any, Any]


# Messages waiting to be written at most (a message is one table's rows of one batch): a few batches' rows.
QUEUED = 16


class PartnerFailed(RuntimeError):
    pass


class Partner:
    """The partner process of one fold, seen from the first process."""

    def __init__(self, process: subprocess.Popen[bytes], errors: IO[bytes]) -> None:
        self.process = process
        self.errors = errors
        self.messages: queue.Queue[Message | BaseException | None] = queue.Queue(maxsize=QUEUED)
        self.reader = threading.Thread(target=self._read, name="fold-partner", daemon=True)
        self.reader.start()
        self.done = False

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        try:
            while True:
                try:
                    message = pickle.load(stream)
                except EOFError:
                    break
                self.messages.put(message)
            self.messages.put(None)
        except BaseException as error:  # handed to the first process's thread, which raises it
            self.messages.put(error)

    def take(self, write: Write, progress: Callable[[int], None] | None, *, wait: bool = False) -> None:
        """Write what the partner has sent so far (`wait`: everything, until it is done)."""
        while not self.done:
            try:
                message = self.messages.get(block=wait)
            except queue.Empty:
                return
            if message is None:
                self.done = True
                self._check()
            elif isinstance(message, BaseException):
                raise PartnerFailed("reading the partner fold's rows failed") from message
            elif message[0] == "rows":
                write(message[1], message[2])
            elif progress:
                progress(message[1])

    def _check(self) -> None:
        code = self.process.wait()
        if code:
            self.errors.seek(0)
            raise PartnerFailed(f"the partner fold failed (exit {code}): {self.errors.read()[-2000:].decode()}")


@contextmanager
def started(
    database: str, first_stream: str, until: int, appliers: list[str], batch: int, rows_per_batch: int
) -> Iterator[Partner]:
    """A partner folding the streams from `first_stream` on, events up to position `until`, of the SQLite file
    `database`, with the appliers of these names; killed on the way out unless it finished (the first process
    failed: its rows are not wanted)."""
    arguments = [database, first_stream, str(until), str(batch), str(rows_per_batch), ",".join(appliers)]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, *arguments],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        partner = Partner(process, errors)
        try:
            yield partner
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            partner.reader.join()
            assert process.stdout is not None
            process.stdout.close()


def fold(database: str, first_stream: str, until: int, appliers: list[str], batch: int, rows_per_batch: int) -> None:
    """The partner's side: fold the streams from `first_stream` on, pickling each batch of rows to stdout."""
    from events.database import open_engine, reading
    from projections.projector import appliers_named, fold_part

    out = sys.stdout.buffer

    def send(message: Message) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)

    engine = open_engine(f"sqlite:///{database}")
    with reading(engine) as conn:
        fold_part(
            conn,
            lambda table, rows: send(("rows", table, rows)),
            batch,
            lambda read: send(("read", read, None)),
            appliers_named(appliers),
            (first_stream, None),
            until=until,
            rows_per_batch=rows_per_batch,
        )
    out.flush()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database")
    parser.add_argument("first_stream")
    parser.add_argument("until", type=int)
    parser.add_argument("batch", type=int)
    parser.add_argument("rows_per_batch", type=int)
    parser.add_argument("appliers", help="the names of the appliers, comma-separated")
    args = parser.parse_args()
    fold(args.database, args.first_stream, args.until, args.appliers.split(","), args.batch, args.rows_per_batch)


if __name__ == "__main__":
    main()
