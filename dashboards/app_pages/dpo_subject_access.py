"""Subject access request: everything the warehouse holds about one resident, as a workbook."""

import streamlit as st

from dashboards import access, queries, residents, ui
from warehouse.access import audit, subject_access

user = access.guard(__file__)
st.title("Subject access request")
warehouse = ui.open_warehouse()
ui.require_marts(warehouse)
st.caption(
    "Find the requester, check it is them, then export everything the warehouse holds about them "
    "across every system. The council has one calendar month to answer. Each export is recorded."
)
text = st.text_input("Find the requester", placeholder="name, date of birth, postcode, address or UPRN")
if not text.strip():
    st.stop()
found = residents.search(warehouse, user, text)
if found.empty:
    st.info("No resident matches.")
    st.stop()
picked = st.dataframe(
    found[["resident_id", "forename", "surname", "birth_date", "address"]],
    hide_index=True, on_select="rerun", selection_mode="single-row", key="sar_results",
    column_config={"resident_id": st.column_config.NumberColumn("Resident", format="%d"),
                   "birth_date": st.column_config.DateColumn("Date of birth", format=ui.DATE_FORMAT)},
)
if not picked.selection.rows:
    st.stop()
resident_id = int(found.iloc[picked.selection.rows[0]]["resident_id"])
tables = subject_access.collect(lambda sql, parameters: queries.query(warehouse, sql, parameters), resident_id)
st.subheader(f"Resident {resident_id}: {sum(len(t) for t in tables.values()):,} rows in {len(tables)} tables")
st.dataframe(
    [{"table": name, "rows": len(table)} for name, table in tables.items()],
    hide_index=True, column_config={"rows": ui.count_column("Rows")},
)


def _record_export() -> None:
    access.audit_log().append(user, audit.SUBJECT_ACCESS_EXPORT, purpose="subject_access", resident_id=resident_id)


st.download_button(
    "Export everything (Excel workbook)",
    subject_access.to_xlsx(tables, resident_id, user.name),
    f"subject_access_resident_{resident_id}.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    on_click=_record_export,
    type="primary",
    icon=":material/download:",
)
