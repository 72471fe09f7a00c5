"""The public changes as subscribers receive them (Atom feeds, the live stream, webhooks): filtered, in log order, each
with the public version it concerns.

Only the public tables are read (public_changes and published_versions): drafts, pending versions, review comments
and the people who acted never travel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    RowMapping,
    Select,
    and_,
    bindparam,
    func,
    select,
    true,
)

from events.elements import ItemElements, Level
from events.event import ChangeKind
from events.timestamp import parse_time
from projections.public_query import PublishedEntry
from projections.schema import public_changes, published_versions
from registry.profile import Profile

FILTER_PARAMETERS = ("domain", "unit", "level", "village", "kind")

_EVENT_TYPES = {
    ChangeKind.ADD: "catalog.item.added",
    ChangeKind.CHANGE: "catalog.item.changed",
    ChangeKind.CANCEL: "catalog.item.cancelled",
}


class FeedParameterError(ValueError):
    """A filter parameter whose value is not one the jurisdiction knows: names the parameter and what it accepts,
    in Chinese and in English."""

    def __init__(self, parameter: str, given: str, allowed: tuple[str, ...], *, nearest: tuple[str, ...] = ()) -> None:
        self.parameter = parameter
        self.given = given = given[:100]  # it goes back to whoever sent it, in a message: a name is never longer
        self.allowed = allowed
        self.nearest = nearest
        if not allowed:
            text = (
                f"参数 {parameter}：本辖区的配置没有列出可供筛选的值，“{given}”无法使用 "
                f"(invalid {parameter} {given!r}: the jurisdiction profile lists none)"
            )
        else:
            guess = f"是否要找 (did you mean)：{'、'.join(nearest)}。" if nearest else ""
            text = (
                f"参数 {parameter} 的值“{given}”无效 (invalid {parameter} {given!r})。{guess}"
                f"可用的值 (allowed values)：{', '.join(allowed)}"
            )
        super().__init__(text)


def parse_level(text: str) -> Level:
    """公开层级 from its value (county, township, village, in any case) or its label (县级, 乡级, 村级)."""
    wanted = text.strip()
    for level in Level:
        if wanted.lower() == level.value or wanted == level.label:
            return level
    raise FeedParameterError("level", text, tuple(f"{level.value} ({level.label})" for level in Level))


def parse_kind(text: str) -> ChangeKind:
    """动态调整's kind from its value (add, change, cancel, in any case) or its label (增加, 变更, 取消)."""
    wanted = text.strip()
    for kind in ChangeKind:
        if wanted.lower() == kind.value or wanted == kind.label:
            return kind
    raise FeedParameterError("kind", text, tuple(f"{kind.value} ({kind.label})" for kind in ChangeKind))


@dataclass(frozen=True)
class ChangeFilter:
    """Which public changes a subscriber wants; every field set narrows them (None: any).

    - domain, unit: the item's 领域 and owning unit, as the profile names them (an alias is read as its name).
    - level: the version is disclosed at that 公开层级.
    - village: changes to that 嘎查村's village list (村级公开清单): the version is disclosed at 村级 and is owned by
      the village's town or by a unit that is not a town (a department's village-level items are disclosed in every
      village); another town's items are not the village's.
    - kind: 增加, 变更 or 取消.

    A change is matched on the version it published, or for a 取消 on the version it took out of the catalog. A
    village filter needs the profile's towns: build filters with `from_params` or `validated`, which resolve it.
    """

    domain: str | None = None
    unit: str | None = None
    level: Level | None = None
    village: str | None = None
    kind: ChangeKind | None = None
    # The towns other than the village's (their items are not on its list), resolved by `validated`; None: unresolved.
    other_towns: tuple[str, ...] | None = field(default=None, repr=False)

    @classmethod
    def from_params(cls, params: Mapping[str, str], profile: Profile) -> ChangeFilter:
        """The filter that query parameters ask for (domain, unit, level, village, kind; empty ones are ignored),
        validated against `profile`. Raises FeedParameterError naming the parameter and what it accepts."""
        given = {name: (params.get(name) or "").strip() for name in FILTER_PARAMETERS}
        return cls(
            domain=given["domain"] or None,
            unit=given["unit"] or None,
            level=parse_level(given["level"]) if given["level"] else None,
            village=given["village"] or None,
            kind=parse_kind(given["kind"]) if given["kind"] else None,
        ).validated(profile)

    def validated(self, profile: Profile) -> ChangeFilter:
        """This filter with the profile's names for its domain, unit and village, and the village's town resolved.
        Raises FeedParameterError for a domain, unit or village the profile does not know."""
        resolved = self
        if self.domain is not None:
            domain = profile.domain(self.domain)
            if domain is None:
                raise FeedParameterError(
                    "domain",
                    self.domain,
                    tuple(d.name for d in profile.domains),
                    nearest=profile.nearest_domains(self.domain),
                )
            resolved = replace(resolved, domain=domain.name)
        if self.unit is not None:
            unit = profile.unit(self.unit)
            if unit is None:
                raise FeedParameterError(
                    "unit", self.unit, tuple(u.name for u in profile.units), nearest=profile.nearest_units(self.unit)
                )
            resolved = replace(resolved, unit=unit.name)
        if self.village is not None:
            village = profile.village(self.village)
            if village is None:
                raise FeedParameterError("village", self.village, tuple(v.name for v in profile.villages))
            towns = tuple(u.name for u in profile.units if u.kind == "town" and u.name != village.town)
            resolved = replace(resolved, village=village.name, other_towns=towns)
        return resolved

    def params(self) -> dict[str, str]:
        """The filter as query parameters (English values), in FILTER_PARAMETERS order: what `from_params` reads."""
        values = {
            "domain": self.domain,
            "unit": self.unit,
            "level": self.level.value if self.level else None,
            "village": self.village,
            "kind": self.kind.value if self.kind else None,
        }
        return {name: value for name, value in values.items() if value}

    def describe(self) -> str:
        """The filter in Chinese, e.g. 领域：社会救助；公开层级：村级 ("" without any)."""
        parts = [
            f"领域：{self.domain}" if self.domain else "",
            f"单位：{self.unit}" if self.unit else "",
            f"公开层级：{self.level.label}" if self.level else "",
            f"嘎查村：{self.village}" if self.village else "",
            f"调整类型：{self.kind.label}" if self.kind else "",
        ]
        return "；".join(part for part in parts if part)


