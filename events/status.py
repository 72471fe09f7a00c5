"""The lifecycle's status names: where an item (or its pending version) stands, for the domain and the read models.

The values are stored (the projections' `status` and `state` columns) and printed: never change one.
"""

from __future__ import annotations

from enum import StrEnum

from events.event import ReviewStage


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

# The status a passed review leaves the pending version in.
PASSED: dict[ReviewStage, Status] = {
    ReviewStage.PRELIMINARY: Status.PRELIMINARY_REVIEWED,
    ReviewStage.LEGALITY: Status.LEGALITY_REVIEWED,
}
