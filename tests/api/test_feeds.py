"""The Atom feed /feeds/changes.atom over real HTTP, on SQLite and PostgreSQL, read with feedparser (an independent
parser): valid Atom, one entry per public change newest first, the filters, paging, ETags, errors, and no canary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import feedparser  # type: ignore[import-untyped]
import httpx
import pytest

from registry.service import Registry
from tests.api.changes_story import BACKENDS, Served, Story, leaked, served_story
from tests.api.office import Office
from tests.api.server import Api, serving

FEED = "/feeds/changes.atom"
LABELS = {"增加": "add", "变更": "change", "取消": "cancel"}
CHANGES = "{ changes(first: 200) { edges { node { position itemId kind version publishedAt } } } }"


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_story(request.param, tmp_path_factory.mktemp("feeds")) as served:
        yield served


def get(api: Api, params: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
    return api.http.get(FEED, params=params, headers=headers)


def parsed(response: httpx.Response) -> Any:
    """The feed as feedparser reads it; it must have found nothing wrong."""
    assert response.status_code == 200, response.text
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def entry_key(entry: Any) -> tuple[str, str]:
    """(item id, kind) of an entry: the id from its link to the portal's item page, the kind from its title."""
    fragment = urlsplit(entry.link).fragment  # /item/<id>?asOf=...
    path = fragment.split("?", 1)[0]
    assert path.startswith("/item/"), entry.link
    label = entry.title.split("：", 1)[0]
    return unquote(path.removeprefix("/item/")), LABELS[label]


def keys(feed: Any) -> list[tuple[str, str]]:
    return [entry_key(entry) for entry in feed.entries]


def expected(story: Story, **flt: str | None) -> list[tuple[str, str]]:
    """The story's changes `flt` should give, as (item id, kind), newest first."""
    return [(item_id, kind) for item_id, kind, _version in story.expected(**flt)][::-1]


def link(feed: Any, rel: str) -> str | None:
    return next((found.href for found in feed.feed.links if found.rel == rel), None)


def graphql_changes(api: Api) -> list[dict[str, Any]]:
    return [edge["node"] for edge in api.query(CHANGES)["changes"]["edges"]]


def test_the_feed_is_atom_with_one_entry_per_public_change_newest_first(served: Served) -> None:
    response = get(served.api)
    feed = parsed(response)

    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert keys(feed) == expected(served.story)
    assert feed.feed.title == "鄂托克前旗政务公开事项标准目录变化"
    assert feed.feed.language == "zh-CN"
    assert link(feed, "self") == f"{served.api.url}{FEED}"
    assert link(feed, "first") == f"{served.api.url}{FEED}"
    assert link(feed, "next") is None  # one page holds the whole story


def test_entry_ids_carry_the_log_position_and_are_unique_and_stable(served: Served) -> None:
    first = parsed(get(served.api))
    again = parsed(get(served.api))
    positions = [change["position"] for change in graphql_changes(served.api)][::-1]

    ids = [entry.id for entry in first.entries]
    assert ids == [f"{served.api.url}{FEED}#position-{position}" for position in positions]
    assert len(set(ids)) == len(ids)
    assert [entry.id for entry in again.entries] == ids
    assert first.feed.id == again.feed.id


def test_each_entry_links_to_the_portal_page_of_its_version_and_is_dated_by_its_publication(served: Served) -> None:
    feed = parsed(get(served.api))
    changes = graphql_changes(served.api)[::-1]

    for entry, change in zip(feed.entries, changes, strict=True):
        split = urlsplit(entry.link)
        route, query = split.fragment.split("?", 1)
        assert f"{split.scheme}://{split.netloc}{split.path}" == f"{served.api.url}/"
        assert unquote(route) == f"/item/{change['itemId']}"
        as_of = parse_qs(query)["asOf"][0]
        assert feedparser_time(as_of) == feedparser_time(change["publishedAt"])
        assert entry.updated_parsed == feedparser_time(change["publishedAt"])
    assert feed.feed.updated_parsed == max(entry.updated_parsed for entry in feed.entries)


