"""One random change to the events table — a payload, a metadata field, a column or a timestamp edited, a row
deleted, a forged row inserted, two rows swapped — and `registry verify` fails naming the first affected position.

The tamperer is as capable as the chain allows: SHA-256 has no secret, so a forged row is linked to the row before
it and carries its own correct hash, and a "rewritten" row is edited with its hash recomputed. The chain alone then
breaks one row later (the next row's prev_hash), or not at all at the end of the log; the Merkle tree, whose leaves
were written with each event, names the row itself. The first affected position of each change:

| change | first affected position |
|---|---|
| edit a row's payload, metadata, a column or recorded_at (hash left as it was) | that row |
| rewrite a row (edit it and recompute its hash) | that row, the last row included |
| delete row p (the rows after it keep their positions) | p, the last row included |
| insert a forged row at p (the rows from p on move up by one) | p, at the end of the log too |
| swap the rows at p < q | p |
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, delete, insert, select, update

from events.chain import GENESIS, row_hash
from events.codec import canonical_json
from events.envelope import format_time, parse_time
from events.schema import events
from registry.audit import Verification, verify
from registry.service import Registry
from tests.conftest import Result
from tests.registry.transfer.catalog_files import complete, people, publish
from tests.reliability.scale import TAMPERING_EXAMPLES

Row = dict[str, Any]
Change = Callable[[Connection, list[Row]], int]  # applies itself to the table; returns the first affected position


@pytest.fixture
def signed(registry: Registry, tmp_path: Path) -> Iterator[tuple[Registry, list[Row]]]:
    """A small registry (actors, two published items with signed checkpoints, a draft) and its pristine rows."""
    signed = registry  # signs with the tests' key, on record in its log
    publish(signed, "czj-yusuan", complete("政府预算"))
    publish(signed, "czj-juesuan", complete("政府决算"))
    people(signed)
    with signed.store.reading() as conn:
        rows = [dict(row._mapping) for row in conn.execute(select(events).order_by(events.c.position))]
    yield signed, rows


def rehash(row: Row) -> Row:
    """`row` with its hash recomputed from its contents: what a tamperer who knows the chain would store."""
    fields = {k: row[k] for k in ("position", "stream_id", "version", "type", "schema_version", "command_id")}
    digest = row_hash(
        payload=json.loads(row["payload"]),
        metadata=json.loads(row["metadata"]),
        recorded_at=row["recorded_at"],
        prev_hash=row["prev_hash"],
        **fields,
    )
    return {**row, "hash": digest}


def replace_row(conn: Connection, position: int, row: Row) -> None:
    conn.execute(update(events).where(events.c.position == position).values(**row))


def move_positions(conn: Connection, first: int, by: int) -> None:
    """Shift the positions from `first` on by `by`, through negatives so that no two rows ever share one."""
    conn.execute(update(events).where(events.c.position >= first).values(position=-(events.c.position + by)))
    conn.execute(update(events).where(events.c.position < 0).values(position=-events.c.position))


# -- the changes ---------------------------------------------------------------------------------------------------


def edited_value(old: Any, new: str) -> Any:
    """A value of another kind or content than `old`."""
    if isinstance(old, bool) or old is None:
        return new
    if isinstance(old, int):
        return old + 1 + len(new)
    if isinstance(old, str):
        return old + new if new else old + "改"
    return new


def leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths to every scalar inside a JSON value."""
    if isinstance(value, dict):
        return [p for key in sorted(value) for p in leaves(value[key], (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in leaves(item, (*path, index))] or [path]
    return [path]


def set_at(value: Any, path: tuple[Any, ...], new: str) -> Any:
    if not path:
        return edited_value(value, new)
    copy = value.copy()
    copy[path[0]] = set_at(value[path[0]], path[1:], new)
    return copy


@st.composite
def changes(draw: st.DrawFn, rows: list[Row]) -> tuple[str, Change]:
    size = len(rows)
    kind = draw(
        st.sampled_from(
            ["payload", "garbled payload", "metadata", "column", "recorded_at", "rewrite", "delete", "insert", "swap"]
        )
    )
    position = draw(st.integers(1, size + 1 if kind == "insert" else size))
    row = dict(rows[position - 1]) if position <= size else {}
    # What either database can store: PostgreSQL's text holds no NUL, and no encoding holds a lone surrogate.
    text = draw(st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=8))

    def apply(conn: Connection, _rows: list[Row]) -> int:
        match kind:
            case "payload" | "rewrite":
                payload = json.loads(row["payload"])
                path = draw(st.sampled_from(leaves(payload)))
                edited = {**row, "payload": canonical_json(set_at(payload, path, text))}
                replace_row(conn, position, rehash(edited) if kind == "rewrite" else edited)
            case "garbled payload":
                cut = draw(st.integers(1, len(row["payload"]) - 1))
                replace_row(conn, position, {**row, "payload": row["payload"][:cut]})
            case "metadata":
                metadata = json.loads(row["metadata"])
                key = draw(st.sampled_from(sorted(metadata)))
                replace_row(conn, position, {**row, "metadata": canonical_json(set_at(metadata, (key,), text))})
            case "column":
                column = draw(st.sampled_from(["stream_id", "version", "type", "schema_version", "command_id"]))
                value = row[column] + 1000 if column in ("version", "schema_version") else f"{row[column]}{text}x"
                replace_row(conn, position, {**row, column: value})
            case "recorded_at":
                shift = draw(st.integers(-(10**12), 10**12).filter(bool))
                moment = format_time(parse_time(row["recorded_at"]) + timedelta(microseconds=shift))
                replace_row(conn, position, {**row, "recorded_at": moment})
            case "delete":
                conn.execute(delete(events).where(events.c.position == position))
            case "insert":
                model = dict(rows[draw(st.integers(0, size - 1))])
                payload = canonical_json({**json.loads(model["payload"]), "forged": text})
                before = rows[position - 2]["hash"] if position > 1 else GENESIS
                forged = {**model, "position": position, "stream_id": f"forged{text}", "version": 1}
                move_positions(conn, position, 1)
                conn.execute(insert(events).values(**rehash({**forged, "payload": payload, "prev_hash": before})))
            case "swap":
                other = draw(st.integers(1, size).filter(lambda q: q != position))
                first, second = sorted((position, other))
                conn.execute(update(events).where(events.c.position == first).values(position=-1))
                conn.execute(update(events).where(events.c.position == second).values(position=first))
                conn.execute(update(events).where(events.c.position == -1).values(position=second))
                return first
        return position

    return kind, apply


def restore(registry: Registry, rows: list[Row]) -> None:
    with registry.store.writing() as conn:
        conn.execute(delete(events))
        conn.execute(insert(events), rows)


def describe(result: Verification) -> str:
    return f"{result.first_bad_position}: {result.problem} / {result.tree_problems} / {result.projection_problems}"


def test_the_untouched_registry_verifies(signed: tuple[Registry, list[Row]]) -> None:
    registry, rows = signed
    result = verify(registry.store)

    assert result.ok, describe(result)
    assert result.events == len(rows) > 10


@settings(
    max_examples=TAMPERING_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_single_change_to_the_events_table_fails_verify_at_the_first_affected_position(
    signed: tuple[Registry, list[Row]], data: st.DataObject
) -> None:
    registry, rows = signed
    kind, change = data.draw(changes(rows), label="change")
    with registry.store.writing() as conn:
        first = change(conn, rows)
    try:
        result = verify(registry.store)
    finally:
        restore(registry, rows)

    assert not result.ok, kind
    assert result.first_bad_position == first, f"{kind}: {describe(result)}"


def test_registry_verify_json_names_a_forged_row(
    signed: tuple[Registry, list[Row]], db_url: str, cli: Callable[..., Result]
) -> None:
    registry, rows = signed
    forged = {**rows[4], "stream_id": "forged", "version": 1, "position": 5, "prev_hash": rows[3]["hash"]}
    with registry.store.writing() as conn:
        move_positions(conn, 5, 1)
        conn.execute(insert(events).values(**rehash(forged)))

    done = cli("--db", db_url, "verify", "--json")

    assert done.code == 6
    assert json.loads(done.out)["first_bad_position"] == 5


@pytest.mark.parametrize("change", ["rewrite the last row", "delete the last row", "append a forged row"])
def test_a_change_at_the_end_of_the_log_is_caught_by_the_merkle_tree(
    signed: tuple[Registry, list[Row]], change: str
) -> None:
    """The chain alone cannot see these: nothing follows the changed row. The tree's leaves can."""
    registry, rows = signed
    last = rows[-1]
    with registry.store.writing() as conn:
        if change == "rewrite the last row":
            metadata = {**json.loads(last["metadata"]), "actor": "冒名者"}
            replace_row(conn, len(rows), rehash({**last, "metadata": canonical_json(metadata)}))
        elif change == "delete the last row":
            conn.execute(delete(events).where(events.c.position == len(rows)))
        else:
            forged = {**last, "position": len(rows) + 1, "stream_id": "forged", "version": 1, "prev_hash": last["hash"]}
            conn.execute(insert(events).values(**rehash(forged)))

    result = verify(registry.store)

    assert result.tree_problems, describe(result)
    assert result.first_bad_position == (len(rows) + 1 if change == "append a forged row" else len(rows))
