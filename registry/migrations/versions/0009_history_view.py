"""the item history becomes a view over the log

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

`item_history` was a table that every append wrote a row into (and a rebuild a million): the same row is a
function of the event's own row, so it is now a view over `events` (projections/history_view.py), read as the
table was. Nothing is lost: every row is computed from the log it describes, and `registry verify` compares the view
with the Python fold. Going back makes the table again from the view's rows.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from projections import history_view

revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.drop_index('ix_item_history_item', table_name='item_history')
    op.drop_table('item_history')
    history_view.create(op.get_bind())
    op.execute("DELETE FROM projection_positions WHERE name = 'item_history'")


def downgrade() -> None:
    op.create_table(
        'item_history_0009',
        sa.Column('position', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('item_id', sa.String(length=200), nullable=False),
        sa.Column('stream_version', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('type', sa.String(length=100), nullable=False),
        sa.Column('action', sa.String(length=100), nullable=False),
        sa.Column('recorded_at', sa.String(length=32), nullable=False),
        sa.Column('occurred_at', sa.String(length=32), nullable=False),
        sa.Column('claimed_at', sa.String(length=32), nullable=True),
        sa.Column('backfilled_by', sa.String(length=200), nullable=True),
        sa.Column('actor', sa.String(length=200), nullable=False),
        sa.Column('unit', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=50), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('changes', sa.Text(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('credential', sa.String(length=64), nullable=True),
        sa.Column('os_user', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('position'),
    )
    op.execute("INSERT INTO item_history_0009 SELECT * FROM item_history")
    history_view.drop(op.get_bind())
    op.rename_table('item_history_0009', 'item_history')
    op.create_index('ix_item_history_item', 'item_history', ['item_id', 'position'])
    op.execute(
        "INSERT INTO projection_positions (name, position) "
        "SELECT 'item_history', position FROM projection_positions WHERE name = 'items'"
    )
