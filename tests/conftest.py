"""Shared fixtures: real SQLite files, a fresh PostgreSQL schema per test, the real CLI entry point."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

import projections.schema  # noqa: F401  (registers the projection tables)
from events.database import open_engine
from events.schema import metadata
from registry import access as _access  # noqa: F401  (registers the credential, session and access tables)
from registry.push import store as _webhook_store  # noqa: F401  (registers the webhook tables)
from registry.schema import HEAD
from registry.service import Registry
from tests.signing import signed_registry

POSTGRES_URL = os.environ.get("REGISTRY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REGISTRY_BIN = Path(sys.executable).parent / "registry"


def _postgres_unavailable() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except (OperationalError, ImportError) as error:
        return f"PostgreSQL not reachable at {POSTGRES_URL} ({str(error).splitlines()[0]})"
    return None


_PG_PROBLEM: list[str | None] = []


def postgres_problem() -> str | None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_postgres_unavailable())
    return _PG_PROBLEM[0]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'registry.db'}"


@contextmanager
def fresh_postgres_schema() -> Iterator[str]:
    """A URL whose search_path is a fresh PostgreSQL schema, dropped afterwards. Where no server answers, the test
    is skipped with the reason (failed under CI=true, where PostgreSQL must be there)."""
    problem = postgres_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {problem}")
        pytest.skip(problem)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped after the test."""
    with fresh_postgres_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test that takes this runs on a SQLite file and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


def initialise(engine: Engine) -> None:
    """The schema `registry init` makes, without running alembic's steps one by one (ten times faster).

    tests/events/test_migrations.py proves the migrations produce exactly these tables; this stamps the head.
    """
    from projections import history_view

    with engine.begin() as conn:
        metadata.create_all(conn)
        history_view.create(conn)
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": HEAD})


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    """An initialised, empty registry with the default profile."""
    engine = open_engine(db_url)
    initialise(engine)
    yield signed_registry(engine)
    engine.dispose()


@dataclass
class Result:
    code: int
    out: str
    err: str


# gettext reads the first of these that is set: a test's LANG must not be overridden by the machine's LC_ALL.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., Result]:
    """Run the installed `registry` console script in a subprocess, in tmp_path."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_") and k not in LOCALE_VARIABLES
        }
        environment["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # a PostgreSQL registry's default key lives there
        environment["LANG"] = "C.UTF-8"  # English, whatever the machine's locale; a test passes LANG to read Chinese
        environment.update(env or {})
        done = subprocess.run(
            [str(REGISTRY_BIN), *args],
            capture_output=True,
            text=True,
            input=input,
            cwd=tmp_path,
            env=environment,
            timeout=120,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`registry demo --no-serve` run once per test worker: the folder holding its demo.db and demo.key."""
    folder = tmp_path_factory.mktemp("built-demo")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_") and k not in LOCALE_VARIABLES}
    subprocess.run(
        [str(REGISTRY_BIN), "demo", "--no-serve"],
        cwd=folder,
        env=environment | {"LANG": "C.UTF-8"},
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder


@pytest.fixture
def demo(built_demo: Path, tmp_path: Path) -> str:
    """A copy of the demo registry (demo.db and its key) in tmp_path, where `cli` runs: its URL there."""
    for name in ("demo.db", "demo.db-wal", "demo.key"):
        if (built_demo / name).exists():
            shutil.copy2(built_demo / name, tmp_path / name)
    return "sqlite:///demo.db"
