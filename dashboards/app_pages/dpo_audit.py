"""Access audit for the data protection officer: who viewed which resident, when and why."""

import streamlit as st

from dashboards import access, ui
from warehouse.access import audit, sharing

user = access.guard(__file__)
st.title("Access audit")
log = access.audit_log()
check = log.verify()
st.caption(
    f"Every record opened, every refusal and every sign-in, from `{log.path}`: outside the warehouse, "
    "so it survives rebuilds. Records are only ever appended and each carries a hash of the one before."
)
if check.intact:
    st.success(f"{check.records:,} record{'' if check.records == 1 else 's'}; the chain is intact.",
               icon=":material/verified_user:")
else:
    st.error(f"The log has been altered: the chain breaks at record {check.first_broken}.", icon=":material/gpp_bad:")

records = log.records()
if records.empty:
    st.stop()
views = records[records["action"].isin([audit.VIEW_RESIDENT, audit.VIEW_PROPERTY, audit.VIEW_AT_RISK_LIST,
                                        audit.SUBJECT_ACCESS_EXPORT])]
refused = records[records["action"].isin([audit.ACCESS_REFUSED, audit.SIGN_IN_REFUSED])]
a, b, c = st.columns(3)
a.metric("Records opened", f"{len(views):,}")
b.metric("Residents viewed", f"{views['resident_id'].nunique():,}")
c.metric("Refusals", f"{len(refused):,}")

left, right = st.columns(2)
who = left.multiselect("User", sorted(records["user"].dropna().unique()))
actions = right.multiselect("Action", sorted(records["action"].unique()))
resident = st.text_input("Resident id", placeholder="every resident")
shown = records
if who:
    shown = shown[shown["user"].isin(who)]
if actions:
    shown = shown[shown["action"].isin(actions)]
if resident.strip().isdigit():
    shown = shown[shown["resident_id"] == int(resident)]
shown = shown.assign(purpose=shown["purpose"].map(lambda p: sharing.PURPOSES.get(p, p)), at=shown["at"].dt.tz_localize(None))
st.dataframe(
    shown[["seq", "at", "user", "role", "service", "action", "resident_id", "uprn", "purpose", "detail"]],
    hide_index=True,
    column_config={
        "seq": st.column_config.NumberColumn("#", format="%d"),
        "at": st.column_config.DatetimeColumn("When (UTC)", format=ui.DATETIME_FORMAT + ":ss"),
        "user": st.column_config.TextColumn("User"),
        "role": st.column_config.TextColumn("Role"),
        "service": st.column_config.TextColumn("Service"),
        "action": st.column_config.TextColumn("Action"),
        "resident_id": st.column_config.NumberColumn("Resident", format="%d"),
        "uprn": st.column_config.NumberColumn("UPRN", format="%d"),
        "purpose": st.column_config.TextColumn("Purpose", width="medium"),
        "detail": st.column_config.TextColumn("Detail"),
    },
)
st.download_button(
    "Download the audit log (CSV)", shown.to_csv(index=False).encode(), "access_audit.csv", "text/csv",
    icon=":material/download:",
)
