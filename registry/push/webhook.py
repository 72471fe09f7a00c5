"""Webhook subscriptions (推送订阅): the admin's acts on them, the retry schedule, and the Standard Webhooks signature.

Pure: what a subscription may become, when a failed delivery is tried again, and how a message is signed are
decided here; the deliveries themselves (HTTP, locks, the attempts table) are registry.push.delivery's.

The signing secret is never stored: it is derived from the deployment's webhook key (a file, like the checkpoint
signing key) and a nonce kept with the subscription, so a copy of the database alone cannot forge a message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from events.event import AdminEvent, WebhookPaused, WebhookRemoved, WebhookReplayed, WebhookResumed, WebhookSubscribed
from events.message import N_
from registry.actor import Actor, Role
from registry.rules import Rule, RuleViolation

SECRET_PREFIX = "whsec_"
MAX_URL = 2000

# Seconds before each attempt of one change, after the first; the Standard Webhooks specification's schedule
# (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). Each wait is spread by JITTER either way.
RETRY_SCHEDULE: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
JITTER = 0.2
MAX_RETRY_AFTER = 86400.0  # a receiver's Retry-After is honoured up to a day


class Status(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # by an admin: nothing is sent until resumed
    FAILING = "failing"  # a change was given up after the last retry; later changes are still tried
    DISABLED = "disabled"  # the receiver answered 410 Gone: nothing is sent until an admin resumes it
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return {
            "active": "正常",
            "paused": "已暂停",
            "failing": "投递失败",
            "disabled": "已停用（410）",
            "removed": "已删除",
        }[self.value]

    @property
    def delivers(self) -> bool:
        return self in (Status.ACTIVE, Status.FAILING)


@dataclass(frozen=True)
class Subscription:
    """What the admin's acts need to know of a subscription."""

    subscription_id: str
    status: Status
    cursor: int  # the last position acknowledged or given up: every matching change after it is still to be sent


# An act on an existing subscription: the events it records (none when it changes nothing).
Decision = Callable[[Subscription, Actor | None], Sequence[AdminEvent]]


# -- the admin's acts ------------------------------------------------------------------------------------------------


def decide_subscribe(
    subscription_id: str,
    name: str,
    url: str,
    filters: dict[str, str | None],
    by: Actor | None,
) -> WebhookSubscribed:
    """A new subscription. `filters` (domain, unit, level, village, kind) are already checked against the profile."""
    _require_admin(by, N_("only an admin (管理员) manages webhook subscriptions (use --as ADMIN)"))
    if not name.strip():
        raise RuleViolation(
            Rule.WEBHOOK, N_("a subscription is named for the system that receives it, e.g. 融媒体中心")
        )
    check_url(url)
    return WebhookSubscribed(subscription_id=subscription_id, name=name.strip(), url=url, **filters)


def check_url(url: str) -> None:
    """An http(s) URL with a host, without credentials (the URL is recorded in the log) and without a fragment."""
    if len(url) > MAX_URL:
        raise RuleViolation(Rule.WEBHOOK, N_("a webhook URL has at most {limit} characters"), limit=MAX_URL)
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        raise RuleViolation(Rule.WEBHOOK, N_("{url!r} is not a URL"), url=url) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuleViolation(
            Rule.WEBHOOK,
            N_("a webhook URL is http:// or https:// with a host, e.g. https://rmt.example.cn/hooks"),
        )
    if parts.username is not None or parts.password is not None:
        raise RuleViolation(
            Rule.WEBHOOK,
            N_("a webhook URL carries no user name or password: it is recorded in the log; receivers check signatures"),
        )
    if parts.fragment or url.rstrip().endswith("#"):
        raise RuleViolation(Rule.WEBHOOK, N_("a webhook URL has no #fragment: it is never sent"))
    if port == 0:
        raise RuleViolation(Rule.WEBHOOK, N_("{url!r} is not a URL"), url=url)


def decide_pause(subscription: Subscription, by: Actor | None) -> list[WebhookPaused]:
    _require_live(subscription, by)
    if subscription.status is Status.PAUSED:
        return []
    return [WebhookPaused(subscription_id=subscription.subscription_id)]


def decide_resume(subscription: Subscription, by: Actor | None) -> list[WebhookResumed]:
    """Resume a paused, failing or disabled subscription; an active one stays as it is."""
    _require_live(subscription, by)
    if subscription.status is Status.ACTIVE:
        return []
    return [WebhookResumed(subscription_id=subscription.subscription_id)]


def decide_remove(subscription: Subscription, by: Actor | None) -> list[WebhookRemoved]:
    _require_live(subscription, by)
    return [WebhookRemoved(subscription_id=subscription.subscription_id)]


def decide_replay(subscription: Subscription, from_position: int, head: int, by: Actor | None) -> WebhookReplayed:
    """Send every matching change again from `from_position` (1 ≤ it ≤ the log's head + 1)."""
    _require_live(subscription, by)
    if not 1 <= from_position <= head + 1:
        raise RuleViolation(Rule.WEBHOOK, N_("replay from a position of the log: 1 to {last}"), last=head + 1)
    return WebhookReplayed(subscription_id=subscription.subscription_id, from_position=from_position)


def _require_live(subscription: Subscription, by: Actor | None) -> None:
    _require_admin(by, N_("only an admin (管理员) manages webhook subscriptions (use --as ADMIN)"))
    if subscription.status is Status.REMOVED:
        raise RuleViolation(
            Rule.WEBHOOK,
            N_("subscription {subscription} was removed: add a new one"),
            subscription=subscription.subscription_id,
        )


def _require_admin(by: Actor | None, what: str) -> None:
    if by is None or not by.has(Role.ADMIN):
        raise RuleViolation(Rule.WEBHOOK, what)


# -- retries ---------------------------------------------------------------------------------------------------------


def retry_delay(
    attempts: int,
    retry_after: float | None,
    schedule: tuple[float, ...] = RETRY_SCHEDULE,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait after the `attempts`-th failed attempt of a change, or None when it is given up.

    The schedule's wait, spread by ±JITTER so that receivers coming back are not hit by every sender at once; a
    receiver's Retry-After (429 or 503) lengthens it, up to a day.
    """
    if attempts > len(schedule):
        return None
    wait = schedule[attempts - 1] * (1 + (rng or random).uniform(-JITTER, JITTER))
    if retry_after is not None:
        wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
    return wait


# -- signing ---------------------------------------------------------------------------------------------------------


def derive_secret(webhook_key: bytes, subscription_id: str, nonce: str) -> bytes:
    """The subscription's signing secret: 32 bytes derived from the deployment's key, never stored."""
    return hmac.new(webhook_key, f"webhook-secret\x00{subscription_id}\x00{nonce}".encode(), hashlib.sha256).digest()


def format_secret(secret: bytes) -> str:
    """As the Standard Webhooks libraries take it: whsec_ and the base64 of the secret's bytes."""
    return SECRET_PREFIX + base64.b64encode(secret).decode()


def sign(secret: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header: v1, and the base64 HMAC-SHA256 of `id.timestamp.body`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode()


def message_id(subscription_id: str, position: int) -> str:
    """The webhook-id: the same for every attempt of one change to one subscription, so receivers deduplicate."""
    return f"msg_{subscription_id}_{position}"
