"""The borough at a glance: addressable properties by ward and classification, from the LLPG."""

import altair as alt
import streamlit as st

from dashboards import access, queries, ui

access.guard(__file__)

GAZETTEER_MODEL = "stg_gazetteer__llpg"
# The staging model's names for these, first match wins: the model may keep the vendor's name.
WARD_COLUMNS = ("ward_name", "ward", "ward_code")
CLASSIFICATION_COLUMNS = ("classification_code", "classification", "blpu_classification")

# Top level of the BS 7666 / AddressBase classification scheme: its first letter.
PRIMARY_CLASSES = {
    "R": "Residential",
    "C": "Commercial",
    "P": "Parent shell (building of flats)",
    "X": "Dual use",
    "L": "Land",
    "M": "Military",
    "O": "Other",
    "U": "Unclassified",
    "Z": "Object of interest",
}

CLASS_COLOURS = dict(zip(PRIMARY_CLASSES.values(), [*ui.PALETTE, "#999999"], strict=True))

st.title("Borough at a glance")
warehouse = ui.open_warehouse()
st.caption(
    "Every addressable object in the Local Land and Property Gazetteer, by ward and by "
    "classification: the places the council's services are delivered to."
)

relation = queries.staging_relation(warehouse, GAZETTEER_MODEL)
if relation is None:
    st.info(
        f"The gazetteer staging model (`{GAZETTEER_MODEL}`) is not in this warehouse yet: "
        "dbt has not built it.",
        icon=":material/info:",
    )
    st.stop()

columns = queries.relation_columns(warehouse, *relation)
ward = next((c for c in WARD_COLUMNS if c in columns), None)
classification = next((c for c in CLASSIFICATION_COLUMNS if c in columns), None)
if ward is None or classification is None:
    st.info(
        f"`{GAZETTEER_MODEL}` has no ward or classification column this page knows "
        f"(looked for {', '.join(WARD_COLUMNS + CLASSIFICATION_COLUMNS)}).",
        icon=":material/info:",
    )
    st.stop()

counts = queries.count_by(warehouse, *relation, (ward, classification)).rename(
    columns={ward: "ward", classification: "classification"}
)
counts["ward"] = counts["ward"].fillna("No ward")
counts["primary_class"] = (
    counts["classification"].fillna("U").astype(str).str[:1].str.upper().map(PRIMARY_CLASSES)
).fillna("Unclassified")

total, wards, residential = st.columns(3)
total.metric("Addressable objects", f"{int(counts['rows'].sum()):,}")
wards.metric("Wards", f"{counts['ward'].nunique():,}")
residential.metric(
    "Residential", f"{int(counts.loc[counts['primary_class'] == 'Residential', 'rows'].sum()):,}"
)

by_ward = counts.groupby(["ward", "primary_class"], as_index=False)["rows"].sum()
st.subheader("Properties per ward")
st.caption("Addressable objects in each ward, coloured by the top level of their classification.")
chart = (
    alt.Chart(by_ward)
    .mark_bar()
    .encode(
        y=alt.Y("ward:N", title=None, sort="-x"),
        x=alt.X(
            "sum(rows):Q", title="Addressable objects", axis=alt.Axis(format=",d", tickMinStep=1)
        ),
        color=alt.Color(
            "primary_class:N",
            title="Classification",
            # A fixed colour per class, so Residential looks the same in every borough.
            scale=alt.Scale(
                domain=[c for c in CLASS_COLOURS if c in set(by_ward["primary_class"])],
                range=[v for c, v in CLASS_COLOURS.items() if c in set(by_ward["primary_class"])],
            ),
            legend=alt.Legend(orient="bottom", labelLimit=0),
        ),
        tooltip=[
            alt.Tooltip("ward:N", title="Ward"),
            alt.Tooltip("primary_class:N", title="Classification"),
            alt.Tooltip("rows:Q", title="Addressable objects", format=","),
        ],
    )
    .properties(height=max(200, 24 * by_ward["ward"].nunique()))
)
st.altair_chart(chart, width="stretch")

st.subheader("Classification codes")
st.caption("Addressable objects per classification code, across the borough.")
by_code = (
    counts.groupby(["classification", "primary_class"], as_index=False, dropna=False)["rows"]
    .sum()
    .sort_values("rows", ascending=False)
)
st.dataframe(
    by_code,
    hide_index=True,
    column_config={
        "classification": st.column_config.TextColumn("Classification code"),
        "primary_class": st.column_config.TextColumn("Classification"),
        "rows": ui.count_column("Addressable objects"),
    },
)

st.subheader("Wards")
st.caption("Addressable objects per ward and classification; a ward's row adds up to its total.")
wide = by_ward.pivot_table(
    index="ward", columns="primary_class", values="rows", fill_value=0, aggfunc="sum"
)
wide.insert(0, "Total", wide.sum(axis=1))
wide = wide.sort_values("Total", ascending=False).reset_index().rename(columns={"ward": "Ward"})
st.dataframe(
    wide,
    hide_index=True,
    column_config={name: ui.count_column(name) for name in wide.columns if name != "Ward"},
)
