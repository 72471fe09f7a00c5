"""The database schema's migrations (Alembic), run from the installed package."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("registry").joinpath("migrations")))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> str:
    """Migrate the database to the newest schema; returns the revision it is at."""
    config = alembic_config(engine)
    command.upgrade(config, "head")
    return head_revision(engine)


def head_revision(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database never initialised."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
