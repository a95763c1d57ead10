"""Keyed pseudonyms for analysts: HMAC-SHA256 tokens instead of names and identifiers.

The key lives outside the warehouse: ``$COUNCIL_PSEUDONYM_KEY`` (hex), else a random key
created once in ``<state>/pseudonym.key`` (owner-only). Without it a token cannot be turned
back into the value, nor can a guessed value be checked against a token; with it the same
value always gives the same token, so analysts can still link and count.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from datetime import date
from pathlib import Path

from warehouse.access.state import private_dir

KEY_ENV = "COUNCIL_PSEUDONYM_KEY"
KEY_FILE = "pseudonym.key"


def load_key(state: Path) -> bytes:
    if os.environ.get(KEY_ENV):
        return bytes.fromhex(os.environ[KEY_ENV])
    path = private_dir(state) / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "w") as out:
        out.write(key.hex())
    return key


class Pseudonymiser:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a pseudonymisation key needs at least 16 bytes")
        self._key = key

    def token(self, kind: str, value) -> str | None:
        """``kind`` keeps a resident id and a UPRN with the same digits from sharing a token."""
        if value is None or (isinstance(value, float) and value != value):
            return None
        digest = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).digest()
        return f"{kind[:1].upper()}-" + base64.b32encode(digest[:10]).decode("ascii")

    @staticmethod
    def birth_month(value) -> str | None:
        """Date of birth degraded to its month, as regional children's pipelines do."""
        if value is None or value != value:
            return None
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        return f"{day:%Y-%m}"

    @staticmethod
    def postcode_sector(value) -> str | None:
        """``NW2 3LN`` -> ``NW2 3``: a few thousand households, not fifteen."""
        if not value or value != value:
            return None
        outward, _, inward = str(value).strip().upper().partition(" ")
        return f"{outward} {inward[:1]}".strip()
