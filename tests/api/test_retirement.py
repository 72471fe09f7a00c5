"""`retirement` (取消: when, why, on whose approval, the last published version) and `jurisdiction` (its time zone)
over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, serving

RETIREMENT = """
query($id: ItemId!, $asOf: DateTime) {
  retirement(id: $id, asOf: $asOf) {
    itemId version retiredAt trigger reason approvalReference approvedBy approvedAt backfilled
    lastVersion { id version content publishedAt approvalReference history { version changeKind reason } }
  }
}
"""


@dataclass(frozen=True)
class Retired:
    api: Api
    published: datetime
    retired: datetime


@pytest.fixture(scope="module")
def retired(shared_registry: Registry) -> Iterator[Retired]:
    office = Office(shared_registry)
    published = office.publish_new("mzj-dibao", domain="社会救助", unit="民政局", content="低保对象名单")
    office.propose_retirement("mzj-dibao", trigger="上级取消", reason="并入社会救助事项")
    office.review_and_approve("mzj-dibao", reference="2024年第9次政府常务会议")
    retired = office.publish("mzj-dibao")
    office.publish_new("czj-yusuan")
    with serving(shared_registry.engine, shared_registry.profile) as api:
        yield Retired(api, published, retired)


def test_a_retired_item_has_its_retirement_with_when_why_and_whose_approval(retired: Retired) -> None:
    found = retired.api.query(RETIREMENT, {"id": "mzj-dibao"})["retirement"]

    assert found["itemId"] == "mzj-dibao" and found["version"] == 2
    assert datetime.fromisoformat(found["retiredAt"]) == retired.retired
    assert (found["trigger"], found["reason"]) == ("上级取消", "并入社会救助事项")
    assert (found["approvalReference"], found["approvedBy"]) == ("2024年第9次政府常务会议", "旗人民政府")
    assert datetime.fromisoformat(found["approvedAt"]) < retired.retired
    assert found["backfilled"] is True  # the office records its 2024 as 补录, at the times it names


def test_a_retirement_gives_the_last_published_version_and_its_history(retired: Retired) -> None:
    last = retired.api.query(RETIREMENT, {"id": "mzj-dibao"})["retirement"]["lastVersion"]

    assert (last["id"], last["version"], last["content"]) == ("mzj-dibao", 1, "低保对象名单")
    assert datetime.fromisoformat(last["publishedAt"]) == retired.published
    assert [(h["version"], h["changeKind"]) for h in last["history"]] == [(1, "ADD"), (2, "CANCEL")]


def test_a_retirement_names_no_person(retired: Retired) -> None:
    answer = retired.api.post(RETIREMENT, {"id": "mzj-dibao"}).text

    assert not any(name in answer for name in ("王审议", "孙初审", "周法务", "吴发布", "管理员"))


def test_a_published_item_and_an_unknown_one_have_no_retirement(retired: Retired) -> None:
    assert retired.api.query(RETIREMENT, {"id": "czj-yusuan"})["retirement"] is None
    assert retired.api.query(RETIREMENT, {"id": "no-such-item"})["retirement"] is None


def test_asked_as_of_a_time_before_it_the_retirement_is_not_yet_there(retired: Retired) -> None:
    before = (retired.retired - timedelta(seconds=1)).isoformat()
    at = retired.retired.isoformat()

    assert retired.api.query(RETIREMENT, {"id": "mzj-dibao", "asOf": before})["retirement"] is None
    assert retired.api.query(RETIREMENT, {"id": "mzj-dibao", "asOf": at})["retirement"]["version"] == 2


def test_a_retirement_answer_carries_an_etag(retired: Retired) -> None:
    response = retired.api.post(RETIREMENT, {"id": "mzj-dibao"})

    assert response.status_code == 200 and "etag" in response.headers


def test_jurisdiction_gives_the_profiles_name_and_time_zone(retired: Retired) -> None:
    found = retired.api.query("{ jurisdiction { name timezone } }")["jurisdiction"]

    assert found == {"name": "鄂托克前旗", "timezone": "Asia/Shanghai"}
