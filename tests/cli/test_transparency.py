"""Signed checkpoints and proofs through the real CLI: prove on one machine, verify anywhere."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result

Cli = Callable[..., Result]


def _prove(cli: Cli, db: str, tmp_path: Path, *args: str) -> Path:
    done = cli("--db", db, "prove", *args, "--json")
    assert done.code == 0, done.err
    path = tmp_path / "proof.json"
    path.write_text(done.out)
    return path


def _public_key(cli: Cli, db: str) -> str:
    done = cli("--db", db, "key", "--public")
    assert done.code == 0, done.err
    return done.out.strip()


def test_init_creates_an_owner_only_signing_key_beside_the_database(cli: Cli, tmp_path: Path) -> None:
    assert cli("--db", "sqlite:///r.db", "init").code == 0
    key = tmp_path / "r.key"
    assert key.exists() and key.stat().st_mode & 0o077 == 0


def test_every_publication_records_a_signed_checkpoint(demo: str, cli: Cli, tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "demo.db") as conn:
        publishing = [
            p
            for (p,) in conn.execute(
                "SELECT position FROM events WHERE type IN ('ItemPublished', 'ItemRetired', 'AccountPublished', "
                "'SigningKeyRegistered') "
                "ORDER BY position"
            )
        ]
        sizes = [s for (s,) in conn.execute("SELECT size FROM checkpoints ORDER BY size")]
    assert publishing and sizes == publishing


def test_an_inclusion_proof_verifies_offline_with_the_public_key(demo: str, cli: Cli, tmp_path: Path) -> None:
    proof = _prove(cli, demo, tmp_path, "czj-yusuan")
    public_key = _public_key(cli, demo)
    (tmp_path / "demo.db").unlink()  # the verifier needs no database
    done = cli("verify-proof", str(proof), "--public-key", public_key)
    assert done.code == 0, done.err
    assert "ok: leaf" in done.out


def test_the_standalone_verifier_module_checks_the_same_file(demo: str, cli: Cli, tmp_path: Path) -> None:
    import subprocess
    import sys

    proof = _prove(cli, demo, tmp_path, "czj-yusuan")
    key = _public_key(cli, demo)
    done = subprocess.run(
        [sys.executable, "-m", "events.proof", str(proof), "--public-key", key],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "change",
    ["published content", "leaf hash", "proof hash", "tree size", "signature", "root"],
)
def test_a_changed_proof_file_fails_verification(demo: str, cli: Cli, tmp_path: Path, change: str) -> None:
    path = _prove(cli, demo, tmp_path, "czj-yusuan")
    document = json.loads(path.read_text())

    def flip(text: str) -> str:
        raw = bytearray(base64.b64decode(text))
        raw[3] ^= 0x10
        return base64.b64encode(bytes(raw)).decode()

    if change == "published content":
        document["event"]["payload"]["elements"]["name"] += "（改）"
    elif change == "leaf hash":
        document["leafHash"] = flip(document["leafHash"])
    elif change == "proof hash":
        document["proof"][0] = flip(document["proof"][0])
    elif change == "tree size":
        document["treeSize"] += 1
        document["checkpoint"]["size"] += 1
    elif change == "signature":
        document["checkpoint"]["signature"] = flip(document["checkpoint"]["signature"])
    else:
        document["root"] = document["checkpoint"]["root"] = flip(document["root"])
    path.write_text(json.dumps(document, ensure_ascii=False))
    done = cli("verify-proof", str(path), "--public-key", _public_key(cli, demo))
    assert done.code == 6
    assert "verification FAILED" in done.err


def test_a_consistency_proof_between_two_checkpoints_verifies(demo: str, cli: Cli, tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "demo.db") as conn:
        sizes = [s for (s,) in conn.execute("SELECT size FROM checkpoints ORDER BY size")]
    path = _prove(cli, demo, tmp_path, "--consistency", str(sizes[0]), str(sizes[-1]))
    done = cli("verify-proof", str(path), "--public-key", _public_key(cli, demo))
    assert done.code == 0, done.err
    assert f"extends the signed tree of size {sizes[0]}" in done.out


def test_a_root_computed_independently_from_the_event_hashes_equals_the_head(
    demo: str, cli: Cli, tmp_path: Path
) -> None:
    with sqlite3.connect(tmp_path / "demo.db") as conn:
        leaves = [bytes.fromhex(h) for (h,) in conn.execute("SELECT hash FROM events ORDER BY position")]

    def mth(d: list[bytes]) -> bytes:
        if len(d) == 1:
            return hashlib.sha256(b"\x00" + d[0]).digest()
        k = 1 << ((len(d) - 1).bit_length() - 1)
        return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()

    head = json.loads(cli("--db", demo, "head", "--json").out)
    assert 0 < head["size"] <= len(leaves)
    assert base64.b64decode(head["root"]) == mth(leaves[: head["size"]])


@pytest.mark.parametrize("table", ["merkle_nodes", "checkpoints"])
def test_tampering_with_the_tree_or_a_checkpoint_fails_verify(demo: str, cli: Cli, tmp_path: Path, table: str) -> None:
    with sqlite3.connect(tmp_path / "demo.db") as conn:
        if table == "merkle_nodes":
            conn.execute('UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 1 AND "index" = 3')
        else:
            conn.execute(
                "UPDATE checkpoints SET signed_at = '2020-01-01T00:00:00.000000Z' "
                "WHERE size = (SELECT MIN(size) FROM checkpoints)"
            )
    done = cli("--db", demo, "verify", "--json")
    assert done.code == 6
    problems = json.loads(done.out)["tree_problems"]
    expected = "Merkle node (level 1, index 3)" if table == "merkle_nodes" else "signature does not verify"
    assert any(expected in problem for problem in problems), problems
