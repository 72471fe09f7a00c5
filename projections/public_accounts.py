"""The public side of the new-media account list (政务新媒体清单) beside projections.media_accounts: how many accounts
a filter of its public list finds, and an account's public record read from its stream, each publication with what it
changed and why.

Only what went public: the elements a reader may see (never 联系人), the kind of filing and the reason it gave, at
the time of its publication. A filing still in review, a refused one and the reviewers' comments are not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from events.account import AccountStatus, FilingKind
from events.envelope import StoredEvent
from events.event import (
    AccountChangeFiled,
    AccountClosureFiled,
    AccountFiled,
    AccountFilingRejected,
    AccountPublished,
    AccountSuspensionFiled,
)
from events.schema import events
from events.store import to_stored
from projections.media_accounts import LISTED
from projections.schema import media_accounts


@dataclass(frozen=True)
class PublicChange:
    """One element a publication changed, as readers saw it before and after."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class PublishedAccount:
    """The account as one publication (AccountPublished) left it in the public list."""

    account_id: str
    unit: str  # 主办单位
    version: int
    kind: FilingKind
    status: AccountStatus
    elements: dict[str, Any]  # AccountElements.public_json(): no internal element
    published_at: datetime
    reason: str  # the reason the filing gave (变更, 关停, 注销); empty for 开设备案
    changes: tuple[PublicChange, ...]  # the public elements that changed, in element order (none for 开设备案)


def public_records(stored: list[StoredEvent]) -> list[PublishedAccount]:
    """The publications of one account's stream, oldest first."""
    found: list[PublishedAccount] = []
    unit, reason = "", ""
    for event in stored:
        match event.data:
            case AccountFiled(unit=filed_unit):
                unit, reason = filed_unit, ""
            case (
                AccountChangeFiled(reason=given)
                | AccountSuspensionFiled(reason=given)
                | AccountClosureFiled(reason=given)
            ):
                reason = given
            case AccountFilingRejected():
                reason = ""
            case AccountPublished() as published:
                elements = published.elements.public_json()
                before = found[-1].elements if found else None
                changes = (
                    tuple(
                        PublicChange(name, before[name], value)
                        for name, value in elements.items()
                        if before.get(name) != value
                    )
                    if before is not None
                    else ()
                )
                found.append(
                    PublishedAccount(
                        account_id=published.account_id,
                        unit=unit,
                        version=published.version,
                        kind=published.kind,
                        status=published.status,
                        elements=elements,
                        published_at=published.published_at,
                        reason=reason,
                        changes=changes,
                    )
                )
                reason = ""
            case _:
                pass
    return found


def public_histories(conn: Connection, streams: dict[str, str]) -> dict[str, list[PublishedAccount]]:
    """The publications of each account of `streams` (account id -> its stream id), in one query; an account never
    published has none."""
    found: dict[str, list[StoredEvent]] = {stream: [] for stream in streams.values()}
    if found:
        rows = conn.execute(
            select(events).where(events.c.stream_id.in_(list(found))).order_by(events.c.stream_id, events.c.version)
        )
        for row in rows:
            stored = to_stored(row)
            found[stored.stream_id].append(stored)
    return {account_id: public_records(found[stream]) for account_id, stream in streams.items()}


def published_as_of(records: list[PublishedAccount], moment: datetime | None) -> list[PublishedAccount]:
    """The publications up to `moment` (all of them, if None)."""
    if moment is None:
        return records
    return [record for record in records if record.published_at <= moment]


def public_count(
    conn: Connection, *, unit: str | None = None, platform: str | None = None, status: AccountStatus | None = None
) -> int:
    """How many accounts `media_accounts.public_list` gives for the filter, over all its pages."""
    query = select(func.count()).select_from(media_accounts).where(media_accounts.c.public.is_not(None))
    if status is not None:
        query = query.where(media_accounts.c.status == status.value)
    else:
        query = query.where(media_accounts.c.status.in_(LISTED))
    if unit is not None:
        query = query.where(media_accounts.c.unit == unit)
    if platform is not None:
        query = query.where(media_accounts.c.platform == platform)
    return int(conn.execute(query).scalar_one())
