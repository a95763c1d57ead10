"""The data sharing agreements (``seeds/data_sharing_agreements.csv``) as the app enforces them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from warehouse.access.roles import Role, User
from warehouse.settings import REPO_ROOT

SEED = REPO_ROOT / "seeds" / "data_sharing_agreements.csv"

PURPOSES = {
    "direct_service": "Delivering my service to this resident",
    "homelessness_prevention": "Preventing homelessness",
    "safeguarding_children": "Safeguarding a child",
    "safeguarding_adults": "Safeguarding an adult at risk",
    "ehc_needs_assessment": "EHC needs assessment or plan",
    "service_planning": "Service planning and evaluation (pseudonymised)",
    "scrutiny": "Scrutiny of demand (aggregates)",
    "subject_access": "Answering a subject access request",
}


@dataclass(frozen=True)
class Agreements:
    table: pd.DataFrame

    def _for(self, user: User) -> pd.DataFrame:
        rows = self.table[self.table["role"] == str(user.role)]
        if user.role is Role.FRONTLINE:
            rows = rows[rows["service"] == user.service]
        return rows

    def purposes(self, user: User, access: str = "identifiable") -> list[str]:
        """The purposes the user may view person-level data for, in the seed's order."""
        rows = self._for(user)
        return list(dict.fromkeys(rows.loc[rows["access"] == access, "purpose"]))

    def systems(self, user: User, purpose: str) -> list[str]:
        """The source systems the user may see for this purpose (their own service's first)."""
        rows = self._for(user)
        systems = list(dict.fromkeys(rows.loc[rows["purpose"] == purpose, "source_system"]))
        if user.service in systems:
            systems.remove(user.service)
            systems.insert(0, user.service)
        return systems

    def for_purpose(self, user: User, purpose: str) -> pd.DataFrame:
        rows = self._for(user)
        return rows[rows["purpose"] == purpose]


def load(path: Path = SEED) -> Agreements:
    return _load(str(path), path.stat().st_mtime_ns)


@cache
def _load(path: str, _mtime: int) -> Agreements:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return Agreements(table)
