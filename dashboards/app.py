"""The Streamlit app: a router over the pages in ``app_pages/``, named ``<audience>_<topic>.py``.

Run it with ``council serve`` (which sets ``COUNCIL_WAREHOUSE``) or
``streamlit run dashboards/app.py``.
"""

from pathlib import Path

import streamlit as st

from dashboards import queries, ui

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(
    page_title="Council data warehouse", page_icon=":material/database:", layout="wide"
)

navigation = st.navigation(
    {
        "Engineers and custodians": [
            st.Page(
                PAGES / "engineers_warehouse.py",
                title="Warehouse",
                icon=":material/database:",
                default=True,
            ),
        ],
        "Analysts": [
            st.Page(
                PAGES / "analysts_borough.py", title="Borough at a glance", icon=":material/map:"
            ),
        ],
    }
)

with st.sidebar:
    try:
        build = queries.build_info(queries.current_warehouse())
        st.caption(f"Warehouse built {ui.format_timestamp(build['finished_at'])}")
    except queries.WarehouseUnavailable:
        st.caption("No warehouse built yet")

navigation.run()
