"""SQLite: log positions as the tables' own row ids; the tree's nodes and the items keyed by themselves

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

On SQLite a BIGINT primary key is a second B-tree beside the table's hidden row id: every append wrote both. The
position (and a checkpoint's size) becomes the row id itself (declared INTEGER: SQLite's alias), and the Merkle
tree's nodes, the items and the projections' positions are stored in their primary key's B-tree (WITHOUT ROWID).
A command then writes three fewer pages to the WAL before its commit's fsync (docs/benchmarks.md). The data and
every other column, constraint and index are kept as they were: each table is copied from its own stored
definition. PostgreSQL is unchanged: its keys already are the one index.
"""
import re
from functools import partial
from typing import Callable, Sequence, Union

from alembic import op


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# table: its key column, typed INTEGER to become the row id
ROW_ID_KEYS = {"events": "position", "public_changes": "position", "checkpoints": "size"}
WITHOUT_ROW_ID = ("merkle_nodes", "items", "projection_positions")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, key in ROW_ID_KEYS.items():
        _recreate(table, partial(_integer_key, key=key))
    for table in WITHOUT_ROW_ID:
        _recreate(table, lambda body: body + " WITHOUT ROWID")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, key in ROW_ID_KEYS.items():
        _recreate(table, partial(_bigint_key, key=key))
    for table in WITHOUT_ROW_ID:
        _recreate(table, lambda body: body.removesuffix(" WITHOUT ROWID"))


def _integer_key(body: str, key: str) -> str:
    changed, count = re.subn(rf"\b{key} BIGINT NOT NULL", f"{key} INTEGER NOT NULL", body, count=1)
    if count != 1:
        raise RuntimeError(f"migration 0008: no `{key} BIGINT NOT NULL` column in the stored definition: {body}")
    return changed


def _bigint_key(body: str, key: str) -> str:
    if f"{key} INTEGER NOT NULL" not in body:
        raise RuntimeError(f"migration 0008: no `{key} INTEGER NOT NULL` column in the stored definition: {body}")
    return body.replace(f"{key} INTEGER NOT NULL", f"{key} BIGINT NOT NULL", 1)


def _recreate(table: str, change: Callable[[str], str]) -> None:
    """`table` made anew from its stored definition as `change` gives it, its rows copied, its indexes remade."""
    bind = op.get_bind()
    definition = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    indexes = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
    ).scalars().all()
    body = change(definition.split("(", 1)[1].rstrip())
    bind.exec_driver_sql(f"CREATE TABLE {table}_0008 ({body}")
    bind.exec_driver_sql(f"INSERT INTO {table}_0008 SELECT * FROM {table}")
    bind.exec_driver_sql(f"DROP TABLE {table}")
    bind.exec_driver_sql(f"ALTER TABLE {table}_0008 RENAME TO {table}")
    for index in indexes:
        bind.exec_driver_sql(index)
