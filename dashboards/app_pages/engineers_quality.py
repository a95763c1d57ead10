"""Data quality and freshness, per source: last extract, load accounting, rejects, matches, checks."""

import streamlit as st

from dashboards import access, queries, ui

access.guard(__file__)
st.title("Data quality and freshness")
warehouse = ui.open_warehouse()
build = queries.build_info(warehouse)
st.caption(f"From the published warehouse, built {ui.format_timestamp(build['finished_at'])}. No personal data.")
if not queries.has_relation(warehouse, "audit", "load_log"):
    st.warning("No `audit.load_log`: nothing has been loaded. " + queries.BUILD_HINT)
    st.stop()

sources = queries.sources_summary(warehouse)
checks = queries.build_checks(warehouse)
# Freshness is the pipeline's own verdict (each table's `delivered_on_time` check, judged on the
# source's delivery cadence), so this page and Dagster never disagree about a late source.
if checks is not None and (checks["check_name"] == "delivered_on_time").any():
    on_time = checks[checks["check_name"] == "delivered_on_time"]
    on_time = on_time.assign(source_system=on_time["asset_key"].str.split("/").str[1]).groupby("source_system")["passed"].all()
    sources["fresh"] = sources["source_system"].map(on_time).map({True: "on time", False: "late"}).fillna("not checked")
else:
    sources["fresh"] = "not checked"
judged = sources["rows_in_files"] - sources["rows_set_aside"]
sources["reject_rate"] = sources["rows_rejected"] / judged.where(judged > 0)
matches = queries.address_match_rates(warehouse)
people = queries.person_link_rates(warehouse)
table = sources.merge(matches, on="source_system", how="left").merge(people, on="source_system", how="left")
table.insert(0, "system", table["source_system"].map(ui.system_label))

late = table[table["fresh"] == "late"]
if (table["fresh"] == "not checked").all():
    st.info("This build recorded no delivery checks (`audit.build_checks`).", icon=":material/schedule:")
elif late.empty:
    st.success("Every source delivered within its expected cadence.", icon=":material/check_circle:")
else:
    st.warning("Late, against the source's delivery cadence: " + ", ".join(late["system"]), icon=":material/schedule:")

st.header("Per source", divider="gray")
columns = ["system", "latest_extract", "fresh", "files", "failed_files", "stale_files", "rows_in_files", "rows_loaded",
           "rows_rejected", "reject_rate", "rows_set_aside"]
config = {
    "system": st.column_config.TextColumn("Source"),
    "latest_extract": st.column_config.DateColumn("Last extract", format=ui.DATE_FORMAT),
    "fresh": st.column_config.TextColumn("Delivered on time"),
    "files": ui.count_column("Files"),
    "failed_files": ui.count_column("Failed files"),
    "rows_in_files": ui.count_column("Rows in files"),
    "rows_loaded": ui.count_column("Loaded"),
    "rows_rejected": ui.count_column("Rejected"),
    "reject_rate": st.column_config.NumberColumn("Rejected share", format="percent"),
    "stale_files": st.column_config.NumberColumn(
        "Stale files", help="Older than an extract already loaded: quarantined, none of their rows applied."),
    "rows_set_aside": st.column_config.NumberColumn(
        "Set aside", help="Rows of redelivered or stale files: kept, not loaded, not counted as rejected."),
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
    # A failed check of severity WARN does not stop a publish; any other does, so a published
    # warehouse should show none.
    warned = failed["severity"].str.upper() == "WARN"
    a, b, c = st.columns(3)
    a.metric("Checks passed", f"{int(checks['passed'].sum()):,} of {len(checks):,}")
    b.metric("Warnings", f"{int(warned.sum()):,}", help="Failed checks of severity WARN: they do not stop a publish.")
    c.metric("Errors", f"{int((~warned).sum()):,}", help="Failed blocking checks: they stop a publish.")
    if failed.empty:
        st.success("Every check passed in the build that published this warehouse.", icon=":material/check_circle:")
    elif warned.all():
        st.info("Every blocking check passed; the warnings are listed first below.", icon=":material/info:")
    st.dataframe(
        checks.sort_values(["passed", "asset_key", "check_name"]),
        hide_index=True,
        column_config={
            "asset_key": st.column_config.TextColumn("Asset"),
            "check_name": st.column_config.TextColumn("Check"),
            "passed": st.column_config.CheckboxColumn("Passed"),
            "severity": st.column_config.TextColumn("Severity"),
        },
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
