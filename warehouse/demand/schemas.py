"""The promises each demand mart makes, as pandera DataFrame models.

Dagster runs them as blocking asset checks (orchestration/defs/demand.py): types, keys, ranges,
rates that agree with their counts and denominators, months without gaps and breakdowns that
add up to the borough-wide figure.

They are pandera's ibis models, so each check is a query DuckDB runs where the mart is. At
1,200,000 residents fct_demand_events is 30 million rows: read into pandas a slice at a time, it
took 67 s to validate, most of it turning DuckDB's rows into Python's; as queries, 21 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import duckdb
import ibis
import ibis.expr.datatypes as dt
import pandas as pd
import pandera.ibis as pa
from ibis import _
from pandera.config import ValidationDepth, config_context

from warehouse.settings import source_digest

SERVICES = ["send", "childrens_social_care", "adult_social_care", "housing", "council_tax"]
SNAPSHOTS = ["event", "census", "month_end"]
AGE_BANDS = ["0-4", "5-10", "11-15", "16-17", "18-25", "26-64", "65-74", "75-84", "85+"]
UNITS = ["resident", "household"]
FIRST_YEAR, LAST_YEAR = 2000, 2100
TOLERANCE = 1e-6


def _close(a: ibis.Value, b: ibis.Value) -> ibis.Value:
    """As numpy's isclose, with TOLERANCE relative and absolute."""
    return (a - b).abs() <= TOLERANCE + TOLERANCE * b.abs()


def _rates_agree(t: ibis.Table) -> ibis.Value:
    """rate = value x rate_per / population where there is a population, else no rate."""
    has_population = t.population.notnull() & (t.population > 0)
    expected = t.value * t.rate_per / t.population
    return ibis.ifelse(has_population, _close(t.rate, expected).fill_null(False), t.rate.isnull())


def _breakdowns_reconcile(t: ibis.Table, period: str) -> ibis.Value:
    """Within each breakdown the categories add up to the borough-wide value."""
    keys = ["service", "measure", period]
    borough = t.filter(_.breakdown == "all").select(*keys, borough=_.value)
    sums = t.filter(_.breakdown != "all").group_by([*keys, "breakdown"]).agg(value=_.value.sum())
    sums = sums.left_join(borough, keys)
    return _close(sums.value, sums.borough.fill_null(-1)).all()


class _Mart(pa.DataFrameModel):
    """Every mart: exactly its columns, each of the type its dbt contract declares."""

    class Config:
        strict = True


class _DemandByBreakdown(_Mart):
    service: dt.String = pa.Field(isin=SERVICES)
    measure: dt.String = pa.Field(str_matches=r"^[a-z0-9_]+$")
    year: dt.Int32 = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    breakdown: dt.String
    category: dt.String
    category_label: dt.String
    value: dt.Float64 = pa.Field(ge=0)
    value_unit: dt.String = pa.Field(isin=["count", "pounds"])
    population: dt.Int64 = pa.Field(ge=0, nullable=True)
    rate_per: dt.Int32 = pa.Field(isin=[10_000, 100_000])
    rate_basis: dt.String
    rate: dt.Float64 = pa.Field(ge=0, nullable=True)

    @pa.dataframe_check(error="rate differs from value x rate_per / population")
    def rates_agree_with_counts_and_denominators(cls, data: pa.IbisData) -> ibis.Value:
        return _rates_agree(data.table)

    @pa.dataframe_check(error="counts are whole numbers")
    def counts_are_whole(cls, data: pa.IbisData) -> ibis.Value:
        t = data.table
        return (t.value_unit != "count") | (t.value == t.value.round())

    @pa.dataframe_check(error="every measure has a borough-wide ('all') row")
    def every_measure_has_a_borough_total(cls, data: pa.IbisData) -> ibis.Value:
        per_measure = data.table.group_by(["service", "measure"]).agg(has_total=(_.breakdown == "all").any())
        return per_measure.has_total.all()


class DemandYearly(_DemandByBreakdown):
    """marts.fct_demand_yearly"""

    class Config:
        unique: ClassVar[list[str]] = ["service", "measure", "year", "breakdown", "category"]

    @pa.dataframe_check(error="a breakdown does not add up to the borough-wide value")
    def breakdowns_add_up(cls, data: pa.IbisData) -> ibis.Value:
        return _breakdowns_reconcile(data.table, "year")

    @pa.dataframe_check(error="a measure is missing a year")
    def no_missing_years(cls, data: pa.IbisData) -> ibis.Value:
        borough = data.table.filter(_.breakdown == "all")
        per_measure = borough.group_by(["service", "measure"]).agg(years=_.year.nunique())
        # (one relation: ibis cannot compare scalars from two)
        per_measure = per_measure.cross_join(borough.agg(all_years=_.year.nunique()))
        return (per_measure.years == per_measure.all_years).all()


