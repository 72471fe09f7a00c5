"""the new-media account list

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

政务新媒体清单: every account filed in the registry (its events live in the log, in streams account:ID), with its
status and the published record readers see. A projection: `registry rebuild` refills it from the log.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'media_accounts',
        sa.Column('account_id', sa.String(length=200), nullable=False),
        sa.Column('unit', sa.String(length=200), nullable=False),
        sa.Column('platform', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('pending_kind', sa.String(length=10), nullable=True),
        sa.Column('public', sa.Text(), nullable=True),
        sa.Column('published_version', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.String(length=32), nullable=True),
        sa.Column('published_position', sa.BigInteger(), nullable=True),
        sa.Column('updated_at', sa.String(length=32), nullable=False),
        sa.Column('position', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('account_id'),
    )
    op.create_index('ix_media_accounts_unit_platform', 'media_accounts', ['unit', 'platform'])
    op.create_index('ix_media_accounts_status_unit', 'media_accounts', ['status', 'unit'])
    # An existing log has no account events: the projection starts where the others stand.
    op.execute(
        "INSERT INTO projection_positions (name, position) "
        "SELECT 'media_accounts', position FROM projection_positions WHERE name = 'items'"
    )


def downgrade() -> None:
    op.drop_index('ix_media_accounts_status_unit', table_name='media_accounts')
    op.drop_index('ix_media_accounts_unit_platform', table_name='media_accounts')
    op.drop_table('media_accounts')
    op.execute("DELETE FROM projection_positions WHERE name = 'media_accounts'")
