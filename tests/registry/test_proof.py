"""How the actor was proven goes into each event's metadata and the item history, on a SQLite file and on
PostgreSQL; events written before the registry recorded it read `cli`, after migration 0004 and after a rebuild."""

from __future__ import annotations

from typing import Any

from alembic import command

from events.elements import ItemElements
from projections import query
from registry.actor import Channel, Proof, Role
from registry.audit import verify
from registry.items.command import DiscardItem, DraftItem
from registry.schema import alembic_config, upgrade
from registry.service import Registry, now

ITEM = "czj-yusuan"
OTHER = "czj-juesuan"
SESSION = Proof(channel=Channel.SESSION, credential="9f2c" * 16)
TOKEN = Proof(channel=Channel.TOKEN, credential="tok_0123456789ab")
OPERATOR = Proof(channel=Channel.CLI, os_user="registry-ops")


def drafter(registry: Registry) -> Registry:
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}))
    return registry


def draft(registry: Registry, item_id: str = ITEM) -> DraftItem:
    return DraftItem(
        item_id=item_id,
        actor=registry.actor("李财政"),
        at=now(),
        domain="财政预决算",
        elements=ItemElements(name="政府预算"),
    )


def proof_in_history(registry: Registry, item_id: str = ITEM) -> list[tuple[Any, ...]]:
    with registry.store.reading() as conn:
        return [(r["action"], r["channel"], r["credential"], r["os_user"]) for r in query.history(conn, item_id)]


def test_a_token_act_records_the_token_id_with_its_events(registry: Registry) -> None:
    drafter(registry).execute(draft(registry), proof=TOKEN)

    with registry.store.reading() as conn:
        (event,) = registry.store.read_stream(conn, ITEM)
    assert (event.metadata.channel, event.metadata.credential, event.metadata.os_user) == (
        "token",
        "tok_0123456789ab",
        None,
    )


def test_the_history_shows_each_act_with_how_its_actor_was_proven(registry: Registry) -> None:
    drafter(registry).execute(draft(registry), proof=SESSION)
    registry.execute(DiscardItem(item_id=ITEM, actor=registry.actor("李财政"), at=now()), proof=OPERATOR)

    assert proof_in_history(registry) == [
        ("draft", "session", "9f2c" * 16, None),
        ("discard", "cli", None, "registry-ops"),
    ]


def test_an_act_without_a_proof_reads_cli(registry: Registry) -> None:
    drafter(registry).execute(draft(registry))

    assert proof_in_history(registry) == [("draft", "cli", None, None)]


def test_a_batch_records_its_proof_with_every_command(registry: Registry) -> None:
    drafter(registry).execute_all([draft(registry), draft(registry, OTHER)], proof=OPERATOR)

    assert proof_in_history(registry) + proof_in_history(registry, OTHER) == [
        ("draft", "cli", None, "registry-ops"),
        ("draft", "cli", None, "registry-ops"),
    ]


def test_migrating_a_history_from_before_reads_cli_or_what_the_metadata_says(registry: Registry) -> None:
    drafter(registry).execute(draft(registry))
    registry.execute(draft(registry, OTHER), proof=TOKEN)
    command.downgrade(alembic_config(registry.engine), "0003")

    upgrade(registry.engine)

    assert proof_in_history(registry) + proof_in_history(registry, OTHER) == [
        ("draft", "cli", None, None),
        ("draft", "token", "tok_0123456789ab", None),
    ]
    assert verify(registry.store).projection_problems == [], "the migrated history differs from a fresh fold"