class DemandMonthly(_DemandByBreakdown):
    """marts.fct_demand_monthly"""

    month_start: dt.Date

    class Config:
        unique: ClassVar[list[str]] = ["service", "measure", "month_start", "breakdown", "category"]

    @pa.dataframe_check(error="month_start is not the first of a month in its year")
    def month_starts_the_month(cls, data: pa.IbisData) -> ibis.Value:
        t = data.table
        return (t.month_start.day() == 1) & (t.month_start.year() == t.year)

    @pa.dataframe_check(error="a breakdown does not add up to the borough-wide value")
    def breakdowns_add_up(cls, data: pa.IbisData) -> ibis.Value:
        return _breakdowns_reconcile(data.table, "month_start")

    @pa.dataframe_check(error="a measure is missing a month")
    def no_missing_months(cls, data: pa.IbisData) -> ibis.Value:
        t = data.table
        month_number = t.month_start.year() * 12 + t.month_start.month()
        per_measure = t.filter(_.breakdown == "all").group_by(["service", "measure"]).agg(
            months=_.month_start.nunique())
        per_measure = per_measure.cross_join(t.agg(span=month_number.max() - month_number.min() + 1))
        return (per_measure.months == per_measure.span).all()


class DemandAnnual(_Mart):
    """marts.fct_demand_annual"""

    service: dt.String = pa.Field(isin=SERVICES)
    measure: dt.String = pa.Field(str_matches=r"^[a-z0-9_]+$")
    year: dt.Int32 = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    value: dt.Float64 = pa.Field(ge=0)

    class Config:
        unique: ClassVar[list[str]] = ["service", "measure", "year"]

    @pa.dataframe_check(error="a share is outside 0 to 1")
    def shares_are_fractions(cls, data: pa.IbisData) -> ibis.Value:
        t = data.table
        return ~t.measure.startswith("share_") | t.value.between(0, 1)


class DemandEvents(_Mart):
    """marts.fct_demand_events"""

    service: dt.String = pa.Field(isin=SERVICES)
    measure: dt.String = pa.Field(str_matches=r"^[a-z0-9_]+$")
    snapshot: dt.String = pa.Field(isin=SNAPSHOTS)
    counted_on: dt.Date
    year: dt.Int32 = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    month_start: dt.Date
    record_id: dt.String
    unit_id: dt.String
    build_unit: dt.String
    resident_id: dt.Int64 = pa.Field(nullable=True)
    ward_code: dt.String = pa.Field(nullable=True)
    age_band: dt.String = pa.Field(isin=AGE_BANDS, nullable=True)
    sex: dt.String = pa.Field(isin=["M", "F"], nullable=True)
    need_kind: dt.String = pa.Field(nullable=True)
    need: dt.String = pa.Field(nullable=True)
    setting_kind: dt.String = pa.Field(nullable=True)
    setting: dt.String = pa.Field(nullable=True)
    value_unit: dt.String = pa.Field(isin=["count", "pounds"])
    amount: dt.Float64 = pa.Field(ge=0)
    is_annual_only: dt.Boolean

    class Config:
        # A unit is counted once on a date.
        unique: ClassVar[list[str]] = ["service", "measure", "snapshot", "counted_on", "unit_id"]

    @pa.dataframe_check(error="year or month_start does not match counted_on")
    def periods_match_the_date(cls, data: pa.IbisData) -> ibis.Value:
        t = data.table
        return (t.year == t.counted_on.year()) & (t.month_start == t.counted_on.truncate("M"))

    @pa.dataframe_check(error="a count row does not count one")
    def counts_count_one(cls, data: pa.IbisData) -> ibis.Value:
        t = data.table
        return (t.value_unit != "count") | (t.amount == 1)


class CrossServiceResidents(_Mart):
    """marts.fct_cross_service_residents"""

    year: dt.Int32 = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    unit: dt.String = pa.Field(isin=UNITS)
    unit_id: dt.String
    services_known_to: dt.Int32 = pa.Field(ge=1, le=len(SERVICES))
    combination: dt.String

    class Config:
        unique: ClassVar[list[str]] = ["year", "unit", "unit_id"]

    @pa.dataframe_check(error="the combination does not name services_known_to services")
    def combination_names_the_services(cls, data: pa.IbisData) -> ibis.Value:
        t = data.table
        separators = (t.combination.length() - t.combination.replace(" + ", "").length()) // 3
        return separators + 1 == t.services_known_to


class CrossServiceCounts(_Mart):
    """marts.fct_cross_service_counts"""

    year: dt.Int32 = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    unit: dt.String = pa.Field(isin=UNITS)
    services_known_to: dt.String = pa.Field(isin=["1", "2", "3", "4+"])
    value: dt.Int64 = pa.Field(ge=0)
    share: dt.Float64 = pa.Field(ge=0, le=1)

    class Config:
        unique: ClassVar[list[str]] = ["year", "unit", "services_known_to"]

    @pa.dataframe_check(error="shares do not add up to 1")
    def shares_add_up(cls, data: pa.IbisData) -> ibis.Value:
        totals = data.table.group_by(["year", "unit"]).agg(share=_.share.sum())
        return _close(totals.share, ibis.literal(1.0)).all()


