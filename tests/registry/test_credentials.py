"""Secrets as registry/credentials.py makes and checks them: token format and checksum, password strength, Argon2id
parameters and rehashing. No database."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from registry.credentials import (
    PASSWORD_MIN_LENGTH,
    WeakPassword,
    digest,
    hash_password,
    needs_rehash,
    new_token,
    password_matches,
    require_strong,
    well_formed_token,
)

PASSWORD = "correct horse battery"


def test_a_token_is_rgt_then_43_base62_characters_then_a_6_character_checksum() -> None:
    token_id, secret = new_token()

    assert re.fullmatch(r"rgt_[0-9A-Za-z]{49}", secret)
    assert re.fullmatch(r"tok_[0-9a-f]{12}", token_id)
    assert well_formed_token(secret)


def test_two_tokens_share_neither_id_nor_secret() -> None:
    (first_id, first), (second_id, second) = new_token(), new_token()

    assert first_id != second_id
    assert first != second


def test_a_token_with_one_character_changed_fails_its_checksum() -> None:
    _, secret = new_token()
    position = len("rgt_") + 10
    changed = secret[:position] + ("A" if secret[position] != "A" else "B") + secret[position + 1 :]

    assert not well_formed_token(changed)


@pytest.mark.parametrize(
    "text", ["", "rgt_", "Bearer rgt_abc", "ghp_" + "a" * 49, "rgt_" + "a" * 48, "rgt_" + "!" * 49, "tok_0123456789ab"]
)
def test_what_is_not_a_token_is_not_well_formed(text: str) -> None:
    assert not well_formed_token(text)


def test_a_digest_is_the_sha256_of_the_secret_and_not_the_secret() -> None:
    _, secret = new_token()

    kept = digest(secret)

    assert re.fullmatch(r"[0-9a-f]{64}", kept)
    assert secret not in kept
    assert kept == digest(secret)


def test_a_password_of_11_characters_is_weak() -> None:
    with pytest.raises(WeakPassword, match=str(PASSWORD_MIN_LENGTH)):
        require_strong("a" * (PASSWORD_MIN_LENGTH - 1))


def test_a_password_of_12_blanks_is_weak() -> None:
    with pytest.raises(WeakPassword):
        require_strong(" " * PASSWORD_MIN_LENGTH)


def test_a_password_of_12_characters_is_strong_enough() -> None:
    require_strong("春眠不觉晓处处闻啼鸟夜来")


def test_a_weak_password_is_never_hashed() -> None:
    with pytest.raises(WeakPassword):
        hash_password("short")


def test_a_password_is_hashed_with_argon2id_at_least_at_owasps_minimum() -> None:
    stored = hash_password(PASSWORD)

    parameters = extract_parameters(stored)
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= 19 * 1024
    assert parameters.time_cost >= 2
    assert PASSWORD not in stored


def test_the_password_matches_its_hash_and_another_does_not() -> None:
    stored = hash_password(PASSWORD)

    assert password_matches(stored, PASSWORD)
    assert not password_matches(stored, PASSWORD + "!")


def test_no_hash_matches_no_password() -> None:
    assert not password_matches(None, PASSWORD)


def test_a_damaged_hash_matches_nothing() -> None:
    assert not password_matches("$argon2id$not-a-hash", PASSWORD)


def test_a_hash_made_with_weaker_parameters_needs_rehashing() -> None:
    weaker = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1).hash(PASSWORD)

    assert needs_rehash(weaker)
    assert password_matches(weaker, PASSWORD)


def test_a_hash_made_today_needs_no_rehashing() -> None:
    assert not needs_rehash(hash_password(PASSWORD))
