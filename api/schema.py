"""The public GraphQL schema: the authoritative published catalog, its history, its feed, the log head."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import graphene
import orjson
from graphql import GraphQLError, ValueNode

from api.scalars import MAX_PAGE as MAX_PAGE
from api.scalars import (
    CatalogCursor,
    ChangeCursor,
    CheckpointCursor,
    DateTime,
    ItemId,
    PageSize,
    ShortText,
    TreeSize,
    _at,
    _Cursor,
    _item_key,
    _label,
    _string,
)
from events import checkpoint, merkle_store
from events.account import ACCOUNT_LABELS
from events.account import AccountStatus as AccountStatusValue
from events.account import FilingKind as FilingKindValue
from events.elements import Audience as AudienceValue
from events.elements import Level as LevelValue
from events.elements import Method as MethodValue
from events.envelope import parse_time
from events.event import ChangeKind as ChangeKindValue
from events.proof import leaf_hash
from projections import media_accounts, public_accounts, public_query
from projections.public_accounts import PublicChange as AccountChange
from projections.public_accounts import PublishedAccount
from projections.public_query import CatalogFilter as Filter
from projections.retirement import Retirement as Retired
from projections.retirement import retirement as retirement_of
from registry.calendar import WorkingCalendar
from registry.profile import Profile
from registry.service import ACCOUNT_STREAM
from registry.supervision.deadline import Verdict as VerdictValue
from registry.supervision.report import domain_catalog_judgement

DEFAULT_PAGE = 50


def _labelled(kind: Any, name: str, doc: str) -> type[graphene.Enum]:
    """A GraphQL enum with English value names whose descriptions are the Chinese labels."""
    members = {member.name: member.value for member in kind}
    labels = {member.value: member.label for member in kind}

    def description(self: Any) -> str:
        return str(labels[self.value])

    return type(name, (graphene.Enum,), {**members, "description": property(description), "__doc__": doc})


Level = _labelled(LevelValue, "Level", "公开层级: the level of government that discloses the item.")
Audience = _labelled(AudienceValue, "Audience", "公开对象: who may see the item.")
Method = _labelled(MethodValue, "Method", "公开方式: proactive (主动) or on request (依申请).")
ChangeKind = _labelled(ChangeKindValue, "ChangeKind", "动态调整: what a public change did.")
DeadlineVerdict = _labelled(
    VerdictValue, "DeadlineVerdict", "监督考核: whether a catalog was published by the deadline of its task."
)


def _time(text: str | None) -> datetime | None:
    return parse_time(text) if text else None


def _json_list(text: str) -> Any:
    """A stored JSON list, as json.loads reads it (orjson: several times as fast; it refuses a lone surrogate, which
    json.loads reads)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


_T = TypeVar("_T")


def _once(info: graphene.ResolveInfo, key: tuple[Any, ...], compute: Callable[[], _T]) -> _T:
    """`compute()` for `key`, worked out once per request: aliases that ask the same thing share the answer (or the
    refusal), so that fifty copies of a page or of a proof cost one."""
    memo: dict[tuple[Any, ...], Any] = info.context["request_state"].setdefault("once", {})
    if key not in memo:
        try:
            memo[key] = (True, compute())
        except GraphQLError as error:
            memo[key] = (False, error)
    done, found = memo[key]
    if not done:
        raise found
    return found  # type: ignore[no-any-return]


def _listed(info: graphene.ResolveInfo, item_ids: list[str]) -> None:
    """Note items this request lists, so that their histories are read in one query if any is asked for."""
    info.context["request_state"].setdefault("item_ids", []).extend(item_ids)


class PublicVersion(graphene.ObjectType):
    """One public change of an item: a publication (增加), an adjustment (变更) or a retirement (取消)."""

    version = graphene.Int(required=True)
    published_at = DateTime(required=True)
    change_kind = graphene.Field(ChangeKind, required=True)
    reason = graphene.String(required=True, description="the trigger and reason of an adjustment or retirement")
    backfilled = graphene.Boolean(
        required=True,
        description="补录: recorded later by an admin at the time it took effect (from the paper catalogs before the "
        "registry), not as it happened",
    )

    @staticmethod
    def from_row(row: dict[str, Any]) -> PublicVersion:
        return PublicVersion(
            version=row["version"],
            published_at=parse_time(row["published_at"]),
            change_kind=row["kind"],
            reason=row["reason"],
            backfilled=row["backfilled"],
        )


class ElementFields(graphene.ObjectType):
    """The elements of a version (公开事项要素), as the official table names them: shared by the public catalog's items
    and the staff schema's versions."""

    class Meta:
        abstract = True

    category = graphene.String(required=True, description="一级事项")
    name = graphene.String(required=True, description="二级事项")
    subname = graphene.String(required=True, description="三级事项")
    content = graphene.String(required=True, description="公开内容（要素）")
    basis = graphene.String(required=True, description="公开依据")
    time_limit = graphene.String(required=True, description="公开时限")
    body = graphene.String(required=True, description="公开主体")
    channels = graphene.List(graphene.NonNull(graphene.String), required=True, description="公开渠道和载体")
    audience = graphene.List(graphene.NonNull(Audience), required=True, description="公开对象")
    audience_note = graphene.String(required=True, description="the specific group, when there is one")
    method = graphene.List(graphene.NonNull(Method), required=True, description="公开方式")
    levels = graphene.List(graphene.NonNull(Level), required=True, description="公开层级")


