"""The item history, a view over the log: a row per item event, the row `history.apply` gives, computed by the
database from that event's row alone.

`registry history`, the supervision reports and the portal read it as a table. It was one: each append inserted
its row (two more pages to write before the commit, a statement, a fold in Python), and a rebuild wrote a million
of them again. As a view it costs nothing to write and cannot drift from the log; `registry verify` still compares
it with the Python fold (`history.apply`), so the two definitions hold each other true. Migration 0009 made the
table this view; a change to the definition here needs a migration that makes the view again
(tests/events/test_migrations.py compares a migrated database's view with this one).

Its rows are those of the events whose schema version is the current one: an event type given a new schema version
needs its upcast here too (`registry verify` names the history's missing rows until it has one).

A later migration that changes the `events` table must drop the view and its index first and make them again after
(SQLite's batch mode copies the table, which a view names; PostgreSQL refuses to change a column a view reads; and
the index, on an expression, is invisible to alembic's comparison, so nothing else would notice it gone).
"""

from __future__ import annotations

from functools import lru_cache
from typing import get_args

from sqlalchemy import Connection

from events.codec import EVENT_TYPES
from events.elements import ItemElements
from events.event import ItemEvent
from projections.history import CLI
from projections.schema import item_history

ITEM_TYPES = tuple(name for name, (cls, _) in EVENT_TYPES.items() if cls in get_args(ItemEvent))


