"""Pseudonymised person records for analysts: keyed tokens instead of names and identifiers.

Analysts link, count and check linkage without seeing who anyone is: resident ids, UPRNs and
source record ids become HMAC tokens (key outside the warehouse), dates of birth become months
and postcodes become sectors. Looking a resident up takes their token, never a name.
"""

import pandas as pd
import streamlit as st

from dashboards import access, queries, residents, ui
from warehouse.access import audit
from warehouse.access.pseudonyms import Pseudonymiser, load_key
from warehouse.access.state import state_dir

user = access.guard(__file__)
st.title("Pseudonymised records")
warehouse = ui.open_warehouse()
ui.require_marts(warehouse)
tokens = Pseudonymiser(load_key(state_dir()))
st.caption(
    "A sample of residents as an analyst sees them: tokens (the same resident always has the same token), "
    "month of birth, postcode sector. Names and identifiers never reach this page."
)


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def _sample(warehouse: queries.Warehouse, size: int = 200) -> pd.DataFrame:
    dim = residents.relation(warehouse, "dim_resident")
    prop = residents.relation(warehouse, "dim_property")
    return queries.query(
        warehouse,
        f"""
        select r.resident_id, r.birth_date, r.sex, r.current_uprn, p.postcode, p.ward_name,
               r.known_to_systems, r.services, r.source_records
        from {dim} as r left join {prop} as p on p.uprn = r.current_uprn
        using sample reservoir({size} rows) repeatable (7)
        """,
    )


def pseudonymised(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "resident": frame["resident_id"].map(lambda v: tokens.token("resident", int(v))),
            "birth_month": frame["birth_date"].map(tokens.birth_month),
            "sex": frame["sex"],
            "property": frame["current_uprn"].map(lambda v: tokens.token("uprn", int(v)) if pd.notna(v) else None),
            "postcode_sector": frame["postcode"].map(tokens.postcode_sector),
            "ward": frame["ward_name"],
            "systems": frame["known_to_systems"].map(", ".join),
            "services": frame["services"].map(lambda s: ", ".join(s) if s is not None else ""),
            "source_records": frame["source_records"],
        }
    )


sample = _sample(warehouse)
table = pseudonymised(sample)
token = st.text_input("Resident token", placeholder="R-... (from a pseudonymised extract)")
if token.strip():
    match = sample[table["resident"] == token.strip().upper()]
    if match.empty:
        st.info("That token is not in this sample.")
    else:
        access.audit_log().append(user, audit.VIEW_RESIDENT, purpose="service_planning",
                                  resident_id=int(match.iloc[0]["resident_id"]), detail="pseudonymised")
        table = table[table["resident"] == token.strip().upper()]
st.dataframe(table, hide_index=True, column_config={"source_records": ui.count_column("Records")})
