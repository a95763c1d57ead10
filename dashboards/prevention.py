"""The prevention list (``prevention.households_at_risk``) as a frontline manager may see it.

The scorecard (``warehouse/demand/prevention.py``) flags households: the residents living at one
UPRN on the day it scored them (``int_resident_addresses``, as the scorecard counts them). A
manager sees a flagged household only when a member is known to their service, and names only
those members; the others are counted, never named. A flag's reasons are the scorecard's facts
that raised the household's score, most points first, and a reason is shown only when the data
sharing agreement for homelessness prevention lets the manager's service see the system the fact
comes from. Person-level reads are never cached: they depend on who is asking.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboards import queries, residents
from dashboards.queries import Warehouse
from warehouse.access.roles import User

PURPOSE = "homelessness_prevention"
LINKED = "linked residents"  # address history and household make-up: the residents marts, any source
# The system each scorecard fact comes from. A fact missing here is never shown as a reason.
FEATURE_SYSTEMS = {
    "rent_arrears": "housing",
    "rent_arrears_8_weeks": "housing",
    "rent_notice_or_court": "housing",
    "previous_homelessness_approach": "housing",
    "council_tax_arrears": "revenues",
    "council_tax_liability_order": "revenues",
    "council_tax_reduction": "revenues",
    "childrens_social_care_last_year": "childrens_social_care",
    "adult_social_care_last_year": "adult_social_care",
    "moved_in_last_2_years": LINKED,
    "single_adult_with_children": LINKED,
    "three_or_more_children": LINKED,
}


def available(warehouse: Warehouse) -> bool:
    return (
        queries.has_relation(warehouse, "prevention", "households_at_risk")
        and queries.has_relation(warehouse, "prevention", "scorecard")
        and queries.staging_relation(warehouse, "int_resident_addresses") is not None
    )


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def scorecard(warehouse: Warehouse) -> pd.DataFrame:
    return queries.query(warehouse, "select feature, description, points from prevention.scorecard")


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def model_card(warehouse: Warehouse) -> str | None:
    if not queries.has_relation(warehouse, "prevention", "model_card"):
        return None
    found = queries.query(warehouse, "select markdown from prevention.model_card")
    return None if found.empty else str(found.iloc[0]["markdown"])


def reasons(flags: pd.DataFrame, card: pd.DataFrame, systems: list[str]) -> pd.Series:
    """Per household, the facts that raised its score and the user may see, most points first."""
    allowed = {*systems, LINKED}
    raising = card[(card["points"] > 0) & card["feature"].isin(flags.columns)
                   & card["feature"].map(FEATURE_SYSTEMS).isin(allowed)]
    raising = raising.sort_values(["points", "feature"], ascending=[False, True], kind="stable")
    present = flags[list(raising["feature"])].fillna(False).astype(bool).to_numpy()
    descriptions = list(raising["description"])
    return pd.Series([[d for d, yes in zip(descriptions, row, strict=True) if yes] for row in present],
                     index=flags.index, dtype=object)


def _members(warehouse: Warehouse, user: User, resident_id: int | None = None) -> pd.DataFrame:
    """Members of flagged households on the day they were scored; names only where visible."""
    addresses = residents.relation(warehouse, "int_resident_addresses")
    dim = residents.relation(warehouse, "dim_resident")
    visible, parameters = residents._visibility(warehouse, user, "m.resident_id")
    only = "where m.resident_id = ?" if resident_id is not None else ""
    return queries.query(
        warehouse,
        f"""
        with members as (
            select distinct f.uprn, a.resident_id
            from prevention.households_at_risk as f
            join {addresses} as a
                on a.uprn = f.uprn and a.started_on <= f.reference_on and a.ended_on >= f.reference_on
        ),
        seen as (
            select m.uprn, m.resident_id, {visible} as visible from members as m {only}
        )
        select
            s.uprn, s.resident_id, s.visible,
            case when s.visible then trim(coalesce(r.forename, '') || ' ' || coalesce(r.surname, '')) end as name,
        from seen as s join {dim} as r using (resident_id)
        order by s.uprn, r.birth_date nulls last, s.resident_id
        """,
        [*parameters, *([resident_id] if resident_id is not None else [])],
    )


def _flags(warehouse: Warehouse) -> pd.DataFrame:
    prop = residents.relation(warehouse, "dim_property")
    return queries.query(
        warehouse,
        f"""
        select f.*, p.address, coalesce(p.ward_name, 'Not known') as ward
        from prevention.households_at_risk as f left join {prop} as p using (uprn)
        order by f.rank
        """,
    )


@dataclass(frozen=True)
class AtRiskList:
    households: pd.DataFrame  # one row per listed household
    flagged: int  # households the scorecard flagged
    scored_on: pd.Timestamp | None


def households(warehouse: Warehouse, user: User, systems: list[str]) -> AtRiskList:
    """The flagged households with a member the user may see: address, ward, named members,
    members not named, and the reasons the user's agreement covers."""
    flags = _flags(warehouse)
    members = _members(warehouse, user)
    seen = members[members["visible"]]
    named = seen.groupby("uprn").agg(names=("name", list), resident_ids=("resident_id", list))
    unnamed = members[~members["visible"]].groupby("uprn").size().rename("others")
    listed = flags.join(named, on="uprn", how="inner").join(unnamed, on="uprn")
    listed["others"] = listed["others"].fillna(0).astype(int)
    listed["reasons"] = reasons(listed, scorecard(warehouse), systems)
    scored_on = pd.Timestamp(flags["reference_on"].max()) if len(flags) else None
    return AtRiskList(listed.reset_index(drop=True), len(flags), scored_on)


def flag_for(warehouse: Warehouse, user: User, resident_id: int, systems: list[str]) -> dict | None:
    """The flag on the household the resident lived in when the list was scored, if any."""
    mine = _members(warehouse, user, resident_id)
    if mine.empty:
        return None
    flags = _flags(warehouse)
    household = flags[flags["uprn"] == mine.iloc[0]["uprn"]].reset_index(drop=True)
    return {
        "rank": int(household.iloc[0]["rank"]),
        "flagged": len(flags),
        "scored_on": pd.Timestamp(household.iloc[0]["reference_on"]),
        "reasons": reasons(household, scorecard(warehouse), systems).iloc[0],
    }
