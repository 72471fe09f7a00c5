"""Alembic environment: migrates the engine handed over in config.attributes."""

from alembic import context

import projections.schema  # noqa: F401  (registers the projection tables)
import registry.access  # (registers the credential, session and access tables)
import registry.push.store  # noqa: F401  (registers the webhook subscriptions and attempts)
from events.schema import metadata
from projections import history_view

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    if connection.dialect.name == "sqlite":
        connection = connection.execution_options(sqlite_begin="IMMEDIATE")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        include_object=history_view.include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
