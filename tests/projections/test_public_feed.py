"""projections.public_feed on SQLite and PostgreSQL: the filters, both directions of paging, the version a change
concerns, its payload, and the filters' parameters as people type them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from events.elements import Level
from events.event import ChangeKind
from projections.public_feed import ChangeFilter, FeedParameterError, PublicChange, changes_after, changes_before
from projections.schema import public_changes
from registry.profile import load_profile
from tests.api.changes_story import BACKENDS, Story, leaked, profile_with_villages, story_on

PROFILE = profile_with_villages()


@pytest.fixture(scope="module", params=BACKENDS)
def story(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    directory: Path = tmp_path_factory.mktemp("public-feed")
    with story_on(request.param, directory) as told:
        yield told


def read_after(story: Story, flt: ChangeFilter, after: int = 0, limit: int = 100) -> list[PublicChange]:
    with story.registry.engine.connect() as conn:
        return changes_after(conn, flt, after, limit)


def read_before(story: Story, flt: ChangeFilter, before: int | None = None, limit: int = 100) -> list[PublicChange]:
    with story.registry.engine.connect() as conn:
        return changes_before(conn, flt, before, limit)


def keys(changes: list[PublicChange]) -> list[tuple[str, str, int]]:
    return [(c.item_id, c.kind.value, c.version) for c in changes]


def positions(story: Story) -> list[int]:
    """The public changes' positions as the table holds them, in order."""
    with story.registry.engine.connect() as conn:
        return list(conn.execute(select(public_changes.c.position).order_by(public_changes.c.position)).scalars())


def test_without_a_filter_every_public_change_comes_oldest_first_with_its_log_position(story: Story) -> None:
    changes = read_after(story, ChangeFilter())

    assert keys(changes) == story.expected()
    assert [c.position for c in changes] == positions(story)


def test_before_gives_them_newest_first(story: Story) -> None:
    assert keys(read_before(story, ChangeFilter())) == story.expected()[::-1]


FILTERS: list[dict[str, str]] = [
    {"domain": "涉农补贴"},
    {"domain": "社会救助"},
    {"unit": "民政局"},
    {"unit": "城川镇"},
    {"level": "village"},
    {"level": "county"},
    {"level": "township"},
    {"village": "测试甲嘎查"},
    {"village": "测试乙嘎查"},
    {"kind": "add"},
    {"kind": "change"},
    {"kind": "cancel"},
    {"domain": "涉农补贴", "level": "village"},
    {"unit": "民政局", "kind": "cancel"},
    {"village": "测试甲嘎查", "kind": "add"},
    {"village": "测试乙嘎查", "domain": "涉农补贴"},
    {"domain": "财政预决算", "kind": "cancel"},
]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda flt: json.dumps(flt, ensure_ascii=False))
def test_a_filter_gives_exactly_the_matching_changes_in_both_directions(story: Story, flt: dict[str, str]) -> None:
    built = ChangeFilter.from_params(flt, PROFILE)

    assert keys(read_after(story, built)) == story.expected(**flt)
    assert keys(read_before(story, built)) == story.expected(**flt)[::-1]


def test_every_filter_of_the_list_narrows_the_story_and_some_match_nothing(story: Story) -> None:
    """The filters above would prove little if the story matched all or none of them."""
    counts = [len(story.expected(**flt)) for flt in FILTERS]

    assert all(count < len(story.published) for count in counts)
    assert 0 in counts
    assert sum(1 for count in counts if count > 1) >= 8


def test_a_village_gets_its_own_towns_and_the_departments_village_level_items_not_another_towns(
    story: Story,
) -> None:
    first = read_after(story, ChangeFilter.from_params({"village": "测试甲嘎查"}, PROFILE))
    second = read_after(story, ChangeFilter.from_params({"village": "测试乙村"}, PROFILE))

    assert {c.item_id for c in first} == {"mzj-dibao", "ccz-dili", "mzj-gaoling"}
    assert {c.item_id for c in second} == {"mzj-dibao", "shm-caoyuan", "mzj-gaoling"}


def test_paging_forward_walks_every_change_once(story: Story) -> None:
    seen: list[PublicChange] = []
    after = 0
    while page := read_after(story, ChangeFilter(), after, 3):
        assert len(page) <= 3
        seen.extend(page)
        after = page[-1].position

    assert keys(seen) == story.expected()


