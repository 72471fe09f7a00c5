"""The verifiable log over GraphQL: signed checkpoints, and proofs a portal can hand to anyone to check."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from events.proof import ProofError, verify_checkpoint, verify_consistency, verify_inclusion
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, serving

PROOF = "proof { leafIdx treeSize root leafHash proof checkpoint { origin size root signedAt signature publicKey } }"


@pytest.fixture
def signed(registry: Registry) -> Iterator[tuple[Api, Office]]:
    """A registry that signs checkpoints, with two publications and an adjustment, served over HTTP."""
    office = Office(registry)
    office.publish_new("a-1")
    office.publish_new("b-2")
    office.publish_adjustment("a-1", content="新的公开内容")
    with serving(registry.engine, registry.profile) as api:
        yield api, office


def _b(text: str) -> bytes:
    return base64.b64decode(text)


def _checkpoint_key(checkpoint: dict[str, str]) -> tuple[int, bytes]:
    return verify_checkpoint(checkpoint, _b(checkpoint["publicKey"]))


def test_the_log_head_carries_the_latest_signed_checkpoint(signed: tuple[Api, Office]) -> None:
    api, _ = signed
    log = api.query(
        "{ log { position size root signedAt signature publicKey checkpoint { origin size root "
        "signedAt signature publicKey } } }"
    )["log"]
    assert log["size"] == log["checkpoint"]["size"] <= log["position"]
    size, root = _checkpoint_key(log["checkpoint"])
    assert (size, base64.b64encode(root).decode()) == (log["size"], log["root"])


def test_every_publication_has_a_checkpoint_and_they_page_newest_first(signed: tuple[Api, Office]) -> None:
    api, _ = signed
    first = api.query("{ checkpoints(first: 2) { edges { cursor node { size } } pageInfo { hasNextPage endCursor } } }")
    sizes = [edge["node"]["size"] for edge in first["checkpoints"]["edges"]]
    assert len(sizes) == 2 and sizes[0] > sizes[1]
    assert first["checkpoints"]["pageInfo"]["hasNextPage"]
    after = first["checkpoints"]["pageInfo"]["endCursor"]
    rest = api.query("query($a: CheckpointCursor) { checkpoints(after: $a) { edges { node { size } } } }", {"a": after})
    later = [edge["node"]["size"] for edge in rest["checkpoints"]["edges"]]
    assert len(later) == 2 and max(later) < min(sizes)  # the key's registration and three publications: four


def test_an_items_inclusion_proof_verifies_against_its_signed_checkpoint(signed: tuple[Api, Office]) -> None:
    api, _ = signed
    item = api.query('{ item(id: "a-1") { version ' + PROOF + " } }")["item"]
    proof = item["proof"]
    assert item["version"] == 2
    size, root = _checkpoint_key(proof["checkpoint"])
    assert (size, root) == (proof["treeSize"], _b(proof["root"]))
    verify_inclusion(proof["leafIdx"], size, _b(proof["leafHash"]), [_b(h) for h in proof["proof"]], root)


def test_there_is_no_proof_against_a_checkpoint_signed_before_the_version(signed: tuple[Api, Office]) -> None:
    api, _ = signed
    sizes = [
        e["node"]["size"] for e in api.query("{ checkpoints { edges { node { size } } } }")["checkpoints"]["edges"]
    ]
    item = api.query(f'{{ item(id: "a-1") {{ proof(size: {min(sizes)}) {{ treeSize }} }} }}')["item"]
    assert item == {"proof": None}


def test_a_consistency_proof_between_two_checkpoints_verifies(signed: tuple[Api, Office]) -> None:
    api, _ = signed
    sizes = sorted(
        e["node"]["size"] for e in api.query("{ checkpoints { edges { node { size } } } }")["checkpoints"]["edges"]
    )
    result = api.query(
        "query($f: TreeSize!, $t: TreeSize!) { consistency(from: $f, to: $t) { size1 size2 root1 root2 proof "
        "checkpoint1 { origin size root signedAt signature publicKey } "
        "checkpoint2 { origin size root signedAt signature publicKey } } }",
        {"f": sizes[0], "t": sizes[-1]},
    )["consistency"]
    size1, root1 = _checkpoint_key(result["checkpoint1"])
    size2, root2 = _checkpoint_key(result["checkpoint2"])
    verify_consistency(size1, size2, [_b(h) for h in result["proof"]], root1, root2)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, [_b(h) for h in result["proof"]], root2, root1)


def test_a_consistency_proof_needs_two_signed_sizes_in_order(signed: tuple[Api, Office]) -> None:
    api, _ = signed
    newest = api.query("{ log { size } }")["log"]["size"]
    # Size 1 is the signing key's registration, signed; size 2 registered an actor, which signs nothing.
    assert api.query(f"{{ consistency(from: 1, to: {newest}) {{ size1 }} }}")["consistency"] == {"size1": 1}
    assert api.query(f"{{ consistency(from: 2, to: {newest}) {{ size1 }} }}")["consistency"] is None
    assert api.query(f"{{ consistency(from: {newest}, to: 1) {{ size1 }} }}")["consistency"] is None
    [error] = api.refused("{ consistency(from: 0, to: 2) { size1 } }")
    assert "tree size must be at least 1 (got 0)" in error["message"]
