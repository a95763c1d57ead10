"""The access audit log: who viewed which resident, when and why; append-only, outside the warehouse.

``<state>/audit/access_log.jsonl``, one JSON record per line. Records are only ever appended
(under a file lock, so app sessions and processes interleave whole lines) and each carries the
SHA-256 of the previous line: editing or deleting a past record breaks the chain, and
``verify`` says where. Rebuilds never touch the state folder, so the log survives them.

No search terms and no names go in: the resident is recorded by id.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from warehouse.access.roles import User
from warehouse.access.state import private_dir

AUDIT_FILE = Path("audit") / "access_log.jsonl"
GENESIS = "0" * 64

VIEW_RESIDENT = "view_resident"
VIEW_PROPERTY = "view_property"
VIEW_AT_RISK_LIST = "view_at_risk_list"
SUBJECT_ACCESS_EXPORT = "subject_access_export"
SIGN_IN = "sign_in"
SIGN_IN_REFUSED = "sign_in_refused"
ACCESS_REFUSED = "access_refused"

COLUMNS = ["seq", "at", "user", "role", "service", "action", "resident_id", "uprn", "purpose", "detail"]


@dataclass(frozen=True)
class ChainCheck:
    intact: bool
    records: int
    first_broken: int | None = None  # the seq of the first record that does not chain


class AuditLog:
    def __init__(self, state: Path) -> None:
        self.path = state / AUDIT_FILE

    def append(
        self,
        user: User | str,
        action: str,
        *,
        purpose: str | None = None,
        resident_id: int | None = None,
        uprn: int | None = None,
        detail: str | None = None,
    ) -> dict:
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "r+b") as log:
            fcntl.flock(log, fcntl.LOCK_EX)
            previous_line, seq = _last_line(log)
            record = {
                "seq": seq + 1,
                "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "user": user.name if isinstance(user, User) else user,
                "role": str(user.role) if isinstance(user, User) else None,
                "service": user.service if isinstance(user, User) else None,
                "action": action,
                "resident_id": None if resident_id is None else int(resident_id),
                "uprn": None if uprn is None else int(uprn),
                "purpose": purpose,
                "detail": detail,
                "previous": hashlib.sha256(previous_line).hexdigest() if previous_line else GENESIS,
            }
            log.write(json.dumps(record, sort_keys=True).encode() + b"\n")
            log.flush()
            os.fsync(log.fileno())
        return record

    def _lines(self) -> list[bytes]:
        if not self.path.exists():
            return []
        with open(self.path, "rb") as log:
            fcntl.flock(log, fcntl.LOCK_SH)
            return [line for line in log.read().split(b"\n") if line]

    def records(self) -> pd.DataFrame:
        rows = [json.loads(line) for line in self._lines()]
        frame = pd.DataFrame(rows, columns=[*COLUMNS, "previous"])
        frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
        frame["resident_id"] = frame["resident_id"].astype("Int64")
        frame["uprn"] = frame["uprn"].astype("Int64")
        return frame.drop(columns="previous").sort_values("seq", ascending=False, ignore_index=True)

    def verify(self) -> ChainCheck:
        previous = GENESIS
        lines = self._lines()
        for index, line in enumerate(lines):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                return ChainCheck(False, len(lines), index + 1)
            if record.get("previous") != previous or record.get("seq") != index + 1:
                return ChainCheck(False, len(lines), record.get("seq", index + 1))
            previous = hashlib.sha256(line).hexdigest()
        return ChainCheck(True, len(lines))


def _last_line(log) -> tuple[bytes, int]:
    """The last record's bytes and seq, reading backwards from the end (the log only grows)."""
    log.seek(0, os.SEEK_END)
    size = log.tell()
    if size == 0:
        return b"", 0
    block = 4096
    tail = b""
    position = size
    while position > 0:
        step = min(block, position)
        position -= step
        log.seek(position)
        tail = log.read(step) + tail
        lines = [line for line in tail.split(b"\n") if line]
        if len(lines) >= 2 or position == 0:
            last = lines[-1]
            return last, int(json.loads(last)["seq"])
    return b"", 0