class _Json:
    """JSON paths in the dialect's words: SQLite's JSON functions, PostgreSQL's operators on the json type (which
    keeps the stored text of a value, as SQLite's `json_quote(json_extract(…))` writes it again: the canonical JSON
    the store wrote). SQLite's functions rather than its `->`/`->>` operators, which are the same functions but need
    SQLite 3.38 (Ubuntu 22.04 has 3.37, RHEL 9 3.34)."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"

    def value(self, document: str, *path: str) -> str:
        """The JSON text of the value at `path`; the value is always there where the view asks for it (a draft's
        elements, a revision's changes: pydantic wrote every field)."""
        if self.postgres:
            return "(" + document + "".join(f" -> '{key}'" for key in path) + ")::text"
        return f"json_quote(json_extract({document}, '$.{'.'.join(path)}'))"

    def text(self, document: str, key: str) -> str:
        """The string (or number) at `key` as SQL text (NULL where there is none or it is null)."""
        if self.postgres:
            return f"({document} ->> '{key}')"
        return f"json_extract({document}, '$.{key}')"


@lru_cache(maxsize=4)
def definition(dialect: str) -> str:
    """The view's SELECT in `dialect`'s words."""
    j = _Json(dialect)
    p, m = "p", "m"

    def trigger() -> str:  # history._trigger: "trigger: reason", or the trigger alone
        return (
            f"CASE WHEN {j.text(p, 'reason')} <> '' THEN {j.text(p, 'trigger')} || ': ' || {j.text(p, 'reason')}"
            f" ELSE {j.text(p, 'trigger')} END"
        )

    meta_reason = f"COALESCE({j.text(m, 'reason')}, '')"
    backfilled = f"({j.text(m, 'backfilled_by')} <> '' AND {j.text(m, 'occurred_at')} <> '')"
    # A draft's changes: each element it filled in, from null, in the elements' order (history._drafted), as
    # canonical JSON (keys field, new, old); the element's value is its stored JSON text.
    drafted = " || ".join(
        f"CASE WHEN {j.value(p, 'elements', name)} NOT IN ('\"\"', '[]')"
        f' THEN \'{{"field":"{name}","new":\' || {j.value(p, "elements", name)} || \',"old":null}},\' ELSE \'\' END'
        for name in ItemElements.model_fields
    )
    actions = {
        "ItemDrafted": "'draft'",
        "ItemRevised": "'revise'",
        "ItemSubmitted": "'submit'",
        "ReviewPassed": f"{j.text(p, 'stage')} || '_review_passed'",
        "ReviewRejected": f"{j.text(p, 'stage')} || '_rejected'",
        "ItemApproved": "'approve'",
        "ItemPublished": "'publish'",
        "AdjustmentProposed": "'propose_adjustment'",
        "RetirementProposed": "'propose_retirement'",
        "ItemRetired": "'retire'",
        "DraftDiscarded": "'discard'",
        "PendingChangeWithdrawn": "'withdraw'",
    }
    reasons = {
        "ReviewPassed": f"COALESCE(NULLIF({j.text(p, 'comment')}, ''), {meta_reason})",
        "ReviewRejected": j.text(p, "comment"),
        "ItemApproved": j.text(p, "reference"),
        "AdjustmentProposed": trigger(),
        "RetirementProposed": trigger(),
        "ItemRetired": trigger(),
        "DraftDiscarded": j.text(p, "reason"),
        "PendingChangeWithdrawn": j.text(p, "reason"),
    }
    assert set(actions) == set(ITEM_TYPES), "every item event needs its action here, as in history._step"
    current = " ".join(f"WHEN '{name}' THEN {EVENT_TYPES[name][1]}" for name in ITEM_TYPES)
    columns = [
        ("position", "position"),
        ("item_id", "stream_id"),
        ("stream_version", "version"),
        (
            "version",
            f"CASE WHEN type IN ('ItemDrafted', 'DraftDiscarded') THEN 1"
            f" ELSE CAST({j.text(p, 'version')} AS INTEGER) END",
        ),
        ("type", "type"),
        ("action", f"CASE type {_cases(actions)} END"),
        ("recorded_at", "recorded_at"),
        ("occurred_at", f"CASE WHEN {backfilled} THEN {j.text(m, 'occurred_at')} ELSE recorded_at END"),
        ("claimed_at", j.text(m, "occurred_at")),
        ("backfilled_by", j.text(m, "backfilled_by")),
        ("actor", j.text(m, "actor")),
        ("unit", f"COALESCE({j.text(m, 'unit')}, '')"),
        ("role", f"COALESCE({j.text(m, 'role')}, '')"),
        ("reason", f"CASE type {_cases(reasons)} ELSE {meta_reason} END"),
        (
            "changes",
            f"CASE type WHEN 'ItemDrafted' THEN '[' || RTRIM({drafted}, ',') || ']'"
            f" WHEN 'ItemRevised' THEN {j.value(p, 'changes')} WHEN 'AdjustmentProposed' THEN {j.value(p, 'changes')}"
            " ELSE '[]' END",
        ),
        ("hash", "hash"),
        ("channel", f"COALESCE(NULLIF({j.text(m, 'channel')}, ''), '{CLI}')"),
        ("credential", j.text(m, "credential")),
        ("os_user", j.text(m, "os_user")),
    ]
    assert [name for name, _ in columns] == [column.name for column in item_history.columns]
    cast = "::json" if j.postgres else ""
    types = ", ".join(f"'{name}'" for name in ITEM_TYPES)
    return (
        f"SELECT {', '.join(f'{expression} AS {name}' for name, expression in columns)}"
        f" FROM (SELECT position, stream_id, version, type, recorded_at, hash, payload{cast} AS p, metadata{cast} AS m"
        f" FROM events WHERE type IN ({types}) AND schema_version = CASE type {current} END) AS e"
    )


def create(conn: Connection) -> None:
    """Make the view, and the index on the log that finds an actor's events through it (`query.acted_on`, for the
    staff's worklist: without it, every event's metadata is read), on a database that has neither yet."""
    conn.exec_driver_sql(f"CREATE VIEW {item_history.name} AS {definition(conn.dialect.name)}")
    actor = "(metadata::json ->> 'actor')" if conn.dialect.name == "postgresql" else "json_extract(metadata, '$.actor')"
    conn.exec_driver_sql(f"CREATE INDEX {ACTOR_INDEX} ON events ({actor}, stream_id)")


def drop(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP INDEX {ACTOR_INDEX}")
    conn.exec_driver_sql(f"DROP VIEW {item_history.name}")


ACTOR_INDEX = "ix_events_actor"


def include_object(_object: object, name: str | None, kind: str, _reflected: bool, _compare_to: object) -> bool:
    """For alembic's comparison of the database with the tables' definitions (`include_object`): the view's index
    is on an expression in each dialect's words, made by `create`, and in no table's definition."""
    return not (kind == "index" and name == ACTOR_INDEX)


def _cases(values: dict[str, str]) -> str:
    """`WHEN 'type' THEN expression ...` for each event type."""
    return " ".join(f"WHEN '{name}' THEN {expression}" for name, expression in values.items())
