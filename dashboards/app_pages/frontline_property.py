"""A property by UPRN: its address, who lived there when, and the services delivered there."""

import pandas as pd
import streamlit as st

from dashboards import access, residents, ui
from warehouse.access import audit

user = access.guard(__file__)
warehouse = ui.open_warehouse()
ui.require_marts(warehouse)
st.title("Property")

uprn = access.selected_id("uprn")
if uprn is None:
    typed = st.text_input("UPRN", placeholder="12 digits at most")
    if not typed.strip().isdigit():
        st.caption("Open a property from a resident's record, or type its UPRN.")
        st.stop()
    uprn = int(typed)
    st.session_state["uprn"] = uprn

details = residents.property_details(warehouse, uprn)
if details is None:
    st.info(f"UPRN {uprn} is not in the gazetteer.")
    st.stop()
history = residents.property_history(warehouse, user, uprn)
if not history["visible"].any():
    # Nobody who lived here is known to the service: no reason to open who lived here.
    access.audit_log().append(user, audit.ACCESS_REFUSED, uprn=uprn, detail="no resident known to service")
    access.refuse(f"No resident known to your service has lived at UPRN {uprn}.")

access.ask_purpose(user, audit.VIEW_PROPERTY, uprn=uprn)
st.subheader(details["address"])
st.markdown(
    f"UPRN {uprn} · {details['classification_code'] or 'unclassified'} · {details['ward_name'] or 'no ward'} ward · "
    f"LSOA {details['lsoa_code'] or 'unknown'}"
    + (f" · in building UPRN {int(details['parent_uprn'])}" if pd.notna(details["parent_uprn"]) else "")
)

st.header("Who lived here, when", divider="gray")
st.caption("Households at this UPRN over time; residents not known to your service are counted, not named.")
named = history.assign(name=history["name"].where(history["visible"], "(not known to your service)"))
st.dataframe(
    named[["household_id", "formed_on", "ended_on", "is_current", "name", "resident_id"]].assign(
        resident_id=named["resident_id"].where(named["visible"])
    ),
    hide_index=True,
    column_config={
        "household_id": st.column_config.TextColumn("Household"),
        "formed_on": st.column_config.DateColumn("From", format=ui.DATE_FORMAT),
        "ended_on": st.column_config.DateColumn("Until", format=ui.DATE_FORMAT),
        "is_current": st.column_config.CheckboxColumn("Current"),
        "name": st.column_config.TextColumn("Resident"),
        "resident_id": st.column_config.NumberColumn("Resident id", format="%d"),
    },
)

st.header("Services delivered to residents here", divider="gray")
purpose = st.session_state["opened_records"][f"{audit.VIEW_PROPERTY}:None:{uprn}"]
systems = access.agreements().systems(user, purpose)
visible_ids = history.loc[history["visible"], "resident_id"].unique().tolist()
spells = [residents.involvement(warehouse, int(r), systems).assign(resident_id=int(r)) for r in visible_ids]
if spells:
    table = pd.concat(spells, ignore_index=True)
    counts = table.groupby(["service", "source_system"], as_index=False).agg(
        spells=("service", "size"), residents=("resident_id", "nunique"), open=("is_open", "sum")
    )
    st.dataframe(counts, hide_index=True, column_config={"spells": ui.count_column("Spells"),
                                                          "residents": ui.count_column("Residents"),
                                                          "open": ui.count_column("Open now")})
