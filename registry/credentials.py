"""Secrets: password hashes (Argon2id), API tokens and session ids. Made here, checked here, never stored as given.

No I/O: the tables that keep the hashes and digests are registry/access.py's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zlib
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from events.message import N_, Message

PASSWORD_MIN_LENGTH = 12
TOKEN_PREFIX = "rgt_"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SECRET_LENGTH = 43  # 32 random bytes in base62
_CHECKSUM_LENGTH = 6  # CRC32 in base62: a scanner can tell a real token from a random string without a database

# argon2-cffi's defaults (Argon2id, t=3, m=64 MiB, p=4) exceed OWASP's minimum (m=19 MiB, t=2, p=1).
_HASHER = PasswordHasher()


@cache
def _unknown() -> str:
    """Checked against when the name is unknown, so that an unknown name costs what a wrong password costs (made
    when first needed: a command that checks no password does not pay for it)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class WeakPassword(ValueError):
    """A password that is too short or blank. A template and its arguments, as for NotFound (registry/missing.py)."""

    def __init__(self, template: str, /, **arguments: object) -> None:
        self.text = Message(template, **arguments)
        super().__init__(str(self.text))


def require_strong(password: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH or not password.strip():
        raise WeakPassword(N_("a password has at least {count} characters"), count=PASSWORD_MIN_LENGTH)


def hash_password(password: str) -> str:
    require_strong(password)
    return _HASHER.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    """Whether `password` is the one `stored` hashes; with no hash (an unknown name), the same work and False."""
    try:
        return _HASHER.verify(stored or _unknown(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when `stored` was made with weaker parameters than today's: hash the password again at sign-in."""
    return _HASHER.check_needs_rehash(stored)


def _base62(number: int, length: int) -> str:
    digits = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), _CHECKSUM_LENGTH)


def new_token() -> tuple[str, str]:
    """(token id, secret): the id names the token in lists and the log; the secret is shown once and never stored."""
    body = _base62(int.from_bytes(secrets.token_bytes(32), "big"), _SECRET_LENGTH)
    return "tok_" + secrets.token_hex(6), TOKEN_PREFIX + body + _checksum(body)


def well_formed_token(secret: str) -> bool:
    """The shape and checksum of a token, checked before any database is asked."""
    body, check = secret[len(TOKEN_PREFIX) : -_CHECKSUM_LENGTH], secret[-_CHECKSUM_LENGTH:]
    return (
        secret.startswith(TOKEN_PREFIX)
        and len(body) == _SECRET_LENGTH
        and all(c in _BASE62 for c in body)
        and hmac.compare_digest(check, _checksum(body))
    )


def digest(secret: str) -> str:
    """What the database keeps of a token or a session id: SHA-256 (the secret has 256 random bits, so a plain
    digest suffices; only a password needs a slow hash)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(session_id: str) -> str:
    """The session's CSRF token: derived from the session id, so only its holder can know it, and nothing to store."""
    return hashlib.sha256(b"csrf\0" + session_id.encode()).hexdigest()
