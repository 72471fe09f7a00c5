"""registry.push.delivery against real HTTP receivers on 127.0.0.1, on SQLite and PostgreSQL: at least once and in log
order through refusals, errors, timeouts and 410s; retries, Retry-After and giving up; Standard Webhooks signatures
checked by an independent verifier; filters; an admin's pause, resume, replay and removal; one request in flight per
subscription whatever the number of workers; no redirects, answers read up to a limit.

The schedule is all zeros (retries are due at once) so that each test takes a moment, not hours."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from projections.public_feed import ChangeFilter
from registry.push.delivery import Deliverer, DeliverySettings, Round
from registry.push.store import SubscriptionRow
from registry.push.subscriptions import Webhooks
from registry.push.webhook import Status
from registry.service import Registry
from tests.api.changes_story import leaked, tell, village_registry
from tests.api.office import Office
from tests.webhook_receiver import Receiver, Receivers, Reply, Request, subscription_of

KEY = bytes(range(32))
FAST = DeliverySettings(connect_timeout=1.0, total_timeout=1.0, schedule=(0, 0, 0, 0, 0), poll=0.05, workers=2)
ATTEMPTS = len(FAST.schedule) + 1  # the first attempt and one per wait of the schedule

Change = tuple[str, int, str]  # (itemId, version, kind) as the payload names them


@pytest.fixture
def office(registry: Registry) -> Office:
    return Office(registry)


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    started = Receivers()
    yield started
    started.stop()
    assert [r.errors for r in started.started if r.errors] == [], "the receiver itself failed"


@pytest.fixture
def receiver(receivers: Receivers) -> Receiver:
    return receivers.new()


@pytest.fixture
def deliverers(registry: Registry) -> Iterator[Callable[..., Deliverer]]:
    """Deliverers of the test's registry (FAST unless told), closed after the test."""
    made: list[Deliverer] = []

    def make(settings: DeliverySettings = FAST) -> Deliverer:
        deliverer = Deliverer(registry.engine, registry.profile, KEY, settings)
        made.append(deliverer)
        return deliverer

    yield make
    for deliverer in made:
        deliverer.close()


@pytest.fixture
def deliverer(deliverers: Callable[..., Deliverer]) -> Deliverer:
    return deliverers()


def subscribe(office: Office, url: str, **filters: str) -> tuple[SubscriptionRow, str]:
    """A subscription by the office's admin: the row and the secret subscribe printed."""
    return Webhooks(office.registry).subscribe(
        "融媒体中心", url, ChangeFilter.from_params(filters, office.registry.profile), office.actors["admin"], KEY
    )


def publish(office: Office, *names: str) -> list[Change]:
    """Publish a new item for each name; the changes a subscriber should get, in order."""
    for name in names:
        office.publish_new(name, name=f"事项{name}")
    return [(name, 1, "ADD") for name in names]


def found(office: Office, subscription: SubscriptionRow) -> SubscriptionRow:
    return Webhooks(office.registry).find(subscription.subscription_id)


def payload(request: Request) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(request.body)
    return body


def change_of(request: Request) -> Change:
    data = payload(request)["data"]
    return (data["itemId"], data["version"], data["kind"])


def deduplicated(requests: list[Request]) -> list[Request]:
    """The acknowledged requests, the first of each webhook-id: what a receiver that deduplicates keeps."""
    seen: set[str] = set()
    kept = []
    for request in requests:
        if request.answered is not None and 200 <= request.answered < 300 and request.webhook_id not in seen:
            seen.add(request.webhook_id)
            kept.append(request)
    return kept


def positions(requests: list[Request]) -> list[int]:
    return [int(payload(r)["data"]["position"]) for r in requests]


def attempts_of(office: Office, subscription: SubscriptionRow) -> list[tuple[int, int | None, str]]:
    """(attempt, status code, outcome) of every attempt, oldest first."""
    _row, attempts = Webhooks(office.registry).attempts(subscription.subscription_id, 1000)
    return [(a.attempt, a.status_code, a.outcome) for a in reversed(attempts)]


def when(stored: str | None) -> datetime:
    assert stored is not None
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


