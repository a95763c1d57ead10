"""Warehouse overview for engineers and data custodians: build, extracts, load accounting."""

import altair as alt
import streamlit as st

from dashboards import access, queries, ui

access.guard(__file__)

st.title("Warehouse")
warehouse = ui.open_warehouse()
st.caption(
    f"What the last build put into `{warehouse.path}`, read from the published file "
    "(read-only). Figures refresh when the warehouse is rebuilt."
)

# --- Build ------------------------------------------------------------------------------------
build = queries.build_info(warehouse)
st.header("Build", divider="gray")
if build["source"] == "audit.builds":
    built, status, version = st.columns([2, 1, 1])
    built.metric("Built", ui.format_timestamp(build.get("finished_at") or build.get("started_at")))
    status.metric("Build status", str(build.get("status") or "unknown"))
    version.metric("Code version", str(build.get("code_version") or "unknown"))
    st.caption("From the latest row of `audit.builds`.")
elif build["source"] == "audit.load_log":
    st.metric("Last file loaded", ui.format_timestamp(build["finished_at"]))
    st.caption("This warehouse records no builds (`audit.builds`), so this is the last file load.")
else:
    st.warning(
        "This warehouse has no `audit.load_log`: no extract has been loaded into it. "
        + queries.BUILD_HINT,
        icon=":material/warning:",
    )
    st.stop()

log = queries.load_log(warehouse)
if log.empty:
    st.warning("`audit.load_log` is empty: no extract has been loaded yet. " + queries.BUILD_HINT)
    st.stop()

failed = log[log["status"] == "failed"]
files, rows_in_files, rows_loaded, rows_rejected = st.columns([2, 1, 1, 1])
files.metric("Files loaded", f"{int((log['status'] == 'loaded').sum()):,}")
rows_in_files.metric("Rows in files", f"{int(log['rows_in_file'].fillna(0).sum()):,}")
rows_loaded.metric("Rows loaded", f"{int(log['rows_loaded'].fillna(0).sum()):,}")
rows_rejected.metric("Rows rejected", f"{int(log['rows_rejected'].fillna(0).sum()):,}")

if failed.empty:
    st.success("Every extract file loaded.", icon=":material/check_circle:")
else:
    lines = "\n".join(
        f"- **{ui.system_label(row.source_system)} · {row.source_table}**, extract of "
        f"{ui.format_date(row.extract_date)}: "
        # The loader's errors name the file; say it only when one does not.
        + (
            row.error
            if row.error and row.file in row.error
            else f"`{row.file}`: {row.error or 'no error recorded'}"
        )
        for row in failed.itertuples()
    )
    st.error(
        f"**{len(failed):,} file{'s' if len(failed) != 1 else ''} failed to load**\n\n{lines}",
        icon=":material/error:",
    )

# --- Sources ----------------------------------------------------------------------------------
st.header("Sources and extracts", divider="gray")
st.caption(
    "One row per source system: the extracts it has delivered (the first is a full extract, "
    "later ones are deltas) and how many of their rows were loaded or rejected."
)
sources = queries.sources_summary(warehouse)
sources.insert(0, "system", sources["source_system"].map(ui.system_label))
st.dataframe(
    sources[
        [
            "system",
            "latest_extract",
            "extract_dates",
            "files",
            "failed_files",
            "rows_in_files",
            "rows_loaded",
            "rows_rejected",
            "last_loaded_at",
        ]
    ],
    hide_index=True,
    column_config={
        "system": st.column_config.TextColumn("Source system"),
        "latest_extract": st.column_config.DateColumn("Latest extract", format=ui.DATE_FORMAT),
        "extract_dates": st.column_config.TextColumn("Extract dates"),
        "files": ui.count_column("Files"),
        "failed_files": ui.count_column("Failed files"),
        "rows_in_files": ui.count_column("Rows in files"),
        "rows_loaded": ui.count_column("Rows loaded"),
        "rows_rejected": ui.count_column("Rows rejected"),
        "last_loaded_at": st.column_config.DatetimeColumn("Last loaded", format=ui.DATETIME_FORMAT),
    },
)

