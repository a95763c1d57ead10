"""Sign-in, the pages each role may open, and the guard every page runs first.

Two locks on every door: ``app.py`` lists in ``st.navigation`` only the pages the signed-in
role may open, and every page calls ``guard`` before it reads anything, so a page reached
some other way (an edited URL, ``st.switch_page``, a stale session) still refuses. Sign-in
lives in the server-side session: a reload or an edited URL starts a new session, which
must sign in again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from warehouse.access import audit, sharing
from warehouse.access.roles import Role, User
from warehouse.access.state import state_dir
from warehouse.access.users import UserStore

PAGES_DIR = Path(__file__).parent / "app_pages"
USER_KEY = "signed_in_user"
_F, _A, _S, _D, _E = Role.FRONTLINE, Role.ANALYST, Role.SCRUTINY, Role.DPO, Role.ENGINEER


@dataclass(frozen=True)
class PageSpec:
    key: str  # the file name in app_pages/, without .py
    title: str
    icon: str
    section: str
    roles: frozenset[Role]
    # A page of person-level data only a data sharing agreement for this purpose opens (a frontline
    # manager whose service has none never sees the page).
    purpose: str | None = None

    @property
    def path(self) -> Path:
        return PAGES_DIR / f"{self.key}.py"


PAGES = [
    PageSpec("frontline_search", "Find a resident", ":material/person_search:", "Residents", frozenset({_F})),
    PageSpec("frontline_resident", "Resident", ":material/badge:", "Residents", frozenset({_F})),
    PageSpec("frontline_property", "Property", ":material/home:", "Residents", frozenset({_F})),
    PageSpec("frontline_at_risk", "At-risk households", ":material/crisis_alert:", "Residents", frozenset({_F}),
             purpose="homelessness_prevention"),
    PageSpec("analysts_records", "Pseudonymised records", ":material/fingerprint:", "Analysts", frozenset({_A})),
    PageSpec("scrutiny_demand", "Demand for services", ":material/trending_up:", "Demand for services", frozenset({_S, _A})),
    PageSpec("scrutiny_send", "SEND demand", ":material/school:", "Demand for services", frozenset({_S, _A})),
    PageSpec("scrutiny_childrens", "Children's social care demand", ":material/child_care:", "Demand for services",
             frozenset({_S, _A})),
    PageSpec("scrutiny_adults", "Adult social care demand", ":material/elderly:", "Demand for services", frozenset({_S, _A})),
    PageSpec("scrutiny_housing", "Housing demand", ":material/house:", "Demand for services", frozenset({_S, _A})),
    PageSpec("scrutiny_council_tax", "Council tax demand", ":material/receipt_long:", "Demand for services",
             frozenset({_S, _A})),
    PageSpec("dpo_audit", "Access audit", ":material/policy:", "Data protection", frozenset({_D})),
    PageSpec("dpo_subject_access", "Subject access request", ":material/folder_shared:", "Data protection", frozenset({_D})),
    PageSpec("engineers_warehouse", "Warehouse", ":material/database:", "Engineers and custodians", frozenset({_E})),
    PageSpec("engineers_quality", "Data quality and freshness", ":material/fact_check:", "Engineers and custodians", frozenset({_E, _A})),
    PageSpec("analysts_borough", "Borough at a glance", ":material/map:", "Analysts", frozenset({_A, _E})),
]
PAGE_BY_KEY = {page.key: page for page in PAGES}
# Each role lands on the page it mostly works in.
LANDING = {_F: "frontline_search", _A: "analysts_records", _S: "scrutiny_demand", _D: "dpo_audit", _E: "engineers_warehouse"}


def users() -> UserStore:
    return UserStore(state_dir())


def audit_log() -> audit.AuditLog:
    return audit.AuditLog(state_dir())


def agreements() -> sharing.Agreements:
    return sharing.load()


def current_user() -> User | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


def may_open(user: User, spec: PageSpec) -> bool:
    """The user's role may open the page, and, for a page tied to a purpose, an agreement covers it."""
    if user.role not in spec.roles:
        return False
    return spec.purpose is None or spec.purpose in agreements().purposes(user)