# -- at least once, in log order -------------------------------------------------------------------------------------


def test_a_receiver_that_is_down_at_first_gets_every_change_once_in_log_order(
    office: Office, receivers: Receivers, deliverer: Deliverer
) -> None:
    down = receivers.new(listening=False)
    subscription, _secret = subscribe(office, down.url)
    published = publish(office, "czj-1", "czj-2", "czj-3")

    refused = [deliverer.run_once() for _ in range(3)]
    down.start()
    deliverer.drain(limit=10)

    assert [r.failed for r in refused] == [1, 1, 1]
    assert [(n, code) for n, code, _outcome in attempts_of(office, subscription)[:3]] == [
        (1, None),
        (2, None),
        (3, None),
    ]
    kept = deduplicated(down.received())
    assert [change_of(r) for r in kept] == published
    assert positions(kept) == sorted(positions(kept))
    assert len(down.received()) == len(published), "a change was sent again after it was acknowledged"
    assert found(office, subscription).cursor == positions(kept)[-1]


def test_a_receiver_that_answers_500_at_first_gets_every_change_once_in_log_order(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    subscription, _secret = subscribe(office, receiver.url)
    published = publish(office, "czj-1", "czj-2", "czj-3")
    receiver.then(Reply(500), Reply(500), Reply(500))

    done = deliverer.drain(limit=10)

    arrived = [change_of(r) for r in receiver.received()]
    assert arrived == [published[0]] * 4 + published[1:], "a later change was sent before the first was acknowledged"
    assert [change_of(r) for r in deduplicated(receiver.received())] == published
    assert (done.delivered, done.failed, done.given_up) == (3, 3, 0)
    assert found(office, subscription).status is Status.ACTIVE


def test_a_receiver_that_closes_the_connection_without_answering_is_tried_again(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    subscription, _secret = subscribe(office, receiver.url)
    published = publish(office, "czj-1")
    receiver.then(Reply(close=True))

    deliverer.drain(limit=10)

    assert [change_of(r) for r in receiver.received()] == published * 2
    assert [(n, code, outcome) for n, code, outcome in attempts_of(office, subscription)] == [
        (1, None, "failed"),
        (2, 200, "delivered"),
    ]


# -- 410 Gone --------------------------------------------------------------------------------------------------------


def test_a_410_disables_the_subscription_and_nothing_more_is_sent(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    subscription, _secret = subscribe(office, receiver.url)
    publish(office, "czj-1", "czj-2")
    receiver.then(Reply(410))

    first = deliverer.drain(limit=10)
    publish(office, "czj-3")
    later = deliverer.drain(limit=10)

    assert (first.disabled, first.delivered, first.failed) == (1, 0, 0)
    assert later.attempts == 0
    assert len(receiver.received()) == 1
    row = found(office, subscription)
    assert row.status is Status.DISABLED
    assert row.cursor == subscription.cursor
    assert attempts_of(office, subscription) == [(1, 410, "gone")]


def test_resume_after_a_410_sends_from_where_it_stopped(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    subscription, _secret = subscribe(office, receiver.url)
    published = publish(office, "czj-1", "czj-2")
    receiver.then(Reply(410))
    deliverer.drain(limit=10)

    Webhooks(office.registry).resume(subscription.subscription_id, office.actors["admin"])
    deliverer.drain(limit=10)

    assert [change_of(r) for r in receiver.received()] == [published[0], *published]
    assert found(office, subscription).status is Status.ACTIVE


# -- timeouts --------------------------------------------------------------------------------------------------------


def test_a_receiver_that_never_answers_is_timed_out_and_retried(
    office: Office, receiver: Receiver, deliverers: Callable[..., Deliverer]
) -> None:
    settings = DeliverySettings(connect_timeout=1.0, total_timeout=0.5, schedule=(0, 0, 0, 0, 0), poll=0.05)
    deliverer = deliverers(settings)
    subscription, _secret = subscribe(office, receiver.url)
    published = publish(office, "czj-1", "czj-2")
    receiver.then(Reply(hang=True))

    started = time.monotonic()
    first = deliverer.run_once()
    waited = time.monotonic() - started
    receiver.release()
    deliverer.drain(limit=10)

    assert first.failed == 1 and first.delivered == 0
    assert 0.4 <= waited < 2.0
    _row, attempts = Webhooks(office.registry).attempts(subscription.subscription_id)
    timed_out = attempts[-1]
    assert (timed_out.attempt, timed_out.status_code, timed_out.outcome, timed_out.detail) == (
        1,
        None,
        "failed",
        "timed out",
    )
    assert 450 <= timed_out.duration_ms <= 1500
    assert [change_of(r) for r in deduplicated(receiver.received())] == published
    assert found(office, subscription).cursor == positions(receiver.acknowledged())[-1]


def test_an_answer_trickled_byte_by_byte_is_cut_at_the_total_timeout(
    office: Office, receiver: Receiver, deliverers: Callable[..., Deliverer]
) -> None:
    """total_timeout bounds the whole answer, not each read: a receiver dribbling bytes does not hold a worker."""
    deliverer = deliverers(
        DeliverySettings(connect_timeout=1.0, total_timeout=0.5, schedule=(0, 0, 0, 0, 0), max_answer=10**6)
    )
    subscribe(office, receiver.url)
    publish(office, "czj-1")
    receiver.then(Reply(body_size=10, trickle=0.04))

    started = time.monotonic()
    deliverer.run_once()

    assert time.monotonic() - started < 1.5


# -- retries ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("form", ["seconds", "HTTP date"])
def test_retry_after_on_429_and_503_postpones_the_next_attempt(
    office: Office, receiver: Receiver, deliverer: Deliverer, status: int, form: str
) -> None:
    subscription, _secret = subscribe(office, receiver.url)
    publish(office, "czj-1")
    later = datetime.now(UTC) + timedelta(seconds=120)
    receiver.then(Reply(status, retry_after="120" if form == "seconds" else format_datetime(later, usegmt=True)))

    before = datetime.now(UTC)
    first = deliverer.run_once()
    again = deliverer.drain(limit=2)

    assert first.failed == 1
    assert again.attempts == 0, "tried again before the receiver's Retry-After"
    assert len(receiver.received()) == 1
    assert when(found(office, subscription).next_attempt_at) >= before + timedelta(seconds=115)


def test_retry_after_on_500_is_ignored(office: Office, receiver: Receiver, deliverer: Deliverer) -> None:
    subscription, _secret = subscribe(office, receiver.url)
    published = publish(office, "czj-1")
    receiver.then(Reply(500, retry_after="120"))

    first = deliverer.run_once()
    next_attempt = when(found(office, subscription).next_attempt_at)
    deliverer.drain(limit=10)

    assert first.failed == 1
    assert next_attempt <= datetime.now(UTC)
    assert [change_of(r) for r in receiver.received()] == published * 2


def test_after_the_last_retry_the_change_is_given_up_and_the_subscription_is_failing(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    subscription, _secret = subscribe(office, receiver.url)
    publish(office, "czj-1")
    receiver.default = Reply(500)

    done = deliverer.drain(limit=10)

    assert (done.failed, done.given_up) == (ATTEMPTS - 1, 1)
    assert len(receiver.received()) == ATTEMPTS
    assert attempts_of(office, subscription) == [(n, 500, "failed") for n in range(1, ATTEMPTS)] + [
        (ATTEMPTS, 500, "given_up")
    ]
    row = found(office, subscription)
    assert row.status is Status.FAILING
    assert row.cursor == positions(receiver.received())[0], "the cursor did not move past the change given up"
    assert (row.given_up, row.attempts) == (1, 0)
    assert row.failing_since is not None


def test_changes_after_one_given_up_are_still_sent_and_a_success_returns_the_subscription_to_active(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    subscription, _secret = subscribe(office, receiver.url)
    publish(office, "czj-1")
    receiver.default = Reply(500)
    deliverer.drain(limit=10)
    receiver.default = Reply(200)

    published = publish(office, "czj-2", "czj-3")
    deliverer.drain(limit=10)

    assert [change_of(r) for r in receiver.acknowledged()] == published
    row = found(office, subscription)
    assert row.status is Status.ACTIVE
    assert (row.given_up, row.failing_since) == (1, None)
    assert row.cursor == positions(receiver.acknowledged())[-1]


# -- what is sent ----------------------------------------------------------------------------------------------------


def test_the_signature_verifies_with_the_standard_webhooks_verifier(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    _subscription, secret = subscribe(office, receiver.url)
    publish(office, "czj-1", "czj-2")

    deliverer.drain(limit=10)

    assert secret.startswith("whsec_")
    received = receiver.received()
    assert len(received) == 2
    for request in received:
        assert Webhook(secret).verify(request.body, request.headers) == payload(request)


def test_an_altered_body_or_timestamp_or_another_secret_fails_verification(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    _subscription, secret = subscribe(office, receiver.url)
    _other, other_secret = subscribe(office, "http://127.0.0.1:9/unused")
    publish(office, "czj-1")
    deliverer.drain(limit=10)
    request = receiver.received()[0]
    body, headers = request.body, request.headers
    altered = body[:-2] + bytes([body[-2] ^ 1]) + body[-1:]
    later = {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)}

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(altered, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, later)
    with pytest.raises(WebhookVerificationError):
        Webhook(other_secret).verify(body, headers)
    assert other_secret != secret


def test_the_webhook_id_is_stable_across_retries_and_differs_between_changes_and_subscriptions(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    first, _secret = subscribe(office, receiver.url)
    second, _secret = subscribe(office, receiver.url)
    publish(office, "czj-1", "czj-2")
    receiver.plan = lambda request: Reply(500) if len(receiver.received(request.subscription)) <= 2 else Reply(200)

    deliverer.drain(limit=10)

    for subscription in (first, second):
        ids = [r.webhook_id for r in receiver.received(subscription.subscription_id)]
        assert len(ids) == 4 and ids[0] == ids[1] == ids[2] != ids[3], ids
    ids_first = {r.webhook_id for r in receiver.received(first.subscription_id)}
    ids_second = {r.webhook_id for r in receiver.received(second.subscription_id)}
    assert len(ids_first) == len(ids_second) == 2 and not ids_first & ids_second


def test_the_payload_is_type_timestamp_and_data_with_the_position_and_the_item(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    subscribe(office, receiver.url)
    office.publish_new("czj-1", name="政府预算", content="第一版")
    office.publish_adjustment("czj-1", content="第二版")
    office.retire("czj-1")

    deliverer.drain(limit=10)

    bodies = [payload(r) for r in receiver.received()]
    assert [sorted(body) for body in bodies] == [["data", "timestamp", "type"]] * 3
    assert [body["type"] for body in bodies] == ["catalog.item.added", "catalog.item.changed", "catalog.item.cancelled"]
    assert [(b["data"]["item"]["version"], b["data"]["item"]["content"]) for b in bodies] == [
        (1, "第一版"),
        (2, "第二版"),
        (2, "第二版"),  # a 取消 carries the version it took out of the catalog
    ]
    assert all(b["data"]["item"]["id"] == "czj-1" and b["data"]["item"]["name"] == "政府预算" for b in bodies)
    numbers = [b["data"]["position"] for b in bodies]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    assert [r.webhook_id.rpartition("_")[2] for r in receiver.received()] == [str(n) for n in numbers]
    for body in bodies:
        assert datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00")).year == 2024
    assert {r.headers["content-type"] for r in receiver.received()} == {"application/json"}


def test_a_subscription_is_sent_only_the_changes_after_it_was_added(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    publish(office, "czj-before")
    subscribe(office, receiver.url)
    published = publish(office, "czj-after")

    deliverer.drain(limit=10)

    assert [change_of(r) for r in receiver.received()] == published


# -- filters and what never travels ----------------------------------------------------------------------------------


# Filters as an admin types them, and as the story names them.
FILTERED: list[tuple[dict[str, str], dict[str, str | None]]] = [
    ({}, {}),
    ({"kind": "取消"}, {"kind": "cancel"}),
    ({"domain": "涉农补贴"}, {"domain": "涉农补贴"}),
    ({"unit": "民政局"}, {"unit": "民政局"}),
]


def test_filtered_subscriptions_get_exactly_the_matching_changes(receivers: Receivers, db_url: str) -> None:
    with village_registry(db_url) as registry:
        story = tell(registry)
        webhooks = Webhooks(registry)
        admin = story.office.actors["admin"]
        got: list[Receiver] = []
        for typed, _named in FILTERED:
            receiver = receivers.new()
            flt = ChangeFilter.from_params(typed, registry.profile)
            row, _secret = webhooks.subscribe("系统", receiver.url, flt, admin, KEY)
            webhooks.replay(row.subscription_id, 1, admin)  # from the log's start: the story is already told
            got.append(receiver)
        deliverer = Deliverer(registry.engine, registry.profile, KEY, FAST)
        try:
            deliverer.drain(limit=20)
        finally:
            deliverer.close()

    for receiver, (_typed, named) in zip(got, FILTERED, strict=True):
        data = [payload(r)["data"] for r in deduplicated(receiver.received())]
        kept = [(d["itemId"], d["kind"].lower(), d["version"]) for d in data]
        assert kept == story.expected(**named), named
        assert kept, f"the story has no change for {named}: the test shows nothing"
        assert len(receiver.received()) == len(kept)


def test_no_draft_or_pending_revision_reaches_a_webhook_body(receivers: Receivers, db_url: str) -> None:
    with village_registry(db_url) as registry:
        story = tell(registry)
        webhooks = Webhooks(registry)
        admin = story.office.actors["admin"]
        receiver = receivers.new()
        row, _secret = webhooks.subscribe("系统", receiver.url, ChangeFilter(), admin, KEY)
        webhooks.replay(row.subscription_id, 1, admin)
        deliverer = Deliverer(registry.engine, registry.profile, KEY, FAST)
        try:
            deliverer.drain(limit=20)
        finally:
            deliverer.close()

    bodies = [r.body.decode() for r in receiver.received()]
    assert len(bodies) == len(story.expected())
    assert any("czj-yusuan" in body and "第二版" in body for body in bodies), "the pending item's public version"
    assert [leaked(body) for body in bodies] == [[]] * len(bodies)
    assert all(leaked(json.dumps(dict(r.headers), ensure_ascii=False)) == [] for r in receiver.received())


# -- the admin's acts ------------------------------------------------------------------------------------------------


def test_nothing_is_sent_while_paused_and_resume_continues(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    subscription, _secret = subscribe(office, receiver.url)
    webhooks = Webhooks(office.registry)
    admin = office.actors["admin"]
    published = publish(office, "czj-1")
    deliverer.drain(limit=10)

    webhooks.pause(subscription.subscription_id, admin)
    published += publish(office, "czj-2", "czj-3")
    paused = deliverer.drain(limit=10)
    sent_while_paused = len(receiver.received())
    webhooks.resume(subscription.subscription_id, admin)
    deliverer.drain(limit=10)

    assert paused.attempts == 0 and sent_while_paused == 1
    assert [change_of(r) for r in receiver.received()] == published


def test_replay_sends_again_from_the_position_given(office: Office, receiver: Receiver, deliverer: Deliverer) -> None:
    subscription, _secret = subscribe(office, receiver.url)
    published = publish(office, "czj-1", "czj-2", "czj-3")
    deliverer.drain(limit=10)
    first_ids = [r.webhook_id for r in receiver.received()]
    second = positions(receiver.received())[1]

    Webhooks(office.registry).replay(subscription.subscription_id, second, office.actors["admin"])
    deliverer.drain(limit=10)

    assert [change_of(r) for r in receiver.received()] == published + published[1:]
    assert [r.webhook_id for r in receiver.received()][3:] == first_ids[1:], "a replayed change has a new webhook-id"


def test_a_replay_while_a_delivery_is_in_flight_is_not_undone_by_its_answer(
    office: Office, receiver: Receiver, deliverer: Deliverer
) -> None:
    subscription, _secret = subscribe(office, receiver.url)
    published = publish(office, "czj-1", "czj-2")
    deliverer.drain(limit=10)
    published += publish(office, "czj-3")
    first = positions(receiver.received())[0]
    receiver.then(Reply(delay=0.5))

    running = threading.Thread(target=deliverer.run_once)
    running.start()
    receiver.wait_for(3)
    Webhooks(office.registry).replay(subscription.subscription_id, first, office.actors["admin"])
    running.join()
    deliverer.drain(limit=10)

    assert [change_of(r) for r in receiver.received()] == published + published


def test_a_removed_subscription_is_sent_nothing(office: Office, receiver: Receiver, deliverer: Deliverer) -> None:
    subscription, _secret = subscribe(office, receiver.url)
    publish(office, "czj-1")
    Webhooks(office.registry).remove(subscription.subscription_id, office.actors["admin"])

    done = deliverer.drain(limit=10)

    assert done.attempts == 0 and receiver.received() == []
    assert found(office, subscription).status is Status.REMOVED


# -- several workers -------------------------------------------------------------------------------------------------


def test_two_deliverers_at_once_never_have_two_requests_in_flight_for_one_subscription(
    office: Office, receiver: Receiver, deliverers: Callable[..., Deliverer]
) -> None:
    subscriptions = [subscribe(office, receiver.url)[0] for _ in range(2)]
    published = publish(office, "czj-1", "czj-2", "czj-3", "czj-4")
    receiver.default = Reply(delay=0.05)  # each worker's turn at a subscription lasts a while: they meet
    workers = [deliverers(), deliverers()]
    start = threading.Barrier(len(workers))
    rounds: list[Round] = []

    def work(deliverer: Deliverer) -> None:
        start.wait()
        rounds.append(deliverer.drain(limit=10))

    threads = [threading.Thread(target=work, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        rounds.append(worker.drain(limit=10))

    assert receiver.overlaps == []
    assert max(receiver.max_in_flight.values()) == 1
    assert sum(r.busy for r in rounds) > 0, "the two workers never met: the test shows nothing"
    for subscription in subscriptions:
        kept = deduplicated(receiver.received(subscription.subscription_id))
        assert [change_of(r) for r in kept] == published
        assert len(receiver.received(subscription.subscription_id)) == len(published), "a change was sent twice"


# -- where requests go, what is read ---------------------------------------------------------------------------------


def test_a_redirect_is_not_followed(office: Office, receivers: Receivers, deliverer: Deliverer) -> None:
    receiver, elsewhere = receivers.new(), receivers.new()
    subscription, _secret = subscribe(office, receiver.url)
    published = publish(office, "czj-1")
    receiver.then(Reply(redirect_to=elsewhere.url))

    deliverer.drain(limit=10)

    assert elsewhere.received() == []
    assert [(n, code, outcome) for n, code, outcome in attempts_of(office, subscription)] == [
        (1, 302, "failed"),
        (2, 200, "delivered"),
    ]
    assert [change_of(r) for r in receiver.received()] == published * 2


@pytest.mark.parametrize(("status", "outcome"), [(200, "delivered"), (500, "failed")])
def test_an_answer_larger_than_max_answer_is_cut_and_counts_by_its_status(
    office: Office, receiver: Receiver, deliverers: Callable[..., Deliverer], status: int, outcome: str
) -> None:
    settings = DeliverySettings(total_timeout=5.0, max_answer=1024, schedule=(0, 0, 0, 0, 0))
    deliverer = deliverers(settings)
    subscription, _secret = subscribe(office, receiver.url)
    publish(office, "czj-1")
    receiver.then(Reply(status, body_size=10**10))

    started = time.monotonic()
    deliverer.run_once()
    took = time.monotonic() - started

    assert took < 2.0, "the answer was read past max_answer"
    _row, attempts = Webhooks(office.registry).attempts(subscription.subscription_id)
    assert (attempts[0].status_code, attempts[0].outcome) == (status, outcome)
    assert attempts[0].detail.startswith(f"HTTP {status}: xxx")
    assert len(attempts[0].detail) <= 300


def test_subscription_of_reads_the_webhook_id() -> None:
    assert subscription_of("msg_wh_0123abcd_42") == "wh_0123abcd"
