"""Pieces every page shares: opening the warehouse, labels, colours and formats."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import queries
from warehouse.sources import SYSTEMS

SYSTEM_LABELS = {system.name: system.label for system in SYSTEMS}

# Okabe-Ito: distinguishable with the common colour-vision deficiencies; yellow last because
# it is faint on white.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]

DATE_FORMAT = "D MMM YYYY"
DATETIME_FORMAT = "D MMM YYYY, HH:mm"


def system_label(name: str) -> str:
    return SYSTEM_LABELS.get(name, name)


def open_warehouse() -> queries.Warehouse:
    """The published warehouse, or a message saying how to build it and the page stops there."""
    try:
        warehouse = queries.current_warehouse()
        queries.relations(warehouse)  # opens it: an unreadable file fails here, not mid-page
    except queries.WarehouseUnavailable as reason:
        st.info(str(reason), icon=":material/info:")
        st.stop()
    return warehouse


def format_timestamp(value) -> str:
    if value is None or pd.isna(value):
        return "unknown"
    return pd.Timestamp(value).strftime("%-d %b %Y, %H:%M")


def format_date(value) -> str:
    if value is None or pd.isna(value):
        return "none"
    return pd.Timestamp(value).strftime("%-d %b %Y")


def count_column(label: str, help: str | None = None) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, help=help, format="localized")


def system_colour_scale(systems) -> alt.Scale:
    names = sorted(set(systems))
    return alt.Scale(domain=names, range=PALETTE[: len(names)] or PALETTE)


def require_marts(warehouse: queries.Warehouse) -> None:
    """Stop with a message when the residents marts (the linkage issue) are not built yet."""
    from dashboards import residents

    if not residents.has_marts(warehouse):
        st.info(
            "This warehouse has no residents marts yet (`dim_resident`, `fct_service_involvement`, ...): "
            "the build that links people across systems has not run. " + queries.BUILD_HINT,
            icon=":material/info:",
        )
        st.stop()


def prevention_relation(warehouse: queries.Warehouse) -> tuple[str, str, tuple[str, ...]] | None:
    """The prevention mart (the demand issue's households at risk), found by name, if built."""
    for schema, name in sorted(queries.relations(warehouse)):
        if schema.startswith(("raw", "staging", "audit")) or not ("risk" in name or "prevention" in name):
            continue
        columns = queries.relation_columns(warehouse, schema, name)
        if ("resident_id" in columns or "household_id" in columns) and any("reason" in c for c in columns):
            return schema, name, columns
    return None


def prevention_flags(warehouse: queries.Warehouse, *, resident_id: int) -> pd.DataFrame | None:
    """The resident's prevention flags with their reasons, or None when no prevention mart exists."""
    found = prevention_relation(warehouse)
    if found is None:
        return None
    schema, name, columns = found
    reason = next(c for c in columns if "reason" in c)
    relation = f'"{schema}"."{name}"'
    if "resident_id" in columns:
        where, parameters = "resident_id = ?", [resident_id]
    else:
        where = "list_contains((select list(household_id) from {h} where list_contains(resident_ids, ?)), household_id)"
        from dashboards import residents

        where = where.format(h=residents.relation(warehouse, "dim_household"))
        parameters = [resident_id]
    flagged = "is_flagged" if "is_flagged" in columns else "true"
    rows = queries.query(
        warehouse, f"select {reason} as reasons from {relation} where {where} and {flagged}", parameters
    )
    rows["reasons"] = rows["reasons"].map(lambda r: "; ".join(map(str, r)) if not isinstance(r, str) else r)
    return rows.assign(title="At risk of homelessness")


def suppressed_table(table: pd.DataFrame, title: str, file_name: str, index_label: str) -> None:
    """A table that has passed disclosure control, shown with [c] marks, and its CSV download."""
    from warehouse.access import disclosure

    st.markdown(f"**{title}**")
    shown = disclosure.formatted(table)
    shown.index = [str(i) for i in shown.index]
    shown.columns = [str(c) for c in shown.columns]
    st.dataframe(shown.rename_axis(index_label).reset_index(), hide_index=True)
    st.download_button(
        f"Download (CSV): {title}", disclosure.to_csv(table), file_name, "text/csv",
        icon=":material/download:", key=f"download_{file_name}",
    )