by_extract = queries.rows_by_extract(warehouse)
by_extract["system"] = by_extract["source_system"].map(ui.system_label)
st.subheader("Rows loaded per extract")
st.caption("Rows loaded from each source system's extract files, by extract date.")
chart = (
    alt.Chart(by_extract)
    .mark_bar()
    .encode(
        x=alt.X("extract_date:N", title="Extract date", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("rows_loaded:Q", title="Rows loaded", axis=alt.Axis(format=",d", tickMinStep=1)),
        color=alt.Color(
            "system:N",
            title="Source system",
            scale=ui.system_colour_scale(by_extract["system"]),
            legend=alt.Legend(orient="bottom", columns=4, labelLimit=0),
        ),
        tooltip=[
            alt.Tooltip("system:N", title="Source system"),
            alt.Tooltip("extract_date:N", title="Extract date"),
            alt.Tooltip("rows_loaded:Q", title="Rows loaded", format=","),
            alt.Tooltip("rows_rejected:Q", title="Rows rejected", format=","),
        ],
    )
    .properties(height=320)
)
st.altair_chart(chart, width="stretch")

# --- Load accounting --------------------------------------------------------------------------
st.header("Load accounting per file", divider="gray")
st.caption(
    "One row per extract file. For a file that loaded, rows in file = rows loaded + rows "
    "rejected. Failed files come first, with the loader's error."
)
per_file = log.assign(system=log["source_system"].map(ui.system_label))[
    [
        "system",
        "source_table",
        "extract_date",
        "status",
        "rows_in_file",
        "rows_loaded",
        "rows_rejected",
        "error",
        "file",
        "loaded_at",
        "duration_s",
    ]
]


def _highlight_failed(row):
    # A pale red fill with the default dark text keeps a contrast ratio above 7:1.
    style = "background-color: #fbe3e4" if row["status"] == "failed" else ""
    return [style] * len(row)


st.dataframe(
    per_file.style.apply(_highlight_failed, axis=1),
    hide_index=True,
    column_config={
        "system": st.column_config.TextColumn("Source system"),
        "source_table": st.column_config.TextColumn("Table"),
        "extract_date": st.column_config.DateColumn("Extract date", format=ui.DATE_FORMAT),
        "file": st.column_config.TextColumn("File"),
        "status": st.column_config.TextColumn("Status"),
        "rows_in_file": ui.count_column("Rows in file"),
        "rows_loaded": ui.count_column("Rows loaded"),
        "rows_rejected": ui.count_column("Rows rejected"),
        "error": st.column_config.TextColumn("Error", width="large"),
        "loaded_at": st.column_config.DatetimeColumn("Loaded at", format=ui.DATETIME_FORMAT),
        "duration_s": st.column_config.NumberColumn("Seconds", format="%.1f"),
    },
)

# --- Rejects ----------------------------------------------------------------------------------
st.header("Rejected rows", divider="gray")
rejects = queries.rejects_summary(warehouse)
if rejects.empty:
    st.caption("No row has been rejected.")
else:
    st.caption(
        "Rows the loader set aside, grouped by file, column and reason, with the first and "
        "last row number in the file. The rejected values themselves are not shown here: "
        "they may hold personal data."
    )
    rejects["system"] = rejects["source_system"].map(ui.system_label)
    st.dataframe(
        rejects[
            [
                "system",
                "source_table",
                "column_name",
                "reason",
                "rows_rejected",
                "first_row",
                "last_row",
                "file",
            ]
        ],
        hide_index=True,
        column_config={
            "system": st.column_config.TextColumn("Source system"),
            "source_table": st.column_config.TextColumn("Table"),
            "file": st.column_config.TextColumn("File"),
            "column_name": st.column_config.TextColumn("Column"),
            "reason": st.column_config.TextColumn("Reason", width="large"),
            "rows_rejected": ui.count_column("Rows rejected"),
            "first_row": ui.count_column("First row"),
            "last_row": ui.count_column("Last row"),
        },
    )

# --- Staging models ---------------------------------------------------------------------------
st.header("Staging models", divider="gray")
staging = queries.staging_models(warehouse)
if staging.empty:
    st.info(
        "No staging model (`stg_…`) is in this warehouse yet: dbt has not run against it.",
        icon=":material/info:",
    )
else:
    st.caption(
        "Every dbt staging model (`stg_<source>__<table>`): one typed, cleaned relation per "
        "source table, keeping the latest version of each record across extracts."
    )
    st.dataframe(
        staging,
        hide_index=True,
        column_config={
            "schema": st.column_config.TextColumn("Schema"),
            "model": st.column_config.TextColumn("Model"),
            "materialised": st.column_config.TextColumn("Materialised as"),
            "rows": ui.count_column("Rows"),
            "columns": ui.count_column("Columns"),
        },
    )
