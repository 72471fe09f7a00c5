"""The elements of a catalog item (公开事项要素): what a version of an item says."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

MAX_TEXT = 20_000
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff]|[\ud800-\udfff]")


def _clean_text(value: str) -> str:
    if _FORBIDDEN.search(value):
        raise ValueError("contains control characters")
    return value


Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_clean_text)]


class Audience(StrEnum):
    """公开对象."""

    PUBLIC = "public"
    SPECIFIC_GROUP = "specific_group"

    @property
    def label(self) -> str:
        return {"public": "全社会", "specific_group": "特定群体"}[self.value]


class Method(StrEnum):
    """公开方式."""

    PROACTIVE = "proactive"
    ON_REQUEST = "on_request"

    @property
    def label(self) -> str:
        return {"proactive": "主动", "on_request": "依申请"}[self.value]


class Level(StrEnum):
    """公开层级."""

    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @property
    def label(self) -> str:
        return {"county": "县级", "township": "乡级", "village": "村级"}[self.value]


PORTAL = "政府网站"
CHANNELS: tuple[str, ...] = (
    PORTAL,
    "政府公报",
    "两微一端",
    "发布会/听证会",
    "广播电视",
    "纸质媒体",
    "公开查阅点",
    "政务服务中心",
    "便民服务站",
    "入户/现场",
    "社区/企事业单位/村公示栏（电子屏）",
    "精准推送",
    "其他",
)

ELEMENT_LABELS: dict[str, str] = {
    "category": "一级事项",
    "name": "二级事项",
    "subname": "三级事项",
    "content": "公开内容（要素）",
    "basis": "公开依据",
    "time_limit": "公开时限",
    "body": "公开主体",
    "channels": "公开渠道和载体",
    "audience": "公开对象",
    "audience_note": "特定群体说明",
    "method": "公开方式",
    "levels": "公开层级",
}


def _ordered(values: Any, kind: type[StrEnum]) -> Any:
    if isinstance(values, str):
        values = [values]
    if isinstance(values, list | tuple | set | frozenset):
        members = {kind(v) if not isinstance(v, kind) else v for v in values}
        return [m for m in kind if m in members]
    return values


class ItemElements(BaseModel):
    """The elements of one version of an item. A draft may be incomplete; submission checks completeness."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: Text = ""
    name: Text = ""
    subname: Text = ""
    content: Text = ""
    basis: Text = ""
    time_limit: Text = ""
    body: Text = ""
    channels: tuple[Text, ...] = ()
    audience: tuple[Audience, ...] = ()
    audience_note: Text = ""
    method: tuple[Method, ...] = ()
    levels: tuple[Level, ...] = ()

    @field_validator("channels", mode="before")
    @classmethod
    def _unique_channels(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            seen: list[Any] = []
            for channel in value:
                if isinstance(channel, str):
                    channel = channel.strip()
                    if not channel:
                        continue
                if channel not in seen:
                    seen.append(channel)
            return tuple(seen)
        return value

    @field_validator("audience", mode="before")
    @classmethod
    def _audience_set(cls, value: Any) -> Any:
        return _ordered(value, Audience)

    @field_validator("method", mode="before")
    @classmethod
    def _method_set(cls, value: Any) -> Any:
        return _ordered(value, Method)

    @field_validator("levels", mode="before")
    @classmethod
    def _levels_set(cls, value: Any) -> Any:
        return _ordered(value, Level)

    @property
    def title(self) -> str:
        """The item's most specific name: 三级, else 二级, else 一级事项."""
        return self.subname or self.name or self.category

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class FieldChange(BaseModel):
    """One element changed by a revision or adjustment: old -> new."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    old: Any
    new: Any


def diff(old: ItemElements, new: ItemElements) -> tuple[FieldChange, ...]:
    """The element changes that turn `old` into `new`, in element order."""
    before, after = old.as_json(), new.as_json()
    return tuple(
        FieldChange(field=name, old=before[name], new=after[name])
        for name in ItemElements.model_fields
        if before[name] != after[name]
    )


def apply_changes(elements: ItemElements, changes: tuple[FieldChange, ...]) -> ItemElements:
    """`elements` with `changes` applied."""
    data = elements.as_json()
    data.update({change.field: change.new for change in changes})
    return ItemElements.model_validate(data)
