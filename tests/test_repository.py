"""What must never be committed by accident: signing keys and databases made by `make demo` or `registry init`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEVER_COMMITTED = ("demo.key", "registry.key", "keys/other.key", "demo.db", "registry.db", "demo.db-wal", "x.key.new")


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs git and a git checkout of the project"
)
@pytest.mark.parametrize("name", NEVER_COMMITTED)
def test_keys_and_databases_are_ignored_by_git(name: str) -> None:
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "-q", name], cwd=ROOT, check=False)
    assert ignored.returncode == 0, f"{name} would show up in `git status`: add it to .gitignore"
