"""Sign-in, roles, data sharing agreements, purpose and audit, suppression: rendered with AppTest."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner
from dashboard_fixture import ANN, APP, BOB, CARLA, HOUSE
from streamlit.testing.v1 import AppTest
from test_dashboard_app import _serialised

from dashboards import access, queries, residents
from warehouse.access import audit, demo_accounts, subject_access
from warehouse.access.cli import users as users_command
from warehouse.access.roles import Role, User
from warehouse.access.users import LOCKOUT_S, MAX_FAILURES, UserError, UserStore

HOUSING = User("housing.manager", Role.FRONTLINE, "housing")
CSC = User("csc.manager", Role.FRONTLINE, "childrens_social_care")
SCRUTINY = User("scrutiny", Role.SCRUTINY)
DPO = User("dpo", Role.DPO)
ANALYST = User("analyst", Role.ANALYST)


def _app(user: User | None = None, **query) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=30)
    if user is not None:
        app.session_state[access.USER_KEY] = user
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def _page(key: str, user: User, **query) -> AppTest:
    app = _app(user, **query)
    if access.PAGE_BY_KEY[key].path != access.landing_page(user).path:
        app.switch_page(str(access.PAGE_BY_KEY[key].path)).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _records(state_dir) -> list[dict]:
    return audit.AuditLog(state_dir).records().to_dict("records")


# --- Sign-in ------------------------------------------------------------------------------------


def test_signed_out_every_page_is_the_sign_in_form(residents_warehouse):
    app = _app()
    assert [t.value for t in app.title] == ["Council data warehouse"]
    assert not app.dataframe and not app.metric
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page(str(access.PAGE_BY_KEY["frontline_resident"].path))
    # A page script reached directly still refuses without a signed-in user.
    direct = AppTest.from_file(str(access.PAGE_BY_KEY["frontline_resident"].path), default_timeout=30).run()
    assert "Sign in" in direct.warning[0].value and not direct.dataframe


def test_demo_password_signs_in_to_the_role_landing_page_and_a_wrong_one_does_not(residents_warehouse, state_dir):
    accounts = {name: password for name, _, _, password in demo_accounts(state_dir)}
    stored = (state_dir / "users.json").read_text()
    assert all(password not in stored for password in accounts.values()), "only hashes are stored"
    app = _app()
    app.text_input(key="sign_in_name").input("scrutiny")
    app.text_input(key="sign_in_password").input("wrong password!")
    app.button[0].click().run()
    assert "do not match" in app.error[0].value
    app.text_input(key="sign_in_password").input(accounts["scrutiny"])
    app.button[0].click().run()
    assert app.title[0].value == "Demand for services"
    actions = [r["action"] for r in _records(state_dir)]
    assert actions == [audit.SIGN_IN, audit.SIGN_IN_REFUSED], actions  # newest first


def test_user_store_hashes_locks_out_and_refuses_bad_users(state_dir):
    store = UserStore(state_dir)
    store.add("ann.officer", "frontline", "correct horse battery", "housing")
    assert store.authenticate("ann.officer", "correct horse battery") == User("ann.officer", Role.FRONTLINE, "housing")
    for _ in range(MAX_FAILURES):
        assert store.authenticate("ann.officer", "guess") is None
    assert store.authenticate("ann.officer", "correct horse battery") is None, f"locked for {LOCKOUT_S} s"
    assert store.authenticate("nobody", "correct horse battery") is None
    with pytest.raises(UserError, match="12 characters"):
        store.add("bob", "analyst", "short")
    with pytest.raises(UserError, match="service"):
        store.add("carl", "frontline", "long enough password")
    with pytest.raises(UserError, match="already exists"):
        store.add("ann.officer", "analyst", "long enough password")


def test_cli_adds_a_user_with_the_password_from_standard_input(tmp_path):
    result = CliRunner().invoke(
        users_command, ["add", "sam", "--role", "frontline", "--service", "send", "--data", str(tmp_path)],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a long enough password" not in (tmp_path / "state" / "users.json").read_text()
    assert UserStore(tmp_path / "state").authenticate("sam", "a long enough password").service == "send"


# --- Pages each role may open ---------------------------------------------------------------------


@pytest.mark.parametrize("user", [HOUSING, CSC, ANALYST, SCRUTINY, DPO, User("engineer", Role.ENGINEER)], ids=str)
def test_navigation_lists_only_permitted_pages_and_every_other_page_refuses(user, residents_warehouse, state_dir):
    app = _app(user)
    permitted = [spec for spec in access.PAGES if access.may_open(user, spec)]
    assert all(user.role in spec.roles for spec in permitted)
    for spec in access.PAGES:
        if spec in permitted:
            app.switch_page(str(spec.path))  # registered: reachable by its URL
            continue
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(str(spec.path))
        direct = AppTest.from_file(str(spec.path), default_timeout=30)
        direct.session_state[access.USER_KEY] = user
        direct.run()
        assert "cannot open" in direct.error[0].value, spec.key
        assert not direct.dataframe and not direct.metric, spec.key
    refusals = [r for r in _records(state_dir) if r["action"] == audit.ACCESS_REFUSED]
    assert len(refusals) == len(access.PAGES) - len(permitted)


# --- Search, purpose, audit, agreements ------------------------------------------------------------


def test_search_tolerates_typos_and_finds_only_residents_known_to_the_service(residents_warehouse):
    app = _page("frontline_search", HOUSING)
    app.text_input(key="search_text").input("Anne Lea").run()
    names = list(app.dataframe[0].value["name"])
    assert names == ["Ann Lee"], "Bob Lee is known only to revenues"
    app.text_input(key="search_text").input("Carla Smith").run()
    assert not app.dataframe and "No resident known to your service" in app.info[0].value
    app.text_input(key="search_text").input("01/02/1980").run()
    assert list(app.dataframe[0].value["name"]) == ["Ann Lee"]
    app.text_input(key="search_text").input(str(HOUSE)).run()
    assert list(app.dataframe[0].value["name"]) == ["Ann Lee"]


def test_search_through_the_name_index_finds_what_a_scan_of_every_resident_finds(residents_warehouse):
    searches = ["Anne Lea", "lee", "Lea", "Carla", "Smiht", "Bob Le", "Ann Smith", "Zed"]
    dpo = User("dpo", Role.DPO)
    with_index = {text: residents.search(queries.current_warehouse(), dpo, text) for text in searches}
    assert list(with_index["Anne Lea"]["forename"]) == ["Ann"]
    assert set(with_index["lee"]["forename"]) == {"Ann", "Bob"}
    queries.close_all()
    with duckdb.connect(str(residents_warehouse)) as db:
        db.execute("drop table marts.resident_search_names")
    for text in searches:
        scanned = residents.search(queries.current_warehouse(), dpo, text)
        pd.testing.assert_frame_equal(with_index[text], scanned, obj=text)


def test_an_address_search_reads_abbreviations_as_staging_does(residents_warehouse):
    searches = ("21 Ash Grove", "21 Ash Gr", "21 ash grv", "2 Elm Ct", "21 Ash Rd", "2 Ash Gr")
    found = {text: list(residents.search(queries.current_warehouse(), DPO, text)["forename"]) for text in searches}
    assert found == {"21 Ash Grove": ["Ann", "Bob"], "21 Ash Gr": ["Ann", "Bob"], "21 ash grv": ["Ann", "Bob"],
                     "2 Elm Ct": ["Carla"], "21 Ash Rd": [], "2 Ash Gr": []}
    queries.close_all()
    with duckdb.connect(str(residents_warehouse)) as db:  # a warehouse built before the mart
        db.execute("drop table marts.address_search_abbreviations")
    assert list(residents.search(queries.current_warehouse(), DPO, "21 Ash Grove")["forename"]) == ["Ann", "Bob"]
    assert residents.search(queries.current_warehouse(), DPO, "21 Ash Gr").empty


def test_an_address_word_takes_the_forms_staging_and_address_matching_give_it(residents_warehouse):
    forms = residents._address_word_forms(queries.current_warehouse())
    assert forms["gr"] == forms["grove"] == {"gr", "grv", "grove"}  # staging's, from the mart
    assert forms["pt"] == forms["point"] == {"pt", "point"}  # address matching's own
    assert "ash" not in forms


def test_a_search_may_mix_a_name_with_an_address(residents_warehouse):
    searches = ("Ann Lee 21 Ash Grove", "Anne 21 Ash Gr", "Lee, 21 Ash Grove", "Carla 21 Ash Grove",
                "Ash Grove KQ1 1AA", "Bob Ash Grove KQ1 1AA", "Lee 2 Ash Grove", "Smith Flat 2 Elm Court",
                "Ann Lee 21")
    found = {text: list(residents.search(queries.current_warehouse(), DPO, text)["forename"]) for text in searches}
    assert found == {
        "Ann Lee 21 Ash Grove": ["Ann"], "Anne 21 Ash Gr": ["Ann"], "Lee, 21 Ash Grove": ["Ann", "Bob"],
        "Carla 21 Ash Grove": [], "Ash Grove KQ1 1AA": ["Ann", "Bob"], "Bob Ash Grove KQ1 1AA": ["Bob"],
        "Lee 2 Ash Grove": [], "Smith Flat 2 Elm Court": ["Carla"],
        "Ann Lee 21": [],  # a house number comes with its street
    }


def test_words_that_name_nobody_are_read_as_an_address_without_a_number(residents_warehouse):
    found = {text: list(residents.search(queries.current_warehouse(), DPO, text)["forename"])
             for text in ("Ash Gr", "elm court", "Ash Grove Zed", "Lee", "Zed")}
    assert found == {"Ash Gr": ["Ann", "Bob"], "elm court": ["Carla"], "Ash Grove Zed": [], "Lee": ["Ann", "Bob"],
                     "Zed": []}


def test_a_resident_outside_the_service_cannot_be_opened_by_editing_the_url(residents_warehouse, state_dir):
    app = _page("frontline_resident", HOUSING, resident=str(CARLA))
    assert "not known to Housing" in app.error[0].value
    assert b"Carla" not in _serialised(app._tree)
    refused = _records(state_dir)[0]
    assert (refused["action"], refused["resident_id"], refused["user"]) == (audit.ACCESS_REFUSED, CARLA, HOUSING.name)


def test_opening_a_card_asks_the_purpose_then_records_it_and_shows_only_agreed_systems(residents_warehouse, state_dir):
    app = _page("frontline_resident", HOUSING, resident=str(ANN))
    assert not app.dataframe, "nothing shown before the purpose is given"
    assert not [r for r in _records(state_dir) if r["action"] == audit.VIEW_RESIDENT]
    app.selectbox[0].select("direct_service")
    app.button[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == "Ann Lee"
    viewed = _records(state_dir)[0]
    assert (viewed["action"], viewed["resident_id"], viewed["purpose"]) == (audit.VIEW_RESIDENT, ANN, "direct_service")
    timeline = next(df.value for df in app.dataframe if "service" in df.value.columns)
    assert set(timeline["source_system"]) == {"housing"}, "council tax is not shared for direct housing work"
    household = next(df.value for df in app.dataframe if "age" in df.value.columns)
    assert list(household["name"]) == ["Ann Lee"], "Bob is not known to housing: counted, not named"
    assert b"Bob" not in _serialised(app._tree)


def test_homelessness_prevention_purpose_adds_council_tax(residents_warehouse):
    app = _page("frontline_resident", HOUSING, resident=str(ANN))
    app.selectbox[0].select("homelessness_prevention")
    app.button[0].click().run()
    timeline = next(df.value for df in app.dataframe if "service" in df.value.columns)
    assert set(timeline["source_system"]) == {"housing", "revenues"}
    links = next(df.value for df in app.dataframe if "explanation" in df.value.columns)
    assert "surname exact" in links.iloc[0]["explanation"]


def test_children_social_care_sees_its_child_but_not_the_adults(residents_warehouse):
    app = _page("frontline_resident", CSC, resident=str(CARLA))
    app.selectbox[0].select("safeguarding_children")
    app.button[0].click().run()
    assert app.title[0].value == "Carla Smith"
    assert "not known to Children" in _page("frontline_resident", CSC, resident=str(BOB)).error[0].value


# --- Data protection officer ----------------------------------------------------------------------


def test_audit_page_lists_views_and_detects_tampering(residents_warehouse, state_dir):
    log = audit.AuditLog(state_dir)
    log.append(HOUSING, audit.VIEW_RESIDENT, purpose="direct_service", resident_id=ANN)
    log.append(CSC, audit.VIEW_RESIDENT, purpose="safeguarding_children", resident_id=CARLA)
    app = _page("dpo_audit", DPO)
    assert "chain is intact" in app.success[0].value
    table = app.dataframe[0].value
    assert list(table["resident_id"][:2]) == [CARLA, ANN]
    lines = log.path.read_text().splitlines()
    first = json.loads(lines[0])
    first["purpose"] = "safeguarding_adults"  # someone rewrites history
    log.path.write_text("\n".join([json.dumps(first, sort_keys=True), *lines[1:]]) + "\n")
    assert log.verify().first_broken == 2
    assert "breaks at record 2" in _page("dpo_audit", DPO).error[0].value


def test_subject_access_export_gathers_every_table_about_the_resident(residents_warehouse):
    import duckdb

    with duckdb.connect(str(residents_warehouse), read_only=True) as db:
        tables = subject_access.collect(lambda sql, p: db.execute(sql, p).df(), ANN)
    assert set(tables["bridge_resident_source_record"]["source_record_id"]) == {"P1", "LP1"}
    assert len(tables["fct_service_involvement"]) == 2
    assert list(tables["dim_household"]["uprn"]) == [HOUSE]
    workbook = subject_access.to_xlsx(tables, ANN, "dpo")
    assert workbook[:2] == b"PK"


def test_analysts_see_tokens_never_names(residents_warehouse):
    app = _page("analysts_records", ANALYST)
    sent = _serialised(app._tree)
    assert b"Lee" not in sent and b"Crowd" not in sent and b"21 Ash Grove" not in sent
    table = app.dataframe[0].value
    assert table["resident"].str.match(r"^R-[A-Z2-7]{16}$").all()
    assert set(table["postcode_sector"].dropna()) <= {"KQ1 1", "KQ2 2", "KQ3 3"}


def test_property_view_names_only_residents_known_to_the_service(residents_warehouse, state_dir):
    app = _page("frontline_property", HOUSING, uprn=str(HOUSE))
    app.selectbox[0].select("direct_service")
    app.button[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    history = app.dataframe[0].value
    assert sorted(history["name"]) == ["(not known to your service)", "Ann Lee"]
    assert _records(state_dir)[0]["uprn"] == HOUSE
    refused = _page("frontline_property", CSC, uprn=str(HOUSE))
    assert "No resident known to your service" in refused.error[0].value


def test_freshness_is_the_pipelines_own_delivery_check(residents_warehouse):
    import duckdb

    with duckdb.connect(str(residents_warehouse)) as db:
        db.executemany(
            "insert into audit.build_checks values ('b2', ?, 'delivered_on_time', ?, 'WARN')",
            [("raw/housing/tenancies", False), ("raw/revenues/council_tax_accounts", True)],
        )
    app = _page("engineers_quality", User("engineer", Role.ENGINEER))
    per_source = app.dataframe[0].value.set_index("system")
    assert per_source.loc["Housing", "fresh"] == "late"
    assert per_source.loc["Council tax", "fresh"] == "on time"
    assert per_source.loc["Local Land and Property Gazetteer", "fresh"] == "not checked"
    assert any("Late, against the source's delivery cadence: Housing" in w.value for w in app.warning)
    # The late delivery is a warning, which did not stop the publish, not a failed blocking check.
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Warnings"] == "1" and metrics["Errors"] == "0"
