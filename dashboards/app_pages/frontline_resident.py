"""One resident across the council: services, timeline, household, prevention flags, why linked."""

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import access, prevention, residents, ui
from warehouse.access import audit, sharing
from warehouse.access.roles import SERVICES

user = access.guard(__file__)
warehouse = ui.open_warehouse()
ui.require_marts(warehouse)

resident_id = access.selected_id("resident")
if resident_id is None:
    st.title("Resident")
    st.info("Find a resident first.", icon=":material/person_search:")
    st.page_link(access.PAGE_BY_KEY["frontline_search"].path, label="Find a resident", icon=":material/person_search:")
    st.stop()

if not residents.is_visible(warehouse, user, resident_id):
    # Same answer whether the resident does not exist or is not known to the service: the
    # refusal must not confirm that someone is known to another service.
    access.audit_log().append(user, audit.ACCESS_REFUSED, resident_id=resident_id, detail="resident not known to service")
    st.title("Resident")
    access.refuse(f"Resident {resident_id} is not known to {SERVICES[user.service]}.")

purpose = access.ask_purpose(user, audit.VIEW_RESIDENT, resident_id=resident_id)
systems = access.agreements().systems(user, purpose)
person = residents.resident(warehouse, user, resident_id)

name = f"{person['forename'] or ''} {person['surname'] or ''}".strip() or f"Resident {resident_id}"
st.title(name)
age = None
if pd.notna(person["birth_date"]):
    born = pd.Timestamp(person["birth_date"]).date()
    age = date.today().year - born.year - ((date.today().month, date.today().day) < (born.month, born.day))
facts = [
    f"Born {ui.format_date(person['birth_date'])}" + (f" (age {age})" if age is not None else ""),
    {"M": "male", "F": "female"}.get(person["sex"], "sex not recorded"),
    f"resident {resident_id}",
]
if pd.notna(person["died_on"]):
    facts.append(f"**died {ui.format_date(person['died_on'])}**")
st.markdown(" · ".join(facts))
st.caption(
    f"Opened for: {sharing.PURPOSES.get(purpose, purpose)}. Shown: what "
    + ", ".join(ui.system_label(s) for s in systems)
    + " hold, as your data sharing agreements allow for this purpose. This view is recorded."
)

if pd.notna(person["current_uprn"]):
    where, button = st.columns([4, 1])
    where.markdown(
        f"**Lives at** {person['address'] or 'an address not in the gazetteer'} "
        f"(UPRN {int(person['current_uprn'])}, {person['ward_name'] or 'ward unknown'} ward), "
        f"since {ui.format_date(person['current_address_since'])}"
    )
    if button.button("Property", icon=":material/home:"):
        access.open_page("frontline_property", uprn=int(person["current_uprn"]))

spells = residents.involvement(warehouse, resident_id, systems)
known = sorted(set(person["known_to_systems"]) & set(systems))
services, records, first, last = st.columns(4)
services.metric("Services (shown)", f"{spells['service'].nunique():,}")
records.metric("Source records (shown)", f"{len(residents.source_records(warehouse, resident_id, systems)):,}")
first.metric("First seen", ui.format_date(person["first_seen_on"]))
last.metric("Last seen", ui.format_date(person["last_seen_on"]))
st.markdown("**Known to:** " + (", ".join(ui.system_label(s) for s in known) or "none of the systems shown"))

# --- Prevention ---------------------------------------------------------------------------------
# The prevention list is shared for homelessness prevention only: under another purpose its
# reasons (council tax debt, social care contact) would reach a service that may not see them.
flag = None
if purpose == prevention.PURPOSE and prevention.available(warehouse):
    flag = prevention.flag_for(warehouse, user, resident_id, systems)
if flag is not None:
    st.header("Prevention flags", divider="red")
    why = "; ".join(flag["reasons"]) or "facts from systems your agreement does not cover"
    st.warning(
        f"**At risk of homelessness**: the household ranked {flag['rank']:,} of the {flag['flagged']:,} flagged on "
        f"{ui.format_date(flag['scored_on'])}. Why: {why}.",
        icon=":material/crisis_alert:",
    )

# --- Timeline -----------------------------------------------------------------------------------
st.header("Timeline", divider="gray")
if spells.empty:
    st.caption("No service involvement in the systems shown.")
