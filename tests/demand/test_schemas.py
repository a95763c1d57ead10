"""The pandera models catch what they promise to catch, on small frames one can count by hand."""

import pandas as pd
import pytest

from warehouse.demand.schemas import validate

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


def failed_checks(name, frame):
    errors = validate(name, frame)
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


def test_a_mart_read_from_duckdb_is_validated_in_its_declared_types():
    """read_mart hands pandera Arrow-backed text and datetimes; the checks still catch a bad row."""
    import duckdb

    from warehouse.demand.schemas import read_mart

    con = duckdb.connect()
    good = monthly()
    con.register("good", good)
    con.execute("create table mart as select * from good")
    frame = read_mart(con, "select * from mart")
    assert str(frame["service"].dtype) == "string" and frame["month_start"].dtype.kind == "M"
    assert failed_checks("fct_demand_monthly", frame) == set()
    con.execute("update mart set service = 'libraries' where category = 'E1'")
    assert "isin(['send', 'childrens_social_care', 'adult_social_care', 'housing', 'council_tax'])" in \
        failed_checks("fct_demand_monthly", read_mart(con, "select * from mart"))


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

    # A unit kept from last night is not read again; one rebuilt tonight is.
    con.execute("update marts.fct_cross_service_residents set services_known_to = 3 where unit_id = '1'")
    assert validate("tonight").failures == {}
    assert validate(None).failures != {}  # without a build: every row
    con.execute("update incremental_state.fct_cross_service_residents set build_id = 'tonight'")
    assert validate("tonight").failures != {}

    # More rebuilt rows than one frame should hold: a slice (a year) at a time, the same verdict.
    at_once = validate("tonight")
    monkeypatch.setattr(schemas, "SLICE_ABOVE_ROWS", 0)
    sliced = validate("tonight")
    assert (sliced.rows, sliced.failures, sliced.whole) == (at_once.rows, at_once.failures, False)
    assert sliced.rows == 3 and sliced.failures
    monkeypatch.undo()

    # Other promises than the ones the mart passed under: every row again.
    con.execute("update marts.fct_cross_service_residents set services_known_to = 2 where year = 2024 and unit_id = '1'")
    con.execute("update marts.fct_cross_service_residents set services_known_to = 1 where year = 2025")
    assert validate("tonight").whole is False
    monkeypatch.setattr(schemas, "SCHEMA_DIGEST", "other promises")
    assert validate("tonight").whole is True
