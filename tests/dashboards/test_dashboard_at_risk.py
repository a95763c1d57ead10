"""The at-risk households page and the prevention flag on the resident card, per role and agreement."""

from __future__ import annotations

import pytest
from dashboard_fixture import (
    ANN,
    APP,
    AT_RISK,
    CARLA,
    CROWD_HOUSE,
    FLAT,
    HOMELESS_APPLICANT,
    HOUSE,
    MODEL_CARD,
    SCORECARD,
)
from streamlit.testing.v1 import AppTest
from test_dashboard_access import CSC, HOUSING, SCRUTINY, _page, _records
from test_dashboard_app import _serialised

from dashboards import access, prevention
from warehouse.access import audit
from warehouse.access.roles import Role, User

REVENUES = User("revenues.manager", Role.FRONTLINE, "revenues")
SEND_MANAGER = User("send.manager", Role.FRONTLINE, "send")
RANK = {uprn: rank for uprn, _, rank, _ in AT_RISK}
CHILDRENS_REASON = SCORECARD["childrens_social_care_last_year"][0]


def _listed(app: AppTest):
    assert not app.exception, [e.value for e in app.exception]
    return app.dataframe[0].value.set_index("rank")


def test_housing_sees_flagged_households_known_to_it_with_every_reason_its_agreement_covers(demand_warehouse):
    app = _page("frontline_at_risk", HOUSING)
    listed = _listed(app)
    # Carla's flat is flagged, but no one there is known to housing: it is not listed at all.
    assert list(listed.index) == [RANK[HOUSE], RANK[CROWD_HOUSE]]
    assert RANK[FLAT] not in listed.index
    house = listed.loc[RANK[HOUSE]]
    assert (house["known"], house["others"]) == ("Ann Lee", 1), "Bob is known only to revenues: counted, not named"
    # The facts that raised the score, most points first; moving house lowered it, so it is no reason.
    assert house["why"] == "; ".join(SCORECARD[f][0] for f in
                                     ("rent_arrears_8_weeks", "council_tax_arrears", "rent_arrears", "childrens_social_care_last_year"))
    assert listed.loc[RANK[CROWD_HOUSE], "known"] == f"Person{HOMELESS_APPLICANT} Crowd"
    sent = _serialised(app._tree)
    assert b"Bob" not in sent and b"Carla" not in sent and b"Elm Court" not in sent
    card = app.expander[0]
    assert "Model card" in card.label
    assert any(MODEL_CARD.splitlines()[-1] in m.value for m in card.markdown)


def test_viewing_the_list_is_audited_once_per_session(demand_warehouse, state_dir):
    app = _page("frontline_at_risk", HOUSING)
    _listed(app)
    app.multiselect(key="at_risk_wards").select(next(w for u, w, _, _ in AT_RISK if u == HOUSE)).run()
    views = [r for r in _records(state_dir) if r["action"] == audit.VIEW_AT_RISK_LIST]
    assert len(views) == 1
    assert (views[0]["user"], views[0]["purpose"]) == (HOUSING.name, prevention.PURPOSE)
    assert views[0]["resident_id"] is None and "Ann" not in (views[0]["detail"] or "")


def test_the_list_filters_by_ward_and_by_reason(demand_warehouse):
    app = _page("frontline_at_risk", HOUSING)
    ward = next(w for u, w, _, _ in AT_RISK if u == CROWD_HOUSE)
    app.multiselect(key="at_risk_wards").select(ward).run()
    assert list(_listed(app).index) == sorted(RANK[u] for u, w, _, _ in AT_RISK if w == ward and u != FLAT)
    app.multiselect(key="at_risk_wards").unselect(ward).run()
    app.multiselect(key="at_risk_reasons").select(SCORECARD["council_tax_arrears"][0]).run()
    assert list(_listed(app).index) == [RANK[HOUSE]]
    app.multiselect(key="at_risk_reasons").select(SCORECARD["rent_arrears"][0]).run()
    assert list(_listed(app).index) == [RANK[HOUSE]], "households with every reason chosen"


