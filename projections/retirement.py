"""An item's retirement (取消) as the public saw it: when, why, on whose approval, and the version it took away.

Everything here was public when the retirement was published: the feed entry, the trigger and reason, the 审议
reference and the approving unit, and the last published version. No reviewer, comment or actor's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from events.envelope import parse_time
from projections.schema import item_history, item_versions, public_changes, published_versions


@dataclass(frozen=True)
class Retirement:
    item_id: str
    version: int  # the item's version that is the retirement (取消)
    retired_at: str  # as stored (UTC): when the item left the public catalog
    trigger: str
    reason: str
    approval_reference: str  # 审议: the meeting or document that approved the retirement
    approved_by: str  # the unit that approved it (审议), e.g. 旗人民政府
    approved_at: str | None  # as stored (UTC)
    backfilled: bool  # 补录: recorded later by an admin at the time it took effect
    last_published: dict[str, Any]  # the row of published_versions the retirement took out of the catalog


def retirement(conn: Connection, item_id: str, as_of: datetime | None = None) -> Retirement | None:
    """The retirement of `item_id`; None if it was not retired (by `as_of`, when given). A retirement is final: an
    item has at most one."""
    change = conn.execute(
        select(
            public_changes.c.version,
            public_changes.c.published_at,
            public_changes.c.backfilled,
            item_versions.c.trigger,
            item_versions.c.reason,
            item_versions.c.approval_reference,
        )
        .join(
            item_versions,
            and_(
                item_versions.c.item_id == public_changes.c.item_id, item_versions.c.version == public_changes.c.version
            ),
        )
        .where(public_changes.c.item_id == item_id, public_changes.c.kind == "cancel")
        .order_by(public_changes.c.position.desc())
        .limit(1)
    ).first()
    if change is None or (as_of is not None and parse_time(change.published_at) > as_of):
        return None
    approval = conn.execute(
        select(item_history.c.unit, item_history.c.occurred_at)
        .where(
            item_history.c.item_id == item_id,
            item_history.c.version == change.version,
            item_history.c.type == "ItemApproved",
        )
        .order_by(item_history.c.position.desc())
        .limit(1)
    ).first()
    last = conn.execute(
        select(published_versions)
        .where(published_versions.c.item_id == item_id)
        .order_by(published_versions.c.version.desc())
        .limit(1)
    ).one()
    return Retirement(
        item_id=item_id,
        version=change.version,
        retired_at=change.published_at,
        trigger=change.trigger,
        reason=change.reason,
        approval_reference=change.approval_reference,
        approved_by=approval.unit if approval else "",
        approved_at=approval.occurred_at if approval else None,
        backfilled=bool(change.backfilled),
        last_published=dict(last._mapping),
    )
