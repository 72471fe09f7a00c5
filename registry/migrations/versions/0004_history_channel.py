"""how the actor was proven, in the item history

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

The history shows each event's channel (cli, session or token), the credential's id and the operating-system user
of a cli act, from the event's metadata. Events written before the log recorded a channel were all written through
the CLI on the server: their rows read `cli`, as a rebuild of the projection gives them.
"""
import json
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('item_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=20), nullable=False, server_default='cli'))
        batch_op.add_column(sa.Column('credential', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('os_user', sa.String(length=200), nullable=True))
    with op.batch_alter_table('item_history', schema=None) as batch_op:
        batch_op.alter_column('channel', server_default=None)
    # The few events whose metadata already names a channel (written by code from between 0003 and this revision):
    # their rows say what the metadata says, as a rebuild would.
    conn = op.get_bind()
    events = sa.table('events', sa.column('position'), sa.column('metadata'))
    history = sa.table(
        'item_history', sa.column('position'), sa.column('channel'), sa.column('credential'), sa.column('os_user')
    )
    proven = conn.execute(
        sa.select(events.c.position, events.c.metadata)
        .where(events.c.metadata.like('%"channel":"%'))
        .where(events.c.position.in_(sa.select(history.c.position)))
    )
    for position, text in proven:
        meta = json.loads(text)
        conn.execute(
            history.update()
            .where(history.c.position == position)
            .values(
                channel=meta.get('channel') or 'cli', credential=meta.get('credential'), os_user=meta.get('os_user')
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('item_history', schema=None) as batch_op:
        batch_op.drop_column('os_user')
        batch_op.drop_column('credential')
        batch_op.drop_column('channel')
