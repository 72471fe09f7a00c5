"""The state of a catalog item, folded from its events."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from events.elements import ItemElements
from events.event import ChangeKind
from events.status import Status

__all__ = ["ItemState", "Pending", "Published", "Status", "initial_state"]


class Published(BaseModel):
    """The authoritative public version."""

    model_config = ConfigDict(frozen=True)

    version: int
    elements: ItemElements
    published_at: datetime
    approval_reference: str


class Pending(BaseModel):
    """A version on its way to publication: new (增加), an adjustment (变更) or a retirement (取消)."""

    model_config = ConfigDict(frozen=True)

    version: int
    kind: ChangeKind
    elements: ItemElements
    trigger: str = ""
    reason: str = ""
    authors: frozenset[str] = frozenset()
    preliminary_reviewer: str | None = None
    legality_reviewer: str | None = None
    approval_reference: str = ""
    rejection: str = ""


class ItemState(BaseModel):
    model_config = ConfigDict(frozen=True)

    item_id: str = ""
    status: Status = Status.NEW
    domain: str = ""
    unit: str = ""
    last_version: int = 0
    published: Published | None = None
    pending: Pending | None = None


initial_state = ItemState()
