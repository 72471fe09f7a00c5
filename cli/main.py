"""The `registry` entry point: runs the Typer app and turns errors into messages and exit codes."""

from __future__ import annotations

import sys

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from cli import admin, read, serve, transparency, write
from cli.app import app
from cli.context import Exit, InvalidInput, Usage
from cli.output import error
from events.store import ConcurrencyConflict
from registry.profile import ProfileError
from registry.rules import RuleViolation
from registry.service import NotFound, NotInitialized

COMMAND_MODULES = (admin, read, serve, transparency, write)  # importing them registers their commands


def run() -> None:
    try:
        app(standalone_mode=True)
    except RuleViolation as refusal:
        error(str(refusal))
        sys.exit(Exit.REFUSED)
    except ConcurrencyConflict as conflict:
        error(str(conflict))
        sys.exit(Exit.CONFLICT)
    except (NotFound, NotInitialized) as missing:
        error(f"error: {missing}")
        sys.exit(Exit.NOT_FOUND)
    except Usage as usage:
        error(f"usage error: {usage}")
        sys.exit(Exit.USAGE)
    except (InvalidInput, ProfileError) as invalid:
        error(f"invalid input: {invalid}")
        sys.exit(Exit.INVALID_INPUT)
    except DBAPIError as failure:
        error(f"database error: {str(failure.orig).strip().splitlines()[0] if failure.orig else failure}")
        sys.exit(1)
    except SQLAlchemyError as failure:
        error(f"database error: {failure}")
        sys.exit(1)


if __name__ == "__main__":
    run()
