"""The state of a catalog item, folded from its events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from events.elements import ItemElements
from events.event import ChangeKind


class Status(StrEnum):
    """Where the item (or its pending version) stands."""

    NEW = "new"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PRELIMINARY_REVIEWED = "preliminary_reviewed"
    LEGALITY_REVIEWED = "legality_reviewed"
    APPROVED = "approved"
    PUBLISHED = "published"
    RETIRED = "retired"
    DISCARDED = "discarded"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.NEW: "未起草",
    Status.DRAFT: "梳理中",
    Status.SUBMITTED: "待初审",
    Status.PRELIMINARY_REVIEWED: "待合法性审查",
    Status.LEGALITY_REVIEWED: "待审议",
    Status.APPROVED: "待公布",
    Status.PUBLISHED: "已公布",
    Status.RETIRED: "已取消",
    Status.DISCARDED: "已废弃",
}


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
