"""The read models' tables. They live beside the log in one MetaData so that one migration history covers both."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text

from events.schema import ROW_ID, metadata

projection_positions = Table(
    "projection_positions",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("position", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

actors = Table(
    "actors",
    metadata,
    Column("actor_id", String(200), primary_key=True),
    Column("unit", String(200), nullable=False),
    Column("roles", Text, nullable=False),  # JSON list
    Column("registered_at", String(32), nullable=False),
    Column("disabled_at", String(32), nullable=True),  # ActorDisabled: may no longer act
)

# Every item, drafts included, for internal listing.
items = Table(
    "items",
    metadata,
    Column("item_id", String(200), primary_key=True),
    Column("domain", String(200), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("status", String(30), nullable=False),
    Column("version", Integer, nullable=False),  # the newest version (pending or published)
    Column("published_version", Integer, nullable=True),
    Column("pending_kind", String(10), nullable=True),
    Column("rejection", Text, nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("ix_items_unit", "unit"),
    Index("ix_items_status", "status"),
    sqlite_with_rowid=False,
)

# Every version of every item: its elements as they stand, and when it was public.
item_versions = Table(
    "item_versions",
    metadata,
    Column("item_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("state", String(30), nullable=False),
    Column("elements", Text, nullable=False),  # JSON object
    Column("trigger", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("approval_reference", Text, nullable=False),
    Column("published_at", String(32), nullable=True),
    Column("superseded_at", String(32), nullable=True),
    PrimaryKeyConstraint("item_id", "version"),
)


def element_columns() -> list[Column[str]]:
    """A published version's elements as columns, for the public tables; channels, audience, method and levels
    hold canonical JSON lists."""
    names = (
        "category",
        "name",
        "subname",
        "content",
        "basis",
        "time_limit",
        "body",
        "channels",
        "audience",
        "audience_note",
        "method",
        "levels",
    )
    return [Column(name, Text, nullable=False) for name in names]


# The authoritative published version of each item in the public catalog: nothing else is ever here.
public_catalog = Table(
    "public_catalog",
    metadata,
    Column("item_id", String(200), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("domain", String(200), nullable=False),
    Column("unit", String(200), nullable=False),
    *element_columns(),
    Column("published_at", String(32), nullable=False),
    Column("approval_reference", Text, nullable=False),
    Column("position", BigInteger, nullable=False),
    # A filtered catalog page is a keyset page by item id: the index gives it in order (migration 0005).
    Index("ix_public_catalog_domain_item", "domain", "item_id"),
    Index("ix_public_catalog_unit_item", "unit", "item_id"),
)

# The views over the log, which the migrations make (`metadata.create_all` makes tables only: not these).
views = MetaData()

# One row per item event: the accountability record behind `registry history`. A view over the log
# (projections/history_view.py), read as a table.
item_history = Table(
    "item_history",
    views,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("item_id", String(200), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("version", Integer, nullable=True),
    Column("type", String(100), nullable=False),
    Column("action", String(100), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("occurred_at", String(32), nullable=False),  # when it took effect: the store's time, or a backfill's
    Column("claimed_at", String(32), nullable=True),  # the caller's clock, as information
    Column("backfilled_by", String(200), nullable=True),  # 补录: the admin who recorded an earlier act
    Column("actor", String(200), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("role", String(50), nullable=False),
    Column("reason", Text, nullable=False),
    Column("changes", Text, nullable=False),  # JSON list of {field, old, new}
    Column("hash", String(64), nullable=False),
    # How the actor was proven: cli (asserted with --as on the server), session or token; events from before read cli
    Column("channel", String(20), nullable=False),
    Column("credential", String(64), nullable=True),  # a token id, or a digest of the session id: never a secret
    Column("os_user", String(200), nullable=True),  # who ran a cli command on the server
)


# Every version that was ever public, with the interval it was authoritative: `asOf` reads and public histories.
published_versions = Table(
    "published_versions",
    metadata,
    Column("item_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("domain", String(200), nullable=False),
    Column("unit", String(200), nullable=False),
    *element_columns(),
    Column("published_at", String(32), nullable=False),
    Column("superseded_at", String(32), nullable=True),
    Column("approval_reference", Text, nullable=False),
    Column("position", BigInteger, nullable=False),
    PrimaryKeyConstraint("item_id", "version"),
    Index("ix_published_versions_time", "published_at"),
)

# The public feed: publications (增加), adjustments (变更) and retirements (取消), in log order.
public_changes = Table(
    "public_changes",
    metadata,
    Column("position", ROW_ID, primary_key=True, autoincrement=False),
    Column("item_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("published_at", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("backfilled", Boolean, nullable=False),  # 补录: recorded later by an admin, at its own time
    Index("ix_public_changes_item", "item_id", "position"),
)

# The keys that have signed or may sign checkpoints, as the log records them; the current one has no retired_at.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("key_id", String(16), primary_key=True),
    Column("public_key", String(64), nullable=False),
    Column("registered_at", String(32), nullable=False),
    Column("retired_at", String(32), nullable=True),
    Column("position", BigInteger, nullable=False),
)

# Every new-media account (政务新媒体), filings in review included: the public list reads its `public` column (the
# published elements without the internal ones), the rule 一平台一账号 reads (unit, platform, status).
media_accounts = Table(
    "media_accounts",
    metadata,
    Column("account_id", String(200), primary_key=True),
    Column("unit", String(200), nullable=False),  # 主办单位
    Column("platform", String(500), nullable=False),
    Column("status", String(20), nullable=False),  # events.account.AccountStatus
    Column("name", Text, nullable=False),  # the newest name, a pending filing's included
    Column("version", Integer, nullable=False),  # the newest version (pending or published)
    Column("pending_kind", String(10), nullable=True),  # events.account.FilingKind of the filing in review
    Column("public", Text, nullable=True),  # JSON: the published elements a reader may see
    Column("published_version", Integer, nullable=True),
    Column("published_at", String(32), nullable=True),
    Column("published_position", BigInteger, nullable=True),  # the log position of the last publication
    Column("updated_at", String(32), nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("ix_media_accounts_unit_platform", "unit", "platform"),
    Index("ix_media_accounts_status_unit", "status", "unit"),
)

PROJECTION_TABLES = (
    signing_keys,
    actors,
    items,
    item_versions,
    public_catalog,
    published_versions,
    public_changes,
    media_accounts,
)
# What `registry verify` compares with a fresh fold of the log: the tables, and the history view.
FOLDED = (*PROJECTION_TABLES, item_history)
