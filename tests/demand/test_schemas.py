"""The pandera models catch what they promise to catch, on small marts one can count by hand."""

from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pytest
import yaml

from warehouse.demand.schemas import validate

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = {m["name"]: {c["name"]: c["data_type"] for c in m["columns"]} for m in yaml.safe_load(
    (ROOT / "models" / "marts" / "demand" / "_demand__models.yml").read_text(encoding="utf-8"))["models"]}

MONTHS = pd.date_range("2024-01-01", "2024-03-01", freq="MS")


def monthly(values=(4, 6, 5), drop_month=None, ward_values=None, rate_override=None):
    """A measure by month, borough-wide and by two wards; population 10,000 per ward."""
    rows = []
    for month, value in zip(MONTHS, values, strict=True):
        if month == drop_month:
            continue
        east, west = ward_values or (value // 2, value - value // 2)
        rows += [("all", "all", value, 20_000, month), ("ward", "E1", east, 10_000, month),
                 ("ward", "E2", west, 10_000, month)]
    frame = pd.DataFrame(rows, columns=["breakdown", "category", "value", "population", "month_start"])
    frame["service"], frame["measure"], frame["year"] = "childrens_social_care", "referrals", 2024
    frame["category_label"], frame["value_unit"], frame["rate_per"] = frame["category"], "count", 10_000
    frame["rate_basis"] = "per 10,000 children aged 0-17"
    frame["value"] = frame["value"].astype(float)
    frame["population"] = frame["population"].astype("Int64")
    frame["rate"] = frame["value"] * 10_000 / frame["population"].astype(float)
    if rate_override is not None:
        frame.loc[0, "rate"] = rate_override
    return frame[["service", "measure", "year", "month_start", "breakdown", "category", "category_label", "value",
                  "value_unit", "population", "rate_per", "rate_basis", "rate"]]


def as_mart(name, frame, con=None):
    """The frame as a DuckDB table of the types mart ``name``'s dbt contract declares."""
    con = con or duckdb.connect()
    con.register("frame", frame)
    con.execute(f"create or replace table mart as select "
                f"{', '.join(f'cast({c} as {t}) as {c}' for c, t in CONTRACTS[name].items())} from frame")
    return con


def failed_checks(name, frame):
    errors = validate(name, ibis.duckdb.from_connection(as_mart(name, frame)).table("mart"))
    return set() if errors is None else set(errors.failure_cases["check"].astype(str))


def test_a_consistent_monthly_mart_passes():
    assert failed_checks("fct_demand_monthly", monthly()) == set()


@pytest.mark.parametrize(("frame", "message"), [
    (monthly(rate_override=3.0), "rate differs"),
    (monthly(drop_month=MONTHS[1]), "missing a month"),
    (monthly(ward_values=(1, 1)), "does not add up"),
])
def test_broken_promises_are_caught(frame, message):
    assert any(message in check for check in failed_checks("fct_demand_monthly", frame))


def yearly():
    frame = monthly().drop(columns="month_start")
    frame["year"] = [2022] * 3 + [2023] * 3 + [2024] * 3
    return frame


def events():
    return pd.DataFrame({
        "service": "send", "measure": "new_ehc_plans", "snapshot": "event",
        "counted_on": pd.to_datetime(["2024-03-05", "2024-03-09"]), "year": 2024,
        "month_start": pd.to_datetime("2024-03-01"), "record_id": ["R1", "R2"], "unit_id": ["U1", "U2"],
        "build_unit": ["R1", "R2"], "resident_id": [1, 2], "ward_code": "E1", "age_band": "5-10", "sex": "F",
        "need_kind": None, "need": None, "setting_kind": None, "setting": None, "value_unit": "count",
        "amount": 1.0, "is_annual_only": False})


def residents_known():
    return pd.DataFrame({"year": 2024, "unit": "resident", "unit_id": ["1", "2"], "services_known_to": [2, 1],
                         "combination": ["housing + send", "send"]})


def known_counts():
    return pd.DataFrame({"year": 2024, "unit": "resident", "services_known_to": ["1", "2"], "value": [3, 1],
                         "share": [0.75, 0.25]})


def combinations():
    return pd.DataFrame({"year": 2024, "unit": "resident", "combination": ["housing + send", "council_tax + send"],
                         "services_known_to": 2, "value": [5, 3], "rank_in_year": [1, 2]})


def changed(frame, **values):
    """The frame with the first row's columns set to values."""
    frame = frame.copy()
    for column, value in values.items():
        frame.loc[0, column] = value
    return frame


@pytest.mark.parametrize(("mart", "good", "broken", "message"), [
    ("fct_demand_yearly", yearly(), pd.concat([yearly(), yearly().iloc[6:].assign(measure="re_referrals")]),
     "a measure is missing a year"),
    ("fct_demand_yearly", yearly(), changed(yearly(), value=9.0), "a breakdown does not add up to the borough-wide value"),
    ("fct_demand_events", events(), changed(events(), year=2023), "year or month_start does not match counted_on"),
    ("fct_demand_events", events(), changed(events(), amount=2.0), "a count row does not count one"),
    ("fct_demand_events", events(), changed(events(), unit_id="U2", counted_on=pd.Timestamp("2024-03-09")),
     "multiple_fields_uniqueness"),
    ("fct_cross_service_residents", residents_known(), changed(residents_known(), services_known_to=3),
     "the combination does not name services_known_to services"),
    ("fct_cross_service_counts", known_counts(), changed(known_counts(), share=0.5), "shares do not add up to 1"),
    ("fct_cross_service_combinations", combinations(), changed(combinations(), value=2),
     "ranks are not 1, 2, 3, ... in descending order of value"),
])
def test_each_mart_catches_what_it_promises(mart, good, broken, message):
    assert failed_checks(mart, good) == set()
    assert message in failed_checks(mart, broken)


def test_duplicate_keys_and_negative_values_are_caught():
    frame = monthly()
    duplicated = pd.concat([frame, frame.iloc[[1]]], ignore_index=True)
    assert failed_checks("fct_demand_monthly", duplicated)
    negative = frame.copy()
    negative.loc[1, "value"] = -1.0
    assert failed_checks("fct_demand_monthly", negative)


def test_annual_shares_must_be_fractions():
    frame = pd.DataFrame({"service": ["send", "send"], "measure": ["new_ehc_plans", "share_new_ehc_plans_within_20_weeks"],
                          "year": [2024, 2024], "value": [40.0, 0.45]})
    assert failed_checks("fct_demand_annual", frame) == set()
    frame.loc[1, "value"] = 45.0
    assert any("share" in c for c in failed_checks("fct_demand_annual", frame))


def test_a_column_of_another_type_than_the_contract_is_caught():
    con = as_mart("fct_demand_monthly", monthly())
    table = ibis.duckdb.from_connection(con).table("mart")
    assert validate("fct_demand_monthly", table) is None
    con.execute("alter table mart alter year type bigint")
    errors = validate("fct_demand_monthly", ibis.duckdb.from_connection(con).table("mart"))
    assert "dtype('int32')" in set(errors.failure_cases["check"].astype(str))


def test_failures_are_counted_by_column_and_check_never_with_their_values():
    from warehouse.demand.schemas import validate_mart

    con = duckdb.connect()
    con.execute("create schema marts")
    frame = monthly()
    as_mart("fct_demand_monthly", frame, con)
    con.execute("create table marts.fct_demand_monthly as select * from mart")
    assert validate_mart(con, "fct_demand_monthly").failures == {}
    con.execute("update marts.fct_demand_monthly set service = 'libraries' where category = 'E1'")
    validated = validate_mart(con, "fct_demand_monthly")
    assert validated.rows == len(frame)
    assert validated.failures == {
        "service: isin(['send', 'childrens_social_care', 'adult_social_care', 'housing', 'council_tax'])": 3,
        # The two wards' rows no longer share the borough row's service and measure.
        "table: a breakdown does not add up to the borough-wide value": 1,
        "table: every measure has a borough-wide ('all') row": 1,
    }
    assert not any("libraries" in key for key in validated.failures)


def test_a_nightly_build_validates_only_the_units_it_rebuilt_once_the_whole_mart_has_passed(monkeypatch):
    import duckdb

    from warehouse.demand import schemas

    con = duckdb.connect()
    con.execute("""create schema marts; create schema incremental_state;
        create table marts.fct_cross_service_residents (year integer, unit varchar, unit_id varchar,
            services_known_to integer, combination varchar);
        insert into marts.fct_cross_service_residents values
            (2024, 'resident', '1', 2, 'housing + send'), (2025, 'resident', '1', 1, 'send'),
            (2024, 'resident', '2', 1, 'council_tax');
        create table incremental_state.fct_cross_service_residents (unit varchar, unit_id varchar,
            input_digest ubigint, build_id varchar);
        insert into incremental_state.fct_cross_service_residents values
            ('resident', '1', 11, 'last night'), ('resident', '2', 22, 'tonight')""")

    def validate(build_id):
        return schemas.validate_mart(con, "fct_cross_service_residents", build_id)

    first = validate("tonight")
    assert (first.rows, first.failures, first.whole) == (3, {}, True)  # never passed whole before
    tonight = validate("tonight")
    assert (tonight.rows, tonight.failures, tonight.whole) == (1, {}, False)
    rebuilt_nothing = validate("a build of the same extracts")
    assert (rebuilt_nothing.rows, rebuilt_nothing.failures, rebuilt_nothing.whole) == (0, {}, False)

    # A unit kept from last night is not read again; one rebuilt tonight is.
    con.execute("update marts.fct_cross_service_residents set services_known_to = 3 where unit_id = '1'")
    assert validate("tonight").failures == {}
    assert validate(None).failures != {}  # without a build: every row
    con.execute("update incremental_state.fct_cross_service_residents set build_id = 'tonight'")
    assert validate("tonight").failures != {}

    rebuilt = validate("tonight")
    assert rebuilt.rows == 3 and rebuilt.failures and not rebuilt.whole

    # Other promises than the ones the mart passed under: every row again.
    con.execute("update marts.fct_cross_service_residents set services_known_to = 2 where year = 2024 and unit_id = '1'")
    con.execute("update marts.fct_cross_service_residents set services_known_to = 1 where year = 2025")
    assert validate("tonight").whole is False
    monkeypatch.setattr(schemas, "SCHEMA_DIGEST", "other promises")
    assert validate("tonight").whole is True
