"""The Merkle tree: RFC 9162 test vectors through the offline verifier, and properties of generated proofs."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import merkle
from events.proof import ProofError, leaf_hash, node_hash, verify_consistency, verify_inclusion

# RFC 6962/9162 test vectors from transparency-dev/merkle (Apache-2.0, see tests/data/merkle/README.md).
VECTORS = Path(__file__).resolve().parents[1] / "data" / "merkle"


def _vectors(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json"))


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def test_the_test_vectors_are_there() -> None:
    assert len(_vectors("inclusion")) > 50 and len(_vectors("consistency")) > 50


@pytest.mark.parametrize("path", _vectors("inclusion"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_verifier_decides_each_inclusion_vector_as_expected(path: Path) -> None:
    vector = json.loads(path.read_text())
    proof = [_b64(h) for h in vector["proof"] or []]
    try:
        verify_inclusion(vector["leafIdx"], vector["treeSize"], _b64(vector["leafHash"]), proof, _b64(vector["root"]))
        accepted = True
    except ProofError:
        accepted = False
    assert accepted is not vector["wantErr"], vector["desc"]


@pytest.mark.parametrize("path", _vectors("consistency"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_verifier_decides_each_consistency_vector_as_expected(path: Path) -> None:
    vector = json.loads(path.read_text())
    proof = [_b64(h) for h in vector["proof"] or []]
    try:
        verify_consistency(vector["size1"], vector["size2"], proof, _b64(vector["root1"]), _b64(vector["root2"]))
        accepted = True
    except ProofError:
        accepted = False
    assert accepted is not vector["wantErr"], vector["desc"]


def _reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1, independent of the stored-node code."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def _tree(leaves: list[bytes], batches: list[int]) -> dict[merkle.Key, bytes]:
    """Grow a tree the way the store does: several appends of varying sizes."""
    nodes: dict[merkle.Key, bytes] = {}
    start = 0
    for size in [*batches, len(leaves)]:
        end = min(len(leaves), start + max(size, 1))
        if start >= end:
            break
        frontier = {key: nodes[key] for key in merkle.frontier(start)}
        nodes.update(merkle.grow(start, leaves[start:end], frontier))
        start = end
    return nodes


logs = st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=40)
batches = st.lists(st.integers(min_value=1, max_value=7), max_size=10)


@settings(max_examples=60, deadline=None)
@given(leaves=logs, chunks=batches)
def test_the_incremental_tree_gives_the_rfc_root_for_every_size(leaves: list[bytes], chunks: list[int]) -> None:
    nodes = _tree(leaves, chunks)
    for size in range(1, len(leaves) + 1):
        assert merkle.root(size, lambda level, index: nodes[(level, index)]) == _reference_root(leaves[:size])


@settings(max_examples=40, deadline=None)
@given(leaves=logs, chunks=batches)
def test_every_inclusion_proof_verifies(leaves: list[bytes], chunks: list[int]) -> None:
    nodes = _tree(leaves, chunks)
    get = lambda level, index: nodes[(level, index)]  # noqa: E731
    for size in range(1, len(leaves) + 1):
        root = merkle.root(size, get)
        for index in range(size):
            proof = merkle.inclusion_path(index, 0, size, get)
            verify_inclusion(index, size, leaf_hash(leaves[index]), proof, root)


@settings(max_examples=40, deadline=None)
@given(leaves=logs)
def test_every_consistency_proof_between_any_two_sizes_verifies(leaves: list[bytes]) -> None:
    nodes = _tree(leaves, [])
    get = lambda level, index: nodes[(level, index)]  # noqa: E731
    for size2 in range(1, len(leaves) + 1):
        for size1 in range(1, size2 + 1):
            proof = merkle.consistency_path(size1, 0, size2, True, get) if size1 < size2 else []
            verify_consistency(size1, size2, proof, merkle.root(size1, get), merkle.root(size2, get))


def _flip(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[bit // 8 % len(data)] ^= 1 << (bit % 8)
    return bytes(data)


@settings(max_examples=80, deadline=None)
@given(leaves=st.lists(st.binary(min_size=32, max_size=32), min_size=2, max_size=30), data=st.data())
def test_a_flipped_bit_in_an_inclusion_proof_fails(leaves: list[bytes], data: st.DataObject) -> None:
    nodes = _tree(leaves, [])
    get = lambda level, index: nodes[(level, index)]  # noqa: E731
    size = data.draw(st.integers(min_value=2, max_value=len(leaves)))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    root, leaf = merkle.root(size, get), leaf_hash(leaves[index])
    proof = merkle.inclusion_path(index, 0, size, get)
    # Size and index are bound by the signed checkpoint and the event itself (see tests/cli/test_transparency.py).
    target = data.draw(st.sampled_from(["leaf", "root", "path"]))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    if target == "leaf":
        leaf = _flip(leaf, bit)
    elif target == "root":
        root = _flip(root, bit)
    else:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        proof[at] = _flip(proof[at], bit)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf, proof, root)


@settings(max_examples=80, deadline=None)
@given(leaves=st.lists(st.binary(min_size=32, max_size=32), min_size=3, max_size=30), data=st.data())
def test_a_flipped_bit_in_a_consistency_proof_fails(leaves: list[bytes], data: st.DataObject) -> None:
    nodes = _tree(leaves, [])
    get = lambda level, index: nodes[(level, index)]  # noqa: E731
    size2 = data.draw(st.integers(min_value=2, max_value=len(leaves)))
    size1 = data.draw(st.integers(min_value=1, max_value=size2 - 1))
    root1, root2 = merkle.root(size1, get), merkle.root(size2, get)
    proof = merkle.consistency_path(size1, 0, size2, True, get)
    target = data.draw(st.sampled_from(["root1", "root2", "path"]))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    if target == "root1":
        root1 = _flip(root1, bit)
    elif target == "root2":
        root2 = _flip(root2, bit)
    else:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        proof[at] = _flip(proof[at], bit)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, root1, root2)