class CrossServiceCombinations(_Mart):
    """marts.fct_cross_service_combinations"""

    year: dt.Int32 = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    unit: dt.String = pa.Field(isin=UNITS)
    combination: dt.String
    services_known_to: dt.Int32 = pa.Field(ge=2, le=len(SERVICES))
    value: dt.Int64 = pa.Field(ge=1)
    rank_in_year: dt.Int32 = pa.Field(ge=1)

    class Config:
        unique: ClassVar[list[str]] = ["year", "unit", "combination"]

    @pa.dataframe_check(error="ranks are not 1, 2, 3, ... in descending order of value")
    def ranked_by_value(cls, data: pa.IbisData) -> ibis.Value:
        by_rank = ibis.window(group_by=["year", "unit"], order_by="rank_in_year")
        ranked = data.table.mutate(expected_rank=ibis.row_number().over(by_rank) + 1,
                                   previous_value=_.value.lag().over(by_rank))
        return ((ranked.rank_in_year == ranked.expected_rank)
                & (ranked.previous_value.isnull() | (ranked.value <= ranked.previous_value))).all()


# mart (schema.table) -> its model; the Dagster checks and the tests read this.
MART_SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "fct_demand_events": DemandEvents,
    "fct_demand_monthly": DemandMonthly,
    "fct_demand_yearly": DemandYearly,
    "fct_demand_annual": DemandAnnual,
    "fct_cross_service_residents": CrossServiceResidents,
    "fct_cross_service_counts": CrossServiceCounts,
    "fct_cross_service_combinations": CrossServiceCombinations,
}


def validate(name: str, table: ibis.Table) -> pa.errors.SchemaErrors | None:
    """None when the table keeps every promise of mart ``name``, else every failure at once."""
    try:
        MART_SCHEMAS[name].validate(table, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors
    return None


# What the models promise: a mart that passed under other promises is validated whole again.
SCHEMA_DIGEST = source_digest(__file__)
_VALIDATED = "incremental_state.pandera_validated"


def validate_mart(con: duckdb.DuckDBPyConnection, name: str, build_id: str | None = None) -> Validation:
    """Validate ``marts.<name>`` in the warehouse: how many rows, and how often each check failed,
    as "column: check" (never the values, which may identify someone).

    Given the build, a mart refreshed by unit (macros/incremental.sql) that passed whole under
    these models before is validated only in the units the build rebuilt: every promise of such a
    mart holds within one unit (a key, a row's own values), and the units kept were validated by
    the builds that built them. A passing validation is remembered for the next build."""
    keys = _unit_keys(con, name) if build_id else []
    partial = bool(keys) and _passed_before(con, name)
    # A cursor of its own: ibis sets the time zone and other settings on the connection it is given.
    with con.cursor() as cursor:
        source = f"marts.{name}"
        if partial:
            # The rows of the units built, picked once: every check is a query of its own.
            match = " and ".join(f"built.{k} = mart.{k}" for k in keys)
            cursor.execute(f"""create temp table rebuilt_rows as
                select mart.* from marts.{name} as mart semi join (
                    select {", ".join(keys)} from incremental_state.{name} where build_id = ?) as built on {match}""",
                           [build_id])
            source = "rebuilt_rows"
        table = ibis.duckdb.from_connection(cursor).sql(f"select * from {source}")
        rows = int(table.count().execute())
        # No rows (a build that rebuilt no unit): only the columns and their types. pandera's ibis
        # checks read SQL's null for "all of no rows" as a failure.
        with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA if rows else ValidationDepth.SCHEMA_ONLY):
            errors = validate(name, table)
        failures = {} if errors is None else _count_failures(errors)
    if keys and not failures:
        con.execute(f"insert or replace into {_VALIDATED} values (?, ?)", [name, SCHEMA_DIGEST])
    return Validation(rows, failures, whole=not partial)


def _count_failures(errors: pa.errors.SchemaErrors) -> dict[str, int]:
    """How many rows failed each check (1 for a check of the whole table), as "column: check".
    From each error, not from errors.failure_cases, whose column pandera's ibis backend misnames."""
    failures = {}
    for error in errors.schema_errors:
        column = error.schema.name if isinstance(error.schema, pa.Column) else "table"
        check = error.check if isinstance(error.check, str) else error.check.error
        cases = error.failure_cases
        if isinstance(cases, pd.DataFrame):
            n = len(cases)
        elif isinstance(cases, ibis.Table):  # the rows of a key that is not unique, not yet read
            n = int(cases.count().execute())
        else:
            n = 1
        key = f"{column}: {check}"
        failures[key] = failures.get(key, 0) + n
    return failures


@dataclass(frozen=True)
class Validation:
    rows: int  # rows validated
    failures: dict[str, int]
    whole: bool  # every row of the mart, not only the units this build rebuilt


def _unit_keys(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """The unit key of a mart refreshed by unit, from its state table; none for another mart."""
    return [c for (c,) in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'incremental_state' and table_name = ? "
        "and column_name not in ('input_digest', 'build_id') order by column_index", [name]).fetchall()]


def _passed_before(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    con.execute(f"create table if not exists {_VALIDATED} (mart varchar primary key, schema_digest varchar not null)")
    passed = con.execute(f"select schema_digest from {_VALIDATED} where mart = ?", [name]).fetchone()
    return passed is not None and passed[0] == SCHEMA_DIGEST
