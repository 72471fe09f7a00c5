"""Managing webhook subscriptions: each act an event in the subscription's stream and a row beside the log, in one
write transaction (like tokens: registry.service.Registry.issue_token)."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection

from events.message import N_
from projections.public_feed import ChangeFilter
from registry.actor import Actor, Proof
from registry.missing import NotFound
from registry.push import store as webhook_store
from registry.push import webhook
from registry.push.store import Attempt, SubscriptionRow
from registry.push.webhook import Status
from registry.service import WEBHOOK_STREAM, Registry


class Webhooks:
    """The subscriptions of one registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def subscribe(
        self,
        name: str,
        url: str,
        filters: ChangeFilter,
        by: Actor | None,
        webhook_key: bytes,
        *,
        proof: Proof | None = None,
    ) -> tuple[SubscriptionRow, str]:
        """A new subscription, sent the matching public changes after the log's head; returns it and its signing
        secret (whsec_…), which is shown once and never stored."""
        subscription_id = "wh_" + secrets.token_hex(8)
        nonce = secrets.token_urlsafe(24)
        event = webhook.decide_subscribe(subscription_id, name, url, filter_values(filters), by)
        store = self.registry.store
        with store.writing() as conn:
            head, _ = store.head_in(conn)
            result = self.registry.record_admin_act(conn, WEBHOOK_STREAM + subscription_id, [event], by, proof=proof)
            webhook_store.insert(
                conn,
                subscription_id,
                event.name,
                event.url,
                filter_values(filters),
                nonce,
                head,
                by.actor_id if by else "",
                result.events[-1].recorded_at,
            )
            row = webhook_store.find(conn, subscription_id)
        assert row is not None
        return row, webhook.format_secret(webhook.derive_secret(webhook_key, subscription_id, nonce))

    def pause(self, subscription_id: str, by: Actor | None, *, proof: Proof | None = None) -> SubscriptionRow:
        return self._act(subscription_id, by, proof, webhook.decide_pause, Status.PAUSED)

    def resume(self, subscription_id: str, by: Actor | None, *, proof: Proof | None = None) -> SubscriptionRow:
        return self._act(subscription_id, by, proof, webhook.decide_resume, Status.ACTIVE)

    def remove(self, subscription_id: str, by: Actor | None, *, proof: Proof | None = None) -> SubscriptionRow:
        return self._act(subscription_id, by, proof, webhook.decide_remove, Status.REMOVED)

    def replay(
        self, subscription_id: str, from_position: int, by: Actor | None, *, proof: Proof | None = None
    ) -> SubscriptionRow:
        """Send every matching public change from `from_position` on again (the cursor goes to the one before)."""
        store = self.registry.store
        with store.writing() as conn:
            found = _find(conn, subscription_id)
            head, _ = store.head_in(conn)
            event = webhook.decide_replay(found.state, from_position, head, by)
            result = self.registry.record_admin_act(conn, WEBHOOK_STREAM + subscription_id, [event], by, proof=proof)
            webhook_store.rewind(conn, subscription_id, from_position - 1, result.events[-1].recorded_at)
            row = _find(conn, subscription_id)
        return row

    def _act(
        self,
        subscription_id: str,
        by: Actor | None,
        proof: Proof | None,
        decide: webhook.Decision,
        status: Status,
    ) -> SubscriptionRow:
        store = self.registry.store
        with store.writing() as conn:
            found = _find(conn, subscription_id)
            new_events = decide(found.state, by)
            if new_events:
                result = self.registry.record_admin_act(
                    conn, WEBHOOK_STREAM + subscription_id, new_events, by, proof=proof
                )
                webhook_store.set_status(conn, subscription_id, status, result.events[-1].recorded_at)
            row = _find(conn, subscription_id)
        return row

    def find(self, subscription_id: str) -> SubscriptionRow:
        with self.registry.store.reading() as conn:
            return _find(conn, subscription_id)

    def every(self, *, removed: bool = False) -> list[SubscriptionRow]:
        with self.registry.store.reading() as conn:
            return webhook_store.every(conn, removed=removed)

    def attempts(self, subscription_id: str, limit: int = 50) -> tuple[SubscriptionRow, list[Attempt]]:
        with self.registry.store.reading() as conn:
            return _find(conn, subscription_id), webhook_store.attempts_of(conn, subscription_id, limit)


def _find(conn: Connection, subscription_id: str) -> SubscriptionRow:
    found = webhook_store.find(conn, subscription_id)
    if found is None:
        raise NotFound(
            N_("no webhook subscription {subscription!r}: `registry webhook list` shows them"),
            subscription=subscription_id,
        )
    return found


def filter_values(filters: ChangeFilter) -> dict[str, str | None]:
    """The filters as stored and recorded: the public feed's query values (kind and level in English), None for
    those not given."""
    given = filters.params()
    return {name: given.get(name) for name in webhook_store.FILTERS}