@dataclass(frozen=True)
class PublicChange:
    """One public change (增加, 变更 or 取消) at its log position, with the public version it concerns: the version it
    published, or for a 取消 the version it took out of the catalog (`item`)."""

    position: int
    kind: ChangeKind
    item_id: str
    version: int  # the change's version: for a 取消, the retirement's own (unpublished) version number
    published_at: str  # as stored: UTC, microseconds, trailing Z
    reason: str  # the trigger and reason of an adjustment or retirement ("" for a first publication)
    backfilled: bool  # 补录: recorded later by an admin at the time it took effect
    item: PublishedEntry

    @property
    def domain(self) -> str:
        return self.item.domain

    @property
    def unit(self) -> str:
        return self.item.unit

    @property
    def elements(self) -> ItemElements:
        return self.item.elements

    @property
    def title(self) -> str:
        """The item's name as the portal shows it: 二级事项（三级事项）, or the 一级事项 when it has no name."""
        elements = self.item.elements
        name = elements.name or elements.category
        return f"{name}（{elements.subname}）" if elements.subname else name

    def event_type(self) -> str:
        """catalog.item.added, catalog.item.changed or catalog.item.cancelled."""
        return _EVENT_TYPES[self.kind]

    def data(self) -> dict[str, Any]:
        """The change as JSON, named as the GraphQL API names a `Change` and its `CatalogItem` (enum values as its
        names: ADD, VILLAGE...; times in ISO 8601). For a 取消, `item` is the version it took out of the catalog."""
        entry = self.item
        elements = entry.elements
        return {
            "position": self.position,
            "itemId": self.item_id,
            "version": self.version,
            "kind": self.kind.name,
            "publishedAt": _iso(self.published_at),
            "reason": self.reason,
            "backfilled": self.backfilled,
            "item": {
                "id": entry.item_id,
                "version": entry.version,
                "domain": entry.domain,
                "unit": entry.unit,
                "category": elements.category,
                "name": elements.name,
                "subname": elements.subname,
                "content": elements.content,
                "basis": elements.basis,
                "timeLimit": elements.time_limit,
                "body": elements.body,
                "channels": list(elements.channels),
                "audience": [audience.name for audience in elements.audience],
                "audienceNote": elements.audience_note,
                "method": [method.name for method in elements.method],
                "levels": [level.name for level in elements.levels],
                "publishedAt": _iso(entry.published_at),
                "approvalReference": entry.approval_reference,
            },
        }

    def payload(self) -> dict[str, Any]:
        """What the live stream and webhooks send of the change: {"type": event_type(), "timestamp": when it took
        effect (ISO 8601, as `publishedAt`), "data": data()}."""
        return {"type": self.event_type(), "timestamp": _iso(self.published_at), "data": self.data()}

    def portal_path(self) -> str:
        """The portal's page of the item as the change left it (a hash route: api/static/route.js), from the site's
        root: the version it published, or for a 取消 the retirement."""
        return f"/#/item/{quote(self.item_id, safe='')}?asOf={quote(self.published_at, safe='')}"


def _iso(stored: str) -> str:
    """A stored time as the API's DateTime gives it (ISO 8601 with its offset)."""
    return parse_time(stored).isoformat()


def changes_after(conn: Connection, flt: ChangeFilter, after: int, limit: int) -> list[PublicChange]:
    """The first `limit` changes matching `flt` after the log position `after`, oldest first."""
    return _changes(conn, flt, ascending=True, bound=after, limit=limit)


