"""Password hashing with scrypt from Python's standard library.

argon2-cffi and bcrypt are not in the environment; ``hashlib.scrypt`` (OpenSSL's) is a
memory-hard function recommended by OWASP next to Argon2id, needs no new dependency, and is
reviewed as part of CPython and OpenSSL. Each hash carries its own salt and cost parameters,
so the cost can be raised later and old hashes still verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# N=2^15, r=8: 32 MiB and about 0.1 s per hash on this machine; enough to make guessing
# expensive without making sign-in slow.
COST = 2**15
BLOCK_SIZE = 8
PARALLELISM = 1
KEY_LENGTH = 32
MIN_LENGTH = 12


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r, dklen=KEY_LENGTH
    )


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64), a fresh 16-byte salt per call."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, COST, BLOCK_SIZE, PARALLELISM)
    encode = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return f"scrypt${COST}${BLOCK_SIZE}${PARALLELISM}${encode(salt)}${encode(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")


def random_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 bits
