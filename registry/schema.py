"""The database schema's migrations (Alembic), run from the installed package.

Alembic is imported only to migrate; checking that a database is current is one plain query, so that every
command does not pay alembic's import.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from events.database import display_url
from events.message import N_
from registry.missing import NotInitialized

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration in registry/migrations/versions; tests/events/test_migrations.py keeps this true.
HEAD = "0009"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("registry").joinpath("migrations")))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> str:
    """Migrate the database to the newest schema; returns the revision it is at."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
    return head_revision(engine)


def head_revision(engine: Engine) -> str:
    """The newest revision, as alembic's scripts say."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database never initialised."""
    with engine.connect() as connection:
        conn = connection.execution_options(sqlite_begin="DEFERRED")  # a read: take no write lock
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def require_current(engine: Engine, url: str) -> None:
    """Raises NotInitialized unless the database at `url` has the newest schema."""
    revision = current_revision(engine)
    if revision is None:
        raise NotInitialized(N_("no registry at {url}: run `registry init` first"), url=display_url(url))
    if revision != HEAD:
        raise NotInitialized(N_("the registry at {url} has an older schema: run `registry init`"), url=display_url(url))
