"""How a hint names this program, so that people can run what it prints as printed."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from pathlib import Path

# Words a POSIX shell reads as they are. Unlike shlex.quote's, \w here includes CJK, so 财政预决算 needs no quotes.
_PLAIN = re.compile(r"[\w@%+=:,./-]+")


def shell_words(*words: str) -> str:
    """`words` as one line that a POSIX shell splits back into them."""
    return " ".join(word if _PLAIN.fullmatch(word) else shlex.quote(word) for word in words)


def program(argv0: str | None = None, search_path: str | None = None) -> str:
    """This program as the user can type it here: its bare name (`registry`) when that name on $PATH (or
    `search_path`) is this same program; else the path it was run by, such as `.venv/bin/registry`; else (run as
    `python -m cli.main`) this interpreter with `-m cli.main`. Quoted for a POSIX shell."""
    invoked = sys.argv[0] if argv0 is None else argv0
    path = Path(invoked)
    if not _runnable(path):
        return shlex.join([sys.executable, "-m", "cli.main"])
    if _on_path(path, search_path):
        return path.name
    return shlex.quote(invoked if os.sep in invoked else os.path.join(os.curdir, invoked))


def path_hint(argv0: str | None = None, search_path: str | None = None) -> str | None:
    """The shell command that puts this program's bare name on $PATH, or None when it is there already (or was not
    run as a program): `. DIR/activate` for a virtual environment's program (`. .venv/bin/activate`), else an
    `export PATH=…`."""
    invoked = sys.argv[0] if argv0 is None else argv0
    path = Path(invoked)
    if not _runnable(path) or _on_path(path, search_path):
        return None
    activate = path.parent / "activate"
    if activate.is_file():
        return f". {shlex.quote(str(activate))}"
    return f'export PATH={shlex.quote(str(path.parent.resolve()))}:"$PATH"'


def _runnable(path: Path) -> bool:
    return path.suffix != ".py" and path.is_file() and os.access(path, os.X_OK)


def _on_path(path: Path, search_path: str | None) -> bool:
    found = shutil.which(path.name, path=search_path)
    return found is not None and os.path.samefile(found, path)
