"""The checkpoint signing keys the log has registered: which one signs now, and which signed before."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from events import driver
from events.envelope import StoredEvent
from events.event import SigningKeyRegistered
from projections.row_store import RowStore
from projections.schema import signing_keys

KEY_STREAM = "key:checkpoint"  # every registration and rotation, in order: one stream, so each knows the one before


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    public_key: str


def apply(rows: RowStore, stored: StoredEvent) -> None:
    match stored.data:
        case SigningKeyRegistered(key_id=key_id, public_key=public_key, replaces=replaces):
            moment = stored.recorded_time
            if replaces is not None:
                rows.update(signing_keys, {"key_id": replaces}, {"retired_at": moment})
            rows.insert(
                signing_keys,
                {
                    "key_id": key_id,
                    "public_key": public_key,
                    "registered_at": moment,
                    "retired_at": None,
                    "position": stored.position,
                },
            )
        case _:
            pass


_CURRENT = "SELECT key_id, public_key FROM signing_keys WHERE retired_at IS NULL ORDER BY position DESC LIMIT 1"


def current(conn: Connection) -> SigningKey | None:
    """The key that signs the registry's checkpoints now, if one is registered."""
    row = driver.fetch_one(conn, _CURRENT)  # on every publication's write path: driver SQL
    return SigningKey(str(row[0]), str(row[1])) if row else None


def known(conn: Connection) -> dict[str, tuple[int, int | None]]:
    """Every public key (base64) the log has registered, with the checkpoint sizes it may sign: from the position
    that registered it (0 for the first key, which also signed what came before it was recorded) up to, not
    including, the position of the key that replaced it (None: the current key)."""
    rows = conn.execute(select(signing_keys.c.public_key, signing_keys.c.position).order_by(signing_keys.c.position))
    keys = [(str(row.public_key), int(row.position)) for row in rows]
    return {
        key: (0 if index == 0 else position, keys[index + 1][1] if index + 1 < len(keys) else None)
        for index, (key, position) in enumerate(keys)
    }
