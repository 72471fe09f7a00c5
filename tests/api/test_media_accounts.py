"""`mediaAccounts` and `mediaAccount` (政务新媒体清单) over real HTTP, on SQLite and PostgreSQL: the public list, its
filters and pages, an account as of a time with its public history, and what stays out of them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from api.app import ServerLimits
from projections import public_query
from registry.service import Registry
from tests.api.account_desk import AccountDesk
from tests.api.office import Office
from tests.api.server import Api, serving

LIST = """
query($filter: MediaAccountFilter, $first: PageSize, $after: MediaAccountCursor) {
  mediaAccounts(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name platform hostUnit status statusLabel } }
  }
}
"""
ACCOUNT = """
query($id: MediaAccountId!, $asOf: DateTime) {
  mediaAccount(id: $id, asOf: $asOf) {
    id name platform handle hostUnit operator certifiedAs openedOn purpose link status statusLabel version publishedAt
    history { version kind kindLabel status statusLabel publishedAt reason changes { field label old new } }
  }
}
"""
PENDING = {"name": "待审的新名称", "reason": "待审的变更理由"}
REFUSED = {"name": "被退回的账号", "comment": "认证材料不全"}


@dataclass(frozen=True)
class Desk:
    api: Api
    registry: Registry


@pytest.fixture(scope="module")
def desk(shared_registry: Registry) -> Iterator[Desk]:
    """Accounts through every part of their life: opened, renamed, suspended, closed, in review, refused."""
    accounts = AccountDesk(Office(shared_registry))
    accounts.open("NM-GAJ-WX", "公安局", name="鄂托克前旗公安", handle="gh_gaj")
    accounts.change("NM-GAJ-WX", "机构改革后更名", name="鄂托克前旗公安发布")
    accounts.file_change("NM-GAJ-WX", PENDING["reason"], name=PENDING["name"])  # in review: never public
    accounts.open("NM-GAJ-WB", "公安局", name="鄂托克前旗公安微博", platform="微博", handle="etkqq_police")
    accounts.open("NM-JTJ-DY", "教育体育局", name="前旗教体", platform="抖音号", handle="qqjt")
    accounts.suspend("NM-JTJ-DY", "内容长期未更新")
    accounts.open("NM-CZJ-DY", "财政局", name="前旗财政", platform="抖音", handle="qqcz")
    accounts.close("NM-CZJ-DY", "并入政府门户网站")
    accounts.file("NM-CZJ-WX", "财政局", name="审核中的财政公众号", handle="gh_czj")
    accounts.file("NM-MZJ-WX", "民政局", name=REFUSED["name"], handle="gh_mzj")
    accounts.reject("NM-MZJ-WX", REFUSED["comment"])
    with serving(shared_registry.engine, shared_registry.profile) as api:
        yield Desk(api, shared_registry)


def listed(api: Api, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = api.query(LIST, variables)["mediaAccounts"]
    return found


def ids(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in page["edges"]]


def one(api: Api, account_id: str, as_of: str | None = None) -> dict[str, Any] | None:
    found: dict[str, Any] | None = api.query(ACCOUNT, {"id": account_id, "asOf": as_of})["mediaAccount"]
    return found


def test_the_list_holds_the_open_and_suspended_accounts_by_id(desk: Desk) -> None:
    page = listed(desk.api)

    assert [(e["node"]["id"], e["node"]["statusLabel"]) for e in page["edges"]] == [
        ("NM-GAJ-WB", "正常"),
        ("NM-GAJ-WX", "正常"),
        ("NM-JTJ-DY", "已关停"),
    ]
    assert page["totalCount"] == 3
    assert page["edges"][1]["node"] == {
        "id": "NM-GAJ-WX",
        "name": "鄂托克前旗公安发布",
        "platform": "微信公众号",
        "hostUnit": "公安局",
        "status": "OPEN",
        "statusLabel": "正常",
    }


def test_platforms_are_listed_by_the_vocabularys_names(desk: Desk) -> None:
    page = listed(desk.api)

    assert {e["node"]["id"]: e["node"]["platform"] for e in page["edges"]} == {
        "NM-GAJ-WB": "新浪微博",
        "NM-GAJ-WX": "微信公众号",
        "NM-JTJ-DY": "抖音",
    }


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"unit": "公安局"}, ["NM-GAJ-WB", "NM-GAJ-WX"]),
        ({"unit": "教体局"}, ["NM-JTJ-DY"]),  # an alias of 教育体育局
        ({"unit": "财政局"}, []),  # closed, and in review
        ({"platform": "政务微信"}, ["NM-GAJ-WX"]),  # an alias of 微信公众号
        ({"platform": "微博"}, ["NM-GAJ-WB"]),
        ({"platform": "抖音号"}, ["NM-JTJ-DY"]),
        ({"status": "SUSPENDED"}, ["NM-JTJ-DY"]),
        ({"status": "CLOSED"}, ["NM-CZJ-DY"]),
        ({"status": "OPEN", "unit": "公安局", "platform": "微信"}, ["NM-GAJ-WX"]),
        ({"status": "CLOSED", "unit": "公安局"}, []),
    ],
)
def test_the_filters_narrow_the_list_and_read_aliases(desk: Desk, given: dict[str, str], expected: list[str]) -> None:
    page = listed(desk.api, filter=given)

    assert ids(page) == expected
    assert page["totalCount"] == len(expected)


def test_pages_follow_the_cursors(desk: Desk) -> None:
    first = listed(desk.api, first=2)
    second = listed(desk.api, first=2, after=first["pageInfo"]["endCursor"])

    assert ids(first) == ["NM-GAJ-WB", "NM-GAJ-WX"]
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    assert ids(second) == ["NM-JTJ-DY"]
    assert not second["pageInfo"]["hasNextPage"] and second["pageInfo"]["hasPreviousPage"]
    assert first["totalCount"] == second["totalCount"] == 3


def test_a_page_of_none_has_no_cursors(desk: Desk) -> None:
    page = listed(desk.api, first=0)

    assert page["edges"] == [] and page["totalCount"] == 3
    assert page["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False, "startCursor": None, "endCursor": None}


def test_the_page_size_has_the_apis_limits(desk: Desk) -> None:
    [error] = desk.api.refused(LIST, {"first": 201})

    assert "page size must be between 0 and 200" in error["message"]


def test_a_cursor_of_another_listing_is_refused(desk: Desk) -> None:
    catalog_cursor = desk.api.query("{ catalog(first: 1) { pageInfo { endCursor } } }")
    foreign = catalog_cursor["catalog"]["pageInfo"]["endCursor"] or "Y2hhbmdlOjE="

    [error] = desk.api.refused(LIST, {"after": foreign})

    assert "pass an endCursor or cursor returned by `mediaAccounts`" in error["message"]


@pytest.mark.parametrize(
    "given", [{"unit": "公按局"}, {"platform": "新浪微薄"}, {"unit": "公安局", "platform": "其他：小红书"}]
)
def test_a_unit_or_platform_the_profile_does_not_know_matches_nothing_as_in_the_catalogs_filter(
    desk: Desk, given: dict[str, str]
) -> None:
    """A valid query never errors (tests/reliability/test_graphql_fuzz.py): the filter is taken as written."""
    found = desk.api.query(LIST, {"filter": given})["mediaAccounts"]

    assert (found["totalCount"], found["edges"]) == (0, [])


def test_an_account_shows_its_published_filing(desk: Desk) -> None:
    found = one(desk.api, "NM-GAJ-WB")

    assert found is not None
    assert {key: value for key, value in found.items() if key not in ("publishedAt", "history")} == {
        "id": "NM-GAJ-WB",
        "name": "鄂托克前旗公安微博",
        "platform": "新浪微博",
        "handle": "etkqq_police",
        "hostUnit": "公安局",
        "operator": "",
        "certifiedAs": "公安局",
        "openedOn": "2016-05-04",
        "purpose": "警务公开、防诈提醒",
        "link": "https://mp.weixin.qq.com/gaj001",
        "status": "OPEN",
        "statusLabel": "正常",
        "version": 1,
    }
    assert [(h["kind"], h["kindLabel"], h["changes"]) for h in found["history"]] == [("OPEN", "开设备案", [])]


def test_the_history_keeps_the_old_name_beside_the_new_one_with_the_reason(desk: Desk) -> None:
    found = one(desk.api, "NM-GAJ-WX")

    assert found is not None
    opened, renamed = found["history"]
    assert (opened["version"], opened["kindLabel"], opened["reason"]) == (1, "开设备案", "")
    assert (renamed["version"], renamed["kind"], renamed["kindLabel"]) == (2, "CHANGE", "变更备案")
    assert renamed["reason"] == "机构改革后更名"
    assert renamed["changes"] == [
        {"field": "name", "label": "账号名称", "old": "鄂托克前旗公安", "new": "鄂托克前旗公安发布"}
    ]
    assert found["publishedAt"] == renamed["publishedAt"]


def test_as_of_gives_the_account_as_it_was_published_then(desk: Desk) -> None:
    history = (one(desk.api, "NM-GAJ-WX") or {})["history"]
    opened, renamed = (datetime.fromisoformat(h["publishedAt"]) for h in history)
    just_before = (opened - timedelta(microseconds=1)).isoformat()
    between = (opened + (renamed - opened) / 2).isoformat()

    assert one(desk.api, "NM-GAJ-WX", just_before) is None
    at_opening = one(desk.api, "NM-GAJ-WX", opened.isoformat())
    in_between = one(desk.api, "NM-GAJ-WX", between)
    since = one(desk.api, "NM-GAJ-WX", renamed.isoformat())
    assert at_opening is not None and in_between is not None and since is not None
    assert (at_opening["name"], at_opening["version"]) == ("鄂托克前旗公安", 1)
    assert (in_between["name"], in_between["version"]) == ("鄂托克前旗公安", 1)
    assert (since["name"], since["version"]) == ("鄂托克前旗公安发布", 2)
    assert in_between["history"] == since["history"]  # the whole public history, as for catalog items


def test_a_suspended_account_is_listed_as_suspended_with_the_reason(desk: Desk) -> None:
    found = one(desk.api, "NM-JTJ-DY")

    assert found is not None
    assert (found["status"], found["statusLabel"], found["hostUnit"]) == ("SUSPENDED", "已关停", "教育体育局")
    assert [(h["kindLabel"], h["statusLabel"], h["reason"]) for h in found["history"]] == [
        ("开设备案", "正常", ""),
        ("关停", "已关停", "内容长期未更新"),
    ]


def test_a_closed_account_says_so_and_when(desk: Desk) -> None:
    found = one(desk.api, "NM-CZJ-DY")

    assert found is not None
    assert (found["status"], found["statusLabel"], found["version"]) == ("CLOSED", "已注销", 2)
    closed = found["history"][-1]
    assert (closed["kind"], closed["kindLabel"], closed["reason"]) == ("CLOSE", "注销", "并入政府门户网站")
    assert found["publishedAt"] == closed["publishedAt"]


def test_a_filing_in_review_is_invisible(desk: Desk) -> None:
    renamed = one(desk.api, "NM-GAJ-WX")
    body = desk.api.post(ACCOUNT, {"id": "NM-GAJ-WX"}).text + desk.api.post(LIST, {"first": 200}).text

    assert renamed is not None and renamed["name"] == "鄂托克前旗公安发布" and renamed["version"] == 2
    assert one(desk.api, "NM-CZJ-WX") is None
    assert "NM-CZJ-WX" not in desk.api.post(LIST, {"filter": {"unit": "财政局"}}).text
    assert PENDING["name"] not in body and PENDING["reason"] not in body


def test_a_refused_opening_is_invisible(desk: Desk) -> None:
    closed_too = desk.api.post(LIST, {"filter": {"status": "CLOSED"}}).text

    assert one(desk.api, "NM-MZJ-WX") is None
    assert "NM-MZJ-WX" not in closed_too and REFUSED["comment"] not in closed_too
    assert one(desk.api, "no-such-account") is None


def test_labels_name_the_account_enums(desk: Desk) -> None:
    labels = desk.api.query("{ labels { enum value label } }")["labels"]

    assert [(x["value"], x["label"]) for x in labels if x["enum"] == "MediaAccountStatus"] == [
        ("OPEN", "正常"),
        ("SUSPENDED", "已关停"),
        ("CLOSED", "已注销"),
    ]
    assert [x["label"] for x in labels if x["enum"] == "MediaAccountFilingKind"] == [
        "开设备案",
        "变更备案",
        "关停",
        "注销",
    ]


QUERIES = [
    "{ mediaAccounts { totalCount edges { node { id name status history { version reason } } } } }",
    '{ mediaAccount(id: "NM-1") { name version history { changes { old new } } } }',
]


def test_an_account_publication_changes_the_etag_and_the_cached_answer(registry: Registry) -> None:
    accounts = AccountDesk(Office(registry))
    accounts.open("NM-1", "公安局", name="旧名称")
    with (
        serving(registry.engine, registry.profile) as cached,
        serving(registry.engine, registry.profile, limits=ServerLimits(cache_bytes=0)) as fresh,
    ):
        before = [cached.post(query) for query in QUERIES]
        again = [cached.post(query) for query in QUERIES]
        accounts.change("NM-1", "更名", name="新名称")
        after = [cached.post(query) for query in QUERIES]
        revalidated = [
            cached.post(query, headers={"If-None-Match": answer.headers["etag"]})
            for query, answer in zip(QUERIES, before, strict=True)
        ]
        executed = [fresh.post(query) for query in QUERIES]

    assert all(answer.headers.get("etag") for answer in before + after)
    assert [a.content for a in again] == [b.content for b in before]
    assert all("旧名称" in b.text and "新名称" not in b.text for b in before)
    for old, new, recheck, execution in zip(before, after, revalidated, executed, strict=True):
        assert new.headers["etag"] != old.headers["etag"]
        assert "新名称" in new.text
        assert recheck.status_code == 200 and recheck.content == new.content
        assert new.json() == execution.json() and new.headers["etag"] == execution.headers["etag"]


def test_an_account_publication_moves_the_public_position(registry: Registry) -> None:
    """The ETag's public position counts account publications itself, not only through the checkpoint each
    publication signs today."""
    accounts = AccountDesk(Office(registry))
    accounts.open("NM-1", "公安局", name="旧名称")
    with registry.engine.connect() as conn:
        before = public_query.cache_state(conn)
    accounts.change("NM-1", "更名", name="新名称")
    with registry.engine.connect() as conn:
        position, _checkpoint = public_query.cache_state(conn)

    assert position > before[0]
    assert position == registry.store.head()[0]


def test_a_filing_in_review_does_not_change_the_answer(registry: Registry) -> None:
    accounts = AccountDesk(Office(registry))
    accounts.open("NM-1", "公安局", name="旧名称")
    with serving(registry.engine, registry.profile) as api:
        before = api.post(QUERIES[1])
        accounts.file_change("NM-1", "更名", name="新名称")
        after = api.post(QUERIES[1])

    assert after.json() == before.json()
