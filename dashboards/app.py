"""The Streamlit app: sign-in, then a router over the pages the user's role may open.

Pages live in ``app_pages/``, named ``<audience>_<topic>.py``; ``dashboards/access.py`` says
which roles may open each. Run it with ``council serve`` (which sets ``COUNCIL_WAREHOUSE``) or
``streamlit run dashboards/app.py``.
"""

import streamlit as st

from dashboards import access, queries, ui

st.set_page_config(
    page_title="Council data warehouse", page_icon=":material/database:", layout="wide"
)

user = access.current_user()
if user is None:
    # Signed out, every URL leads here: no other page is even registered.
    navigation = st.navigation(
        [st.Page(access.sign_in_page, title="Sign in", icon=":material/login:", url_path="sign_in")],
        position="hidden",
    )
else:
    sections: dict[str, list] = {}
    landing = access.landing_page(user)
    for spec in access.permitted_pages(user):
        sections.setdefault(spec.section, []).append(
            st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec is landing)
        )
    navigation = st.navigation(sections)

with st.sidebar:
    if user is not None:
        access.user_badge(user)
    try:
        build = queries.build_info(queries.current_warehouse())
        st.caption(f"Warehouse built {ui.format_timestamp(build['finished_at'])}")
    except queries.WarehouseUnavailable:
        st.caption("No warehouse built yet")

navigation.run()
