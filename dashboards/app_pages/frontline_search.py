"""Find a resident: by name, date of birth, postcode, address or UPRN, tolerant of typos."""

import streamlit as st

from dashboards import access, residents, ui
from warehouse.access.roles import SERVICES

user = access.guard(__file__)
st.title("Find a resident")
warehouse = ui.open_warehouse()
ui.require_marts(warehouse)
st.caption(
    f"Residents known to {SERVICES[user.service]}, searched across every system the council links. "
    "Type a name (typos are fine), a date of birth (dd/mm/yyyy), a postcode, an address or a UPRN, "
    "or several of them together."
)

text = st.text_input("Search", placeholder="e.g. Jon Smyth 12/03/1985 or 21 Ash Grove or NW2 3LN", key="search_text")
if not text.strip():
    st.stop()

found = residents.search(warehouse, user, text)
if found.empty:
    st.info("No resident known to your service matches. Try fewer words, or only the surname and date of birth.")
    st.stop()

st.caption(f"{len(found)} best match{'es' if len(found) != 1 else ''}; select one to open the resident's record.")
shown = found.assign(
    name=found["forename"].fillna("") + " " + found["surname"].fillna(""),
    known_to=found["known_to_systems"].map(lambda systems: ", ".join(ui.system_label(s) for s in systems)),
)[["name", "birth_date", "address", "uprn", "resident_id"]]
picked = st.dataframe(
    shown,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="search_results",
    column_config={
        "name": st.column_config.TextColumn("Name"),
        "birth_date": st.column_config.DateColumn("Date of birth", format=ui.DATE_FORMAT),
        "address": st.column_config.TextColumn("Current address", width="large"),
        "uprn": st.column_config.NumberColumn("UPRN", format="%d"),
        "resident_id": st.column_config.NumberColumn("Resident", format="%d"),
    },
)
rows = picked.selection.rows if picked else []
if rows:
    access.open_page("frontline_resident", resident=int(shown.iloc[rows[0]]["resident_id"]))
