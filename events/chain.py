"""The hash chain: each row's hash covers every other field of the row, including the previous hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """Sorted keys, UTF-8 text as is, no insignificant whitespace: the form that is hashed.

    Here rather than in events.codec, so that checking the chain imports no event types (`registry history`).
    """
    return _CANONICAL.encode(value)


# One encoder for every call: json.dumps with these options would build a new one each time.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def row_hash(
    *,
    position: int,
    stream_id: str,
    version: int,
    type: str,
    schema_version: int,
    payload: Any,
    metadata: Any,
    command_id: str | None,
    recorded_at: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the canonical encoding of a row's fields. `payload` and `metadata` are JSON values."""
    document = {
        "command_id": command_id,
        "metadata": metadata,
        "payload": payload,
        "position": position,
        "prev_hash": prev_hash,
        "recorded_at": recorded_at,
        "schema_version": schema_version,
        "stream_id": stream_id,
        "type": type,
        "version": version,
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def stored_row_hash(row: Any) -> str:
    """The hash a stored events row should carry, recomputed from its columns."""
    fast = _orjson_row_hash(row)
    if fast is not None and fast == row.hash:
        return fast
    return row_hash(
        position=row.position,
        stream_id=row.stream_id,
        version=row.version,
        type=row.type,
        schema_version=row.schema_version,
        payload=json.loads(row.payload),
        metadata=json.loads(row.metadata),
        command_id=row.command_id,
        recorded_at=row.recorded_at,
        prev_hash=row.prev_hash,
    )


def _orjson_row_hash(row: Any) -> str | None:
    """row_hash of a stored row, parsed and written again by orjson: five times faster than the json module, and
    the same text for what the store writes (orjson sorts keys by code point and escapes as json.dumps does, with
    ensure_ascii off), though not for every JSON value (some floats). Only a match with the stored hash is taken
    as an answer: then this text is the text hashed at the append. Anything else, the json module's way decides.
    None: orjson reads or writes no such JSON (integers past 64 bits, lone surrogates)."""
    try:
        document = {
            "command_id": row.command_id,
            "metadata": orjson.loads(row.metadata),
            "payload": orjson.loads(row.payload),
            "position": row.position,
            "prev_hash": row.prev_hash,
            "recorded_at": row.recorded_at,
            "schema_version": row.schema_version,
            "stream_id": row.stream_id,
            "type": row.type,
            "version": row.version,
        }
        return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None


class ChainCheck:
    """Checks rows fed in position order: gapless positions, contiguous stream versions, hashes and links."""

    def __init__(self) -> None:
        self.position = 0
        self.prev_hash = GENESIS
        self.versions: dict[str, int] = {}
        self.problem: tuple[int, str] | None = None

    def feed(self, row: Any) -> bool:
        """Check the next row; False (and `problem` set) at the first bad one."""
        position = row.position
        if position != self.position + 1:
            what = "missing or deleted" if position > self.position + 1 else "duplicated or reordered"
            return self._fail(self.position + 1, f"position {self.position + 1} is {what} (found {position} next)")
        if row.prev_hash != self.prev_hash:
            return self._fail(
                position,
                "its prev_hash does not match the hash of the event before it "
                "(an event was inserted, deleted, reordered or rewritten)",
            )
        try:
            expected = stored_row_hash(row)
        except ValueError as error:
            return self._fail(position, f"its payload or metadata is not valid JSON ({error})")
        if row.hash != expected:
            return self._fail(position, "its hash does not match its contents (the stored event was changed)")
        version = self.versions.get(row.stream_id, 0) + 1
        if row.version != version:
            return self._fail(position, f"stream {row.stream_id} jumps to version {row.version}, expected {version}")
        self.versions[row.stream_id] = version
        self.position, self.prev_hash = position, row.hash
        return True

    def _fail(self, position: int, message: str) -> bool:
        self.problem = (position, message)
        return False
