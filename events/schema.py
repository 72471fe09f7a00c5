"""The table definitions: one MetaData for the log and the projections, migrated by Alembic."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# A position as the key of its table: BIGINT, and on SQLite INTEGER, which makes it the row id itself rather than a
# second B-tree beside it (migration 0008).
ROW_ID = BigInteger().with_variant(Integer(), "sqlite")

events = Table(
    "events",
    metadata,
    Column("position", ROW_ID, primary_key=True, autoincrement=False),
    Column("stream_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("payload", Text, nullable=False),
    Column("metadata", Text, nullable=False),
    Column("command_id", String(100), nullable=True),
    Column("recorded_at", String(32), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    Index("ix_events_command_id", "command_id"),
)

# The Merkle tree over the log (RFC 9162): node (level, index) covers leaves [index * 2**level, (index+1) * 2**level).
merkle_nodes = Table(
    "merkle_nodes",
    metadata,
    Column("level", SmallInteger, nullable=False),
    Column("index", BigInteger, nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
    PrimaryKeyConstraint("level", "index"),
    sqlite_with_rowid=False,
)

# Signed tree heads: Ed25519 over a C2SP tlog-checkpoint note body (see events/proof.py).
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", ROW_ID, primary_key=True, autoincrement=False),
    Column("root", String(64), nullable=False),  # hex
    Column("origin", String(200), nullable=False),
    Column("signed_at", String(32), nullable=False),
    Column("signature", String(100), nullable=False),  # base64
    Column("public_key", String(60), nullable=False),  # base64 of the 32 raw bytes
)
