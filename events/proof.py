"""The offline verifier: checks inclusion and consistency proofs (RFC 9162 §2.1) and signed checkpoints.

This module needs only the standard library and `cryptography`, and no database, so that anyone can read it in
one sitting and check a proof file the registry handed out:

    python -m events.proof PROOF.json --public-key KEY      (or: registry verify-proof PROOF.json --public-key KEY)

A proof file is JSON. An inclusion proof: {"type": "inclusion", "leafIdx", "treeSize", "root", "leafHash",
"proof": [...], "event": {the stored event row}, "checkpoint": {...}}; a consistency proof: {"type":
"consistency", "size1", "size2", "root1", "root2", "proof": [...], "checkpoint1": {...}, "checkpoint2": {...}}.
Hashes are base64. A checkpoint is {"origin", "size", "root", "signedAt", "signature", "publicKey"}; its
signature is Ed25519 over the note body "ORIGIN\\nSIZE\\nROOT\\ntime SIGNED_AT\\n" (a C2SP tlog checkpoint).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class ProofError(Exception):
    """The proof, checkpoint or file does not verify; the message says what."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _decompose(index: int, size: int) -> tuple[int, int]:
    """(inner, border): how an inclusion proof of `index` in a tree of `size` splits."""
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, sibling in enumerate(proof):
        seed = node_hash(seed, sibling) if (index >> i) & 1 == 0 else node_hash(sibling, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, sibling in enumerate(proof):
        if (index >> i) & 1 == 1:
            seed = node_hash(sibling, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for sibling in proof:
        seed = node_hash(sibling, seed)
    return seed


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that an inclusion proof of leaf hash `leaf` at `index` implies for a tree of `size`."""
    if index < 0 or index >= size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    if len(leaf) != 32:
        raise ProofError(f"a leaf hash has 32 bytes, not {len(leaf)}")
    inner, border = _decompose(index, size)
    if len(proof) != inner + border:
        raise ProofError(f"the proof has {len(proof)} hashes; {inner + border} expected")
    if any(len(h) != 32 for h in proof):
        raise ProofError("a proof hash does not have 32 bytes")
    return _chain_border_right(_chain_inner(leaf, proof[:inner], index), proof[inner:])


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise ProofError unless `proof` shows leaf hash `leaf` at `index` in the tree of `size` with `root`."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError("the inclusion proof does not lead to the root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Raise ProofError unless `proof` shows the tree of `size2` with `root2` extends the tree of `size1`."""
    if size1 < 1:
        raise ProofError("a consistency proof starts from a tree of at least one leaf")
    if size2 < size1:
        raise ProofError(f"size2 ({size2}) is smaller than size1 ({size1})")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if root1 != root2:
            raise ProofError("equal sizes but different roots")
        return
    if not proof:
        raise ProofError("the proof is empty")
    if any(len(h) != 32 for h in proof):
        raise ProofError("a proof hash does not have 32 bytes")
    inner, border = _decompose(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    seed, start = (root1, 0) if size1 == 1 << shift else (proof[0], 1)
    if len(proof) != start + inner + border:
        raise ProofError(f"the proof has {len(proof)} hashes; {start + inner + border} expected")
    rest = proof[start:]
    mask = (size1 - 1) >> shift
    first = _chain_border_right(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    if first != root1:
        raise ProofError("the proof does not lead to the first root")
    second = _chain_border_right(_chain_inner(seed, rest[:inner], mask), rest[inner:])
    if second != root2:
        raise ProofError("the proof does not lead to the second root")


# -- checkpoints and events ------------------------------------------------------------------------------------


def checkpoint_body(origin: str, size: int, root: bytes, signed_at: str) -> bytes:
    """The signed text of a checkpoint (a C2SP tlog-checkpoint note body with a time extension line)."""
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\ntime {signed_at}\n".encode()


def verify_checkpoint(checkpoint: dict[str, Any], public_key: bytes) -> tuple[int, bytes]:
    """Check a checkpoint's signature with `public_key` (32 raw bytes); returns (size, root)."""
    try:
        size, root = int(checkpoint["size"]), _b64(checkpoint["root"])
        body = checkpoint_body(str(checkpoint["origin"]), size, root, str(checkpoint["signedAt"]))
        signature = _b64(checkpoint["signature"])
    except (KeyError, TypeError, ValueError) as error:
        raise ProofError(f"malformed checkpoint: {error}") from error
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, body)
    except (InvalidSignature, ValueError) as error:
        raise ProofError("the checkpoint's signature does not verify with this public key") from error
    return size, root


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def event_hash(event: dict[str, Any]) -> bytes:
    """The hash of a stored event row: SHA-256 over the canonical JSON of its fields, `hash` excluded."""
    fields = (
        "command_id",
        "metadata",
        "payload",
        "position",
        "prev_hash",
        "recorded_at",
        "schema_version",
        "stream_id",
        "type",
        "version",
    )
    try:
        return hashlib.sha256(_canonical({name: event[name] for name in fields})).digest()
    except KeyError as error:
        raise ProofError(f"the event lacks the field {error}") from error


def _b64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise ValueError(f"invalid base64 {text!r}") from error


def read_public_key(text: str) -> bytes:
    """A public key given as base64 of the 32 raw bytes, as a PEM block, or as the path of a file holding either."""
    candidate = text.strip()
    path = Path(candidate)
    if len(candidate) < 4096 and path.is_file():
        candidate = path.read_text("utf-8").strip()
    if candidate.startswith("-----BEGIN"):
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

        key = load_pem_public_key(candidate.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ProofError("the public key is not an Ed25519 key")
        return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        raw = _b64(candidate)
    except ValueError as error:
        raise ProofError(f"cannot read the public key: {error}") from error
    if len(raw) != 32:
        raise ProofError(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
    return raw


def verify_document(document: dict[str, Any], public_key: bytes) -> str:
    """Verify a proof file's content completely; returns a one-line summary or raises ProofError."""
    try:
        kind = document["type"]
        proof = [_b64(h) for h in document["proof"]]
        if kind == "inclusion":
            size, root = verify_checkpoint(document["checkpoint"], public_key)
            index, tree_size = int(document["leafIdx"]), int(document["treeSize"])
            leaf = _b64(document["leafHash"])
            if tree_size != size or _b64(document["root"]) != root:
                raise ProofError("the proof is not against the signed checkpoint (size or root differ)")
            if "event" in document:
                event = document["event"]
                if leaf != leaf_hash(event_hash(event)):
                    raise ProofError("the event's contents do not hash to the proof's leaf")
                if int(event["position"]) != index + 1:
                    raise ProofError("the event's position does not match the leaf index")
            verify_inclusion(index, tree_size, leaf, proof, root)
            return f"ok: leaf {index} is in the signed tree of size {tree_size}"
        if kind == "consistency":
            size1, root1 = verify_checkpoint(document["checkpoint1"], public_key)
            size2, root2 = verify_checkpoint(document["checkpoint2"], public_key)
            if (size1, size2) != (int(document["size1"]), int(document["size2"])):
                raise ProofError("the proof's sizes are not those of the signed checkpoints")
            if (root1, root2) != (_b64(document["root1"]), _b64(document["root2"])):
                raise ProofError("the proof's roots are not those of the signed checkpoints")
            verify_consistency(size1, size2, proof, root1, root2)
            return f"ok: the signed tree of size {size2} extends the signed tree of size {size1}"
    except (KeyError, TypeError, ValueError) as error:
        raise ProofError(f"malformed proof file: {error!r}") from error
    raise ProofError(f"unknown proof type {kind!r}")


def verify_file(path: Path, public_key: bytes) -> str:
    try:
        document = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProofError(f"cannot read {path}: {error}") from error
    if not isinstance(document, dict):
        raise ProofError(f"{path} does not hold a JSON object")
    return verify_document(document, public_key)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a registry proof file offline.")
    parser.add_argument("file", type=Path)
    parser.add_argument("--public-key", required=True, help="base64, PEM, or a file holding either")
    args = parser.parse_args(argv)
    try:
        print(verify_file(args.file, read_public_key(args.public_key)))
    except ProofError as error:
        print(f"verification FAILED: {error}", file=sys.stderr)
        return 6
    return 0


if __name__ == "__main__":
    sys.exit(main())
