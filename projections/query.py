"""Reads for the command line and the API, straight from the projections (they bypass the domain model)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Select, func, select

from projections.schema import item_history, item_versions, items


def list_items(
    conn: Connection,
    status: str | None = None,
    unit: str | None = None,
    domain: str | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Every item (drafts included) that matches, by unit, domain and id; a page of them with `limit`/`offset`."""
    query = _matching(select(items), status, unit, domain).order_by(items.c.unit, items.c.domain, items.c.item_id)
    return [
        {
            "item_id": r.item_id,
            "domain": r.domain,
            "unit": r.unit,
            "title": r.title,
            "status": r.status,
            "version": r.version,
            "published_version": r.published_version,
            "pending_kind": r.pending_kind,
            "rejection": r.rejection,
            "updated_at": r.updated_at,
        }
        for r in conn.execute(query.limit(limit).offset(offset))
    ]


def acted_on(conn: Connection, actor_id: str) -> set[str]:
    """The items `actor_id` recorded an event of."""
    found = select(item_history.c.item_id).where(item_history.c.actor == actor_id).distinct()
    return set(conn.execute(found).scalars())


def count_items(conn: Connection, status: str | None = None, unit: str | None = None, domain: str | None = None) -> int:
    """How many items list_items gives without a limit."""
    return int(conn.execute(_matching(select(func.count()).select_from(items), status, unit, domain)).scalar_one())


def _matching(query: Select[Any], status: str | None, unit: str | None, domain: str | None) -> Select[Any]:
    if status:
        query = query.where(items.c.status == status)
    if unit:
        query = query.where(items.c.unit == unit)
    if domain:
        query = query.where(items.c.domain == domain)
    return query


def versions(conn: Connection, item_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(item_versions).where(item_versions.c.item_id == item_id).order_by(item_versions.c.version)
    )
    return [
        {
            "version": r.version,
            "kind": r.kind,
            "state": r.state,
            "elements": json.loads(r.elements),
            "trigger": r.trigger,
            "reason": r.reason,
            "approval_reference": r.approval_reference,
            "published_at": r.published_at,
            "superseded_at": r.superseded_at,
        }
        for r in rows
    ]


def history(conn: Connection, item_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(item_history).where(item_history.c.item_id == item_id).order_by(item_history.c.position))
    return [
        {
            "position": r.position,
            "stream_version": r.stream_version,
            "version": r.version,
            "type": r.type,
            "action": r.action,
            "recorded_at": r.recorded_at,
            "occurred_at": r.occurred_at,
            "claimed_at": r.claimed_at,
            "backfilled_by": r.backfilled_by,
            "actor": r.actor,
            "unit": r.unit,
            "role": r.role,
            "reason": r.reason,
            "changes": json.loads(r.changes),
            "hash": r.hash,
            "channel": r.channel,
            "credential": r.credential,
            "os_user": r.os_user,
        }
        for r in rows
    ]
