"""The deployment's webhook key: 32 random bytes in an owner-only file, kept out of the database like the checkpoint
signing key. Each subscription's signing secret is derived from it (registry.push.webhook.derive_secret)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_BYTES = 32


def load_key(path: Path) -> bytes | None:
    """The webhook key at `path`, or None when there is none yet."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(key) != KEY_BYTES:
        raise ValueError(f"{path} is not a webhook key ({len(key)} bytes, not {KEY_BYTES})")
    return key


def ensure_key(path: Path) -> tuple[bytes, bool]:
    """The webhook key at `path`, created (owner-only) when missing; and whether it was created now."""
    key = load_key(path)
    if key is not None:
        return key, False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    with open(path, "xb", opener=lambda name, flags: os.open(name, flags, 0o600)) as file:
        file.write(key)
    return key, True