else:
    today = pd.Timestamp(date.today())
    chart_data = spells.assign(
        until=spells["ended_on"].fillna(today),
        system=spells["source_system"].map(ui.system_label),
        status=spells["is_open"].map({True: "open", False: "ended"}),
    )
    chart = (
        alt.Chart(chart_data)
        .mark_bar(cornerRadius=3)
        .encode(
            x=alt.X("started_on:T", title=None),
            x2="until:T",
            y=alt.Y("service:N", title=None, sort=alt.EncodingSortField("started_on", op="min"),
                    axis=alt.Axis(labelLimit=240), scale=alt.Scale(paddingInner=0.4)),
            color=alt.Color("system:N", title="System", scale=ui.system_colour_scale(chart_data["system"]),
                            legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("service:N", title="Service"),
                alt.Tooltip("detail:N", title="Detail"),
                alt.Tooltip("started_on:T", title="Started", format="%-d %b %Y"),
                alt.Tooltip("ended_on:T", title="Ended", format="%-d %b %Y"),
                alt.Tooltip("status:N", title="Status"),
            ],
        )
        # A row per service: a fixed bar height collapsed the rows onto each other.
        .properties(height=alt.Step(30))
    )
    st.altair_chart(chart, width="stretch")
    st.dataframe(
        spells.sort_values("started_on", ascending=False),
        hide_index=True,
        column_config={
            "service": st.column_config.TextColumn("Service"),
            "source_system": st.column_config.TextColumn("System"),
            "source_record_id": st.column_config.TextColumn("Record"),
            "detail": st.column_config.TextColumn("Detail"),
            "started_on": st.column_config.DateColumn("Started", format=ui.DATE_FORMAT),
            "ended_on": st.column_config.DateColumn("Ended", format=ui.DATE_FORMAT),
            "is_open": st.column_config.CheckboxColumn("Open"),
        },
    )

# --- Household ----------------------------------------------------------------------------------
st.header("Household", divider="gray")
if pd.isna(person["current_uprn"]):
    st.caption("No current address on a gazetteer UPRN, so no household.")
else:
    members = residents.household(warehouse, user, int(person["current_uprn"]))
    named = members[members["visible"]]
    others = len(members) - len(named)
    st.caption(
        f"Residents living at UPRN {int(person['current_uprn'])} now. "
        + (f"{others} other resident{'s' if others != 1 else ''} not known to your service "
           "(not named)." if others else "")
    )
    st.dataframe(
        named.assign(name=named["forename"].fillna("") + " " + named["surname"].fillna(""))[
            ["name", "age", "resident_id", "formed_on"]
        ],
        hide_index=True,
        column_config={
            "name": st.column_config.TextColumn("Name"),
            "age": st.column_config.NumberColumn("Age"),
            "resident_id": st.column_config.NumberColumn("Resident", format="%d"),
            "formed_on": st.column_config.DateColumn("Household since", format=ui.DATE_FORMAT),
        },
    )

# --- Linkage ------------------------------------------------------------------------------------
st.header("Why these records are one resident", divider="gray")
records_shown = residents.source_records(warehouse, resident_id, systems)
st.dataframe(
    records_shown,
    hide_index=True,
    column_config={
        "source_system": st.column_config.TextColumn("System"),
        "source_table": st.column_config.TextColumn("Table"),
        "source_record_id": st.column_config.TextColumn("Record"),
        "match_weight": st.column_config.NumberColumn("Strongest match weight", format="%.1f"),
    },
)
links = residents.link_explanations(warehouse, resident_id, systems)
if links.empty:
    st.caption("One record, or links this warehouse does not explain.")
else:
    st.caption(
        "Each pair of records the linkage joined: deterministic links share a valid identifier; "
        "model links add up the evidence (match weight, in bits) from each comparison."
    )
    st.dataframe(
        links,
        hide_index=True,
        column_config={
            "record": st.column_config.TextColumn("Record"),
            "linked_to": st.column_config.TextColumn("Linked to"),
            "basis": st.column_config.TextColumn("Basis"),
            "match_weight": st.column_config.NumberColumn("Match weight", format="%.1f"),
            "match_probability": st.column_config.NumberColumn("Probability", format="%.4f"),
            "explanation": st.column_config.TextColumn("Evidence", width="large"),
        },
    )
