"""The Atom feed of public changes (RFC 4287) at /feeds/changes.atom: one entry per publication (增加), adjustment
(变更) or retirement (取消), newest first, filtered by domain, unit, level, village and kind, paged with RFC 5005
`next` links, with ETags and 304 like the GraphQL API's."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import anyio.to_thread
from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from api.admission import Admission
from api.deadline import Deadline, DeadlineExceeded, held_to
from api.replicas import Reads
from events.event import ChangeKind
from events.timestamp import parse_time
from projections import public_query
from projections.public_feed import FILTER_PARAMETERS, ChangeFilter, FeedParameterError, PublicChange, changes_before
from registry.profile import Profile

PATH = "/feeds/changes.atom"
ATOM = "application/atom+xml; charset=utf-8"
PAGE = 50  # entries on a page unless `limit` says otherwise
MAX_PAGE = 200
_PAGING_PARAMETERS = ("before", "limit")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the `updated` of a feed without entries: it never changed
_ZONE_NAMES = {"Asia/Shanghai": "北京时间"}  # as the portal names them (api/static/format.js)


class BadParameter(ValueError):
    """A request's parameter the feed or the stream cannot take: the message names it and says why, in Chinese and in
    English."""


def read_filter(params: QueryParams, profile: Profile, others: tuple[str, ...]) -> ChangeFilter:
    """The filter the query parameters ask for. Raises BadParameter for a parameter that is neither a filter's nor
    one of `others`, for one given twice, and for a value the jurisdiction does not know."""
    known = (*FILTER_PARAMETERS, *others)
    for name in params:
        if name not in known:
            shown = name[:100]
            raise BadParameter(
                f"未知的参数 {shown} (unknown parameter {shown!r})。可用的参数 (parameters)：{', '.join(known)}"
            )
        if len(params.getlist(name)) > 1:
            raise BadParameter(f"参数 {name} 只能给一次 (parameter {name!r} given more than once)")
    try:
        return ChangeFilter.from_params(params, profile)
    except FeedParameterError as error:
        raise BadParameter(str(error)) from error


@dataclass(frozen=True)
class FeedRequest:
    """What a request for the feed asks: its filter, the page (before a log position, or the newest) and its size."""

    filter: ChangeFilter
    before: int | None
    limit: int

    @classmethod
    def read(cls, params: QueryParams, profile: Profile) -> FeedRequest:
        """Raises BadParameter."""
        flt = read_filter(params, profile, _PAGING_PARAMETERS)
        before = _number(params, "before", 1, None)
        limit = _number(params, "limit", 1, MAX_PAGE)
        return cls(flt, before, PAGE if limit is None else limit)

    def query(self, *, before: int | None) -> str:
        """This request's query string for the page before `before` (None: the first page)."""
        params = self.filter.params()
        if before is not None:
            params["before"] = str(before)
        if self.limit != PAGE:
            params["limit"] = str(self.limit)
        return urlencode(params)


def _number(params: QueryParams, name: str, least: int, most: int | None) -> int | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 18 or not least <= int(text) <= (most or int(text)):
        bounds = (
            f"{least} 到 {most} 之间的整数 (a whole number from {least} to {most})"
            if most
            else f"不小于 {least} 的整数 (a whole number of at least {least})"
        )
        shown = text[:40]
        raise BadParameter(f"参数 {name} 的值“{shown}”无效 (invalid {name} {shown!r})：应为{bounds}")
    return int(text)


class AtomFeed:
    """The endpoint (`respond`). Each request takes one of the GraphQL requests' slots (`admission`) while it reads."""

    def __init__(
        self,
        engine: Engine,
        profile: Profile,
        admission: Admission,
        deadline: float,
        queue: float,
        reads: Reads | None = None,
    ) -> None:
        self.engine = engine
        self.reads = reads or Reads.primary_only(engine)  # a page may come from a replica (api/replicas.py)
        self.profile = profile
        self.admission = admission
        self.deadline = deadline
        self.queue = queue

    async def respond(self, request: Request) -> Response:
        try:
            asked = FeedRequest.read(request.query_params, self.profile)
        except BadParameter as error:
            return PlainTextResponse(str(error), 400)
        deadline = Deadline.starting_now(self.deadline)
        give_back = await self.admission.enter(min(self.queue, deadline.remaining()))
        if give_back is None:
            return PlainTextResponse("too many requests at once: try again shortly", 503, {"Retry-After": "1"})
        base = str(request.base_url).rstrip("/")
        held = _tags(request.headers.get("if-none-match", ""))
        try:
            return await anyio.to_thread.run_sync(self._answer, asked, base, held, deadline)
        finally:
            give_back()

    def _answer(self, asked: FeedRequest, base: str, held: set[str], deadline: Deadline) -> Response:
        """In a worker thread: 304 when the client holds the page's ETag, else the page, both read in one snapshot."""

        def read(conn: Connection) -> tuple[str, list[PublicChange] | None]:
            with held_to(conn, deadline):
                etag = _etag(asked, base, public_query.public_position(conn))
                return etag, None if etag in held else changes_before(conn, asked.filter, asked.before, asked.limit + 1)

        try:
            etag, found = self.reads.read(
                self.reads.public(),
                read,
                again=lambda error: not deadline.cut_off(error),
                seconds=0.6 * deadline.remaining(),  # a hung replica's page is read from the primary in the rest
            )
        except (DeadlineExceeded, OperationalError) as error:
            if not deadline.cut_off(error):
                raise
            return PlainTextResponse(f"the feed was cut off after {deadline.seconds:g} s", 503, {"Retry-After": "1"})
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if found is None:
            return Response(status_code=304, headers=headers)
        changes = found
        older = changes[asked.limit - 1].position if len(changes) > asked.limit else None
        body = atom(self.profile, asked, changes[: asked.limit], base, older)
        return Response(body, media_type=ATOM, headers=headers)


