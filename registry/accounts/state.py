"""The state of a new-media account, folded from its events."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from events.account import AccountElements, AccountStatus, FilingKind

__all__ = ["AccountState", "AccountStatus", "Filing", "FilingKind", "PublicAccount", "initial_account"]


class PublicAccount(BaseModel):
    """The account as the public list shows it (with its internal elements, which the list leaves out)."""

    model_config = ConfigDict(frozen=True)

    version: int
    elements: AccountElements
    published_at: datetime


class Filing(BaseModel):
    """A filing (备案) on its way through the account review path."""

    model_config = ConfigDict(frozen=True)

    version: int
    kind: FilingKind
    elements: AccountElements
    reason: str = ""
    author: str = ""
    passed: tuple[str, ...] = ()  # the review steps passed, in order
    reviewers: frozenset[str] = frozenset()


class AccountState(BaseModel):
    model_config = ConfigDict(frozen=True)

    account_id: str = ""
    unit: str = ""  # 主办单位
    status: AccountStatus = AccountStatus.NEW
    last_version: int = 0
    published: PublicAccount | None = None
    pending: Filing | None = None

    @property
    def elements(self) -> AccountElements:
        """What the account says now: its pending filing's elements, else its published ones."""
        if self.pending is not None:
            return self.pending.elements
        return self.published.elements if self.published else AccountElements()


initial_account = AccountState()
