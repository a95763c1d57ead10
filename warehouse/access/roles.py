"""Who may use the warehouse, and the services a frontline manager can belong to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    FRONTLINE = "frontline"  # a frontline manager of one service: identifiable, their service's residents
    ANALYST = "analyst"  # pseudonymised: keyed tokens instead of names and identifiers
    SCRUTINY = "scrutiny"  # a scrutiny committee member: suppressed aggregates only
    DPO = "dpo"  # the data protection officer: the audit log and subject access requests
    ENGINEER = "engineer"  # data engineers and custodians: loads, checks, freshness; no person data


ROLE_LABELS = {
    Role.FRONTLINE: "Frontline manager",
    Role.ANALYST: "Analyst (pseudonymised)",
    Role.SCRUTINY: "Scrutiny committee",
    Role.DPO: "Data protection officer",
    Role.ENGINEER: "Data engineer / custodian",
}

# A frontline manager's service is the source system their service runs on.
SERVICES = {
    "housing": "Housing",
    "revenues": "Council tax and benefits",
    "adult_social_care": "Adult social care",
    "childrens_social_care": "Children's social care",
    "send": "SEND",
}


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    service: str | None = None  # only for frontline managers

    def __post_init__(self) -> None:
        if not isinstance(self.role, Role):
            object.__setattr__(self, "role", Role(self.role))
        if self.role is Role.FRONTLINE and self.service not in SERVICES:
            raise ValueError(f"a frontline manager needs one of the services {', '.join(SERVICES)}")
        if self.role is not Role.FRONTLINE and self.service is not None:
            raise ValueError("only a frontline manager belongs to a service")

    @property
    def label(self) -> str:
        if self.role is Role.FRONTLINE:
            return f"{ROLE_LABELS[self.role]}, {SERVICES[self.service]}"
        return ROLE_LABELS[self.role]
