"""Signed checkpoints (tree heads): the signing key, and the checkpoints table."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from sqlalchemy import Connection, select

from events import driver, merkle, merkle_store
from events.merkle import Key
from events.message import N_, Message
from events.proof import checkpoint_body
from events.schema import checkpoints
from events.timestamp import format_time

_COLUMNS = tuple(column.name for column in checkpoints.columns)
_AT_SIZE = f"SELECT {', '.join(_COLUMNS)} FROM checkpoints WHERE size = ?"
_INSERT = f"INSERT INTO checkpoints ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


class SigningKeyError(Exception):
    """The signing key file is missing, unreadable or not an Ed25519 key. A template (marked with N_) and its
    arguments: `str()` is the English, `text` what the CLI shows in the reader's language."""

    def __init__(self, template: str, /, **arguments: object) -> None:
        self.text = Message(template, **arguments)
        super().__init__(str(self.text))


@dataclass(frozen=True)
class Signer:
    """The registry's Ed25519 signing key and the origin line of its checkpoints."""

    key: Ed25519PrivateKey
    origin: str

    @property
    def public_key(self) -> str:
        raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return base64.b64encode(raw).decode()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, size: int, root: bytes, signed_at: str) -> str:
        return base64.b64encode(self.key.sign(checkpoint_body(self.origin, size, root, signed_at))).decode()


def key_id(public_key: str) -> str:
    """A short name of a public key (base64 of its raw bytes): the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


def create_key(path: Path) -> bool:
    """Write a new Ed25519 private key to `path` (owner-only) unless one exists; True if it created one."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return True


def load_signer(path: Path, origin: str) -> Signer:
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise SigningKeyError(N_("cannot read the signing key {path}: {error}"), path=path, error=error) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(N_("{path} is not an Ed25519 private key"), path=path)
    return Signer(key, origin)


def record(
    conn: Connection,
    signer: Signer,
    size: int,
    now: datetime | None = None,
    frontier: Mapping[Key, bytes] | None = None,
) -> dict[str, Any]:
    """Sign and store the checkpoint of the tree of `size` leaves (once per size). Call inside a write transaction.

    `frontier`: the tree's frontier nodes when the caller has them (the append that made the tree keeps them),
    from which the root is computed without reading the tree.
    """
    found = driver.fetch_one(conn, _AT_SIZE, (size,))
    if found is not None:
        return dict(zip(_COLUMNS, found, strict=True))
    if frontier is not None:
        nodes = frontier
        root = merkle.root(size, lambda level, index: nodes[(level, index)])
    else:
        root = merkle_store.root(conn, size)
    signed_at = format_time(now or datetime.now(UTC))
    row = {
        "size": size,
        "root": root.hex(),
        "origin": signer.origin,
        "signed_at": signed_at,
        "signature": signer.sign(size, root, signed_at),
        "public_key": signer.public_key,
    }
    driver.execute(conn, _INSERT, [row[column] for column in _COLUMNS])
    return row


def latest(conn: Connection, size: int | None = None) -> dict[str, Any] | None:
    """The checkpoint of `size`, or the newest one."""
    query = select(checkpoints)
    query = query.where(checkpoints.c.size == size) if size is not None else query.order_by(checkpoints.c.size.desc())
    row = conn.execute(query.limit(1)).first()
    return dict(row._mapping) if row else None


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint in the proof files' shape (base64 root)."""
    return {
        "origin": row["origin"],
        "size": row["size"],
        "root": base64.b64encode(bytes.fromhex(row["root"])).decode(),
        "signedAt": row["signed_at"],
        "signature": row["signature"],
        "publicKey": row["public_key"],
    }
