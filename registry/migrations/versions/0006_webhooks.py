"""webhook subscriptions and their delivery attempts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Push (精准推送) to business systems: each subscription's filters, status and cursor (the last log position
acknowledged or given up), and every delivery attempt. The log itself is the outbox; these tables say how far
each subscriber has got.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'webhook_subscriptions',
        sa.Column('subscription_id', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('domain', sa.String(length=200), nullable=True),
        sa.Column('unit', sa.String(length=200), nullable=True),
        sa.Column('level', sa.String(length=20), nullable=True),
        sa.Column('village', sa.String(length=200), nullable=True),
        sa.Column('kind', sa.String(length=10), nullable=True),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('cursor', sa.BigInteger(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.String(length=32), nullable=True),
        sa.Column('given_up', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_delivered_at', sa.String(length=32), nullable=True),
        sa.Column('failing_since', sa.String(length=32), nullable=True),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('updated_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('subscription_id'),
    )
    op.create_table(
        'webhook_attempts',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('subscription_id', sa.String(length=40), nullable=False),
        sa.Column('position', sa.BigInteger(), nullable=False),
        sa.Column('message_id', sa.String(length=80), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('at', sa.String(length=32), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_webhook_attempts_subscription', 'webhook_attempts', ['subscription_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_webhook_attempts_subscription', table_name='webhook_attempts')
    op.drop_table('webhook_attempts')
    op.drop_table('webhook_subscriptions')
