"""The item history of a whole log in one INSERT … SELECT: the rows `history.apply` gives, computed by the database.

For a rebuild: the history is a row per item event, a function of that event's row alone, and building it from
Python rows (decoded, formatted, bound one value at a time) was a third of a rebuild. `registry verify` still
compares the table with the Python fold (`history.apply`), so the two ways of writing it hold each other true.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import get_args

from sqlalchemy import Connection

from events import driver
from events.codec import EVENT_TYPES
from events.elements import ItemElements
from events.event import ItemEvent
from projections.history import CLI
from projections.schema import item_history

ITEM_TYPES = tuple(name for name, (cls, _) in EVENT_TYPES.items() if cls in get_args(ItemEvent))

# format_time's output (events.timestamp.is_stored_form): a time written otherwise would be formatted again by
# the Python fold, which SQL does not do; its event is left out, and `insert` then says the log is not for it.
_STORED_FORM_GLOB = "[1-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]." + "[0-9]" * 6 + "Z"
_STORED_FORM_REGEX = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$"


class _Json:
    """JSON paths in the dialect's words: SQLite's `->` / `->>` with a path, PostgreSQL's on the json type (which
    keeps the stored text of a value, as SQLite's `->` writes it again: the canonical JSON the store wrote)."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"

    def value(self, document: str, *path: str) -> str:
        """The JSON text of the value at `path` (NULL where there is none)."""
        if self.postgres:
            return "(" + document + "".join(f" -> '{key}'" for key in path) + ")::text"
        return f"({document} -> '$.{'.'.join(path)}')"

    def text(self, document: str, key: str) -> str:
        """The string (or number) at `key` as SQL text (NULL where there is none or it is null)."""
        if self.postgres:
            return f"({document} ->> '{key}')"
        return f"({document} ->> '$.{key}')"

    def stored_form(self, expression: str) -> str:
        if self.postgres:
            return f"{expression} ~ '{_STORED_FORM_REGEX}'"
        return f"{expression} GLOB '{_STORED_FORM_GLOB}'"


@lru_cache(maxsize=8)
def _statement(dialect: str, table: str) -> str:
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
    assert {name for name, _ in columns} == {column.name for column in item_history.columns}
    cast = "::json" if j.postgres else ""
    types = ", ".join(f"'{name}'" for name in ITEM_TYPES)
    return (
        f"INSERT INTO {table} ({', '.join(name for name, _ in columns)})"
        f" SELECT {', '.join(expression for _, expression in columns)}"
        f" FROM (SELECT position, stream_id, version, type, recorded_at, hash, payload{cast} AS p, metadata{cast} AS m"
        f" FROM events WHERE position > ? AND position <= ?"
        f" AND type IN ({types}) AND schema_version = CASE type {current} END) AS e"
        f" WHERE {j.stored_form('recorded_at')} AND (NOT {backfilled} OR {j.stored_form(j.text(m, 'occurred_at'))})"
    )


_ITEM_EVENTS = (
    f"SELECT COUNT(*) FROM events WHERE position <= ? AND type IN ({', '.join(repr(name) for name in ITEM_TYPES)})"
)
# Events per statement: between two, the caller may do other work on the connection (write a partner's rows).
CHUNK = 50_000


def insert(
    conn: Connection,
    until: int,
    table: str = item_history.name,
    between: Callable[[], None] | None = None,
    chunk: int = CHUNK,
) -> bool:
    """Insert the history of every item event up to position `until` into the empty `table`, `chunk` positions a
    statement, calling `between()` after each; False, leaving the table empty, where the log holds an event this
    statement does not write as `history.apply` would (a schema version to upcast, a time to format again): then
    the Python fold must write the history."""
    statement = driver.native(_statement(conn.dialect.name, table), conn.dialect.paramstyle)
    written = 0
    for start in range(0, until, chunk):
        written += conn.exec_driver_sql(statement, (start, min(start + chunk, until))).rowcount
        if between:
            between()
    counting = driver.native(_ITEM_EVENTS, conn.dialect.paramstyle)
    if written == conn.exec_driver_sql(counting, (until,)).scalar_one():
        return True
    conn.exec_driver_sql(f"DELETE FROM {table}")
    return False


def _cases(values: dict[str, str]) -> str:
    """`WHEN 'type' THEN expression ...` for each event type."""
    return " ".join(f"WHEN '{name}' THEN {expression}" for name, expression in values.items())
