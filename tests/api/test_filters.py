"""`catalog(filter:)` over real HTTP, on SQLite and PostgreSQL: each filter, their combination, and search."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, serving

IDS = """
query($filter: CatalogFilter, $first: PageSize) {
  catalog(filter: $filter, first: $first) { totalCount edges { node { id } } pageInfo { hasNextPage } }
}
"""


@pytest.fixture(scope="module")
def api(shared_registry: Registry) -> Iterator[Api]:
    """Six published items across units, domains, levels, audiences and methods, and a draft that matches them all."""
    office = Office(shared_registry)
    office.publish_new(
        "czj-yusuan",
        name="政府预算",
        content="一般公共预算、政府性基金预算、国有资本经营预算",
        basis="《中华人民共和国预算法》",
    )
    office.publish_new(
        "mzj-dibao",
        domain="社会救助",
        unit="民政局",
        category="最低生活保障",
        name="城乡低保对象认定结果",
        content="低保对象姓名、家庭保障人口、月保障金额",
        basis="《社会救助暂行办法》",
        body="民政局",
        audience=["public", "specific_group"],
        audience_note="低保申请人及其家庭成员",
        levels=["county", "township", "village"],
    )
    office.publish_new(
        "mzj-gaoling",
        domain="养老服务",
        unit="民政局",
        category="养老服务",
        name="高龄津贴发放",
        content="发放对象、发放标准",
        basis="《中华人民共和国老年人权益保障法》",
        body="民政局",
        method=["on_request"],
        levels=["township"],
    )
    office.publish_new(
        "ccz-dili",
        domain="涉农补贴",
        unit="城川镇",
        category="惠农补贴",
        name="耕地地力保护补贴发放",
        content="补贴对象、补贴标准、补贴面积",
        basis="《耕地地力保护补贴资金管理办法》",
        body="城川镇人民政府",
        levels=["township", "village"],
    )
    office.publish_new(
        "sthj-huanping",
        domain="环境保护",
        unit="生态环境分局",
        category="环境影响评价",
        name="建设项目环评审批",
        content="审批结果、环境影响报告书全文、PM2.5监测数据",
        basis="《中华人民共和国环境影响评价法》",
        body="生态环境分局",
    )
    office.publish_new(
        "rsj-jiuye",
        domain="就业",
        unit="人力资源与社会保障局",
        category="就业创业",
        name="就业补贴发放",
        content="补贴对象、补贴标准（100%发放）",
        basis="《就业促进法》",
        body="人力资源与社会保障局",
    )
    office.draft(
        "czj-caogao",
        name="政府预算（草稿）",
        content="低保 环评 补贴 预算法",
        basis="《中华人民共和国预算法》",
        audience=["public", "specific_group"],
        audience_note="低保对象",
        method=["proactive", "on_request"],
        levels=["county", "township", "village"],
    )
    with serving(shared_registry.engine, shared_registry.profile) as running:
        yield running


def ids(api: Api, **flt: Any) -> list[str]:
    data = api.query(IDS, {"filter": flt})
    return [edge["node"]["id"] for edge in data["catalog"]["edges"]]


def test_without_a_filter_the_catalog_holds_every_published_item_and_no_draft(api: Api) -> None:
    assert ids(api) == ["ccz-dili", "czj-yusuan", "mzj-dibao", "mzj-gaoling", "rsj-jiuye", "sthj-huanping"]


def test_a_domain_filter_returns_only_that_domains_items(api: Api) -> None:
    assert ids(api, domain="社会救助") == ["mzj-dibao"]
    assert ids(api, domain="财政预决算") == ["czj-yusuan"]


def test_a_domain_filter_accepts_the_domains_alias_and_the_word_for_domain(api: Api) -> None:
    assert ids(api, domain="生态环境") == ["sthj-huanping"]
    assert ids(api, domain="环境保护领域") == ["sthj-huanping"]


def test_an_unknown_domain_matches_nothing(api: Api) -> None:
    assert ids(api, domain="没有这个领域") == []


def test_a_unit_filter_returns_the_items_the_unit_owns(api: Api) -> None:
    assert ids(api, unit="民政局") == ["mzj-dibao", "mzj-gaoling"]
    assert ids(api, unit="城川镇") == ["ccz-dili"]


def test_a_unit_filter_accepts_the_units_alias(api: Api) -> None:
    assert ids(api, unit="人社局") == ["rsj-jiuye"]


def test_a_level_filter_returns_the_items_disclosed_at_that_level(api: Api) -> None:
    assert ids(api, level="VILLAGE") == ["ccz-dili", "mzj-dibao"]
    assert ids(api, level="TOWNSHIP") == ["ccz-dili", "mzj-dibao", "mzj-gaoling"]
    assert ids(api, level="COUNTY") == ["czj-yusuan", "mzj-dibao", "rsj-jiuye", "sthj-huanping"]


def test_an_audience_filter_returns_the_items_disclosed_to_that_audience(api: Api) -> None:
    assert ids(api, audience="SPECIFIC_GROUP") == ["mzj-dibao"]
    assert len(ids(api, audience="PUBLIC")) == 6


def test_a_method_filter_returns_the_items_disclosed_that_way(api: Api) -> None:
    assert ids(api, method="ON_REQUEST") == ["mzj-gaoling"]
    assert "mzj-gaoling" not in ids(api, method="PROACTIVE")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("耕地地力", ["ccz-dili"], id="name"),
        pytest.param("惠农", ["ccz-dili"], id="category"),
        pytest.param("月保障金额", ["mzj-dibao"], id="content"),
        pytest.param("环境影响评价法", ["sthj-huanping"], id="basis"),
        pytest.param("补贴", ["ccz-dili", "rsj-jiuye"], id="several"),
    ],
)
def test_search_matches_the_name_content_and_basis(api: Api, text: str, expected: list[str]) -> None:
    assert ids(api, search=text) == expected


@pytest.mark.parametrize("text", ["PM2.5", "pm2.5", "Pm2.5"])
def test_search_ignores_the_case_of_latin_letters_on_every_backend(api: Api, text: str) -> None:
    assert ids(api, search=text) == ["sthj-huanping"]


def test_search_takes_percent_and_underscore_literally(api: Api) -> None:
    assert ids(api, search="100%") == ["rsj-jiuye"]
    assert ids(api, search="%") == ["rsj-jiuye"]
    assert ids(api, search="_") == []


def test_filters_combine(api: Api) -> None:
    assert ids(api, unit="民政局", level="VILLAGE") == ["mzj-dibao"]
    assert ids(api, unit="民政局", method="ON_REQUEST", search="高龄") == ["mzj-gaoling"]
    assert ids(api, unit="财政局", level="VILLAGE") == []


def test_total_count_counts_the_filtered_items_on_every_page(api: Api) -> None:
    first = api.query(IDS, {"filter": {"level": "TOWNSHIP"}, "first": 1})["catalog"]

    assert first["totalCount"] == 3
    assert len(first["edges"]) == 1
    assert first["pageInfo"]["hasNextPage"] is True


def test_a_filter_never_matches_a_draft(api: Api) -> None:
    assert ids(api, search="草稿") == []
    assert ids(api, search="预算法") == ["czj-yusuan"]