def test_paging_backward_walks_every_change_once(story: Story) -> None:
    seen: list[PublicChange] = []
    before: int | None = None
    while page := read_before(story, ChangeFilter(), before, 3):
        seen.extend(page)
        before = page[-1].position

    assert keys(seen) == story.expected()[::-1]


def test_a_filtered_page_starts_after_the_position_given(story: Story) -> None:
    flt = ChangeFilter(kind=ChangeKind.ADD)
    everything = read_after(story, flt)

    assert keys(read_after(story, flt, everything[1].position)) == keys(everything[2:])
    assert keys(read_before(story, flt, everything[2].position)) == keys(everything[:2])[::-1]


def test_a_change_carries_the_version_it_published(story: Story) -> None:
    changes = read_after(story, ChangeFilter())
    second = next(c for c in changes if c.item_id == "czj-yusuan" and c.kind is ChangeKind.CHANGE)

    assert second.item.version == 2
    assert second.elements.content == "第二版"
    assert second.reason == "法律法规修订：增加转移支付内容"
    assert second.item.published_at == second.published_at


def test_a_cancel_carries_the_version_it_took_out_of_the_catalog(story: Story) -> None:
    [cancel] = read_after(story, ChangeFilter(kind=ChangeKind.CANCEL))

    assert (cancel.item_id, cancel.version, cancel.item.version) == ("mzj-dibao", 2, 1)
    assert cancel.title == "城乡低保（认定结果）"
    assert cancel.reason == "上级取消：并入其他事项"
    assert cancel.item.published_at < cancel.published_at


def test_a_change_matches_on_its_own_version_not_on_the_one_before(story: Story) -> None:
    """ccz-dili's second version left the village level: that change is not on a village list."""
    village = read_after(story, ChangeFilter(level=Level.VILLAGE))

    assert ("ccz-dili", "change", 2) not in keys(village)
    assert ("ccz-dili", "add", 1) in keys(village)


def test_no_draft_or_pending_version_and_no_actor_reaches_a_change(story: Story) -> None:
    changes = read_after(story, ChangeFilter())
    text = json.dumps([c.data() for c in changes], ensure_ascii=False) + repr(changes)

    assert leaked(text) == []
    assert "czj-caogao" not in text
    assert [c.version for c in changes if c.item_id == "czj-yusuan"] == [1, 2]  # the approved 3rd is not public


def test_the_payload_names_fields_as_the_graphql_api_does(story: Story) -> None:
    [cancel] = read_after(story, ChangeFilter(kind=ChangeKind.CANCEL))
    data: dict[str, Any] = cancel.data()

    assert cancel.event_type() == "catalog.item.cancelled"
    assert {key: data[key] for key in ("position", "itemId", "version", "kind", "reason", "backfilled")} == {
        "position": cancel.position,
        "itemId": "mzj-dibao",
        "version": 2,
        "kind": "CANCEL",
        "reason": "上级取消：并入其他事项",
        "backfilled": True,
    }
    assert data["publishedAt"].endswith("+00:00")
    assert data["item"]["id"] == "mzj-dibao"
    assert data["item"]["levels"] == ["COUNTY", "TOWNSHIP", "VILLAGE"]
    assert data["item"]["subname"] == "认定结果"
    assert set(data["item"]) == {
        "id",
        "version",
        "domain",
        "unit",
        "category",
        "name",
        "subname",
        "content",
        "basis",
        "timeLimit",
        "body",
        "channels",
        "audience",
        "audienceNote",
        "method",
        "levels",
        "publishedAt",
        "approvalReference",
    }
    assert json.loads(json.dumps(data)) == data


def test_the_payload_of_the_stream_and_webhooks_wraps_the_data_with_its_type_and_time(story: Story) -> None:
    [change, *_] = read_after(story, ChangeFilter())

    assert change.payload() == {
        "type": "catalog.item.added",
        "timestamp": change.data()["publishedAt"],
        "data": change.data(),
    }


