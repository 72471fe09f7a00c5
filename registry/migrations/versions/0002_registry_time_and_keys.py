"""times from the registry, signing keys in the log, backfills

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

The history's `occurred_at` becomes the time an event took effect (the store's `recorded_at`, or a backfill's);
the caller's clock moves to `claimed_at`, as information. The public feed marks backfills (补录). The signing keys
are a projection of `SigningKeyRegistered` events: a database from before has none until `registry init` records
the key that signed its checkpoints.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('signing_keys',
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('registered_at', sa.String(length=32), nullable=False),
    sa.Column('retired_at', sa.String(length=32), nullable=True),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key_id')
    )
    with op.batch_alter_table('item_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('backfilled_by', sa.String(length=200), nullable=True))
    op.execute("UPDATE item_history SET claimed_at = occurred_at, occurred_at = recorded_at")
    with op.batch_alter_table('public_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backfilled', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('public_changes', schema=None) as batch_op:
        batch_op.alter_column('backfilled', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('public_changes', schema=None) as batch_op:
        batch_op.drop_column('backfilled')
    op.execute("UPDATE item_history SET occurred_at = claimed_at WHERE claimed_at IS NOT NULL")
    with op.batch_alter_table('item_history', schema=None) as batch_op:
        batch_op.drop_column('backfilled_by')
        batch_op.drop_column('claimed_at')
    op.drop_table('signing_keys')