def feedparser_time(text: str) -> Any:
    """A time as feedparser reads one (a UTC time.struct_time), for comparing with its entries'."""
    return feedparser.parse(f'<feed xmlns="http://www.w3.org/2005/Atom"><updated>{text}</updated></feed>').feed[
        "updated_parsed"
    ]


def test_the_summary_says_in_chinese_what_changed_why_and_by_whom(served: Served) -> None:
    feed = parsed(get(served.api))
    summaries = {entry_key(entry): entry.summary for entry in feed.entries}

    added = summaries[("mzj-gaoling", "add")]
    changed = summaries[("czj-yusuan", "change")]
    cancelled = summaries[("mzj-dibao", "cancel")]
    assert "民政局（养老服务领域）" in added and "公布了公开事项“高龄津贴”（第 1 版）" in added
    assert "变更了公开事项“政府预算”，现行版本为第 2 版" in changed
    assert "调整事由：法律法规修订：增加转移支付内容" in changed
    assert "取消了公开事项“城乡低保（认定结果）”" in cancelled
    assert "取消事由：上级取消：并入其他事项" in cancelled
    assert "（北京时间）" in added


@pytest.mark.parametrize(
    ("params", "flt"),
    [
        ({"domain": "涉农补贴"}, {"domain": "涉农补贴"}),
        ({"domain": "社会救助领域"}, {"domain": "社会救助"}),
        ({"unit": "民政局"}, {"unit": "民政局"}),
        ({"unit": "城川镇"}, {"unit": "城川镇"}),
        ({"level": "村级"}, {"level": "village"}),
        ({"level": "county"}, {"level": "county"}),
        ({"level": "township"}, {"level": "township"}),
        ({"village": "测试甲嘎查"}, {"village": "测试甲嘎查"}),
        ({"village": "测试乙村"}, {"village": "测试乙嘎查"}),
        ({"kind": "增加"}, {"kind": "add"}),
        ({"kind": "change"}, {"kind": "change"}),
        ({"kind": "取消"}, {"kind": "cancel"}),
        ({"domain": "涉农补贴", "level": "village"}, {"domain": "涉农补贴", "level": "village"}),
        ({"unit": "民政局", "kind": "cancel"}, {"unit": "民政局", "kind": "cancel"}),
        ({"village": "测试甲嘎查", "kind": "增加"}, {"village": "测试甲嘎查", "kind": "add"}),
        ({"domain": "财政预决算", "kind": "取消"}, {"domain": "财政预决算", "kind": "cancel"}),
    ],
    ids=lambda given: json.dumps(given, ensure_ascii=False),
)
def test_a_filter_gives_exactly_the_matching_public_changes(
    served: Served, params: dict[str, str], flt: dict[str, str]
) -> None:
    feed = parsed(get(served.api, params))

    assert keys(feed) == expected(served.story, **flt)


def test_a_filtered_feed_names_its_filter_in_its_title_and_links(served: Served) -> None:
    feed = parsed(get(served.api, {"domain": "生态环境", "level": "村级", "kind": "变更"}))

    assert feed.feed.title == "鄂托克前旗政务公开事项标准目录变化（领域：环境保护；公开层级：村级；调整类型：变更）"
    self_link = link(feed, "self")
    assert self_link is not None
    assert parse_qs(urlsplit(self_link).query) == {"domain": ["环境保护"], "level": ["village"], "kind": ["change"]}


def test_a_feed_that_matches_nothing_is_valid_atom_dated_at_the_epoch(served: Served) -> None:
    feed = parsed(get(served.api, {"domain": "财政预决算", "kind": "cancel"}))

    assert feed.entries == []
    assert feed.feed.updated == "1970-01-01T00:00:00+00:00"


