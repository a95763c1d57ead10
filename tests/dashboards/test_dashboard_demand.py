"""The scrutiny demand pages, rendered with AppTest on the fixture's demand marts: every table on
screen and every CSV behind a download has passed disclosure control, and only complete years
and months show."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest
from dashboard_fixture import (
    APP,
    COMBINATIONS,
    DEMAND,
    DEMAND_YEARS,
    LAST_COMPLETE_YEAR,
    PROJECTIONS,
    WARD_SHARES,
    _split,
)
from streamlit.testing.v1 import AppTest
from test_dashboard_access import ANALYST, HOUSING, SCRUTINY
from test_dashboard_app import _serialised

from dashboards import access, demand
from warehouse.access.disclosure import SUPPRESSED_MARK, THRESHOLD
from warehouse.access.roles import User

DEMAND_PAGES = [spec.key for spec in access.PAGES if spec.key.startswith("scrutiny_")]
PARTIAL_YEAR = str(DEMAND_YEARS[-1])
SEND = demand.SERVICES["send"]


def _open(key: str, user: User, downloads: dict[str, bytes], **query) -> AppTest:
    """The page as the user sees it; ``downloads`` then holds only what this page offers."""
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.session_state[access.USER_KEY] = user
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    downloads.clear()
    if access.PAGE_BY_KEY[key].path != access.landing_page(user).path:
        app.switch_page(str(access.PAGE_BY_KEY[key].path))
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _csv(data: bytes) -> dict[str, dict[str, str]]:
    """A downloaded table: first column (the row label) -> {column header: cell}."""
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows}


def _assert_no_small_count(cells, where) -> None:
    for cell in cells:
        if isinstance(cell, str) and re.fullmatch(r"\d[\d,]*", cell):
            count = int(cell.replace(",", ""))
            assert count == 0 or count >= THRESHOLD, f"{where}: a count of {count} is shown"


@pytest.mark.parametrize("user", [SCRUTINY, ANALYST], ids=str)
@pytest.mark.parametrize("key", DEMAND_PAGES)
def test_demand_pages_show_suppressed_complete_years_with_a_download_per_table(key, user, demand_warehouse, downloads):
    app = _open(key, user, downloads)
    assert app.title[0].value == access.PAGE_BY_KEY[key].title
    sent = _serialised(app._tree)
    assert b"Lee" not in sent and b"Crowd" not in sent and b"Ash Grove" not in sent
    tables = [df.value for df in app.dataframe]
    assert tables, "every demand page shows tables"
    assert len(downloads) == len(tables), (sorted(downloads), [list(t.columns) for t in tables])
    for table in tables:
        assert PARTIAL_YEAR not in table.columns, "the year the newest extract only reaches into"
        label = table.columns[0]
        if "Projected" not in table.columns:  # a projection starts after the last full year
            assert PARTIAL_YEAR not in set(table[label]), "months of the partial year"
        for column in table.columns[1:]:  # the first column names the rows ("1", "2" services, years)
            _assert_no_small_count(table[column], f"{key} {label} {column}")
    for name, data in downloads.items():
        for row in list(csv.reader(io.StringIO(data.decode())))[1:]:
            assert row[0] != PARTIAL_YEAR or name.endswith("_projection.csv"), name
            _assert_no_small_count(row[1:], name)


def test_a_small_count_and_its_recoverable_complement_are_both_hidden_in_the_download(demand_warehouse, downloads):
    app = _open("scrutiny_send", SCRUTINY, downloads)
    app.selectbox(key="send_breakdown_measure").select("new_ehc_plans").run()
    app.selectbox(key="send_breakdown_by").select("ward").run()
    assert not app.exception, [e.value for e in app.exception]
    by_ward = _csv(downloads["send_new_ehc_plans_by_ward.csv"])
    # 2024: 3 new plans in Abbey and 40 in Riverside, 43 in the borough (shown on every page).
    assert by_ward["Abbey"]["2024"] == SUPPRESSED_MARK
    assert by_ward["Riverside"]["2024"] == SUPPRESSED_MARK, "43 - 40 would give Abbey's 3 away"
    assert by_ward["Total"]["2024"] == "43"
    shares = {code: share for code, (_, share) in WARD_SHARES.items()}
    assert by_ward["Abbey"]["2023"] == str(_split(DEMAND["send"][3]["new_ehc_plans"][2][1], shares)["E0Abbey"])
    rates = _csv(downloads["send_new_ehc_plans_rates_by_ward.csv"])
    assert rates["Abbey"]["2024"] == rates["Riverside"]["2024"] == SUPPRESSED_MARK, "a rate gives its count away"
    assert rates["Total"]["2024"] == "43.0"

    # 41 of the 43 were issued within 20 weeks: with both shown, the 2 issued late would be known.
    by_year = _csv(downloads["send_by_year.csv"])
    assert by_year[SEND.measure("new_ehc_plans_within_20_weeks").label]["2024"] == SUPPRESSED_MARK
    assert by_year[SEND.measure("new_ehc_plans").label]["2024"] == "43"
    shares_by_year = _csv(downloads["send_shares_by_year.csv"])
    share = SEND.measure("new_ehc_plans_within_20_weeks").share_label
    assert shares_by_year[share]["2024"] == SUPPRESSED_MARK
    assert shares_by_year[share]["2023"] == str(round(17 / 38 * 100, 1))
    rates_by_year = _csv(downloads["send_rates_by_year.csv"])
    assert rates_by_year[SEND.measure("new_ehc_plans_within_20_weeks").label]["2024"] == SUPPRESSED_MARK


def test_money_is_hidden_wherever_the_accounts_behind_it_are(demand_warehouse, downloads):
    app = _open("scrutiny_council_tax", SCRUTINY, downloads)
    app.selectbox(key="council_tax_breakdown_measure").select("arrears_value").run()
    app.selectbox(key="council_tax_breakdown_by").select("valuation_band").run()
    assert not app.exception, [e.value for e in app.exception]
    # 2024: 2 accounts in arrears in band A (so band B's 418 hides too); their money with them.
    pounds = _csv(downloads["council_tax_arrears_value_by_valuation_band.csv"])
    assert pounds["Band A"]["2024"] == pounds["Band B"]["2024"] == SUPPRESSED_MARK
    assert pounds["Total"]["2024"] == "120000"
    assert pounds["Band A"]["2023"] == "55000"


def test_summary_says_what_changed_and_protects_who_is_known_to_several_services(demand_warehouse, downloads):
    app = _open("scrutiny_demand", SCRUTINY, downloads)
    before, now = DEMAND["send"][3]["ehc_plans_in_force_january"][2][1:3]
    england = (576_474 - 517_048) / 517_048
    sentence = (f"EHC plans in force (January census) rose {(now - before) / before:.0%} from 2023 to 2024 "
                f"({before} to {now}). In England: +{england:.1%} over the same years (DfE).")
    assert any(sentence in m.value for m in app.markdown), [m.value for m in app.markdown]
    known = _csv(downloads["known_to_services_resident_by_year.csv"])
    assert known["4+"]["2024"] == SUPPRESSED_MARK, "2 residents"
    assert known["3"]["2024"] == SUPPRESSED_MARK, "the total would give the 2 away"
    assert known["Total"]["2024"] == str(sum({"1": 900, "2": 120, "3": 8, "4+": 2}.values()))
    combinations = _csv(downloads["service_combinations_resident_2024.csv"])
    assert combinations["Council tax + housing"]["Residents"] == str(COMBINATIONS["council_tax + housing"])
    # Six residents, but their group (known to three services) is hidden: six would narrow it down.
    assert combinations["Adult social care + council tax + housing"]["Residents"] == SUPPRESSED_MARK
    assert combinations["Children's social care + SEND"]["Residents"] == SUPPRESSED_MARK, "3 residents"
    assert combinations["Housing + SEND"]["Residents"] == SUPPRESSED_MARK, "120 - 100 - 17 would give the 3 away"
    assert next(iter(combinations)) == "Council tax + housing", "shown counts first, most common first"


def test_projections_carry_their_80_and_95_percent_intervals(demand_warehouse, downloads):
    _open("scrutiny_send", SCRUTINY, downloads)
    projection = _csv(downloads["send_ehc_plans_in_force_january_projection.csv"])
    for year, point, low_80, high_80, low_95, high_95 in PROJECTIONS[("send", "ehc_plans_in_force_january")]:
        assert projection[str(year)] == {"Projected": str(round(point)), "80% from": str(round(low_80)),
                                         "80% to": str(round(high_80)), "95% from": str(round(low_95)),
                                         "95% to": str(round(high_95))}


def test_a_projection_is_shown_only_when_every_year_it_continues_is_shown():
    def borough(values):
        rows = pd.DataFrame({"measure": "x", "year": [2023, 2024], "breakdown": "all", "category": "all",
                             "value": values, "value_unit": "count", "rate": None, "rate_basis": "per 10,000"})
        return demand.borough(rows, SEND, [2023, 2024])

    assert demand.projection_shown(borough([30.0, 33.0]), "x")
    assert not demand.projection_shown(borough([3.0, 33.0]), "x"), "fitted to a hidden 3, it would hint at it"


def test_months_stop_at_the_last_complete_month_and_a_flows_months_protect_its_year(demand_warehouse, downloads):
    app = _open("scrutiny_childrens", SCRUTINY, downloads)
    app.selectbox(key="childrens_social_care_monthly_measure").select("cp_plans_ended").run()
    months = _csv(downloads["childrens_social_care_cp_plans_ended_by_month.csv"])
    assert list(months) == [str(y) for y in DEMAND_YEARS if y <= LAST_COMPLETE_YEAR]
    # 24 plans ended in 2024, 2 a month: every month is under 5, the year (shown above) is not.
    assert set(months["2024"].values()) == {SUPPRESSED_MARK}
    by_year = _csv(downloads["childrens_social_care_by_year.csv"])
    assert by_year["Child protection plans ended"]["2024"] == "24"
    app.selectbox(key="childrens_social_care_monthly_measure").select("children_looked_after_31_march").run()
    stock = _csv(downloads["childrens_social_care_children_looked_after_31_march_by_month.csv"])
    # Month ends of a stock add up to nothing: each is shown unless it is under 5 itself.
    assert (stock["2024"]["Jan"], stock["2024"]["Mar"]) == ("35", "36")


def test_other_roles_cannot_reach_a_demand_page_by_url(demand_warehouse, state_dir):
    for user in (HOUSING, User("dpo", "dpo"), User("engineer", "engineer")):
        app = AppTest.from_file(str(APP), default_timeout=30)
        app.session_state[access.USER_KEY] = user
        app.run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(str(access.PAGE_BY_KEY["scrutiny_send"].path))
        direct = AppTest.from_file(str(access.PAGE_BY_KEY["scrutiny_send"].path), default_timeout=30)
        direct.session_state[access.USER_KEY] = user
        direct.run()
        assert "cannot open" in direct.error[0].value
        assert not direct.dataframe and not direct.get("download_button")


def test_without_demand_marts_the_pages_say_so(residents_warehouse, downloads):
    app = _open("scrutiny_send", SCRUTINY, downloads)
    assert "no demand marts yet" in app.info[0].value
    assert not app.dataframe and not downloads
