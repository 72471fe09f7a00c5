"""Supervision reads: every item's course folded from its history up to a moment, and who did what.

They read `item_history` (one row per event, with the time the actor gave) and `items` (the owning unit and
domain, which never change after drafting), so any past moment can be reconstructed without a table of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection

from events.envelope import format_time
from events.status import Status
from projections.schema import item_history, items

# The status an item is in after each action of its history (the `items` projection, told in history's words).
# A revision leaves the status as it is; an action this table does not know (a newer event type) does too.
STATUS_AFTER = {
    "draft": Status.DRAFT,
    "submit": Status.SUBMITTED,
    "preliminary_review_passed": Status.PRELIMINARY_REVIEWED,
    "legality_review_passed": Status.LEGALITY_REVIEWED,
    "preliminary_rejected": Status.DRAFT,
    "legality_rejected": Status.DRAFT,
    "approval_rejected": Status.DRAFT,
    "approve": Status.APPROVED,
    "publish": Status.PUBLISHED,
    "propose_adjustment": Status.DRAFT,
    "propose_retirement": Status.DRAFT,
    "retire": Status.RETIRED,
    "discard": Status.DISCARDED,
    "withdraw": Status.PUBLISHED,
}
REVIEW_STATUSES = (Status.SUBMITTED, Status.PRELIMINARY_REVIEWED, Status.LEGALITY_REVIEWED, Status.APPROVED)
_PENDING_KIND = {"draft": "add", "propose_adjustment": "change", "propose_retirement": "cancel"}
_CLOSES_PENDING = {"publish", "retire", "withdraw", "discard"}


@dataclass(frozen=True)
class PublicChange:
    kind: str  # add (增加), change (变更), cancel (取消)
    version: int
    occurred_at: str


@dataclass
class Timeline:
    """One item as it stood at a moment. Times are the actors' (`occurred_at`), as stored."""

    item_id: str
    domain: str
    unit: str
    title: str
    events: int = 0  # how many of the item's events had happened: the stream's first `events`
    status: Status = Status.NEW
    since: str = ""  # when the item entered `status`
    version: int = 0  # the newest version, pending or published
    published_version: int | None = None  # the authoritative public version, if any
    pending_kind: str | None = None
    rejection: str = ""  # the comment that returned the pending version, while it is being revised
    drafted_at: str = ""
    public_changes: list[PublicChange] = field(default_factory=list)

    @property
    def first_published_at(self) -> str | None:
        return self.public_changes[0].occurred_at if self.public_changes else None

    @property
    def last_published_at(self) -> str | None:
        """The last publication of a version (增加 or 变更); a retirement publishes none."""
        published = [c.occurred_at for c in self.public_changes if c.kind != "cancel"]
        return published[-1] if published else None

    def apply(self, action: str, version: int | None, occurred_at: str, reason: str) -> None:
        if action == "draft":
            self.drafted_at = occurred_at
        if version is not None:
            self.version = max(self.version, version)
        if action in _PENDING_KIND:
            self.pending_kind = _PENDING_KIND[action]
        if action.endswith("_rejected"):
            self.rejection = reason
        elif action in ("submit", *_PENDING_KIND, *_CLOSES_PENDING):
            self.rejection = ""
        if action in _CLOSES_PENDING:
            self.pending_kind = None
        if action == "publish":
            kind = "change" if self.published_version is not None else "add"
            self.published_version = version
            self.public_changes.append(PublicChange(kind, version or 0, occurred_at))
        elif action == "retire":
            self.published_version = None
            self.public_changes.append(PublicChange("cancel", version or 0, occurred_at))
        status = STATUS_AFTER.get(action)
        if status is not None and status != self.status:
            self.status, self.since = status, occurred_at


def timelines(conn: Connection, until: datetime | None = None) -> list[Timeline]:
    """Every item drafted before `until` (all, if None) as it stood then, ordered by item id.

    An item's state at a moment is the fold of the longest start of its history whose events all happened before
    that moment: a later event whose time was given as earlier cannot reach back past one that had not happened.
    """
    h = item_history.c
    query: Select[Any] = (
        select(h.item_id, h.stream_version, h.version, h.action, h.occurred_at, h.reason)
        .add_columns(items.c.domain, items.c.unit, items.c.title)
        .join(items, items.c.item_id == h.item_id)
        .order_by(h.item_id, h.stream_version)
    )
    if until is not None:
        query = query.where(h.occurred_at < format_time(until))
    found: dict[str, Timeline] = {}
    for row in conn.execute(query):
        line = found.get(row.item_id)
        if line is None:
            if row.stream_version != 1:
                continue
            line = found[row.item_id] = Timeline(row.item_id, row.domain, row.unit, row.title)
        if row.stream_version != line.events + 1:
            continue
        line.events = row.stream_version
        line.apply(row.action, row.version, row.occurred_at, row.reason)
    return list(found.values())


def activity(
    conn: Connection, since: datetime | None = None, until: datetime | None = None, unit: str | None = None
) -> list[dict[str, Any]]:
    """How many events each actor recorded, per acting unit, role and action, between `since` and `until`."""
    h = item_history.c
    count = func.count().label("n")
    query: Select[Any] = (
        select(h.actor, h.unit, h.role, h.action, count)
        .group_by(h.actor, h.unit, h.role, h.action)
        .order_by(h.unit, h.actor, h.role, h.action)
    )
    if since is not None:
        query = query.where(h.occurred_at >= format_time(since))
    if until is not None:
        query = query.where(h.occurred_at < format_time(until))
    if unit is not None:
        query = query.where(h.unit == unit)
    return [
        {"actor": r.actor, "unit": r.unit, "role": r.role, "action": r.action, "count": int(r.n)}
        for r in conn.execute(query)
    ]