def changes_before(conn: Connection, flt: ChangeFilter, before: int | None, limit: int) -> list[PublicChange]:
    """The first `limit` changes matching `flt` before the log position `before` (None: the newest), newest first."""
    return _changes(conn, flt, ascending=False, bound=before, limit=limit)


_VERSION_COLUMNS = ("version", "domain", "unit", *ItemElements.model_fields, "published_at", "approval_reference")

# Statements by shape (direction, bound or not, which filters): built once, compiled once per dialect by SQLAlchemy.
_STATEMENTS: dict[tuple[Any, ...], Select[Any]] = {}


def _statement(lateral: bool, ascending: bool, bounded: bool, flt: ChangeFilter) -> Select[Any]:
    """The changes (log order, from the bound, `limit` of them) matching `flt`'s shape, each with the version it
    concerns: the one it published (its own), or for a 取消 the last one published before it.

    `lateral` (PostgreSQL): that version is found by a LATERAL subquery, one index probe per change read in log order,
    so a page stops after `limit` matches. Joined on a correlated subquery instead, PostgreSQL hashes both tables whole
    (a second and more at 100,000 changes); SQLite, which has no LATERAL, reads that join in log order already.
    """
    shape = (
        lateral,
        ascending,
        bounded,
        flt.domain is not None,
        flt.unit is not None,
        flt.level is not None,
        flt.village is not None,
        flt.kind is not None,
    )
    found = _STATEMENTS.get(shape)
    if found is not None:
        return found
    change = public_changes
    columns = [published_versions.c[name] for name in _VERSION_COLUMNS]
    concerned = and_(published_versions.c.item_id == change.c.item_id, published_versions.c.version <= change.c.version)
    version: FromClause
    if lateral:
        version = (
            select(*columns).where(concerned).order_by(published_versions.c.version.desc()).limit(1).lateral("shown")
        )
        joined = change.join(version, true())
    else:
        earlier = published_versions.alias("earlier")
        last = (
            select(func.max(earlier.c.version))
            .where(earlier.c.item_id == change.c.item_id, earlier.c.version <= change.c.version)
            .scalar_subquery()
        )
        version = published_versions
        joined = change.join(version, and_(version.c.item_id == change.c.item_id, version.c.version == last))
    where: list[ColumnElement[bool]] = []
    if bounded:
        where.append(change.c.position > bindparam("bound") if ascending else change.c.position < bindparam("bound"))
    if flt.domain is not None:
        where.append(version.c.domain == bindparam("domain"))
    if flt.unit is not None:
        where.append(version.c.unit == bindparam("unit"))
    if flt.level is not None:
        where.append(version.c.levels.like(bindparam("level")))
    if flt.village is not None:
        where.append(version.c.levels.like(bindparam("village_level")))
        where.append(version.c.unit.not_in(bindparam("other_towns", expanding=True)))
    if flt.kind is not None:
        where.append(change.c.kind == bindparam("kind"))
    statement = (
        select(
            change.c.position,
            change.c.kind,
            change.c.item_id,
            change.c.version,
            change.c.published_at,
            change.c.reason,
            change.c.backfilled,
            *(version.c[name].label(f"shown_{name}") for name in _VERSION_COLUMNS),
        )
        .select_from(joined)
        .where(and_(True, *where))
        .order_by(change.c.position if ascending else change.c.position.desc())
        .limit(bindparam("limit"))
    )
    _STATEMENTS[shape] = statement
    return statement


def _changes(
    conn: Connection, flt: ChangeFilter, *, ascending: bool, bound: int | None, limit: int
) -> list[PublicChange]:
    if flt.village is not None and flt.other_towns is None:
        raise ValueError("a village filter needs the profile's towns: build it with ChangeFilter.validated(profile)")
    params: dict[str, Any] = {"limit": limit}
    if bound is not None:
        params["bound"] = bound
    if flt.domain is not None:
        params["domain"] = flt.domain
    if flt.unit is not None:
        params["unit"] = flt.unit
    if flt.level is not None:
        params["level"] = f'%"{flt.level.value}"%'  # levels are a canonical JSON list, e.g. ["county","village"]
    if flt.village is not None:
        params["village_level"] = f'%"{Level.VILLAGE.value}"%'
        params["other_towns"] = list(flt.other_towns or ())
    if flt.kind is not None:
        params["kind"] = flt.kind.value
    statement = _statement(conn.dialect.name == "postgresql", ascending, bound is not None, flt)
    return [_change(row) for row in conn.execute(statement, params).mappings()]


def _change(row: RowMapping) -> PublicChange:
    shown = {name: row[f"shown_{name}"] for name in _VERSION_COLUMNS}
    entry = PublishedEntry.from_row({**shown, "item_id": row["item_id"]})
    return PublicChange(
        position=int(row["position"]),
        kind=ChangeKind(row["kind"]),
        item_id=row["item_id"],
        version=int(row["version"]),
        published_at=row["published_at"],
        reason=row["reason"],
        backfilled=bool(row["backfilled"]),
        item=entry,
    )
