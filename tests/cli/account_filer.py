"""What each racing `registry account file` process runs: the `registry` entry point (cli.main:run), in a process of
its own. Kept apart from the tests so that a child imports little before the race."""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from threading import BrokenBarrierError
from typing import Any

TIMEOUT = 60
# How long a filer that has read who holds the platform waits for the other to read it too. A filer waiting for the
# write lock never gets there: under the lock this is how long the first one holds it.
PAUSE = 3


def file_account(arguments: list[str], output: str, environment: dict[str, str], barrier: Any) -> None:
    """Run `registry ARGUMENTS` with stdout and stderr in OUTPUT.out and OUTPUT.err; exit with its exit code.

    Both filers start together (the barrier); each pauses once it has read the accounts holding the platform, until
    the other has read them too (or PAUSE has passed). A read made outside the write lock would then be stale for
    both at once, and both filings would pass the rule 一平台一账号.
    """
    os.environ.clear()
    os.environ.update(environment)
    for stream, suffix in ((1, ".out"), (2, ".err")):
        descriptor = os.open(output + suffix, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(descriptor, stream)
        os.close(descriptor)
    sys.argv = ["registry", *arguments]

    from sqlalchemy import Engine, event

    from cli.main import import_commands, run

    import_commands(arguments)  # the start-up before the race, so that both reach the write at once
    paused: list[bool] = []

    def _pause_after_the_holders_lookup(*cursor_arguments: Any) -> None:
        if "FROM media_accounts" in str(cursor_arguments[2]) and not paused:
            paused.append(True)
            with suppress(BrokenBarrierError):  # the other one waits for the lock: carry on alone
                barrier.wait(PAUSE)

    barrier.wait(TIMEOUT)
    event.listen(Engine, "after_cursor_execute", _pause_after_the_holders_lookup)  # the race starts here
    run()
