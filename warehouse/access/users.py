"""Dashboard users, kept in ``<state>/users.json`` outside the rebuilt warehouse.

One small JSON file is enough for a council's few hundred users; writes take a file lock and
replace the file atomically, so two ``council users add`` runs, or the app recording a failed
sign-in, never lose each other's changes.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from warehouse.access.passwords import check_strength, hash_password, verify_password
from warehouse.access.roles import Role, User
from warehouse.access.state import private_dir
from warehouse.files import replace_durably

USERS_FILE = "users.json"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# After this many wrong passwords in a row an account waits LOCKOUT_S before the next try.
MAX_FAILURES = 5
LOCKOUT_S = 300
# Verifying against a throwaway hash when the name is unknown takes as long as a real check,
# so response time does not tell a guesser which names exist.
_DUMMY_HASH = hash_password("not a real password, never matches")


class UserError(ValueError):
    """A user could not be added or changed; the message is for a person."""


class UserStore:
    def __init__(self, state: Path) -> None:
        self.path = state / USERS_FILE
        self._lock_path = state / (USERS_FILE + ".lock")

    @contextmanager
    def _locked(self) -> Iterator[dict]:
        private_dir(self.path.parent)
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            yield data
            temporary = self.path.with_suffix(".json.tmp")
            with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
                json.dump(data, out, indent=2, sort_keys=True)
            replace_durably(temporary, self.path)

    def _read(self) -> dict:
        if not self.path.exists():
            return {"users": {}}
        return json.loads(self.path.read_text())

    def add(self, name: str, role: Role | str, password: str, service: str | None = None, *, replace: bool = False) -> User:
        if not NAME_PATTERN.match(name):
            raise UserError("a user name is 2 to 64 lower-case letters, digits, dots, dashes or underscores")
        try:
            user = User(name, Role(role), service or None)
        except ValueError as error:
            raise UserError(str(error)) from None
        try:
            check_strength(password)
        except ValueError as error:
            raise UserError(str(error)) from None
        with self._locked() as data:
            if name in data["users"] and not replace:
                raise UserError(f"user {name} already exists")
            data["users"][name] = {
                "role": str(user.role),
                "service": user.service,
                "password": hash_password(password),
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "failures": 0,
                "locked_until": 0,
            }
        return user

    def get(self, name: str) -> User | None:
        record = self._read()["users"].get(name)
        return None if record is None else User(name, Role(record["role"]), record["service"])

    def users(self) -> list[User]:
        return [User(name, Role(r["role"]), r["service"]) for name, r in sorted(self._read()["users"].items())]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is right and the account is not locked out; else None."""
        record = self._read()["users"].get(name)
        if record is None:
            verify_password(password, _DUMMY_HASH)
            return None
        if record.get("locked_until", 0) > time.time():
            verify_password(password, _DUMMY_HASH)
            return None
        if verify_password(password, record["password"]):
            if record.get("failures"):
                with self._locked() as data:
                    data["users"][name]["failures"] = 0
            return User(name, Role(record["role"]), record["service"])
        with self._locked() as data:
            current = data["users"].get(name)
            if current is not None:
                current["failures"] = current.get("failures", 0) + 1
                if current["failures"] >= MAX_FAILURES:
                    current["failures"] = 0
                    current["locked_until"] = time.time() + LOCKOUT_S
        return None