class CatalogItem(ElementFields):
    """The authoritative published version of a catalog item (公开事项)."""

    id = graphene.ID(required=True)
    version = graphene.Int(required=True)
    domain = graphene.String(required=True, description="领域 (empty for a unit's own catalog)")
    unit = graphene.String(required=True, description="the unit whose catalog holds the item")
    published_at = DateTime(required=True)
    approval_reference = graphene.String(required=True, description="the meeting or document that approved it")
    history = graphene.List(
        graphene.NonNull(PublicVersion),
        required=True,
        description="the item's public changes, oldest first; all of them, also for an item asked asOf a time: "
        "those published after asOf are the versions (or the retirement) that followed it",
    )
    proof = graphene.Field(
        lambda: InclusionProof,
        size=graphene.Argument(TreeSize, description="the checkpoint's tree size (default: the latest)"),
        description="Inclusion proof of the event that published this version, against a signed checkpoint; null "
        "when no checkpoint of that size was signed, or it was signed before this version was published.",
    )

    @staticmethod
    def resolve_proof(
        parent: CatalogItem, info: graphene.ResolveInfo, size: int | None = None
    ) -> InclusionProof | None:
        conn = info.context["conn"]
        position: int = parent.publication_position
        signed = _once(info, ("checkpoint", size), lambda: checkpoint.latest(conn, size=size))
        if signed is None or signed["size"] < position:
            return None
        return _once(info, ("proof", position, signed["size"]), lambda: _inclusion_proof(conn, position, signed))

    @staticmethod
    def from_row(row: dict[str, Any]) -> CatalogItem:
        """From a row of public_catalog or published_versions."""
        item = CatalogItem(
            id=row["item_id"],
            version=row["version"],
            domain=row["domain"],
            unit=row["unit"],
            category=row["category"],
            name=row["name"],
            subname=row["subname"],
            content=row["content"],
            basis=row["basis"],
            time_limit=row["time_limit"],
            body=row["body"],
            channels=_json_list(row["channels"]),
            audience=_json_list(row["audience"]),
            audience_note=row["audience_note"],
            method=_json_list(row["method"]),
            levels=_json_list(row["levels"]),
            published_at=parse_time(row["published_at"]),
            approval_reference=row["approval_reference"],
        )
        item.publication_position = row["position"]  # the event that published the version: for its proof
        return item

    @staticmethod
    def resolve_history(parent: CatalogItem, info: graphene.ResolveInfo) -> list[PublicVersion]:
        request = info.context["request_state"]
        cache: dict[str, list[dict[str, Any]]] = request.setdefault("histories", {})
        if parent.id not in cache:
            # One query for every item listed so far (a catalog page, a feed page), not one per item.
            wanted = {i for i in request.get("item_ids", []) if i not in cache} | {parent.id}
            cache.update(public_query.histories(info.context["conn"], sorted(wanted)))
        return [PublicVersion.from_row(row) for row in cache[parent.id]]


class Retirement(graphene.ObjectType):
    """取消: an item taken out of the public catalog, when, why, on whose approval, and the version it took out."""

    item_id = graphene.ID(required=True)
    version = graphene.Int(required=True, description="the item's version that is the retirement")
    retired_at = DateTime(required=True, description="when the item left the public catalog")
    trigger = graphene.String(required=True, description="what caused it (调整事由), e.g. 上级取消")
    reason = graphene.String(required=True)
    approval_reference = graphene.String(
        required=True, description="审议: the meeting or document that approved the retirement"
    )
    approved_by = graphene.String(required=True, description="the unit that approved it (审议), e.g. 旗人民政府")
    approved_at = DateTime(description="when it was approved")
    backfilled = graphene.Boolean(
        required=True,
        description="补录: recorded later by an admin at the time it took effect (from the paper catalogs before the "
        "registry), not as it happened",
    )
    last_version = graphene.Field(
        CatalogItem,
        required=True,
        description="the last published version, which the retirement took out of the catalog; its history ends "
        "with the retirement",
    )

    @staticmethod
    def of(found: Retired) -> Retirement:
        return Retirement(
            item_id=found.item_id,
            version=found.version,
            retired_at=parse_time(found.retired_at),
            trigger=found.trigger,
            reason=found.reason,
            approval_reference=found.approval_reference,
            approved_by=found.approved_by,
            approved_at=_time(found.approved_at),
            backfilled=found.backfilled,
            last_version=CatalogItem.from_row(found.last_published),
        )


class Jurisdiction(graphene.ObjectType):
    """The jurisdiction whose catalog this is."""

    name = graphene.String(required=True, description="e.g. 鄂托克前旗")
    timezone = graphene.String(
        required=True,
        description="the IANA time zone its days begin and end in, e.g. Asia/Shanghai: show times in it (the API "
        "gives them in ISO 8601 with their offset)",
    )


class PageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    has_previous_page = graphene.Boolean(required=True)
    start_cursor = graphene.String()
    end_cursor = graphene.String()

    @staticmethod
    def of(edges: list[Any], has_next: bool, after: object, empty_end: str | None = None) -> PageInfo:
        """The page info of a forward page of `edges` (each with a `cursor`) read after the key of cursor `after`
        (None for the first page)."""
        return PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else empty_end,
        )


class CatalogItemEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(CatalogItem, required=True)


class CatalogItemConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(CatalogItemEdge), required=True)
    page_info = graphene.Field(PageInfo, required=True)
    total_count = graphene.Int(required=True, description="items matching the filter, over all pages")


class CatalogFilter(graphene.InputObjectType):
    domain = ShortText(description="领域 (aliases accepted, e.g. 生态环境 for 环境保护)")
    unit = ShortText(description="owning unit (aliases accepted)")
    level = graphene.Field(Level)
    audience = graphene.Field(Audience)
    method = graphene.Field(Method)
    search = ShortText(
        description="text in the name (一级/二级/三级事项), content or basis (ASCII letters in any case)"
    )


class DomainInfo(graphene.ObjectType):
    name = graphene.String(required=True)
    responsible_unit = graphene.String(required=True)
    aliases = graphene.List(graphene.NonNull(graphene.String), required=True)
    item_count = graphene.Int(required=True, description="published items")


class UnitInfo(graphene.ObjectType):
    name = graphene.String(required=True)
    kind = graphene.String(required=True, description="department, town, center, government or zone")
    item_count = graphene.Int(required=True, description="published items")


class Change(graphene.ObjectType):
    """An entry of the public feed."""

    position = graphene.Int(required=True, description="the log position of the change")
    item_id = graphene.ID(required=True)
    version = graphene.Int(required=True)
    kind = graphene.Field(ChangeKind, required=True)
    published_at = DateTime(required=True)
    reason = graphene.String(required=True)
    backfilled = graphene.Boolean(
        required=True,
        description="补录: recorded later by an admin at the time it took effect (from the paper catalogs before the "
        "registry), not as it happened",
    )
    item = graphene.Field(CatalogItem, description="the version this change published (null for a retirement)")

    @staticmethod
    def resolve_item(parent: Change, info: graphene.ResolveInfo) -> CatalogItem | None:
        if parent.kind == ChangeKindValue.CANCEL.value:
            return None
        request = info.context["request_state"]
        cache: dict[tuple[str, int], dict[str, Any]] = request.setdefault("versions", {})
        key = (parent.item_id, parent.version)
        if key not in cache:
            wanted = [k for k in request.get("change_keys", []) if k not in cache] or [key]
            cache.update(public_query.versions_at(info.context["conn"], wanted))
        row = cache.get(key)
        return CatalogItem.from_row(row) if row else None


class ChangeEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(Change, required=True)


class ChangeConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(ChangeEdge), required=True)
    page_info = graphene.Field(PageInfo, required=True)


class Checkpoint(graphene.ObjectType):
    """A signed tree head: the RFC 9162 Merkle root of the log's first `size` events, signed with Ed25519.

    The signature covers the note body "ORIGIN\\nSIZE\\nROOT\\ntime SIGNED_AT\\n" (see events/proof.py).
    """

    origin = graphene.String(required=True)
    size = graphene.Int(required=True)
    root = graphene.String(required=True, description="base64 of the 32-byte root")
    signed_at = graphene.String(required=True, description="as signed: UTC, microseconds, trailing Z")
    signature = graphene.String(required=True, description="base64 Ed25519 signature")
    public_key = graphene.String(required=True, description="base64 of the 32-byte Ed25519 public key")

    @staticmethod
    def from_row(row: dict[str, Any]) -> Checkpoint:
        return Checkpoint(**{_snake(k): v for k, v in checkpoint.as_json(row).items()})


def _snake(name: str) -> str:
    return {"signedAt": "signed_at", "publicKey": "public_key"}.get(name, name)


class InclusionProof(graphene.ObjectType):
    """The event that published a version is leaf `leafIdx` of the signed tree (RFC 9162 §2.1.3)."""

    leaf_idx = graphene.Int(required=True)
    tree_size = graphene.Int(required=True)
    root = graphene.String(required=True)
    leaf_hash = graphene.String(required=True, description="SHA-256(0x00 || the event's hash), base64")
    proof = graphene.List(graphene.NonNull(graphene.String), required=True)
    checkpoint = graphene.Field(Checkpoint, required=True)


class ConsistencyProof(graphene.ObjectType):
    """The signed tree of size2 extends the signed tree of size1 (RFC 9162 §2.1.4)."""

    size1 = graphene.Int(required=True)
    size2 = graphene.Int(required=True)
    root1 = graphene.String(required=True)
    root2 = graphene.String(required=True)
    proof = graphene.List(graphene.NonNull(graphene.String), required=True)
    checkpoint1 = graphene.Field(Checkpoint, required=True)
    checkpoint2 = graphene.Field(Checkpoint, required=True)


class CheckpointEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(Checkpoint, required=True)


class CheckpointConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(CheckpointEdge), required=True)
    page_info = graphene.Field(PageInfo, required=True)


class LogHead(graphene.ObjectType):
    """The head of the tamper-evident log and its latest signed checkpoint (null fields before the first one)."""

    position = graphene.Int(required=True, description="events in the log")
    head_hash = graphene.String(required=True, description="the hash chain's head (hex); `registry verify` prints it")
    size = graphene.Int(description="tree size of the latest signed checkpoint")
    root = graphene.String(description="its Merkle root, base64")
    signed_at = graphene.String()
    signature = graphene.String()
    public_key = graphene.String()
    checkpoint = graphene.Field(Checkpoint)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _inclusion_proof(conn: Any, position: int, signed: dict[str, Any]) -> InclusionProof:
    """The proof that the event at log `position` is in the tree of the `signed` checkpoint."""
    leaf = public_query.event_hash(conn, position)
    return InclusionProof(
        leaf_idx=position - 1,
        tree_size=signed["size"],
        root=_b64(bytes.fromhex(signed["root"])),
        leaf_hash=_b64(leaf_hash(bytes.fromhex(leaf))),
        proof=[_b64(h) for h in merkle_store.inclusion_proof(conn, position - 1, signed["size"])],
        checkpoint=Checkpoint.from_row(signed),
    )


class Label(graphene.ObjectType):
    """The Chinese label of an enum value, for front-ends."""

    enum = graphene.String(required=True)
    value = graphene.String(required=True)
    label = graphene.String(required=True)


class DomainCoverage(graphene.ObjectType):
    """A pilot domain's catalog against the deadline for the 26 domains' catalogs (监督考核), from public data."""

    name = graphene.String(required=True)
    responsible_unit = graphene.String(required=True)
    published_count = graphene.Int(required=True, description="items of the domain in the public catalog")
    first_published_at = DateTime(description="the first publication of an item of the domain")
    last_published_at = DateTime(description="the latest publication of a version of an item of the domain")
    deadline = graphene.Date(description="the day the domain's catalog was due (null when none is set)")
    verdict = graphene.Field(
        DeadlineVerdict, description="on time, late, overdue (unpublished past the deadline) or pending"
    )
    on_time = graphene.Boolean(required=True, description="first published on or before the deadline")
    working_days_late = graphene.Int(
        required=True, description="working days past the deadline until first published (or until now, if not yet)"
    )


class MediaAccountId(graphene.Scalar):
    """A new-media account's id (e.g. NM-1A2B3C4D): 1 to 200 characters, no control characters."""

    @staticmethod
    def serialize(value: Any) -> str:
        return str(value)

    @staticmethod
    def parse_value(value: Any) -> str:
        return _label("account id", value, required=True)

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> str:
        return _at(node, MediaAccountId.parse_value, _string("MediaAccountId", node))


class MediaAccountCursor(_Cursor):
    """Where a page of `mediaAccounts` ends: pass an `endCursor` (or an edge's `cursor`) to `after` for the next
    page."""

    prefix = "account"
    listing = "mediaAccounts"
    key = _item_key


# The statuses of a published account (one in review, or refused, is not public).
PUBLIC_STATUSES = (AccountStatusValue.OPEN, AccountStatusValue.SUSPENDED, AccountStatusValue.CLOSED)
MediaAccountStatus = _labelled(
    PUBLIC_STATUSES,
    "MediaAccountStatus",
    "账号状态: open (正常), suspended (已关停: still listed, until a filed 变更 reopens it) or closed for good "
    "(已注销).",
)
MediaAccountFilingKind = _labelled(
    FilingKindValue,
    "MediaAccountFilingKind",
    "备案: what a published filing did: 开设备案, 变更备案, 关停 or 注销.",
)
# The elements a reader may see, as MediaAccount names them; 联系人 (contact) is internal and never among them.
_ACCOUNT_FIELDS = {
    "name": "name",
    "platform": "platform",
    "handle": "handle",
    "operator": "operator",
    "certified_as": "certifiedAs",
    "opened_on": "openedOn",
    "purpose": "purpose",
    "link": "link",
}


class MediaAccountFieldChange(graphene.ObjectType):
    """One element of an account that a publication changed, as the public list showed it before and after."""

    field = graphene.String(required=True, description="the MediaAccount field, e.g. name or certifiedAs")
    label = graphene.String(required=True, description="its Chinese name, e.g. 账号名称")
    old = graphene.String(required=True, description="the value before (a date as YYYY-MM-DD; empty: none)")
    new = graphene.String(required=True, description="the value after")

    @staticmethod
    def of(change: AccountChange) -> MediaAccountFieldChange:
        return MediaAccountFieldChange(
            field=_ACCOUNT_FIELDS[change.field],
            label=ACCOUNT_LABELS[change.field],
            old="" if change.old is None else str(change.old),
            new="" if change.new is None else str(change.new),
        )


