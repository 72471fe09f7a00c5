"""No public change without the registry's signature: the key on record, its rotation, and what verify checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select

from events import checkpoint, merkle_store
from events.checkpoint import Signer, SigningKeyError
from events.event import ReviewStage
from events.schema import checkpoints
from events.timestamp import format_time
from projections import signing_keys
from projections.schema import signing_keys as signing_keys_table
from registry.actor import Role
from registry.audit import verify
from registry.items.command import ApproveItem, ItemCommand, PassReview, PublishItem, SubmitItem
from registry.rules import Rule, RuleViolation
from registry.service import Registry, now
from tests.registry.test_service import ACTORS, ITEM, draft
from tests.signing import signer_for


@pytest.fixture
def approved(registry: Registry) -> Registry:
    """ITEM drafted, reviewed and approved, waiting for publication; an admin on record."""
    registry.register_actor("管理员", "政务服务局", frozenset({Role.ADMIN}))
    admin = registry.actor("管理员")
    for name, unit, role in ACTORS:
        registry.register_actor(name, unit, frozenset({role}), admin)
    draft(registry)
    steps: list[ItemCommand] = [
        SubmitItem(item_id=ITEM, actor=registry.actor("李财政"), at=now()),
        PassReview(item_id=ITEM, actor=registry.actor("孙初审"), at=now(), stage=ReviewStage.PRELIMINARY),
        PassReview(item_id=ITEM, actor=registry.actor("周法务"), at=now(), stage=ReviewStage.LEGALITY),
        ApproveItem(item_id=ITEM, actor=registry.actor("王审议"), at=now(), reference="2020年第15次政府常务会议"),
    ]
    for step in steps:
        registry.execute(step)
    return registry


def publish(registry: Registry) -> None:
    registry.execute(PublishItem(item_id=ITEM, actor=registry.actor("吴发布"), at=now()))


def another_signer(registry: Registry) -> Signer:
    return Signer(Ed25519PrivateKey.generate(), signer_for(registry.profile).origin)


def test_a_publication_without_the_signing_key_is_refused_and_writes_nothing(approved: Registry) -> None:
    unsigned = Registry(approved.engine, approved.profile, None)
    head = unsigned.store.head()

    with pytest.raises(SigningKeyError, match="not here"):
        publish(unsigned)

    assert unsigned.store.head() == head


def test_a_publication_signed_by_a_key_not_on_record_is_refused(approved: Registry) -> None:
    stranger = Registry(approved.engine, approved.profile, another_signer(approved))
    head = stranger.store.head()

    with pytest.raises(SigningKeyError, match="not this registry's current key"):
        publish(stranger)

    assert stranger.store.head() == head


def test_a_registry_with_no_key_on_record_publishes_nothing(approved: Registry) -> None:
    with approved.store.writing() as conn:
        conn.execute(delete(signing_keys_table))  # as a database from before keys were recorded

    with pytest.raises(SigningKeyError, match="no checkpoint signing key on record"):
        publish(approved)


def test_another_key_is_not_recorded_without_a_rotation(approved: Registry) -> None:
    stranger = Registry(approved.engine, approved.profile, another_signer(approved))

    with pytest.raises(RuleViolation, match="restore") as refusal:
        stranger.register_signing_key(approved.actor("管理员"))

    assert refusal.value.rule is Rule.SIGNING_KEY


def test_only_an_admin_rotates_the_key(approved: Registry) -> None:
    stranger = Registry(approved.engine, approved.profile, another_signer(approved))

    with pytest.raises(RuleViolation, match="admin"):
        stranger.register_signing_key(approved.actor("吴发布"), rotate=True)


def test_after_a_rotation_only_the_new_key_signs(approved: Registry) -> None:
    rotated = Registry(approved.engine, approved.profile, another_signer(approved))
    rotated.register_signing_key(approved.actor("管理员"), rotate=True)

    with pytest.raises(SigningKeyError):
        publish(approved)  # the old key
    publish(rotated)

    assert verify(rotated.store).ok


def test_checkpoints_of_a_retired_key_still_verify(approved: Registry) -> None:
    publish(approved)
    Registry(approved.engine, approved.profile, another_signer(approved)).register_signing_key(
        approved.actor("管理员"), rotate=True
    )

    result = verify(approved.store)

    assert result.ok, result.tree_problems


def test_verify_fails_when_a_public_change_has_no_checkpoint(approved: Registry) -> None:
    publish(approved)
    position = approved.store.head()[0]
    with approved.store.writing() as conn:
        conn.execute(delete(checkpoints).where(checkpoints.c.size == position))

    result = verify(approved.store)

    assert not result.ok
    assert any(f"public change at position {position}" in problem for problem in result.tree_problems)


def test_verify_fails_when_a_checkpoint_is_signed_by_a_key_the_log_never_registered(approved: Registry) -> None:
    publish(approved)
    stranger = another_signer(approved)
    with approved.store.writing() as conn:
        size = approved.store.head_in(conn)[0]
        conn.execute(delete(checkpoints).where(checkpoints.c.size == size))
        root = merkle_store.root(conn, size)
        signed_at = format_time(datetime.now(UTC))
        conn.execute(
            checkpoints.insert().values(
                size=size,
                root=root.hex(),
                origin=stranger.origin,
                signed_at=signed_at,
                signature=stranger.sign(size, root, signed_at),
                public_key=stranger.public_key,
            )
        )

    result = verify(approved.store)

    assert any("never registered" in problem for problem in result.tree_problems)


def test_the_key_on_record_is_the_one_the_registry_signs_with(approved: Registry) -> None:
    with approved.store.reading() as conn:
        current = signing_keys.current(conn)
        on_record = conn.execute(select(signing_keys_table.c.key_id)).scalars().all()

    assert current is not None and approved.signer is not None
    assert (current.key_id, on_record) == (approved.signer.key_id, [approved.signer.key_id])


def test_verify_fails_when_a_retired_key_signs_after_its_rotation(approved: Registry) -> None:
    retired = approved.signer
    assert retired is not None
    Registry(approved.engine, approved.profile, another_signer(approved)).register_signing_key(
        approved.actor("管理员"), rotate=True
    )
    approved.register_actor("赵财政", "财政局", frozenset({Role.DRAFTER}), approved.actor("管理员"))
    with approved.store.writing() as conn:  # whoever kept the old key signs the log as it is now
        checkpoint.record(conn, retired, approved.store.head_in(conn)[0])

    result = verify(approved.store)

    assert any("a retired key signs nothing new" in problem for problem in result.tree_problems), result.tree_problems