def test_paging_with_next_links_walks_every_change_exactly_once_newest_first(served: Served) -> None:
    seen: list[tuple[str, str]] = []
    url: str | None = f"{FEED}?limit=3"
    pages = 0
    while url is not None:
        feed = parsed(served.api.http.get(url))
        pages += 1
        assert len(feed.entries) == 3 or link(feed, "next") is None
        assert link(feed, "first") == f"{served.api.url}{FEED}?limit=3"
        seen.extend(keys(feed))
        url = link(feed, "next")
        assert pages <= len(served.story.published)

    assert seen == expected(served.story)
    assert pages == -(-len(served.story.published) // 3)


def test_a_filtered_feed_pages_within_its_filter(served: Served) -> None:
    first = parsed(get(served.api, {"kind": "add", "limit": "2"}))
    following = link(first, "next")
    assert following is not None
    second = parsed(served.api.http.get(following))

    assert parse_qs(urlsplit(following).query)["kind"] == ["add"]
    assert keys(first) + keys(second) == expected(served.story, kind="add")[:4]


def test_before_starts_a_page_below_a_position(served: Served) -> None:
    positions = [change["position"] for change in graphql_changes(served.api)]

    feed = parsed(get(served.api, {"before": str(positions[2])}))

    assert [entry.id.rsplit("-", 1)[1] for entry in feed.entries] == [str(p) for p in positions[:2][::-1]]


def test_the_same_page_answers_304_to_its_etag_and_every_page_has_its_own(served: Served) -> None:
    response = get(served.api, {"limit": "3"})
    again = get(served.api, {"limit": "3"}, headers={"If-None-Match": response.headers["etag"]})
    other_pages = {
        get(served.api, params).headers["etag"] for params in ({"limit": "4"}, {"kind": "add"}, {"before": "20"}, {})
    }

    assert response.headers["cache-control"] == "no-cache"
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == response.headers["etag"]
    assert response.headers["etag"] not in other_pages
    assert len(other_pages) == 4


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"domain": "财政预算"}, "domain"),
        ({"unit": "财政具"}, "unit"),
        ({"level": "市级"}, "level"),
        ({"kind": "delete"}, "kind"),
        ({"village": "没有这个嘎查"}, "village"),
        ({"before": "abc"}, "before"),
        ({"before": "0"}, "before"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "١٠"}, "limit"),  # Arabic-Indic digits: a number to str.isdigit, not to the feed
        pytest.param({"before": "9" * 5000}, "before", id="before of 5000 digits, more than int() reads"),
        ({"domian": "社会救助"}, "domian"),
    ],
    ids=lambda given: json.dumps(given, ensure_ascii=False),
)
def test_a_bad_parameter_is_400_naming_it(served: Served, params: dict[str, str], parameter: str) -> None:
    response = get(served.api, params)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert parameter in response.text


def test_a_parameter_given_twice_is_400_naming_it(served: Served) -> None:
    response = served.api.http.get(f"{FEED}?kind=add&kind=cancel")

    assert response.status_code == 400
    assert "参数 kind 只能给一次" in response.text


def test_no_draft_pending_version_review_comment_or_actor_appears_in_any_feed(served: Served) -> None:
    texts = [get(served.api, {"limit": "200"}).text]
    for params in ({"level": "village"}, {"unit": "财政局"}, {"domain": "财政预决算"}, {"kind": "change"}):
        texts.append(get(served.api, params).text)

    assert all("czj-caogao" not in text for text in texts)
    assert [leaked(text) for text in texts] == [[]] * len(texts)
    assert "第 3 版" not in texts[0]  # czj-yusuan's approved, unpublished third version


# -- a registry of its own: its public catalog changes ---------------------------------------------------------------


def test_a_new_publication_changes_the_etag_and_the_newest_entry(registry: Registry) -> None:
    office = Office(registry)
    office.publish_new("first-item")
    with serving(registry.engine, registry.profile) as api:
        before = get(api)
        office.draft("a-draft")  # not public: the feed stays as it was
        unchanged = get(api, headers={"If-None-Match": before.headers["etag"]})
        office.publish_new("second-item", name="第二个事项")
        after = get(api, headers={"If-None-Match": before.headers["etag"]})

    assert unchanged.status_code == 304
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert keys(parsed(after)) == [("second-item", "add"), ("first-item", "add")]
