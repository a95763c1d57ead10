"""Demand for services, for scrutiny: trends, rates per 10,000, breakdowns; every count suppressed.

Every table here, on screen and downloaded, has passed through statistical disclosure control
(``warehouse.access.disclosure``): counts under 5 hidden as [c], with secondary suppression so
no hidden count can be worked out from the totals. Rates are shown only beside a shown count
(a rate and its denominator give the count away).
"""

import altair as alt
import streamlit as st

from dashboards import access, demand, ui
from warehouse.access import disclosure

user = access.guard(__file__)
st.title("Demand for services")
warehouse = ui.open_warehouse()
ui.require_marts(warehouse)
st.caption(
    "Residents starting with each council service, year by year, from the linked records of every system. "
    "Counts under 5 are hidden as **[c]**, with other cells hidden where the totals would give them away."
)

first_year, last_year = demand.year_range(warehouse)
years = st.slider("Years", first_year, last_year, (max(first_year, last_year - 9), last_year))
by_year = demand.starts_by_year(warehouse, *years)
table = disclosure.suppress_table(by_year)

# --- Summary -------------------------------------------------------------------------------------
st.header("Summary: all services", divider="gray")
for sentence in demand.what_changed(table):
    st.markdown(f"- {sentence}")
long = demand.long_form(table)
chart = (
    alt.Chart(long)
    .mark_line(point=True)
    .encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("residents:Q", title="Residents starting", axis=alt.Axis(format=",d")),
        color=alt.Color("service:N", title="Service", scale=alt.Scale(range=ui.PALETTE), legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("service:N", title="Service"), alt.Tooltip("year:O", title="Year"),
                 alt.Tooltip("residents:Q", title="Residents", format=",")],
    )
    .properties(height=320)
)
st.altair_chart(chart, width="stretch")
st.caption("Years with a hidden count are left out of a line rather than drawn as zero.")
ui.suppressed_table(table, "Residents starting with each service, by year", "demand_by_year.csv", index_label="Service")

# --- One service ----------------------------------------------------------------------------------
st.header("One service", divider="gray")
service = st.selectbox("Service", list(by_year.index), format_func=demand.service_label)
national = demand.NATIONAL.get(service)
if national:
    st.info(f"**Nationally (England):** {national}", icon=":material/public:")
wards = demand.starts_by_ward(warehouse, service, years[1])
ward_table = disclosure.suppress_table(wards)
rates = demand.rates_per_10000(warehouse, ward_table, years[1])
st.subheader(f"By ward, {years[1]}")
ui.suppressed_table(ward_table, f"{demand.service_label(service)}: residents starting in {years[1]}, by ward and age band",
                    f"{service}_by_ward_{years[1]}.csv", index_label="Ward")
st.caption("Rate per 10,000 residents of the ward (mid-year estimate); blank where the count is hidden.")
st.dataframe(rates, hide_index=True, column_config={"rate_per_10000": st.column_config.NumberColumn("Per 10,000", format="%.1f")})
st.download_button("Download rates (CSV)", rates.to_csv(index=False).encode(), f"{service}_rates_{years[1]}.csv", "text/csv",
                   icon=":material/download:", key=f"rates_{service}")

projection = demand.projection(warehouse, service)
if projection is not None:
    st.subheader("Projection")
    band = alt.Chart(projection).mark_area(opacity=0.25, color=ui.PALETTE[0]).encode(x="year:O", y="lower:Q", y2="upper:Q")
    line = alt.Chart(projection).mark_line(color=ui.PALETTE[0]).encode(x="year:O", y=alt.Y("value:Q", title="Projected"))
    st.altair_chart(band + line, width="stretch")
    st.caption("Shaded: the prediction interval.")
