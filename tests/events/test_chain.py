"""A stored row's hash is recomputed from its columns, the same whichever JSON library writes the text again."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import orjson

from events.chain import GENESIS, canonical_json, row_hash, stored_row_hash


def stored(payload: Any, metadata: Any) -> SimpleNamespace:
    """An events row as the store writes it: canonical JSON texts, and the hash of the row."""
    position, version, stream_id, type_, recorded_at = 1, 1, "item-1", "ItemRevised", "2024-03-01T01:00:00.000000Z"
    digest = row_hash(
        position=position,
        stream_id=stream_id,
        version=version,
        type=type_,
        schema_version=1,
        payload=payload,
        metadata=metadata,
        command_id=None,
        recorded_at=recorded_at,
        prev_hash=GENESIS,
    )
    return SimpleNamespace(
        position=position,
        stream_id=stream_id,
        version=version,
        type=type_,
        schema_version=1,
        payload=canonical_json(payload),
        metadata=canonical_json(metadata),
        command_id=None,
        recorded_at=recorded_at,
        prev_hash=GENESIS,
        hash=digest,
    )


def test_a_row_of_text_is_hashed_as_it_was_appended() -> None:
    row = stored(
        {"item_id": "item-1", "changes": [{"field": "name", "old": "旧\n", "new": "新\t"}]}, {"actor": "孙初审"}
    )

    assert stored_row_hash(row) == row.hash


def test_a_row_whose_numbers_orjson_writes_otherwise_is_hashed_as_it_was_appended() -> None:
    assert orjson.dumps(1e-7) != json.dumps(1e-7).encode()  # 1e-7 against 1e-07
    row = stored({"item_id": "item-1", "changes": [{"field": "x", "old": 1e-7, "new": 0.1}]}, {"actor": "a"})

    assert stored_row_hash(row) == row.hash


def test_a_row_whose_numbers_orjson_cannot_read_is_hashed_as_it_was_appended() -> None:
    row = stored({"item_id": "item-1", "changes": [{"field": "x", "old": 2**70, "new": None}]}, {"actor": "a"})

    assert stored_row_hash(row) == row.hash


def test_a_row_changed_after_it_was_appended_has_another_hash() -> None:
    row = stored({"item_id": "item-1", "reference": "第3次会议"}, {"actor": "王审议"})
    row.payload = json.dumps({"item_id": "item-1", "reference": "第4次会议"}, ensure_ascii=False)

    assert stored_row_hash(row) != row.hash
