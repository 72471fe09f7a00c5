"""The elements of a government new-media account (政务新媒体账号): what a filing of the account says."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from events.elements import FieldChange, Text

Short = Annotated[Text, Field(max_length=500)]

# The labels a table or a page shows for the elements, in element order.
ACCOUNT_LABELS = {
    "name": "账号名称",
    "platform": "平台",
    "handle": "平台账号标识",
    "operator": "运营单位",
    "certified_as": "认证主体",
    "opened_on": "开设日期",
    "purpose": "主要内容/定位",
    "link": "链接或二维码",
    "contact": "联系人",
}
# 联系人 is for the registry's staff and the supervising office: never in a public answer, page or export.
INTERNAL_FIELDS = frozenset({"contact"})


class AccountElements(BaseModel):
    """One filing's account. 主办单位 is the account's unit (谁开设、谁主办), kept with the account, not here."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Short = ""  # 账号名称
    platform: Short = ""  # 平台: a name of the profile's platform vocabulary, or 其他：NAME
    handle: Short = ""  # 平台账号标识: the platform's id or handle
    operator: Short = ""  # 运营单位: a contractor that operates the account, if any
    certified_as: Short = ""  # 认证主体: who the platform's certification names
    opened_on: dt.date | None = None  # 开设日期
    purpose: Text = ""  # 主要内容/定位
    link: Text = ""  # 链接 or 二维码 text
    contact: Short = ""  # 联系人: internal

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def public_json(self) -> dict[str, Any]:
        """The elements a reader may see: all but the internal ones."""
        return {name: value for name, value in self.as_json().items() if name not in INTERNAL_FIELDS}


class AccountStatus(StrEnum):
    """Where an account stands in the public list (its pending filing, if any, aside)."""

    NEW = "new"
    FILED = "filed"  # 开设备案 in review: not yet in the public list, but it holds its platform
    OPEN = "open"  # 正常: in the public list
    SUSPENDED = "suspended"  # 已关停: in the public list as suspended; a filed 变更 reopens it
    CLOSED = "closed"  # 已注销: for good
    REFUSED = "refused"  # 开设备案 sent back: never public; a new filing is needed

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def holds_platform(self) -> bool:
        """一平台一账号: an account filed, published or suspended (not closed, not refused) holds its platform."""
        return self in (AccountStatus.FILED, AccountStatus.OPEN, AccountStatus.SUSPENDED)


_STATUS_LABELS = {
    AccountStatus.NEW: "未备案",
    AccountStatus.FILED: "开设备案审核中",
    AccountStatus.OPEN: "正常",
    AccountStatus.SUSPENDED: "已关停",
    AccountStatus.CLOSED: "已注销",
    AccountStatus.REFUSED: "开设备案退回",
}


class FilingKind(StrEnum):
    """What a filing (备案) asks: 开设, 变更, 关停 or 注销."""

    OPEN = "open"
    CHANGE = "change"
    SUSPEND = "suspend"
    CLOSE = "close"

    @property
    def label(self) -> str:
        return {"open": "开设备案", "change": "变更备案", "suspend": "关停", "close": "注销"}[self.value]


def account_diff(old: AccountElements, new: AccountElements) -> tuple[FieldChange, ...]:
    """The element changes that turn `old` into `new`, in element order."""
    before, after = old.as_json(), new.as_json()
    return tuple(
        FieldChange(field=name, old=before[name], new=after[name])
        for name in AccountElements.model_fields
        if before[name] != after[name]
    )


def apply_account_changes(elements: AccountElements, changes: tuple[FieldChange, ...]) -> AccountElements:
    data = elements.as_json()
    data.update({change.field: change.new for change in changes})
    return AccountElements.model_validate(data)
