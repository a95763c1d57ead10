"""Access to the warehouse's personal data: users and roles, password hashing, data sharing
agreements, pseudonyms, the audit log and statistical disclosure control.

Everything that must outlive a rebuild (users, the audit log, the pseudonymisation key) lives
in the state folder, never in the warehouse.
"""

from __future__ import annotations

from pathlib import Path

from warehouse.access.passwords import random_password
from warehouse.access.roles import Role, User
from warehouse.access.users import UserStore

# One demo account per role, and a frontline manager per service.
DEMO_USERS = [
    ("housing.manager", Role.FRONTLINE, "housing"),
    ("revenues.manager", Role.FRONTLINE, "revenues"),
    ("asc.manager", Role.FRONTLINE, "adult_social_care"),
    ("csc.manager", Role.FRONTLINE, "childrens_social_care"),
    ("send.manager", Role.FRONTLINE, "send"),
    ("analyst", Role.ANALYST, None),
    ("scrutiny", Role.SCRUTINY, None),
    ("dpo", Role.DPO, None),
    ("engineer", Role.ENGINEER, None),
]


def demo_accounts(state_dir: Path) -> list[tuple[str, str, str | None, str]]:
    """Create (or reset) the demo accounts with fresh random passwords; return them to print once.

    The passwords are nowhere else: only their scrypt hashes are stored.
    """
    store = UserStore(state_dir)
    created = []
    for name, role, service in DEMO_USERS:
        password = random_password()
        store.add(name, role, password, service, replace=True)
        created.append((name, str(role), service, password))
    return created


__all__ = ["Role", "User", "UserStore", "demo_accounts"]
