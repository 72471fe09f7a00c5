"""staff access: credentials, API tokens, sessions, the access audit; disabled actors

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('credentials',
    sa.Column('actor_id', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('actor_id')
    )
    op.create_table('tokens',
    sa.Column('token_id', sa.String(length=32), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('actor_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('roles', sa.Text(), nullable=False),
    sa.Column('issued_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.String(length=32), nullable=True),
    sa.Column('last_used_at', sa.String(length=32), nullable=True),
    sa.Column('revoked_at', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('token_id'),
    sa.UniqueConstraint('digest')
    )
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.create_index('ix_tokens_actor', ['actor_id'], unique=False)
    op.create_table('sessions',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('actor_id', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('last_seen_at', sa.String(length=32), nullable=False),
    sa.Column('ended_at', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('digest')
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index('ix_sessions_actor', ['actor_id'], unique=False)
    op.create_table('access_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('client', sa.String(length=100), nullable=False),
    sa.Column('event', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_client', ['client', 'at'], unique=False)
        batch_op.create_index('ix_access_log_name', ['name', 'at'], unique=False)
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.drop_column('disabled_at')
    op.drop_table('access_log')
    op.drop_table('sessions')
    op.drop_table('tokens')
    op.drop_table('credentials')