def permitted_pages(user: User) -> list[PageSpec]:
    return [page for page in PAGES if may_open(user, page)]


def landing_page(user: User) -> PageSpec:
    return PAGE_BY_KEY[LANDING[user.role]]


def guard(page_file: str) -> User:
    """The signed-in user if their role may open this page; otherwise refuse and stop the page."""
    key = Path(page_file).stem
    spec = PAGE_BY_KEY[key]
    user = current_user()
    if user is None:
        st.warning("Sign in to open this page.", icon=":material/lock:")
        st.stop()
    if not may_open(user, spec):
        audit_log().append(user, audit.ACCESS_REFUSED, detail=f"page {key}")
        if user.role in spec.roles:
            refuse(f"You ({user.label}) cannot open **{spec.title}**: no data sharing agreement covers "
                   f"{sharing.PURPOSES.get(spec.purpose, spec.purpose).lower()} for your service.")
        refuse(f"Your role ({user.label}) cannot open **{spec.title}**.")
    return user


def refuse(message: str) -> None:
    st.error(f"{message} If your work needs it, ask the data protection officer.", icon=":material/block:")
    st.stop()


def sign_in_page() -> None:
    st.title("Council data warehouse")
    st.caption(
        "Sign in to see the pages your role allows. What you open about a resident is recorded, "
        "with the purpose you give."
    )
    with st.form("sign_in", border=True, enter_to_submit=True):
        name = st.text_input("User name", key="sign_in_name", autocomplete="username")
        password = st.text_input("Password", type="password", key="sign_in_password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        name = name.strip().lower()
        user = users().authenticate(name, password)
        if user is None:
            audit_log().append(name or "(blank)", audit.SIGN_IN_REFUSED)
            time.sleep(0.5)  # slows a guesser a little more; the store also locks out after 5 tries
            st.error("That user name and password do not match, or the account is locked for a few minutes.")
            return
        audit_log().append(user, audit.SIGN_IN)
        st.session_state[USER_KEY] = user
        st.session_state.pop("sign_in_password", None)
        st.rerun()


def sign_out() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def user_badge(user: User) -> None:
    st.markdown(f"Signed in as **{user.name}**  \n{user.label}")
    st.button("Sign out", on_click=sign_out, icon=":material/logout:")


def ask_purpose(user: User, action: str, *, resident_id: int | None = None, uprn: int | None = None) -> str:
    """Ask why the user is opening this record and write the audit record; stop until they say.

    The purpose is asked again for every resident or property: it is recorded per record.
    """
    subject = f"{action}:{resident_id}:{uprn}"
    opened = st.session_state.setdefault("opened_records", {})
    if subject in opened:
        return opened[subject]
    purposes = agreements().purposes(user)
    if not purposes:
        refuse("No data sharing agreement lets your role open person-level records.")
    what = f"resident {resident_id}" if resident_id is not None else f"property {uprn}"
    with st.form(f"purpose_{subject}", border=True):
        st.markdown(f"**Why are you opening {what}?** Your answer is recorded with your name and the time.")
        purpose = st.selectbox(
            "Purpose", purposes, format_func=lambda p: sharing.PURPOSES.get(p, p), key=f"purpose_choice_{subject}"
        )
        go = st.form_submit_button("Open the record", type="primary", icon=":material/lock_open:")
    if not go:
        st.stop()
    audit_log().append(user, action, purpose=purpose, resident_id=resident_id, uprn=uprn)
    opened[subject] = purpose
    st.rerun()
    return purpose  # not reached: the rerun shows the record


def selected_id(name: str) -> int | None:
    """An id chosen on another page (session state) or given in the URL (``?name=``).

    Either way it is only a request: the page still checks the user may see it.
    """
    raw = st.query_params.get(name)
    if raw is not None:
        try:
            st.session_state[name] = int(raw)
        except ValueError:
            st.session_state.pop(name, None)
    value = st.session_state.get(name)
    return int(value) if value is not None else None


def open_page(key: str, **ids: int) -> None:
    for name, value in ids.items():
        st.session_state[name] = int(value)
    st.switch_page(PAGE_BY_KEY[key].path, query_params={k: str(v) for k, v in ids.items()})
