"""Data quality and freshness, per source: last extract, load accounting, rejects, matches, checks."""

from datetime import date

import pandas as pd
import streamlit as st

from dashboards import access, queries, ui

access.guard(__file__)
st.title("Data quality and freshness")
warehouse = ui.open_warehouse()
build = queries.build_info(warehouse)
st.caption(f"From the published warehouse, built {ui.format_timestamp(build['finished_at'])}. No personal data.")
# An extract older than this when the warehouse was built is flagged as stale: systems deliver
# deltas at least monthly.
STALE_AFTER_DAYS = 35

if not queries.has_relation(warehouse, "audit", "load_log"):
    st.warning("No `audit.load_log`: nothing has been loaded. " + queries.BUILD_HINT)
    st.stop()

sources = queries.sources_summary(warehouse)
reference = pd.Timestamp(build["finished_at"]).normalize() if build["finished_at"] is not None else pd.Timestamp(date.today())
sources["days_old"] = (reference - pd.to_datetime(sources["latest_extract"])).dt.days
sources["fresh"] = sources["days_old"].map(lambda d: "stale" if d > STALE_AFTER_DAYS else "fresh")
sources["reject_rate"] = sources["rows_rejected"] / sources["rows_in_files"].where(sources["rows_in_files"] > 0)
matches = queries.address_match_rates(warehouse)
people = queries.person_link_rates(warehouse)
table = sources.merge(matches, on="source_system", how="left").merge(people, on="source_system", how="left")
table.insert(0, "system", table["source_system"].map(ui.system_label))

stale = table[table["fresh"] == "stale"]
if stale.empty:
    st.success(f"Every source delivered within {STALE_AFTER_DAYS} days of the build.", icon=":material/check_circle:")
else:
    st.warning("Stale: " + ", ".join(f"{r.system} ({r.days_old} days)" for r in stale.itertuples()), icon=":material/schedule:")

st.header("Per source", divider="gray")
columns = ["system", "latest_extract", "days_old", "fresh", "files", "failed_files", "rows_in_files", "rows_loaded",
           "rows_rejected", "reject_rate"]
config = {
    "system": st.column_config.TextColumn("Source"),
    "latest_extract": st.column_config.DateColumn("Last extract", format=ui.DATE_FORMAT),
    "days_old": st.column_config.NumberColumn("Days old at build"),
    "fresh": st.column_config.TextColumn("Freshness"),
    "files": ui.count_column("Files"),
    "failed_files": ui.count_column("Failed files"),
    "rows_in_files": ui.count_column("Rows in files"),
    "rows_loaded": ui.count_column("Loaded"),
    "rows_rejected": ui.count_column("Rejected"),
    "reject_rate": st.column_config.NumberColumn("Rejected share", format="percent"),
}
if "address_records" in table:
    columns += ["address_records", "addresses_matched"]
    config["address_records"] = ui.count_column("Address records")
    config["addresses_matched"] = st.column_config.NumberColumn("Addresses matched to a UPRN", format="percent")
if "person_records" in table:
    columns += ["person_records", "linked_across_systems"]
    config["person_records"] = ui.count_column("Person records")
    config["linked_across_systems"] = st.column_config.NumberColumn("Linked to another system", format="percent")
st.dataframe(table[[c for c in columns if c in table]], hide_index=True, column_config=config)
if "address_records" not in table:
    st.caption("No linkage marts in this warehouse yet: match rates appear once the residents marts are built.")

st.header("Checks", divider="gray")
checks = queries.build_checks(warehouse)
if checks is None:
    st.info(
        "This warehouse records no check results (`audit.build_checks`): the build's asset checks and dbt "
        "tests are shown in Dagster until it does.",
        icon=":material/info:",
    )
else:
    failed = checks[~checks["passed"]]
    a, b = st.columns(2)
    a.metric("Checks passed", f"{int(checks['passed'].sum()):,} of {len(checks):,}")
    b.metric("Failed", f"{len(failed):,}")
    if failed.empty:
        st.success("Every check passed in the build that published this warehouse.", icon=":material/check_circle:")
    st.dataframe(
        checks.sort_values(["passed", "asset_key", "check_name"]),
        hide_index=True,
        column_config={"passed": st.column_config.CheckboxColumn("Passed")},
    )

st.header("Rejected rows by reason", divider="gray")
rejects = queries.rejects_summary(warehouse)
if rejects.empty:
    st.caption("No row has been rejected.")
else:
    by_reason = rejects.groupby(["source_system", "source_table", "column_name", "reason"], as_index=False)["rows_rejected"].sum()
    by_reason.insert(0, "system", by_reason.pop("source_system").map(ui.system_label))
    st.dataframe(by_reason.sort_values("rows_rejected", ascending=False), hide_index=True,
                 column_config={"rows_rejected": ui.count_column("Rows rejected")})
