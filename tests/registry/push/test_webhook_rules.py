"""The pure parts of webhook subscriptions: the admin's acts, URLs, the retry schedule and the signature."""

from __future__ import annotations

import base64
import random

import pytest

from events.event import WebhookPaused, WebhookReplayed, WebhookResumed
from registry.actor import Actor, Role
from registry.push.webhook import (
    JITTER,
    MAX_RETRY_AFTER,
    RETRY_SCHEDULE,
    Status,
    Subscription,
    check_url,
    decide_pause,
    decide_remove,
    decide_replay,
    decide_resume,
    decide_subscribe,
    derive_secret,
    format_secret,
    message_id,
    retry_delay,
    sign,
)
from registry.rules import Rule, RuleViolation

ADMIN = Actor(actor_id="管理员", unit="政务服务局", roles=frozenset({Role.ADMIN}))
DRAFTER = Actor(actor_id="李财政", unit="财政局", roles=frozenset({Role.DRAFTER}))
NO_FILTERS: dict[str, str | None] = dict.fromkeys(("domain", "unit", "level", "village", "kind"))


def subscription(status: Status = Status.ACTIVE) -> Subscription:
    return Subscription("wh_1", status, 10)


def test_the_signature_is_the_standard_webhooks_test_vector() -> None:
    # The specification's own example (standard-webhooks/standard-webhooks, libraries' tests).
    secret = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    signed = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_secret_is_derived_per_subscription_and_nonce_and_formatted_as_whsec() -> None:
    key = bytes(range(32))
    one = derive_secret(key, "wh_1", "n1")
    assert len(one) == 32
    assert one == derive_secret(key, "wh_1", "n1")
    assert len({one, derive_secret(key, "wh_2", "n1"), derive_secret(key, "wh_1", "n2")}) == 3
    assert derive_secret(bytes(32), "wh_1", "n1") != one
    text = format_secret(one)
    assert text.startswith("whsec_") and base64.b64decode(text.removeprefix("whsec_")) == one


def test_the_message_id_is_stable_per_subscription_and_position() -> None:
    assert message_id("wh_1", 7) == message_id("wh_1", 7)
    assert len({message_id("wh_1", 7), message_id("wh_1", 8), message_id("wh_2", 7)}) == 3


def test_retries_follow_the_schedule_with_jitter_and_then_give_up() -> None:
    rng = random.Random(1)
    for attempt, wait in enumerate(RETRY_SCHEDULE, start=1):
        delay = retry_delay(attempt, None, rng=rng)
        assert delay is not None and wait * (1 - JITTER) <= delay <= wait * (1 + JITTER)
    assert retry_delay(len(RETRY_SCHEDULE) + 1, None, rng=rng) is None
    delays = {retry_delay(1, None, rng=rng) for _ in range(20)}
    assert len(delays) > 1, "no jitter"


def test_retry_after_lengthens_the_wait_up_to_a_day() -> None:
    assert retry_delay(1, 120.0, (0.0,)) == 120.0
    assert retry_delay(1, 10 * MAX_RETRY_AFTER, (0.0,)) == MAX_RETRY_AFTER
    delay = retry_delay(1, 1.0, (300.0,), random.Random(2))
    assert delay is not None and delay >= 300 * (1 - JITTER), "a short Retry-After does not shorten the schedule"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.cn/hook",
        "example.cn/hook",
        "https://",
        "https://user:secret@example.cn/hook",
        "https://token@example.cn/hook",
        "https://example.cn/hook#part",
        "https://example.cn:99999/hook",
        "https://example.cn/" + "x" * 2000,
    ],
)
def test_a_bad_url_is_refused_by_the_webhook_rule(url: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        check_url(url)
    assert refused.value.rule is Rule.WEBHOOK


@pytest.mark.parametrize("url", ["https://rmt.example.cn/hooks?x=1", "http://127.0.0.1:8080/h", "http://[::1]/h"])
def test_http_and_https_urls_with_a_host_are_accepted(url: str) -> None:
    check_url(url)


def test_only_an_admin_subscribes_and_names_the_receiver() -> None:
    for by in (None, DRAFTER):
        with pytest.raises(RuleViolation) as refused:
            decide_subscribe("wh_1", "融媒体中心", "https://rmt.example.cn/h", NO_FILTERS, by)
        assert refused.value.rule is Rule.WEBHOOK
    with pytest.raises(RuleViolation, match="named"):
        decide_subscribe("wh_1", "  ", "https://rmt.example.cn/h", NO_FILTERS, ADMIN)
    event = decide_subscribe("wh_1", " 融媒体中心 ", "https://rmt.example.cn/h", {**NO_FILTERS, "kind": "add"}, ADMIN)
    assert (event.name, event.kind, event.domain) == ("融媒体中心", "add", None)


def test_pausing_a_paused_or_resuming_an_active_subscription_records_nothing() -> None:
    assert decide_pause(subscription(Status.PAUSED), ADMIN) == []
    assert decide_pause(subscription(), ADMIN) == [WebhookPaused(subscription_id="wh_1")]
    assert decide_resume(subscription(), ADMIN) == []
    for status in (Status.PAUSED, Status.FAILING, Status.DISABLED):
        assert decide_resume(subscription(status), ADMIN) == [WebhookResumed(subscription_id="wh_1")]


def test_a_removed_subscription_takes_no_more_acts() -> None:
    removed = subscription(Status.REMOVED)
    for act in (decide_pause, decide_resume, decide_remove):
        with pytest.raises(RuleViolation, match="removed"):
            act(removed, ADMIN)
    with pytest.raises(RuleViolation, match="removed"):
        decide_replay(removed, 1, 5, ADMIN)


def test_a_replay_starts_at_a_position_of_the_log() -> None:
    assert decide_replay(subscription(), 5, 5, ADMIN) == WebhookReplayed(subscription_id="wh_1", from_position=5)
    assert decide_replay(subscription(), 6, 5, ADMIN).from_position == 6
    for position in (0, 7):
        with pytest.raises(RuleViolation, match="1 to 6"):
            decide_replay(subscription(), position, 5, ADMIN)
    with pytest.raises(RuleViolation):
        decide_replay(subscription(), 1, 5, DRAFTER)