def _etag(asked: FeedRequest, base: str, position: int) -> str:
    """The page's ETag: the public catalog changes only with a new public change, so its last position, the page asked
    for and where the links point say everything the page depends on."""
    digest = hashlib.sha256(f"{position}\n{base}\n{asked.query(before=asked.before)}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def atom(profile: Profile, asked: FeedRequest, changes: list[PublicChange], base: str, older: int | None) -> bytes:
    """The feed document of one page: `changes` newest first, with a `next` link to the page before `older`."""
    feed = FeedGenerator()
    first = f"{base}{PATH}" + (f"?{query}" if (query := asked.query(before=None)) else "")
    described = asked.filter.describe()
    # Every page of every size of one filter's feed is the same feed.
    feed.id(f"{base}{PATH}" + (f"?{urlencode(params)}" if (params := asked.filter.params()) else ""))
    feed.title(f"{profile.jurisdiction}政务公开事项标准目录变化" + (f"（{described}）" if described else ""))
    feed.subtitle("政务公开事项的增加、变更和取消，最新的在前；每条链接到门户网站上该事项的相应版本。")
    feed.author({"name": f"{profile.jurisdiction}政务公开"})
    feed.language("zh-CN")
    feed.link(href=f"{base}/", rel="alternate", type="text/html")
    here = asked.query(before=asked.before)
    feed.link(href=f"{base}{PATH}" + (f"?{here}" if here else ""), rel="self", type="application/atom+xml")
    feed.link(href=first, rel="first", type="application/atom+xml")
    if older is not None:
        feed.link(href=f"{base}{PATH}?{asked.query(before=older)}", rel="next", type="application/atom+xml")
    zone = ZoneInfo(profile.timezone)
    for change in changes:
        entry = feed.add_entry(order="append")
        moment = parse_time(change.published_at)
        entry.id(f"{base}{PATH}#position-{change.position}")
        entry.title(f"{change.kind.label}：{change.title}")
        entry.link(href=f"{base}{change.portal_path()}", rel="alternate", type="text/html")
        entry.updated(moment)
        entry.published(moment)
        entry.summary(summary(change, zone, profile.timezone))
    feed.updated(max(_times(changes), default=_EPOCH))
    body: bytes = feed.atom_str(pretty=False)
    return body


def _times(changes: Iterable[PublicChange]) -> Iterable[datetime]:
    return (parse_time(change.published_at) for change in changes)


def summary(change: PublicChange, zone: ZoneInfo, zone_key: str) -> str:
    """What the change did, in Chinese: who, which item, which version, when, and why (an adjustment's or a
    retirement's trigger and reason)."""
    owner = change.unit + (f"（{change.domain}领域）" if change.domain else "")
    local = parse_time(change.published_at).astimezone(zone)
    when = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（{_ZONE_NAMES.get(zone_key, _offset(local))}）"
    levels = "、".join(level.label for level in change.elements.levels)
    match change.kind:
        case ChangeKind.ADD:
            said = f"{owner}于{when}公布了公开事项“{change.title}”（第 {change.item.version} 版）。"
        case ChangeKind.CHANGE:
            said = f"{owner}于{when}变更了公开事项“{change.title}”，现行版本为第 {change.item.version} 版。"
        case ChangeKind.CANCEL:
            said = (
                f"{owner}于{when}取消了公开事项“{change.title}”，"
                f"该事项不再列入公开目录（最后公布的版本为第 {change.item.version} 版）。"
            )
    if change.reason:
        said += f"{'取消' if change.kind is ChangeKind.CANCEL else '调整'}事由：{change.reason}。"
    if levels:
        said += f"公开层级：{levels}。"
    if change.backfilled:
        said += "（补录：此前发生、事后按其生效时间记入。）"
    return said


def _offset(moment: datetime) -> str:
    """UTC+08:00, as the portal names a zone it has no name for."""
    text = moment.strftime("%z")
    return f"UTC{text[:3]}:{text[3:]}"
