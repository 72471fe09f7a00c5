"""`item`, its `history`, `domains`, `units` and `log` over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from events.schema import events
from registry.service import Registry
from tests.api.office import Office, elements
from tests.api.server import Api, serving

EVERY_FIELD = """
query($id: ItemId!, $asOf: DateTime) {
  item(id: $id, asOf: $asOf) {
    id version domain unit category name subname content basis timeLimit body channels audience audienceNote
    method levels publishedAt approvalReference
    history { version publishedAt changeKind reason }
  }
}
"""


@dataclass(frozen=True)
class Catalog:
    api: Api
    registry: Registry
    published: dict[str, datetime]


@pytest.fixture(scope="module")
def catalog(shared_registry: Registry) -> Iterator[Catalog]:
    office = Office(shared_registry)
    published = {
        "czj-yusuan v1": office.publish_new("czj-yusuan", subname="一般公共预算", channels=["政府网站", "政府公报"]),
        "mzj-dibao v1": office.publish_new(
            "mzj-dibao",
            domain="社会救助",
            unit="民政局",
            audience=["public", "specific_group"],
            audience_note="低保对象",
            levels=["county", "village"],
        ),
        "czj-yusuan v2": office.publish_adjustment("czj-yusuan", reason="增加转移支付内容", content="第二版"),
        "mzj-dibao retired": office.retire("mzj-dibao", reason="并入社会救助事项"),
    }
    office.adjust("czj-yusuan", content="撤回的第三版")  # version 3, withdrawn
    office.discard("czj-yusuan", reason="暂不调整")
    office.adjust("czj-yusuan", content="待审的第四版")  # version 4, pending
    office.submit("czj-yusuan")
    office.draft("czj-caogao", name="只是草稿")
    with serving(shared_registry.engine, shared_registry.profile) as api:
        yield Catalog(api, shared_registry, published)


def item(catalog: Catalog, item_id: str, as_of: str | None = None) -> dict[str, Any] | None:
    found: dict[str, Any] | None = catalog.api.query(EVERY_FIELD, {"id": item_id, "asOf": as_of})["item"]
    return found


def test_item_gives_every_element_of_the_authoritative_version_as_published(catalog: Catalog) -> None:
    given = elements(subname="一般公共预算", channels=["政府网站", "政府公报"], content="第二版")
    found = item(catalog, "czj-yusuan")

    assert found is not None
    assert {key: found[key] for key in ("category", "name", "subname", "content", "basis", "body", "channels")} == {
        key: given[key] for key in ("category", "name", "subname", "content", "basis", "body", "channels")
    }
    assert found["timeLimit"] == given["time_limit"]
    assert (found["audience"], found["method"], found["levels"]) == (["PUBLIC"], ["PROACTIVE"], ["COUNTY"])
    assert (found["id"], found["version"], found["domain"], found["unit"]) == ("czj-yusuan", 2, "财政预决算", "财政局")
    assert found["publishedAt"] == catalog.published["czj-yusuan v2"].isoformat()
    assert found["approvalReference"] == "2024年第3次政府常务会议"


def test_item_is_the_published_version_while_an_adjustment_is_pending(catalog: Catalog) -> None:
    found = item(catalog, "czj-yusuan")

    assert found is not None
    assert (found["version"], found["content"]) == (2, "第二版")


def test_item_is_null_for_a_draft_a_retired_item_and_an_unknown_id(catalog: Catalog) -> None:
    assert item(catalog, "czj-caogao") is None
    assert item(catalog, "mzj-dibao") is None
    assert item(catalog, "no-such-item") is None


def test_history_lists_the_published_versions_oldest_first_and_nothing_pending_or_withdrawn(catalog: Catalog) -> None:
    found = item(catalog, "czj-yusuan")

    assert found is not None
    assert found["history"] == [
        {
            "version": 1,
            "publishedAt": catalog.published["czj-yusuan v1"].isoformat(),
            "changeKind": "ADD",
            "reason": "",
        },
        {
            "version": 2,
            "publishedAt": catalog.published["czj-yusuan v2"].isoformat(),
            "changeKind": "CHANGE",
            "reason": "法律法规修订：增加转移支付内容",
        },
    ]


def test_the_history_of_a_retired_item_ends_with_its_retirement(catalog: Catalog) -> None:
    before = (catalog.published["mzj-dibao retired"] - timedelta(microseconds=1)).isoformat()
    found = item(catalog, "mzj-dibao", before)

    assert found is not None
    assert [(h["version"], h["changeKind"], h["reason"]) for h in found["history"]] == [
        (1, "ADD", ""),
        (2, "CANCEL", "上级取消：并入社会救助事项"),
    ]
    assert found["audienceNote"] == "低保对象"
    assert found["levels"] == ["COUNTY", "VILLAGE"]


def test_domains_lists_every_domain_of_the_profile_with_its_published_item_count(catalog: Catalog) -> None:
    domains = catalog.api.query("{ domains { name responsibleUnit itemCount } }")["domains"]

    assert [d["name"] for d in domains] == [d.name for d in catalog.registry.profile.domains]
    by_name = {d["name"]: d for d in domains}
    assert by_name["财政预决算"] == {"name": "财政预决算", "responsibleUnit": "财政局", "itemCount": 1}
    assert by_name["社会救助"]["itemCount"] == 0  # its one item was retired
    assert sum(d["itemCount"] for d in domains) == 1


def test_units_lists_every_unit_of_the_profile_with_its_published_item_count(catalog: Catalog) -> None:
    units = catalog.api.query("{ units { name kind itemCount } }")["units"]

    assert [u["name"] for u in units] == [u.name for u in catalog.registry.profile.units]
    by_name = {u["name"]: u for u in units}
    assert by_name["财政局"] == {"name": "财政局", "kind": "department", "itemCount": 1}
    assert by_name["城川镇"]["kind"] == "town"
    assert by_name["民政局"]["itemCount"] == 0


def test_log_gives_the_position_and_hash_of_the_last_event_drafts_included(catalog: Catalog) -> None:
    with catalog.registry.engine.connect() as conn:
        last = conn.execute(select(events.c.position, events.c.hash).order_by(events.c.position.desc())).first()
    assert last is not None

    head = catalog.api.query("{ log { position headHash } }")["log"]

    assert head == {"position": last.position, "headHash": last.hash}
    assert catalog.api.http.get("/healthz").json() == {
        "status": "ok",
        "position": last.position,
        "head_hash": last.hash,
    }
