"""The tests' signing key: every registry a test opens signs its checkpoints with it, in any process."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from events.checkpoint import Signer
from registry.profile import Profile, load_profile
from registry.service import Registry

# Derived from a fixed phrase, so that a worker process signs with the key its parent recorded.
TEST_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"catalog-registry tests").digest())


def signer_for(profile: Profile) -> Signer:
    return Signer(TEST_KEY, f"catalog-registry/{profile.jurisdiction}")


def signed_registry(engine: Engine, profile: Profile | None = None) -> Registry:
    """A registry on `engine` that signs with the tests' key, recorded in its log unless it already is."""
    profile = profile or load_profile()
    registry = Registry(engine, profile, signer_for(profile))
    registry.register_signing_key(None)
    return registry
