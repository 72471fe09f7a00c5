"""The response cache over real HTTP, on SQLite and PostgreSQL: a public query asked again in the same public state is
answered from the cache, and every answer equals a fresh execution's, across publications, adjustments and
retirements (a server without the cache, on the same database, gives the fresh answers)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event, update

from api.app import ServerLimits
from api.response_cache import Kept, ResponseCache
from projections.schema import public_catalog
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, serving

QUERIES = [
    "{ catalog(first: 10) { totalCount edges { node { id version name timeLimit history { version } } } } }",
    '{ item(id: "czj-yusuan") { id version name timeLimit } }',
    '{ catalog(first: 5, filter: { domain: "财政预决算" }) { totalCount edges { node { id name } } } }',
    "{ log { position } changes(first: 5) { edges { node { itemId kind } } } }",
]
NO_CACHE = ServerLimits(cache_bytes=0)


@contextmanager
def pair(registry: Registry) -> Iterator[tuple[Api, Api]]:
    """The same database served twice: with the response cache, and without it (every answer executed)."""
    with (
        serving(registry.engine, registry.profile) as cached,
        serving(registry.engine, registry.profile, limits=NO_CACHE) as fresh,
    ):
        yield cached, fresh


def answers(api: Api) -> list[httpx.Response]:
    found = [api.post(query) for query in QUERIES]
    assert all(answer.status_code == 200 and "errors" not in answer.json() for answer in found), found
    return found


def same(cached: list[httpx.Response], fresh: list[httpx.Response]) -> None:
    for query, kept, executed in zip(QUERIES, cached, fresh, strict=True):
        assert kept.json() == executed.json(), query
        assert kept.headers["etag"] == executed.headers["etag"], query


def test_cached_answers_equal_fresh_ones_across_publications(registry: Registry) -> None:
    office = Office(registry)
    office.publish_new("czj-yusuan", name="政府预算")
    with pair(registry) as (cached, fresh):
        first, again = answers(cached), answers(cached)
        same(first, answers(fresh))
        assert [a.content for a in first] == [a.content for a in again]

        office.publish_new("czj-juesuan", name="政府决算")
        added = answers(cached)
        same(added, answers(fresh))
        assert added[0].json() != first[0].json(), "the new item is in the page"

        office.publish_adjustment("czj-yusuan", time_limit="信息形成或者变更之日起10个工作日内")
        adjusted = answers(cached)
        same(adjusted, answers(fresh))
        assert "10个工作日" in adjusted[1].text

        office.retire("czj-juesuan")
        retired = answers(cached)
        same(retired, answers(fresh))
        assert "czj-juesuan" not in retired[0].text


def test_an_answer_asked_again_in_the_same_public_state_is_not_executed_again(registry: Registry) -> None:
    """Shown by changing a projection row behind the registry's back (no public change, the position stays): the
    cache still gives the answer it kept; a server without it executes and shows the change."""
    office = Office(registry)
    office.publish_new("czj-yusuan", name="政府预算")
    with pair(registry) as (cached, fresh):
        kept = cached.post(QUERIES[1]).json()
        with registry.engine.begin() as conn:
            conn.execute(update(public_catalog).where(public_catalog.c.item_id == "czj-yusuan").values(name="改过"))
        assert cached.post(QUERIES[1]).json() == kept
        assert fresh.post(QUERIES[1]).json()["data"]["item"]["name"] == "改过"


def test_a_staff_answer_is_never_kept(registry: Registry) -> None:
    """The staff view's answers are the caller's own (no ETag): nothing of them goes into the public cache."""
    office = Office(registry)
    office.publish_new("czj-yusuan", name="政府预算")
    with serving(registry.engine, registry.profile) as api:
        answer = api.http.post("/staff/graphql", json={"query": "{ me { actorId } }"})
        assert answer.status_code == 401
        assert "etag" not in answer.headers


def test_the_cache_keeps_the_most_recently_used_answers_within_its_budget() -> None:
    cache = ResponseCache(budget=1000)
    answer = Kept(headers=((b"content-type", b"application/json"),), body=b"x" * 70)  # 100 bytes in all
    for n in range(12):
        cache.put(f"tag{n}", answer)
        cache.get("tag0")  # used again and again: never the least recently used
    assert cache.used <= 1000 and len(cache) == 10
    assert cache.get("tag0") is answer and cache.get("tag1") is None and cache.get("tag11") is answer
    cache.put("huge", Kept(headers=(), body=b"y" * 200))  # over budget / ENTRY_SHARE: not kept
    assert cache.get("huge") is None
    nothing = ResponseCache(budget=0)
    nothing.put("tag", answer)
    assert len(nothing) == 0 and nothing.get("tag") is None


def test_a_request_read_another_way_is_not_answered_from_the_cache(registry: Registry) -> None:
    """The same body without its Content-Type is not the same request: it is refused as before, not given the
    answer kept for the JSON one."""
    Office(registry).publish_new("czj-yusuan", name="政府预算")
    with serving(registry.engine, registry.profile) as api:
        body = httpx.Request("POST", "/", json={"query": QUERIES[1]}).read()
        kept = [api.http.post("/graphql", content=body, headers={"Content-Type": "application/json"}) for _ in "ab"]
        untyped = api.http.post("/graphql", content=body, headers={"Content-Type": ""})

    assert [answer.status_code for answer in kept] == [200, 200]
    assert 400 <= untyped.status_code < 500, untyped.text


def test_an_answer_and_its_etag_are_of_one_public_state(registry: Registry) -> None:
    """A publication that lands between the read of the public state (which the ETag digests) and the execution is
    in neither: the answer kept under an ETag is the answer in the state that ETag names."""
    office = Office(registry)
    office.publish_new("czj-yusuan", name="政府预算")
    landed = threading.Event()

    def publish_meanwhile(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "max(checkpoints.size)" in statement and not landed.is_set():
            landed.set()  # before publishing: its own statements come through here too
            writer = threading.Thread(target=office.publish_new, args=("czj-juesuan",), kwargs={"name": "政府决算"})
            writer.start()
            writer.join()

    with serving(registry.engine, registry.profile) as api:
        event.listen(registry.engine, "after_cursor_execute", publish_meanwhile)
        try:
            first = api.post(QUERIES[0])
        finally:
            event.remove(registry.engine, "after_cursor_execute", publish_meanwhile)
        again = api.post(QUERIES[0], headers={"If-None-Match": first.headers["etag"]})
        fresh = api.post(QUERIES[0])

    assert landed.is_set()
    assert "政府决算" not in first.text and first.json()["data"]["catalog"]["totalCount"] == 1
    assert again.status_code == 200 and again.headers["etag"] != first.headers["etag"]
    assert "政府决算" in again.text and again.json() == fresh.json()