def test_revenues_names_its_own_residents_and_reads_no_social_care_reason(demand_warehouse):
    listed = _listed(_page("frontline_at_risk", REVENUES))
    house = listed.loc[RANK[HOUSE]]
    assert (house["known"], house["others"]) == ("Bob Lee, Ann Lee", 0)
    # Revenues' agreement for homelessness prevention covers housing and council tax, not children's social care.
    assert CHILDRENS_REASON not in house["why"]
    assert SCORECARD["rent_arrears_8_weeks"][0] in house["why"]
    assert RANK[FLAT] not in listed.index


@pytest.mark.parametrize("user", [CSC, SEND_MANAGER, SCRUTINY], ids=str)
def test_a_service_without_a_prevention_agreement_cannot_reach_the_list(user, demand_warehouse, state_dir):
    assert not access.may_open(user, access.PAGE_BY_KEY["frontline_at_risk"])
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.session_state[access.USER_KEY] = user
    app.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page(str(access.PAGE_BY_KEY["frontline_at_risk"].path))
    direct = AppTest.from_file(str(access.PAGE_BY_KEY["frontline_at_risk"].path), default_timeout=30)
    direct.session_state[access.USER_KEY] = user
    direct.run()
    assert "cannot open" in direct.error[0].value
    assert not direct.dataframe and not direct.expander
    assert _records(state_dir)[0]["action"] == audit.ACCESS_REFUSED


def test_the_card_shows_the_flag_when_opened_for_homelessness_prevention_only(demand_warehouse):
    app = _page("frontline_resident", HOUSING, resident=str(ANN))
    app.selectbox[0].select(prevention.PURPOSE)
    app.button[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    flag = next(w.value for w in app.warning if "At risk of homelessness" in w.value)
    assert f"ranked {RANK[HOUSE]} of the {len(AT_RISK)} flagged" in flag
    assert CHILDRENS_REASON in flag, "housing's prevention agreement covers children's social care"
    direct = _page("frontline_resident", HOUSING, resident=str(ANN))
    direct.selectbox[0].select("direct_service")
    direct.button[0].click().run()
    assert not [w for w in direct.warning if "At risk" in w.value], "not shared for direct housing work"


def test_a_child_known_only_to_childrens_services_is_not_flagged_to_housing(demand_warehouse):
    app = _page("frontline_resident", HOUSING, resident=str(CARLA))
    assert "not known to Housing" in app.error[0].value


def test_every_scorecard_fact_has_the_system_it_comes_from():
    from warehouse.demand.prevention import FEATURES

    assert set(prevention.FEATURE_SYSTEMS) == set(FEATURES)


def test_without_the_prevention_list_the_page_says_so(residents_warehouse):
    app = _page("frontline_at_risk", HOUSING)
    assert "not in this warehouse yet" in app.info[0].value
    assert not app.dataframe


def test_a_subject_access_export_carries_the_prevention_flag_on_the_residents_household(demand_warehouse):
    import duckdb

    from warehouse.access import subject_access

    with duckdb.connect(str(demand_warehouse), read_only=True) as db:
        def run(sql, params):
            return db.execute(sql, params).df()

        ann = subject_access.collect(run, ANN)
        carla = subject_access.collect(run, CARLA)
        [(unflagged,)] = db.execute("select min(resident_id) from marts.dim_resident where not list_contains(?, current_uprn)",
                                    [list(RANK)]).fetchall()
        nobody = subject_access.collect(run, unflagged)
    assert list(ann["households_at_risk"]["uprn"]) == [HOUSE]
    assert "Rent arrears of 8 weeks or more" in ann["households_at_risk"]["reasons"].iloc[0]
    assert list(carla["households_at_risk"]["uprn"]) == [FLAT]
    assert nobody["households_at_risk"].empty
