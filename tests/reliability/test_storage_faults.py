"""Storage that fails under the registry: a read-only database file, a full disk, a PostgreSQL server that refuses
connections. Each gives a clear `database error: …` (exit 1) and no traceback, and the log is as it was.

The full disk is real: a 2 MiB tmpfs mounted for the test (the tests run as root, as CI does) and filled up. Where
mounting is not allowed, that test is skipped and the one below it, which caps the SQLite file at its current size
(`PRAGMA max_page_count`, the same SQLITE_FULL error), still runs. The read-only file is `chmod 444` on the file and
its folder; root ignores file modes, so the CLI then runs as root without CAP_DAC_OVERRIDE (`setpriv`), as an
ordinary user would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from events.database import open_engine
from events.elements import ItemElements
from registry.audit import verify
from registry.items.command import DraftItem
from registry.schema import upgrade
from registry.service import Registry, now
from tests.conftest import REGISTRY_BIN, Result
from tests.registry.transfer.catalog_files import complete, people, publish
from tests.reliability.invariant import log_problems
from tests.signing import signed_registry


def run(*args: str, cwd: Path, prefix: tuple[str, ...] = ()) -> Result:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    done = subprocess.run(
        [*prefix, str(REGISTRY_BIN), *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=120
    )
    return Result(done.returncode, done.stdout, done.stderr)


def registry_at(url: str) -> Registry:
    """An initialised registry with the test's people and one published item."""
    engine = open_engine(url)
    upgrade(engine)
    registry = signed_registry(engine)
    publish(registry, "czj-yusuan", complete("政府预算"))
    return registry


def draft_args(url: str, item_id: str) -> list[str]:
    big = "一般公共预算收支" * 2400  # 19,200 characters: many pages to write
    return ["--db", url, "--as", "李财政", "draft", "--id", item_id, "--domain", "财政预决算", "--content", big]


def assert_clear_database_error(done: Result, *words: str) -> None:
    assert done.code == 1, done.out + done.err
    assert done.err.startswith("database error: "), done.err
    assert any(word in done.err for word in words), done.err
    assert "Traceback" not in done.err


# -- a read-only file -----------------------------------------------------------------------------------------------


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[tuple[str, Registry, Path]]:
    folder = tmp_path / "ro"
    folder.mkdir()
    url = f"sqlite:///{folder / 'registry.db'}"
    registry = registry_at(url)
    registry.engine.dispose()
    for path in folder.iterdir():
        path.chmod(0o444)
    folder.chmod(0o555)
    yield url, registry, folder
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)


def as_an_ordinary_user() -> tuple[str, ...]:
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root, and no setpriv to drop CAP_DAC_OVERRIDE: a file mode cannot stop root")
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


def test_a_write_to_a_read_only_database_file_exits_1_with_a_clear_error(
    read_only: tuple[str, Registry, Path], tmp_path: Path
) -> None:
    url, registry, _ = read_only
    before = registry.store.head()

    done = run(*draft_args(url, "czj-juesuan"), cwd=tmp_path, prefix=as_an_ordinary_user())

    assert_clear_database_error(done, "readonly", "read-only", "unable to open")
    assert registry.store.head() == before


def test_the_read_only_log_verifies_once_it_is_writable_again(
    read_only: tuple[str, Registry, Path], tmp_path: Path
) -> None:
    url, registry, folder = read_only
    before = registry.store.head()
    run(*draft_args(url, "czj-juesuan"), cwd=tmp_path, prefix=as_an_ordinary_user())
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)

    assert registry.store.head() == before
    assert verify(registry.store).ok


# -- a full disk ----------------------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs at tmp_path/disk, unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()}); see the max_page_count test")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    """Fill `disk` to the last byte; the file that does it."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def test_a_write_to_a_full_disk_exits_1_with_a_clear_error_and_the_log_stays_intact(
    small_disk: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{small_disk / 'registry.db'}"
    registry = registry_at(url)
    before = registry.store.head()
    filler = fill(small_disk)

    done = run(*draft_args(url, "czj-juesuan"), cwd=tmp_path)

    assert_clear_database_error(done, "disk is full", "No space left")
    filler.unlink()
    assert registry.store.head() == before
    assert verify(registry.store).ok
    assert run(*draft_args(url, "czj-juesuan"), cwd=tmp_path).code == 0  # room again: the registry carries on
    registry.engine.dispose()


def test_a_database_that_cannot_grow_refuses_a_write_whole(sqlite_url: str) -> None:
    """SQLITE_FULL without a small disk: the file is capped at the pages it has (what a full disk does to SQLite)."""
    registry = registry_at(sqlite_url)
    drafter = people(registry)["李财政"]
    before = registry.store.head()

    def cap(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    registry.engine.dispose()
    event.listen(registry.engine, "connect", cap)
    content = "一般公共预算收支" * 2400
    written = 0
    with pytest.raises(OperationalError, match="database or disk is full"):
        for number in range(20):
            written = number
            registry.execute(
                DraftItem(
                    item_id=f"full-{number}",
                    actor=drafter,
                    at=now(),
                    domain="财政预决算",
                    elements=ItemElements.model_validate(complete(f"事项{number}", content=content)),
                )
            )
    event.remove(registry.engine, "connect", cap)
    registry.engine.dispose()

    assert registry.store.head()[0] == before[0] + written  # every draft before the full one, none of it
    assert log_problems(registry.store) == []
    result = verify(registry.store)
    assert result.ok, (result.problem, result.projection_problems, result.tree_problems)
    registry.engine.dispose()


# -- PostgreSQL that refuses connections ----------------------------------------------------------------------------


def test_a_postgresql_server_that_refuses_connections_gives_a_clear_error(tmp_path: Path) -> None:
    done = run(*draft_args("postgresql+psycopg://postgres@127.0.0.1:1/test", "czj-juesuan"), cwd=tmp_path)

    assert_clear_database_error(done, "connection", "refused", "Connection")
