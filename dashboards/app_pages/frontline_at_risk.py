"""Households at risk of homelessness, from the prevention marts, filtered by ward and reason."""

import streamlit as st

from dashboards import access, queries, residents, ui

user = access.guard(__file__)
st.title("At-risk households")
warehouse = ui.open_warehouse()
ui.require_marts(warehouse)
found = ui.prevention_relation(warehouse)
if found is None:
    st.info(
        "The prevention marts (households at risk of homelessness, with the reasons behind each flag) "
        "are not in this warehouse yet.",
        icon=":material/info:",
    )
    st.stop()
schema, name, columns = found
reason = next(c for c in columns if "reason" in c)
score = next((c for c in columns if "score" in c or "probability" in c), None)
key = "resident_id" if "resident_id" in columns else "household_id"
visible, parameters = residents._visibility(warehouse, user, "m.resident_id")
dim = residents.relation(warehouse, "dim_resident")
prop = residents.relation(warehouse, "dim_property")
households = residents.relation(warehouse, "dim_household")
members = (
    f"select f.*, f.resident_id as member from \"{schema}\".\"{name}\" as f"
    if key == "resident_id"
    else f"select f.*, unnest(h.resident_ids) as member from \"{schema}\".\"{name}\" as f join {households} as h using (household_id)"
)
flags = queries.query(
    warehouse,
    f"""
    with m as (select *, member as resident_id_ from ({members})),
    visible as (select * exclude (resident_id_), resident_id_ as resident_id from m where {visible.replace('m.resident_id', 'm.resident_id_')})
    select v.*, r.forename || ' ' || r.surname as name, p.address, p.ward_name as ward
    from visible as v join {dim} as r on r.resident_id = v.resident_id
    left join {prop} as p on p.uprn = r.current_uprn
    {'where v.is_flagged' if 'is_flagged' in columns else ''}
    {f'order by v.{score} desc' if score else ''}
    """,
    parameters,
)
if flags.empty:
    st.info("No flagged household has a member known to your service.")
    st.stop()
flags["reasons"] = flags[reason].map(lambda r: "; ".join(map(str, r)) if not isinstance(r, str) else r)
ward = st.multiselect("Ward", sorted(flags["ward"].dropna().unique()))
why = st.text_input("Reason contains", placeholder="e.g. rent arrears")
shown = flags
if ward:
    shown = shown[shown["ward"].isin(ward)]
if why.strip():
    shown = shown[shown["reasons"].str.contains(why.strip(), case=False, na=False)]
st.caption(f"{len(shown):,} flagged residents known to your service; select one to open their record.")
table = shown[["name", "address", "ward", "reasons", *([score] if score else []), "resident_id"]].reset_index(drop=True)
picked = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row", key="at_risk",
                      column_config={"reasons": st.column_config.TextColumn("Why flagged", width="large"),
                                     "resident_id": st.column_config.NumberColumn("Resident", format="%d")})
if picked.selection.rows:
    access.open_page("frontline_resident", resident=int(table.iloc[picked.selection.rows[0]]["resident_id"]))

