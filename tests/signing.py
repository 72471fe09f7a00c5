"""The tests' signing key: every registry a test opens signs its checkpoints with it, in any process."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import Engine

from events.checkpoint import Signer
from registry.profile import Profile, load_profile
from registry.service import Registry

# Derived from a fixed phrase, so that a worker process signs with the key its parent recorded.
TEST_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"catalog-registry tests").digest())


def write_test_key(path: Path) -> None:
    """The tests' key as a key file (owner-only PEM): for a process that loads its key from a file, as the CLI does."""
    pem = TEST_KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.write_bytes(pem)
    path.chmod(0o600)


def signer_for(profile: Profile) -> Signer:
    return Signer(TEST_KEY, f"catalog-registry/{profile.jurisdiction}")


def signed_registry(engine: Engine, profile: Profile | None = None) -> Registry:
    """A registry on `engine` that signs with the tests' key, recorded in its log unless it already is."""
    profile = profile or load_profile()
    registry = Registry(engine, profile, signer_for(profile))
    registry.register_signing_key(None)
    return registry
