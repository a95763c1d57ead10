"""Where access control keeps what must outlive every rebuild: users, the audit log, the key.

All of it lives in the state folder beside the warehouse (``Settings.state_dir``), never in the
warehouse itself, which every build replaces.
"""

from __future__ import annotations

import os
from pathlib import Path

from warehouse.settings import Settings

STATE_ENV = "COUNCIL_STATE"


def state_dir() -> Path:
    """``$COUNCIL_STATE``; else ``$COUNCIL_DATA/state``; else ``state/`` beside the published warehouse.

    The last keeps the app and the build agreeing when the app is started with only
    ``COUNCIL_WAREHOUSE`` (``council serve --warehouse DATA/warehouse.duckdb``).
    """
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV]).expanduser().resolve()
    if os.environ.get("COUNCIL_DATA"):
        return Settings.from_env().state_dir
    return Settings.from_env().warehouse.parent / "state"


def private_dir(path: Path) -> Path:
    """Create ``path`` readable by its owner only (it holds hashes, keys and the audit log)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
