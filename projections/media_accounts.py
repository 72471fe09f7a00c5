"""The new-media account list (政务新媒体清单): every account with its status, and the published record readers see."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from events.account import AccountStatus
from events.codec import canonical_json_of_strings
from events.envelope import StoredEvent
from events.event import (
    AccountChangeFiled,
    AccountClosureFiled,
    AccountFiled,
    AccountFilingRejected,
    AccountPublished,
    AccountReviewPassed,
    AccountSuspensionFiled,
)
from projections.row_store import RowStore, one
from projections.schema import media_accounts

# The statuses that keep an account in the public list (a closed account leaves it; its history stays).
LISTED = (AccountStatus.OPEN.value, AccountStatus.SUSPENDED.value)


def apply(rows: RowStore, stored: StoredEvent) -> None:
    at, position = stored.recorded_time, stored.position
    match stored.data:
        case AccountFiled(account_id=account_id, unit=unit, elements=elements):
            rows.insert(
                media_accounts,
                {
                    "account_id": account_id,
                    "unit": unit,
                    "platform": elements.platform,
                    "status": AccountStatus.FILED.value,
                    "name": elements.name,
                    "version": 1,
                    "pending_kind": "open",
                    "public": None,
                    "published_version": None,
                    "published_at": None,
                    "published_position": None,
                    "updated_at": at,
                    "position": position,
                },
            )
        case AccountChangeFiled(account_id=account_id, version=version, changes=changes):
            values: dict[str, Any] = {"version": version, "pending_kind": "change", "updated_at": at}
            values["position"] = position
            for change in changes:
                if change.field == "name":
                    values["name"] = change.new
            rows.update(media_accounts, {"account_id": account_id}, values)
        case (
            AccountSuspensionFiled(account_id=account_id, version=version)
            | AccountClosureFiled(account_id=account_id, version=version)
        ):
            kind = "suspend" if isinstance(stored.data, AccountSuspensionFiled) else "close"
            rows.update(
                media_accounts,
                {"account_id": account_id},
                {"version": version, "pending_kind": kind, "updated_at": at, "position": position},
            )
        case AccountReviewPassed(account_id=account_id):
            rows.update(media_accounts, {"account_id": account_id}, {"updated_at": at, "position": position})
        case AccountFilingRejected(account_id=account_id):
            row = one(rows, media_accounts, {"account_id": account_id})
            values = {"pending_kind": None, "updated_at": at, "position": position}
            if row["status"] == AccountStatus.FILED.value:
                values["status"] = AccountStatus.REFUSED.value
            elif row["public"] is not None:  # a refused change: the newest name is the published one again
                values["name"] = orjson.loads(row["public"])["name"]
            rows.update(media_accounts, {"account_id": account_id}, values)
        case AccountPublished(account_id=account_id, version=version, elements=elements, status=status):
            rows.update(
                media_accounts,
                {"account_id": account_id},
                {
                    "status": status.value,
                    "name": elements.name,
                    "pending_kind": None,
                    "public": canonical_json_of_strings(elements.public_json()),
                    "published_version": version,
                    "published_at": at,
                    "published_position": position,
                    "updated_at": at,
                    "position": position,
                },
            )
        case _:
            pass


def holders(conn: Connection, unit: str, platform: str) -> tuple[str, ...]:
    """一平台一账号: the accounts of `unit` that hold `platform` (filed, published or suspended), as `conn` sees them.
    Called inside the write transaction, under the append lock: a filing committed before it is seen."""
    held = [status.value for status in AccountStatus if status.holds_platform]
    found = conn.execute(
        select(media_accounts.c.account_id)
        .where(media_accounts.c.unit == unit, media_accounts.c.platform == platform)
        .where(media_accounts.c.status.in_(held))
        .order_by(media_accounts.c.account_id)
    ).scalars()
    return tuple(found)


@dataclass(frozen=True)
class ListedAccount:
    """An account of the public list: its id, 主办单位, status and the published elements a reader may see."""

    account_id: str
    unit: str
    status: AccountStatus
    elements: dict[str, Any]
    version: int
    published_at: str

    def as_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "unit": self.unit,
            "status": self.status.value,
            "version": self.version,
            "published_at": self.published_at,
            **self.elements,
        }


def public_list(
    conn: Connection,
    *,
    unit: str | None = None,
    platform: str | None = None,
    statuses: Collection[AccountStatus] = (),
    after: str | None = None,
    limit: int | None = None,
) -> list[ListedAccount]:
    """The public list: accounts ever published, of `statuses` (default: open and suspended), by id."""
    wanted = [status.value for status in statuses] or list(LISTED)
    query = select(media_accounts).where(media_accounts.c.public.is_not(None), media_accounts.c.status.in_(wanted))
    if unit is not None:
        query = query.where(media_accounts.c.unit == unit)
    if platform is not None:
        query = query.where(media_accounts.c.platform == platform)
    if after is not None:
        query = query.where(media_accounts.c.account_id > after)
    query = query.order_by(media_accounts.c.account_id)
    if limit is not None:
        query = query.limit(limit)
    return [_listed(row) for row in conn.execute(query).mappings()]


def _listed(row: Any) -> ListedAccount:
    return ListedAccount(
        account_id=row["account_id"],
        unit=row["unit"],
        status=AccountStatus(row["status"]),
        elements=orjson.loads(row["public"]),
        version=row["published_version"],
        published_at=row["published_at"],
    )


def public_account(conn: Connection, account_id: str) -> ListedAccount | None:
    """One account as the public list shows it (closed ones too), or None if it was never published."""
    row = (
        conn.execute(
            select(media_accounts).where(
                media_accounts.c.account_id == account_id, media_accounts.c.public.is_not(None)
            )
        )
        .mappings()
        .first()
    )
    return _listed(row) if row else None


def counts(conn: Connection) -> dict[tuple[str, str], int]:
    """(unit, status) -> how many accounts: for the coverage report."""
    query = select(media_accounts.c.unit, media_accounts.c.status, func.count()).group_by(
        media_accounts.c.unit, media_accounts.c.status
    )
    return {(unit, status): count for unit, status, count in conn.execute(query)}


def all_accounts(
    conn: Connection,
    *,
    unit: str | None = None,
    platform: str | None = None,
    statuses: Collection[str] = (),
) -> list[dict[str, Any]]:
    """Every account (of `statuses`, AccountStatus values), filings in review and closed accounts included (staff's
    list), by unit and id."""
    query = select(media_accounts)
    if unit is not None:
        query = query.where(media_accounts.c.unit == unit)
    if platform is not None:
        query = query.where(media_accounts.c.platform == platform)
    if statuses:
        query = query.where(media_accounts.c.status.in_(list(statuses)))
    return [
        dict(row) for row in conn.execute(query.order_by(media_accounts.c.unit, media_accounts.c.account_id)).mappings()
    ]
