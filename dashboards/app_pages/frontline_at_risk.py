"""Households at risk of homelessness: the prevention scorecard's list, filtered by ward and reason.

Only a frontline manager whose service has a data sharing agreement for homelessness prevention
opens this page; they see flagged households with a member known to their service, name only
those members, and read only the reasons that come from systems their agreement covers.
"""

import streamlit as st

from dashboards import access, prevention, ui
from warehouse.access import audit, sharing
from warehouse.access.roles import SERVICES

user = access.guard(__file__)
st.title("At-risk households")
warehouse = ui.open_warehouse()
ui.require_marts(warehouse)
if not prevention.available(warehouse):
    st.info(
        "The prevention list (households at risk of homelessness, with the reasons behind each flag) "
        "is not in this warehouse yet: the build's prevention step has not run.",
        icon=":material/info:",
    )
    st.stop()

systems = access.agreements().systems(user, prevention.PURPOSE)
found = prevention.households(warehouse, user, systems)
listed = found.households
scored_on = ui.format_date(found.scored_on)
st.caption(
    f"The households the prevention scorecard ranks most likely to approach the council as homeless in the "
    f"next 12 months, scored on the households living together on {scored_on}. A prompt for a conversation "
    "and early help, never a decision about a household. "
    f"Shown: {len(listed):,} of the {found.flagged:,} flagged households, those with a member known to "
    f"{SERVICES[user.service]}; reasons from what your agreement for "
    f"{sharing.PURPOSES[prevention.PURPOSE].lower()} covers ("
    + ", ".join(ui.system_label(s) for s in systems) + ", and the linked address and household records)."
)

card = prevention.model_card(warehouse)
if card:
    with st.expander("Model card: how the list is made, how well it did, and its limits", icon=":material/description:"):
        # The card's headings start at level 1; inside the page they sit under its title.
        st.markdown("\n".join("##" + line if line.startswith("#") else line for line in card.splitlines()))

if listed.empty:
    st.info("No flagged household has a member known to your service.", icon=":material/info:")
    st.stop()

# The list names residents: its viewing is audited like a card's, once per session and list.
viewed = f"at_risk_list_audited:{found.scored_on}"
if not st.session_state.get(viewed):
    access.audit_log().append(user, audit.VIEW_AT_RISK_LIST, purpose=prevention.PURPOSE,
                              detail=f"{len(listed)} households scored on {found.scored_on}")
    st.session_state[viewed] = True

ward_filter, reason_filter = st.columns([1, 2])
wards = ward_filter.multiselect("Ward", sorted(listed["ward"].unique()), key="at_risk_wards")
all_reasons = sorted({r for rs in listed["reasons"] for r in rs})
wanted = reason_filter.multiselect("Reasons (households with every reason chosen)", all_reasons, key="at_risk_reasons")
shown = listed
if wards:
    shown = shown[shown["ward"].isin(wards)]
if wanted:
    shown = shown[shown["reasons"].map(lambda rs: set(wanted) <= set(rs))]
shown = shown.reset_index(drop=True)

st.caption(f"{len(shown):,} households; select one to open the record of a member known to your service.")
table = shown.assign(
    known=shown["names"].map(", ".join),
    why=shown["reasons"].map("; ".join),
)[["rank", "why", "address", "ward", "known", "others", "children", "score"]]
picked = st.dataframe(
    table,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="at_risk",
    column_config={
        "rank": st.column_config.NumberColumn("Rank", help="1 is the highest score in the borough", format="%d",
                                              width="small"),
        "why": st.column_config.TextColumn("Why flagged", width="large"),
        "address": st.column_config.TextColumn("Address", width="medium"),
        "ward": st.column_config.TextColumn("Ward", width="small"),
        "known": st.column_config.TextColumn("Members known to your service", width="medium"),
        "others": st.column_config.NumberColumn("Others", help="Members living there not known to your service: not named",
                                                width="small"),
        "children": st.column_config.NumberColumn("Children", width="small"),
        "score": st.column_config.NumberColumn("Score", help="Scorecard points: 20 points double the odds", format="%.0f"),
    },
)
rows = picked.selection.rows if picked else []
if rows:
    household = shown.iloc[rows[0]]
    choices = list(zip(household["resident_ids"], household["names"], strict=True))

    def open_card(resident_id: int) -> None:
        # The card asks why it is opened; from this list the answer is most likely homelessness prevention.
        st.session_state[f"purpose_choice_{audit.VIEW_RESIDENT}:{resident_id}:None"] = prevention.PURPOSE
        access.open_page("frontline_resident", resident=int(resident_id))

    if len(choices) == 1:
        open_card(choices[0][0])
    st.markdown(f"**{household['address']}**: members known to your service")
    for resident_id, name in choices:
        if st.button(f"Open {name}'s record", key=f"open_{resident_id}", icon=":material/badge:"):
            open_card(resident_id)