def test_event_types_name_what_happened(story: Story) -> None:
    types = {c.kind: c.event_type() for c in read_after(story, ChangeFilter())}

    assert types == {
        ChangeKind.ADD: "catalog.item.added",
        ChangeKind.CHANGE: "catalog.item.changed",
        ChangeKind.CANCEL: "catalog.item.cancelled",
    }


def test_the_portal_path_is_the_items_hash_route_as_of_the_change(story: Story) -> None:
    [first, *_] = read_after(story, ChangeFilter())

    assert first.portal_path() == f"/#/item/czj-yusuan?asOf={first.published_at.replace(':', '%3A')}"


# -- the parameters as people type them (no database) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"level": "村级"}, ChangeFilter(level=Level.VILLAGE), id="level label"),
        pytest.param({"level": "village"}, ChangeFilter(level=Level.VILLAGE), id="level value"),
        pytest.param({"level": "COUNTY"}, ChangeFilter(level=Level.COUNTY), id="level as GraphQL names it"),
        pytest.param({"kind": "增加"}, ChangeFilter(kind=ChangeKind.ADD), id="kind label"),
        pytest.param({"kind": "cancel"}, ChangeFilter(kind=ChangeKind.CANCEL), id="kind value"),
        pytest.param({"domain": "生态环境"}, ChangeFilter(domain="环境保护"), id="domain alias"),
        pytest.param({"domain": "环境保护领域"}, ChangeFilter(domain="环境保护"), id="domain with 领域"),
        pytest.param({"unit": "人社局"}, ChangeFilter(unit="人力资源与社会保障局"), id="unit alias"),
        pytest.param({"domain": "", "kind": " "}, ChangeFilter(), id="empty values"),
    ],
)
def test_parameters_take_english_values_chinese_labels_and_aliases(
    params: dict[str, str], expected: ChangeFilter
) -> None:
    assert ChangeFilter.from_params(params, PROFILE) == expected


def test_a_village_is_named_by_the_profile_and_knows_the_other_towns() -> None:
    built = ChangeFilter.from_params({"village": "测试乙村"}, PROFILE)

    assert built.village == "测试乙嘎查"
    assert set(built.other_towns or ()) == {"敖勒召其镇", "城川镇", "昂素镇"}


@pytest.mark.parametrize(
    ("params", "parameter", "says"),
    [
        pytest.param({"level": "city"}, "level", ["county (县级)", "village (村级)"], id="level"),
        pytest.param({"kind": "删除"}, "kind", ["add (增加)", "cancel (取消)"], id="kind"),
        pytest.param({"domain": "财政预算"}, "domain", ["财政预决算", "did you mean"], id="domain"),
        pytest.param({"unit": "财政具"}, "unit", ["财政局", "did you mean"], id="unit"),
        pytest.param({"village": "没有这个嘎查"}, "village", ["测试甲嘎查", "测试乙嘎查"], id="village"),
    ],
)
def test_an_unknown_value_is_an_error_naming_the_parameter_and_what_it_accepts(
    params: dict[str, str], parameter: str, says: list[str]
) -> None:
    with pytest.raises(FeedParameterError) as raised:
        ChangeFilter.from_params(params, PROFILE)

    assert raised.value.parameter == parameter
    assert f"参数 {parameter}" in str(raised.value)
    assert f"invalid {parameter}" in str(raised.value)
    for text in says:
        assert text in str(raised.value)


def test_a_village_is_an_error_where_the_profile_lists_none() -> None:
    with pytest.raises(FeedParameterError, match="参数 village：本辖区的配置没有列出") as raised:
        ChangeFilter.from_params({"village": "测试甲嘎查"}, load_profile())

    assert raised.value.allowed == ()


def test_a_village_filter_not_validated_is_refused_before_it_reads(story: Story) -> None:
    with pytest.raises(ValueError, match="validated"):
        read_after(story, ChangeFilter(village="测试甲嘎查"))


def test_params_and_describe_say_the_filter_back() -> None:
    built = ChangeFilter.from_params({"domain": "生态环境", "level": "村级", "kind": "变更"}, PROFILE)

    assert built.params() == {"domain": "环境保护", "level": "village", "kind": "change"}
    assert ChangeFilter.from_params(built.params(), PROFILE) == built
    assert built.describe() == "领域：环境保护；公开层级：村级；调整类型：变更"
    assert ChangeFilter().describe() == ""