class MediaAccountChange(graphene.ObjectType):
    """A public change of an account: the publication of a filing (备案) into the public list."""

    version = graphene.Int(required=True, description="the account's version this publication made public")
    kind = graphene.Field(MediaAccountFilingKind, required=True)
    kind_label = graphene.String(required=True, description="开设备案, 变更备案, 关停 or 注销")
    status = graphene.Field(MediaAccountStatus, required=True, description="the account's status after it")
    status_label = graphene.String(required=True, description="正常, 已关停 or 已注销")
    published_at = DateTime(required=True)
    reason = graphene.String(
        required=True, description="the reason the filing gave (变更, 关停, 注销); empty for 开设备案"
    )
    changes = graphene.List(
        graphene.NonNull(MediaAccountFieldChange),
        required=True,
        description="the elements it changed, old -> new (none for 开设备案, which opened the account)",
    )

    @staticmethod
    def of(record: PublishedAccount) -> MediaAccountChange:
        return MediaAccountChange(
            version=record.version,
            kind=record.kind.value,
            kind_label=record.kind.label,
            status=record.status.value,
            status_label=record.status.label,
            published_at=record.published_at,
            reason=record.reason,
            changes=[MediaAccountFieldChange.of(change) for change in record.changes],
        )


class MediaAccount(graphene.ObjectType):
    """A government new-media account (政务新媒体账号) as the public list shows it: its published filing."""

    id = graphene.ID(required=True)
    name = graphene.String(required=True, description="账号名称")
    platform = graphene.String(
        required=True, description="平台, as the jurisdiction's vocabulary names it (e.g. 微信公众号), or 其他：NAME"
    )
    handle = graphene.String(required=True, description="平台账号标识: the platform's id or handle of the account")
    host_unit = graphene.String(required=True, description="主办单位: the unit that opened it (谁开设、谁主办)")
    operator = graphene.String(required=True, description="运营单位: the contractor that operates it (empty: none)")
    certified_as = graphene.String(required=True, description="认证主体: who the platform's certification names")
    opened_on = graphene.Date(description="开设日期 (null: not given)")
    purpose = graphene.String(required=True, description="主要内容/定位")
    link = graphene.String(required=True, description="链接 or the text of its 二维码 (QR code)")
    status = graphene.Field(MediaAccountStatus, required=True)
    status_label = graphene.String(required=True, description="正常, 已关停 or 已注销")
    version = graphene.Int(required=True, description="the version of the published filing")
    published_at = DateTime(
        required=True, description="when that filing was published (for a closed account: when it closed)"
    )
    history = graphene.List(
        graphene.NonNull(MediaAccountChange),
        required=True,
        description="the account's public changes, oldest first; all of them, also for an account asked asOf a "
        "time: those published after asOf are the changes that followed it",
    )

    @staticmethod
    def of(
        account_id: str,
        unit: str,
        elements: dict[str, Any],
        status: AccountStatusValue,
        version: int,
        published_at: datetime,
    ) -> MediaAccount:
        opened_on = elements.get("opened_on")
        return MediaAccount(
            id=account_id,
            name=elements["name"],
            platform=elements["platform"],
            handle=elements["handle"],
            host_unit=unit,
            operator=elements["operator"],
            certified_as=elements["certified_as"],
            opened_on=date.fromisoformat(opened_on) if opened_on else None,
            purpose=elements["purpose"],
            link=elements["link"],
            status=status.value,
            status_label=status.label,
            version=version,
            published_at=published_at,
        )

    @staticmethod
    def resolve_history(parent: MediaAccount, info: graphene.ResolveInfo) -> list[MediaAccountChange]:
        return [MediaAccountChange.of(record) for record in _account_records(info, parent.id)]


def _account_records(info: graphene.ResolveInfo, account_id: str) -> list[PublishedAccount]:
    """The publications of `account_id`, read with those of every account this request listed, in one query."""
    request = info.context["request_state"]
    cache: dict[str, list[PublishedAccount]] = request.setdefault("account_records", {})
    if account_id not in cache:
        wanted = {i for i in request.get("account_ids", []) if i not in cache} | {account_id}
        streams = {i: ACCOUNT_STREAM + i for i in sorted(wanted)}
        cache.update(public_accounts.public_histories(info.context["conn"], streams))
    return cache[account_id]


class MediaAccountEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(MediaAccount, required=True)


class MediaAccountConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(MediaAccountEdge), required=True)
    page_info = graphene.Field(PageInfo, required=True)
    total_count = graphene.Int(required=True, description="accounts matching the filter, over all pages")


class MediaAccountFilter(graphene.InputObjectType):
    unit = ShortText(description="主办单位 (aliases accepted, e.g. 教体局 for 教育体育局)")
    platform = ShortText(description="平台 (aliases accepted, e.g. 微信 or 政务微信 for 微信公众号; 其他：NAME)")
    status = graphene.Field(
        MediaAccountStatus, description="only accounts of this status (default: the list, open and suspended ones)"
    )


