"""The actors known to the registry, with their unit and roles."""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from events.codec import canonical_json
from events.envelope import StoredEvent
from events.event import ActorDisabled, ActorRegistered
from projections.row_store import RowStore
from projections.schema import actors


def apply(rows: RowStore, stored: StoredEvent) -> None:
    match stored.data:
        case ActorRegistered(actor_id=actor_id, unit=unit, roles=roles):
            rows.insert(
                actors,
                {
                    "actor_id": actor_id,
                    "unit": unit,
                    "roles": canonical_json(list(roles)),
                    "registered_at": stored.recorded_time,
                    "disabled_at": None,
                },
            )
        case ActorDisabled(actor_id=actor_id):
            rows.update(actors, {"actor_id": actor_id}, {"disabled_at": stored.recorded_time})
        case _:
            pass


def find(conn: Connection, actor_id: str) -> tuple[str, list[str], str | None] | None:
    """(unit, roles, when disabled or None) of `actor_id`, or None."""
    row = conn.execute(
        select(actors.c.unit, actors.c.roles, actors.c.disabled_at).where(actors.c.actor_id == actor_id)
    ).first()
    return (row.unit, json.loads(row.roles), row.disabled_at) if row else None
