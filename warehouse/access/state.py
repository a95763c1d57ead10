"""Where access control keeps what must outlive every rebuild: users, the audit log, the key.

All of it lives in the state folder beside the warehouse (``Settings.state_dir``), never in the
warehouse itself, which every build replaces.
"""

from __future__ import annotations

import os
from pathlib import Path

from warehouse.settings import STATE_ENV, Settings, state_dir_for

__all__ = ["STATE_ENV", "private_dir", "state_dir"]


def state_dir() -> Path:
    """The state folder (``warehouse.settings.state_dir_for``) of the data folder in use.

    Without ``COUNCIL_DATA`` the data folder is the published warehouse's, so the app started with
    only ``COUNCIL_WAREHOUSE`` (``streamlit run`` by hand) still agrees with the build.
    """
    settings = Settings.from_env()
    return state_dir_for(settings.data_dir if os.environ.get("COUNCIL_DATA") else settings.warehouse.parent)


def private_dir(path: Path) -> Path:
    """Create ``path`` readable by its owner only (it holds hashes, keys and the audit log)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