def _account_filter(
    profile: Profile, given: dict[str, Any]
) -> tuple[str | None, str | None, AccountStatusValue | None]:
    """(unit, platform, status) of a `MediaAccountFilter`, by the profile's names. As the catalog's filter, a unit or
    a platform the profile does not know is taken as written, and matches nothing."""
    unit = platform = None
    if given.get("unit"):
        known = profile.unit(given["unit"])
        unit = known.name if known else given["unit"]
    if given.get("platform"):
        platform = profile.platform(given["platform"]) or given["platform"]
    status = given.get("status")
    return unit, platform, AccountStatusValue(getattr(status, "value", status)) if status is not None else None


class Query(graphene.ObjectType):
    catalog = graphene.Field(
        CatalogItemConnection,
        required=True,
        filter=graphene.Argument(CatalogFilter),
        as_of=graphene.Argument(DateTime, description="the catalog as it was public at this time"),
        first=graphene.Argument(PageSize, description=f"page size, default {DEFAULT_PAGE}, at most {MAX_PAGE}"),
        after=graphene.Argument(CatalogCursor, description="the endCursor of the previous page"),
        description="The published catalog, ordered by item id, paged with keyset cursors.",
    )
    item = graphene.Field(
        CatalogItem,
        id=graphene.Argument(ItemId, required=True),
        as_of=graphene.Argument(DateTime),
        description="The authoritative published version of an item (or the one authoritative at asOf); "
        "null when there is none.",
    )
    retirement = graphene.Field(
        Retirement,
        id=graphene.Argument(ItemId, required=True),
        as_of=graphene.Argument(DateTime, description="only a retirement published by this time"),
        description="The retirement (取消) of an item that has left the public catalog, with its last published "
        "version; null when the item was not retired (by asOf).",
    )
    jurisdiction = graphene.Field(Jurisdiction, required=True)
    domains = graphene.List(graphene.NonNull(DomainInfo), required=True, description="The 26 pilot domains.")
    units = graphene.List(graphene.NonNull(UnitInfo), required=True)
    changes = graphene.Field(
        ChangeConnection,
        required=True,
        after=graphene.Argument(ChangeCursor, description="the endCursor of the previous page (none: from the start)"),
        first=graphene.Argument(PageSize, description=f"page size, default {DEFAULT_PAGE}, at most {MAX_PAGE}"),
        description="Publications, adjustments and retirements in log order, for incremental sync.",
    )
    log = graphene.Field(LogHead, required=True)
    checkpoints = graphene.Field(
        CheckpointConnection,
        required=True,
        first=graphene.Argument(PageSize, description=f"page size, default {DEFAULT_PAGE}, at most {MAX_PAGE}"),
        after=graphene.Argument(CheckpointCursor, description="the endCursor of the previous page"),
        description="Signed checkpoints, newest first.",
    )
    consistency = graphene.Field(
        ConsistencyProof,
        from_=graphene.Argument(TreeSize, required=True, name="from", description="the older checkpoint's size"),
        to=graphene.Argument(TreeSize, required=True, description="the newer checkpoint's size"),
        description="Proof that the log only grew between two signed checkpoints; null when `from` is larger than "
        "`to`, or no checkpoint of one of the sizes was signed.",
    )
    labels = graphene.List(graphene.NonNull(Label), required=True, description="Chinese labels of the enum values.")
    coverage = graphene.List(
        graphene.NonNull(DomainCoverage),
        required=True,
        as_of=graphene.Argument(DateTime, description="as the public catalog stood at this time"),
        description="The 26 pilot domains' catalogs: published items, publication dates, on time or late.",
    )

    media_accounts = graphene.Field(
        MediaAccountConnection,
        required=True,
        filter=graphene.Argument(MediaAccountFilter),
        first=graphene.Argument(PageSize, description=f"page size, default {DEFAULT_PAGE}, at most {MAX_PAGE}"),
        after=graphene.Argument(MediaAccountCursor, description="the endCursor of the previous page"),
        description="政务新媒体清单: the published new-media accounts (open and suspended ones, unless the filter "
        "asks for a status), ordered by account id, paged with keyset cursors.",
    )
    media_account = graphene.Field(
        MediaAccount,
        id=graphene.Argument(MediaAccountId, required=True),
        as_of=graphene.Argument(DateTime, description="the account as it was published at this time"),
        description="A new-media account as published (or as published at asOf), closed ones included; null when "
        "it was not published (by asOf).",
    )

    @staticmethod
    def resolve_media_accounts(
        _root: None,
        info: graphene.ResolveInfo,
        filter: dict[str, Any] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> MediaAccountConnection:
        unit, platform, status = _account_filter(info.context["profile"], dict(filter or {}))
        size = DEFAULT_PAGE if first is None else first
        wanted = (unit, platform, status, size, after)

        def connection() -> MediaAccountConnection:
            conn = info.context["conn"]
            rows = media_accounts.public_list(
                conn, unit=unit, platform=platform, statuses=[status] if status else (), after=after, limit=size + 1
            )
            page = rows[:size]
            info.context["request_state"].setdefault("account_ids", []).extend(row.account_id for row in page)
            edges = [
                MediaAccountEdge(
                    cursor=MediaAccountCursor.of(row.account_id),
                    node=MediaAccount.of(
                        row.account_id,
                        row.unit,
                        row.elements,
                        row.status,
                        row.version,
                        parse_time(row.published_at),
                    ),
                )
                for row in page
            ]
            total = _once(
                info,
                ("account_count", unit, platform, status),
                lambda: public_accounts.public_count(conn, unit=unit, platform=platform, status=status),
            )
            return MediaAccountConnection(
                edges=edges, total_count=total, page_info=PageInfo.of(edges, len(rows) > size, after)
            )

        return _once(info, ("mediaAccounts", *wanted), connection)

    @staticmethod
    def resolve_media_account(
        _root: None, info: graphene.ResolveInfo, id: str, as_of: datetime | None = None
    ) -> MediaAccount | None:
        records = _account_records(info, id)
        published = public_accounts.published_as_of(records, as_of)
        if not published:
            return None
        last = published[-1]
        return MediaAccount.of(id, last.unit, last.elements, last.status, last.version, last.published_at)

    @staticmethod
    def resolve_catalog(
        _root: None,
        info: graphene.ResolveInfo,
        filter: dict[str, Any] | None = None,
        as_of: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CatalogItemConnection:
        profile: Profile = info.context["profile"]
        given = dict(filter or {})
        if given.get("domain"):
            known = profile.domain(given["domain"])
            given["domain"] = known.name if known else given["domain"]
        if given.get("unit"):
            unit = profile.unit(given["unit"])
            given["unit"] = unit.name if unit else given["unit"]
        for key in ("level", "audience", "method"):
            if given.get(key) is not None:
                given[key] = getattr(given[key], "value", given[key])
        wanted = (Filter(**given), as_of, DEFAULT_PAGE if first is None else first, after)

        def connection() -> CatalogItemConnection:
            page = public_query.catalog_page(info.context["conn"], *wanted)
            _listed(info, [row["item_id"] for row in page.rows])
            edges = [
                CatalogItemEdge(cursor=CatalogCursor.of(r["item_id"]), node=CatalogItem.from_row(r)) for r in page.rows
            ]
            return CatalogItemConnection(
                edges=edges,
                total_count=page.total,
                page_info=PageInfo.of(edges, page.has_next, after),
            )

        return _once(info, ("catalog", *wanted), connection)

    @staticmethod
    def resolve_item(_root: None, info: graphene.ResolveInfo, id: str, as_of: datetime | None = None) -> Any:
        wanted = (id, as_of)

        def found() -> CatalogItem | None:
            row = public_query.item(info.context["conn"], *wanted)
            return CatalogItem.from_row(row) if row else None

        return _once(info, ("item", *wanted), found)

    @staticmethod
    def resolve_retirement(
        _root: None, info: graphene.ResolveInfo, id: str, as_of: datetime | None = None
    ) -> Retirement | None:
        def found() -> Retirement | None:
            retired = retirement_of(info.context["conn"], id, as_of)
            return Retirement.of(retired) if retired else None

        return _once(info, ("retirement", id, as_of), found)

    @staticmethod
    def resolve_jurisdiction(_root: None, info: graphene.ResolveInfo) -> Jurisdiction:
        profile: Profile = info.context["profile"]
        return Jurisdiction(name=profile.jurisdiction, timezone=profile.timezone)

    @staticmethod
    def resolve_domains(_root: None, info: graphene.ResolveInfo) -> list[DomainInfo]:
        profile: Profile = info.context["profile"]
        counts = _once(info, ("counts", "domain"), lambda: public_query.counts_by(info.context["conn"], "domain"))
        return [
            DomainInfo(
                name=d.name,
                responsible_unit=d.responsible_unit,
                aliases=list(d.aliases),
                item_count=counts.get(d.name, 0),
            )
            for d in profile.domains
        ]

    @staticmethod
    def resolve_units(_root: None, info: graphene.ResolveInfo) -> list[UnitInfo]:
        profile: Profile = info.context["profile"]
        counts = _once(info, ("counts", "unit"), lambda: public_query.counts_by(info.context["conn"], "unit"))
        return [UnitInfo(name=u.name, kind=u.kind, item_count=counts.get(u.name, 0)) for u in profile.units]

    @staticmethod
    def resolve_changes(
        _root: None, info: graphene.ResolveInfo, after: int | None = None, first: int | None = None
    ) -> ChangeConnection:
        wanted = (after or 0, DEFAULT_PAGE if first is None else first)

        def connection() -> ChangeConnection:
            rows, has_next = public_query.changes(info.context["conn"], *wanted)
            keys = info.context["request_state"].setdefault("change_keys", [])
            keys.extend((r["item_id"], r["version"]) for r in rows)
            _listed(info, [r["item_id"] for r in rows if r["kind"] != ChangeKindValue.CANCEL.value])
            edges = [
                ChangeEdge(
                    cursor=ChangeCursor.of(r["position"]),
                    node=Change(
                        position=r["position"],
                        item_id=r["item_id"],
                        version=r["version"],
                        kind=r["kind"],
                        published_at=parse_time(r["published_at"]),
                        reason=r["reason"],
                        backfilled=r["backfilled"],
                    ),
                )
                for r in rows
            ]
            return ChangeConnection(
                edges=edges,
                page_info=PageInfo.of(
                    edges, has_next, after, empty_end=None if after is None else ChangeCursor.of(after)
                ),
            )

        return _once(info, ("changes", *wanted, after), connection)

    @staticmethod
    def resolve_log(_root: None, info: graphene.ResolveInfo) -> LogHead:
        return _once(info, ("log",), lambda: _log_head(info.context["conn"]))

    @staticmethod
    def resolve_checkpoints(
        _root: None, info: graphene.ResolveInfo, first: int | None = None, after: int | None = None
    ) -> CheckpointConnection:
        size = DEFAULT_PAGE if first is None else first
        below = after  # the size of the last checkpoint of the previous page

        def connection() -> CheckpointConnection:
            rows, has_next = public_query.checkpoint_page(info.context["conn"], below, size)
            edges = [CheckpointEdge(cursor=CheckpointCursor.of(r["size"]), node=Checkpoint.from_row(r)) for r in rows]
            return CheckpointConnection(
                edges=edges,
                page_info=PageInfo.of(edges, has_next, after),
            )

        return _once(info, ("checkpoints", below, size, after), connection)

    @staticmethod
    def resolve_consistency(_root: None, info: graphene.ResolveInfo, from_: int, to: int) -> ConsistencyProof | None:
        conn = info.context["conn"]
        if from_ > to:
            return None

        def proof() -> ConsistencyProof | None:
            first = _once(info, ("checkpoint", from_), lambda: checkpoint.latest(conn, size=from_))
            second = _once(info, ("checkpoint", to), lambda: checkpoint.latest(conn, size=to))
            if first is None or second is None:
                return None
            return ConsistencyProof(
                size1=from_,
                size2=to,
                root1=_b64(bytes.fromhex(first["root"])),
                root2=_b64(bytes.fromhex(second["root"])),
                proof=[_b64(h) for h in merkle_store.consistency_proof(conn, from_, to)],
                checkpoint1=Checkpoint.from_row(first),
                checkpoint2=Checkpoint.from_row(second),
            )

        return _once(info, ("consistency", from_, to), proof)

    @staticmethod
    def resolve_coverage(
        _root: None, info: graphene.ResolveInfo, as_of: datetime | None = None
    ) -> list[DomainCoverage]:
        return _once(info, ("coverage", as_of), lambda: _coverage(info.context, as_of))

    @staticmethod
    def resolve_labels(_root: None, _info: graphene.ResolveInfo) -> list[Label]:
        kinds: list[tuple[str, Any]] = [
            ("Level", LevelValue),
            ("Audience", AudienceValue),
            ("Method", MethodValue),
            ("ChangeKind", ChangeKindValue),
            ("DeadlineVerdict", VerdictValue),
            ("MediaAccountStatus", PUBLIC_STATUSES),
            ("MediaAccountFilingKind", FilingKindValue),
        ]
        return [Label(enum=name, value=m.name, label=m.label) for name, kind in kinds for m in kind]


def _log_head(conn: Any) -> LogHead:
    position, head = public_query.log_head(conn)
    latest = checkpoint.latest(conn)
    if latest is None:
        return LogHead(position=position, head_hash=head)
    signed = Checkpoint.from_row(latest)
    return LogHead(
        position=position,
        head_hash=head,
        size=signed.size,
        root=signed.root,
        signed_at=signed.signed_at,
        signature=signed.signature,
        public_key=signed.public_key,
        checkpoint=signed,
    )


def _coverage(context: dict[str, Any], moment: datetime | None) -> list[DomainCoverage]:
    """The pilot domains' coverage as the public catalog stood at `moment` (now: the request's time, if None)."""
    profile: Profile = context["profile"]
    calendar = WorkingCalendar.of(profile)
    today = calendar.day_of(moment or context["now"])
    published = public_query.domain_publications(context["conn"], moment)
    task = profile.task("domain-catalogs")
    found = []
    for domain in profile.domains:
        if not domain.pilot:
            continue
        public = published.get(domain.name)
        first = public.first_published_at if public else None
        judgement = domain_catalog_judgement(profile, calendar, domain, first, today)
        found.append(
            DomainCoverage(
                name=domain.name,
                responsible_unit=domain.responsible_unit,
                published_count=public.count if public else 0,
                first_published_at=_time(first),
                last_published_at=_time(public.last_published_at if public else None),
                deadline=task.deadline if task else None,
                verdict=judgement.verdict.value if judgement else None,
                on_time=bool(judgement and judgement.verdict is VerdictValue.ON_TIME),
                working_days_late=judgement.working_days_late if judgement else 0,
            )
        )
    return found


schema = graphene.Schema(query=Query, auto_camelcase=True)
