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

revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


# The view as this migration made it, in each dialect (projections/history_view.py's definition at the time,
# written out: a later change to that module needs a migration of its own that makes the view again).
VIEW = {
    "sqlite": (
        'SELECT position AS position, stream_id AS item_id, version AS stream_version, CASE WHEN type IN '
        "('ItemDrafted', 'DraftDiscarded') THEN 1 ELSE CAST(json_extract(p, '$.version') AS INTEGER) END AS "
        "version, type AS type, CASE type WHEN 'ItemDrafted' THEN 'draft' WHEN 'ItemRevised' THEN 'revise' "
        "WHEN 'ItemSubmitted' THEN 'submit' WHEN 'ReviewPassed' THEN json_extract(p, '$.stage') || "
        "'_review_passed' WHEN 'ReviewRejected' THEN json_extract(p, '$.stage') || '_rejected' WHEN "
        "'ItemApproved' THEN 'approve' WHEN 'ItemPublished' THEN 'publish' WHEN 'AdjustmentProposed' THEN "
        "'propose_adjustment' WHEN 'RetirementProposed' THEN 'propose_retirement' WHEN 'ItemRetired' THEN "
        "'retire' WHEN 'DraftDiscarded' THEN 'discard' WHEN 'PendingChangeWithdrawn' THEN 'withdraw' END AS "
        "action, recorded_at AS recorded_at, CASE WHEN (json_extract(m, '$.backfilled_by') <> '' AND "
        "json_extract(m, '$.occurred_at') <> '') THEN json_extract(m, '$.occurred_at') ELSE recorded_at END "
        "AS occurred_at, json_extract(m, '$.occurred_at') AS claimed_at, json_extract(m, '$.backfilled_by') "
        "AS backfilled_by, json_extract(m, '$.actor') AS actor, COALESCE(json_extract(m, '$.unit'), '') AS "
        "unit, COALESCE(json_extract(m, '$.role'), '') AS role, CASE type WHEN 'ReviewPassed' THEN "
        "COALESCE(NULLIF(json_extract(p, '$.comment'), ''), COALESCE(json_extract(m, '$.reason'), '')) WHEN "
        "'ReviewRejected' THEN json_extract(p, '$.comment') WHEN 'ItemApproved' THEN json_extract(p, "
        "'$.reference') WHEN 'AdjustmentProposed' THEN CASE WHEN json_extract(p, '$.reason') <> '' THEN "
        "json_extract(p, '$.trigger') || ': ' || json_extract(p, '$.reason') ELSE json_extract(p, "
        "'$.trigger') END WHEN 'RetirementProposed' THEN CASE WHEN json_extract(p, '$.reason') <> '' THEN "
        "json_extract(p, '$.trigger') || ': ' || json_extract(p, '$.reason') ELSE json_extract(p, "
        "'$.trigger') END WHEN 'ItemRetired' THEN CASE WHEN json_extract(p, '$.reason') <> '' THEN "
        "json_extract(p, '$.trigger') || ': ' || json_extract(p, '$.reason') ELSE json_extract(p, "
        "'$.trigger') END WHEN 'DraftDiscarded' THEN json_extract(p, '$.reason') WHEN "
        "'PendingChangeWithdrawn' THEN json_extract(p, '$.reason') ELSE COALESCE(json_extract(m, "
        "'$.reason'), '') END AS reason, CASE type WHEN 'ItemDrafted' THEN '[' || RTRIM(CASE WHEN "
        'json_quote(json_extract(p, \'$.elements.category\')) NOT IN (\'""\', \'[]\') THEN '
        '\'{"field":"category","new":\' || json_quote(json_extract(p, \'$.elements.category\')) || '
        '\',"old":null},\' ELSE \'\' END || CASE WHEN json_quote(json_extract(p, \'$.elements.name\')) NOT IN '
        '(\'""\', \'[]\') THEN \'{"field":"name","new":\' || json_quote(json_extract(p, \'$.elements.name\')) || '
        '\',"old":null},\' ELSE \'\' END || CASE WHEN json_quote(json_extract(p, \'$.elements.subname\')) NOT IN '
        '(\'""\', \'[]\') THEN \'{"field":"subname","new":\' || json_quote(json_extract(p, \'$.elements.subname\')) '
        '|| \',"old":null},\' ELSE \'\' END || CASE WHEN json_quote(json_extract(p, \'$.elements.content\')) NOT '
        'IN (\'""\', \'[]\') THEN \'{"field":"content","new":\' || json_quote(json_extract(p, '
        '\'$.elements.content\')) || \',"old":null},\' ELSE \'\' END || CASE WHEN json_quote(json_extract(p, '
        '\'$.elements.basis\')) NOT IN (\'""\', \'[]\') THEN \'{"field":"basis","new":\' || '
        'json_quote(json_extract(p, \'$.elements.basis\')) || \',"old":null},\' ELSE \'\' END || CASE WHEN '
        'json_quote(json_extract(p, \'$.elements.time_limit\')) NOT IN (\'""\', \'[]\') THEN '
        '\'{"field":"time_limit","new":\' || json_quote(json_extract(p, \'$.elements.time_limit\')) || '
        '\',"old":null},\' ELSE \'\' END || CASE WHEN json_quote(json_extract(p, \'$.elements.body\')) NOT IN '
        '(\'""\', \'[]\') THEN \'{"field":"body","new":\' || json_quote(json_extract(p, \'$.elements.body\')) || '
        '\',"old":null},\' ELSE \'\' END || CASE WHEN json_quote(json_extract(p, \'$.elements.channels\')) NOT IN '
        '(\'""\', \'[]\') THEN \'{"field":"channels","new":\' || json_quote(json_extract(p, '
        '\'$.elements.channels\')) || \',"old":null},\' ELSE \'\' END || CASE WHEN json_quote(json_extract(p, '
        '\'$.elements.audience\')) NOT IN (\'""\', \'[]\') THEN \'{"field":"audience","new":\' || '
        'json_quote(json_extract(p, \'$.elements.audience\')) || \',"old":null},\' ELSE \'\' END || CASE WHEN '
        'json_quote(json_extract(p, \'$.elements.audience_note\')) NOT IN (\'""\', \'[]\') THEN '
        '\'{"field":"audience_note","new":\' || json_quote(json_extract(p, \'$.elements.audience_note\')) || '
        '\',"old":null},\' ELSE \'\' END || CASE WHEN json_quote(json_extract(p, \'$.elements.method\')) NOT IN '
        '(\'""\', \'[]\') THEN \'{"field":"method","new":\' || json_quote(json_extract(p, \'$.elements.method\')) || '
        '\',"old":null},\' ELSE \'\' END || CASE WHEN json_quote(json_extract(p, \'$.elements.levels\')) NOT IN '
        '(\'""\', \'[]\') THEN \'{"field":"levels","new":\' || json_quote(json_extract(p, \'$.elements.levels\')) || '
        '\',"old":null},\' ELSE \'\' END, \',\') || \']\' WHEN \'ItemRevised\' THEN json_quote(json_extract(p, '
        "'$.changes')) WHEN 'AdjustmentProposed' THEN json_quote(json_extract(p, '$.changes')) ELSE '[]' END "
        "AS changes, hash AS hash, COALESCE(NULLIF(json_extract(m, '$.channel'), ''), 'cli') AS channel, "
        "json_extract(m, '$.credential') AS credential, json_extract(m, '$.os_user') AS os_user FROM (SELECT "
        'position, stream_id, version, type, recorded_at, hash, payload AS p, metadata AS m FROM events '
        "WHERE type IN ('ItemDrafted', 'ItemRevised', 'ItemSubmitted', 'ReviewPassed', 'ReviewRejected', "
        "'ItemApproved', 'ItemPublished', 'AdjustmentProposed', 'RetirementProposed', 'ItemRetired', "
        "'DraftDiscarded', 'PendingChangeWithdrawn') AND schema_version = CASE type WHEN 'ItemDrafted' THEN "
        "1 WHEN 'ItemRevised' THEN 1 WHEN 'ItemSubmitted' THEN 1 WHEN 'ReviewPassed' THEN 1 WHEN "
        "'ReviewRejected' THEN 1 WHEN 'ItemApproved' THEN 1 WHEN 'ItemPublished' THEN 1 WHEN "
        "'AdjustmentProposed' THEN 1 WHEN 'RetirementProposed' THEN 1 WHEN 'ItemRetired' THEN 1 WHEN "
        "'DraftDiscarded' THEN 1 WHEN 'PendingChangeWithdrawn' THEN 1 END) AS e"
    ),
    "postgresql": (
        'SELECT position AS position, stream_id AS item_id, version AS stream_version, CASE WHEN type IN '
        "('ItemDrafted', 'DraftDiscarded') THEN 1 ELSE CAST((p ->> 'version') AS INTEGER) END AS version, "
        "type AS type, CASE type WHEN 'ItemDrafted' THEN 'draft' WHEN 'ItemRevised' THEN 'revise' WHEN "
        "'ItemSubmitted' THEN 'submit' WHEN 'ReviewPassed' THEN (p ->> 'stage') || '_review_passed' WHEN "
        "'ReviewRejected' THEN (p ->> 'stage') || '_rejected' WHEN 'ItemApproved' THEN 'approve' WHEN "
        "'ItemPublished' THEN 'publish' WHEN 'AdjustmentProposed' THEN 'propose_adjustment' WHEN "
        "'RetirementProposed' THEN 'propose_retirement' WHEN 'ItemRetired' THEN 'retire' WHEN "
        "'DraftDiscarded' THEN 'discard' WHEN 'PendingChangeWithdrawn' THEN 'withdraw' END AS action, "
        "recorded_at AS recorded_at, CASE WHEN ((m ->> 'backfilled_by') <> '' AND (m ->> 'occurred_at') <> "
        "'') THEN (m ->> 'occurred_at') ELSE recorded_at END AS occurred_at, (m ->> 'occurred_at') AS "
        "claimed_at, (m ->> 'backfilled_by') AS backfilled_by, (m ->> 'actor') AS actor, COALESCE((m ->> "
        "'unit'), '') AS unit, COALESCE((m ->> 'role'), '') AS role, CASE type WHEN 'ReviewPassed' THEN "
        "COALESCE(NULLIF((p ->> 'comment'), ''), COALESCE((m ->> 'reason'), '')) WHEN 'ReviewRejected' THEN "
        "(p ->> 'comment') WHEN 'ItemApproved' THEN (p ->> 'reference') WHEN 'AdjustmentProposed' THEN CASE "
        "WHEN (p ->> 'reason') <> '' THEN (p ->> 'trigger') || ': ' || (p ->> 'reason') ELSE (p ->> "
        "'trigger') END WHEN 'RetirementProposed' THEN CASE WHEN (p ->> 'reason') <> '' THEN (p ->> "
        "'trigger') || ': ' || (p ->> 'reason') ELSE (p ->> 'trigger') END WHEN 'ItemRetired' THEN CASE WHEN "
        "(p ->> 'reason') <> '' THEN (p ->> 'trigger') || ': ' || (p ->> 'reason') ELSE (p ->> 'trigger') "
        "END WHEN 'DraftDiscarded' THEN (p ->> 'reason') WHEN 'PendingChangeWithdrawn' THEN (p ->> 'reason') "
        "ELSE COALESCE((m ->> 'reason'), '') END AS reason, CASE type WHEN 'ItemDrafted' THEN '[' || "
        'RTRIM(CASE WHEN (p -> \'elements\' -> \'category\')::text NOT IN (\'""\', \'[]\') THEN '
        '\'{"field":"category","new":\' || (p -> \'elements\' -> \'category\')::text || \',"old":null},\' ELSE \'\' '
        'END || CASE WHEN (p -> \'elements\' -> \'name\')::text NOT IN (\'""\', \'[]\') THEN '
        '\'{"field":"name","new":\' || (p -> \'elements\' -> \'name\')::text || \',"old":null},\' ELSE \'\' END || '
        'CASE WHEN (p -> \'elements\' -> \'subname\')::text NOT IN (\'""\', \'[]\') THEN \'{"field":"subname","new":\' '
        '|| (p -> \'elements\' -> \'subname\')::text || \',"old":null},\' ELSE \'\' END || CASE WHEN (p -> '
        '\'elements\' -> \'content\')::text NOT IN (\'""\', \'[]\') THEN \'{"field":"content","new":\' || (p -> '
        '\'elements\' -> \'content\')::text || \',"old":null},\' ELSE \'\' END || CASE WHEN (p -> \'elements\' -> '
        '\'basis\')::text NOT IN (\'""\', \'[]\') THEN \'{"field":"basis","new":\' || (p -> \'elements\' -> '
        '\'basis\')::text || \',"old":null},\' ELSE \'\' END || CASE WHEN (p -> \'elements\' -> \'time_limit\')::text '
        'NOT IN (\'""\', \'[]\') THEN \'{"field":"time_limit","new":\' || (p -> \'elements\' -> \'time_limit\')::text '
        '|| \',"old":null},\' ELSE \'\' END || CASE WHEN (p -> \'elements\' -> \'body\')::text NOT IN (\'""\', \'[]\') '
        'THEN \'{"field":"body","new":\' || (p -> \'elements\' -> \'body\')::text || \',"old":null},\' ELSE \'\' END '
        '|| CASE WHEN (p -> \'elements\' -> \'channels\')::text NOT IN (\'""\', \'[]\') THEN '
        '\'{"field":"channels","new":\' || (p -> \'elements\' -> \'channels\')::text || \',"old":null},\' ELSE \'\' '
        'END || CASE WHEN (p -> \'elements\' -> \'audience\')::text NOT IN (\'""\', \'[]\') THEN '
        '\'{"field":"audience","new":\' || (p -> \'elements\' -> \'audience\')::text || \',"old":null},\' ELSE \'\' '
        'END || CASE WHEN (p -> \'elements\' -> \'audience_note\')::text NOT IN (\'""\', \'[]\') THEN '
        '\'{"field":"audience_note","new":\' || (p -> \'elements\' -> \'audience_note\')::text || \',"old":null},\' '
        'ELSE \'\' END || CASE WHEN (p -> \'elements\' -> \'method\')::text NOT IN (\'""\', \'[]\') THEN '
        '\'{"field":"method","new":\' || (p -> \'elements\' -> \'method\')::text || \',"old":null},\' ELSE \'\' END || '
        'CASE WHEN (p -> \'elements\' -> \'levels\')::text NOT IN (\'""\', \'[]\') THEN \'{"field":"levels","new":\' '
        '|| (p -> \'elements\' -> \'levels\')::text || \',"old":null},\' ELSE \'\' END, \',\') || \']\' WHEN '
        "'ItemRevised' THEN (p -> 'changes')::text WHEN 'AdjustmentProposed' THEN (p -> 'changes')::text "
        "ELSE '[]' END AS changes, hash AS hash, COALESCE(NULLIF((m ->> 'channel'), ''), 'cli') AS channel, "
        "(m ->> 'credential') AS credential, (m ->> 'os_user') AS os_user FROM (SELECT position, stream_id, "
        'version, type, recorded_at, hash, payload::json AS p, metadata::json AS m FROM events WHERE type IN '
        "('ItemDrafted', 'ItemRevised', 'ItemSubmitted', 'ReviewPassed', 'ReviewRejected', 'ItemApproved', "
        "'ItemPublished', 'AdjustmentProposed', 'RetirementProposed', 'ItemRetired', 'DraftDiscarded', "
        "'PendingChangeWithdrawn') AND schema_version = CASE type WHEN 'ItemDrafted' THEN 1 WHEN "
        "'ItemRevised' THEN 1 WHEN 'ItemSubmitted' THEN 1 WHEN 'ReviewPassed' THEN 1 WHEN 'ReviewRejected' "
        "THEN 1 WHEN 'ItemApproved' THEN 1 WHEN 'ItemPublished' THEN 1 WHEN 'AdjustmentProposed' THEN 1 WHEN "
        "'RetirementProposed' THEN 1 WHEN 'ItemRetired' THEN 1 WHEN 'DraftDiscarded' THEN 1 WHEN "
        "'PendingChangeWithdrawn' THEN 1 END) AS e"
    ),
}
ACTOR = {"sqlite": "json_extract(metadata, '$.actor')", "postgresql": "(metadata::json ->> 'actor')"}


def _create() -> None:
    bind = op.get_bind()  # driver SQL: the view's JSON text holds `:null`, which SQLAlchemy's text() would bind
    bind.exec_driver_sql(f"CREATE VIEW item_history AS {VIEW[bind.dialect.name]}")
    bind.exec_driver_sql(f"CREATE INDEX ix_events_actor ON events ({ACTOR[bind.dialect.name]}, stream_id)")


def _drop() -> None:
    op.execute("DROP INDEX ix_events_actor")
    op.execute("DROP VIEW item_history")


def upgrade() -> None:
    op.drop_index('ix_item_history_item', table_name='item_history')
    op.drop_table('item_history')
    _create()
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
    _drop()
    op.rename_table('item_history_0009', 'item_history')
    op.create_index('ix_item_history_item', 'item_history', ['item_id', 'position'])
    op.execute(
        "INSERT INTO projection_positions (name, position) "
        "SELECT 'item_history', position FROM projection_positions WHERE name = 'items'"
    )
