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
