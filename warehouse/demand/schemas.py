"""The promises each demand mart makes, as pandera DataFrame models.

Dagster runs them as blocking asset checks (orchestration/defs/demand.py): types, keys, ranges,
rates that agree with their counts and denominators, months without gaps and breakdowns that
add up to the borough-wide figure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar

import duckdb
import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from warehouse.settings import return_freed_memory

SERVICES = ["send", "childrens_social_care", "adult_social_care", "housing", "council_tax"]
SNAPSHOTS = ["event", "census", "month_end"]
AGE_BANDS = ["0-4", "5-10", "11-15", "16-17", "18-25", "26-64", "65-74", "75-84", "85+"]
UNITS = ["resident", "household"]
FIRST_YEAR, LAST_YEAR = 2000, 2100
# Text as Arrow-backed strings: pandera checks a Python str column one element at a time (9 of
# the 17 s fct_demand_events took per 1.75 million rows at 1,200,000 residents), an Arrow one by
# its dtype, and its isin and regex checks run in Arrow.
Text = Annotated[pd.StringDtype, "pyarrow", pd.NA]
TOLERANCE = 1e-6


def _close(a: pd.Series, b: pd.Series) -> pd.Series:
    return pd.Series(np.isclose(a.astype(float), b.astype(float), rtol=TOLERANCE, atol=TOLERANCE), index=a.index)


def _rates_agree(df: pd.DataFrame) -> pd.Series:
    """rate = value x rate_per / population where there is a population, else no rate."""
    has_population = df["population"].notna() & (df["population"] > 0)
    expected = df["value"] * df["rate_per"] / df["population"].where(has_population)
    return (has_population & _close(df["rate"].fillna(-1), expected.fillna(-2))) | (~has_population & df["rate"].isna())


def _breakdowns_reconcile(df: pd.DataFrame, period: str) -> pd.Series:
    """Within each breakdown the categories add up to the borough-wide value."""
    keys = ["service", "measure", period]
    borough = df[df["breakdown"] == "all"].set_index(keys)["value"]
    sums = df[df["breakdown"] != "all"].groupby([*keys, "breakdown"])["value"].sum().reset_index()
    sums["borough"] = borough.reindex(pd.MultiIndex.from_frame(sums[keys])).to_numpy()
    bad = sums.loc[~_close(sums["value"], sums["borough"].fillna(-1)), [*keys, "breakdown"]]
    if bad.empty:
        return pd.Series(True, index=df.index)
    flagged = df.merge(bad.assign(_bad=True), on=[*keys, "breakdown"], how="left")["_bad"].isna()
    return pd.Series(flagged.to_numpy(), index=df.index)


class _Mart(pa.DataFrameModel):
    """Every mart: exactly its columns, each coerced to its declared type."""

    class Config:
        strict = True
        coerce = True


class _DemandByBreakdown(_Mart):
    service: Series[Text] = pa.Field(isin=SERVICES)
    measure: Series[Text] = pa.Field(str_matches=r"^[a-z0-9_]+$")
    year: Series[int] = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    breakdown: Series[Text]
    category: Series[Text]
    category_label: Series[Text]
    value: Series[float] = pa.Field(ge=0)
    value_unit: Series[Text] = pa.Field(isin=["count", "pounds"])
    population: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    rate_per: Series[int] = pa.Field(isin=[10_000, 100_000])
    rate_basis: Series[Text]
    rate: Series[float] = pa.Field(ge=0, nullable=True)

    @pa.dataframe_check(error="rate differs from value x rate_per / population")
    def rates_agree_with_counts_and_denominators(cls, df: pd.DataFrame) -> pd.Series:
        return _rates_agree(df)

    @pa.dataframe_check(error="counts are whole numbers")
    def counts_are_whole(cls, df: pd.DataFrame) -> pd.Series:
        return (df["value_unit"] != "count") | (df["value"] == df["value"].round())

    @pa.dataframe_check(error="every measure has a borough-wide ('all') row")
    def every_measure_has_a_borough_total(cls, df: pd.DataFrame) -> bool:
        measures = df[["service", "measure"]].drop_duplicates()
        totals = df.loc[df["breakdown"] == "all", ["service", "measure"]].drop_duplicates()
        return len(measures) == len(totals)


class DemandYearly(_DemandByBreakdown):
    """marts.fct_demand_yearly"""

    class Config:
        unique: ClassVar[list[str]] = ["service", "measure", "year", "breakdown", "category"]

    @pa.dataframe_check(error="a breakdown does not add up to the borough-wide value")
    def breakdowns_add_up(cls, df: pd.DataFrame) -> pd.Series:
        return _breakdowns_reconcile(df, "year")

    @pa.dataframe_check(error="a measure is missing a year")
    def no_missing_years(cls, df: pd.DataFrame) -> bool:
        borough = df[df["breakdown"] == "all"]
        years = borough["year"].nunique()
        return bool((borough.groupby(["service", "measure"])["year"].nunique() == years).all())


class DemandMonthly(_DemandByBreakdown):
    """marts.fct_demand_monthly"""

    month_start: Series[pa.DateTime]

    class Config:
        unique: ClassVar[list[str]] = ["service", "measure", "month_start", "breakdown", "category"]

    @pa.dataframe_check(error="month_start is not the first of a month in its year")
    def month_starts_the_month(cls, df: pd.DataFrame) -> pd.Series:
        return (df["month_start"].dt.day == 1) & (df["month_start"].dt.year == df["year"])

    @pa.dataframe_check(error="a breakdown does not add up to the borough-wide value")
    def breakdowns_add_up(cls, df: pd.DataFrame) -> pd.Series:
        return _breakdowns_reconcile(df, "month_start")

    @pa.dataframe_check(error="a measure is missing a month")
    def no_missing_months(cls, df: pd.DataFrame) -> bool:
        borough = df[df["breakdown"] == "all"]
        first, last = df["month_start"].min(), df["month_start"].max()
        expected = len(pd.date_range(first, last, freq="MS"))
        per_measure = borough.groupby(["service", "measure"])["month_start"].nunique()
        return bool((per_measure == expected).all())


class DemandAnnual(_Mart):
    """marts.fct_demand_annual"""

    service: Series[Text] = pa.Field(isin=SERVICES)
    measure: Series[Text] = pa.Field(str_matches=r"^[a-z0-9_]+$")
    year: Series[int] = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    value: Series[float] = pa.Field(ge=0)

    class Config:
        unique: ClassVar[list[str]] = ["service", "measure", "year"]

    @pa.dataframe_check(error="a share is outside 0 to 1")
    def shares_are_fractions(cls, df: pd.DataFrame) -> pd.Series:
        return ~df["measure"].str.startswith("share_") | df["value"].between(0, 1)


class DemandEvents(_Mart):
    """marts.fct_demand_events"""

    service: Series[Text] = pa.Field(isin=SERVICES)
    measure: Series[Text] = pa.Field(str_matches=r"^[a-z0-9_]+$")
    snapshot: Series[Text] = pa.Field(isin=SNAPSHOTS)
    counted_on: Series[pa.DateTime]
    year: Series[int] = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    month_start: Series[pa.DateTime]
    record_id: Series[Text]
    unit_id: Series[Text]
    build_unit: Series[Text]
    resident_id: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    ward_code: Series[Text] = pa.Field(nullable=True)
    age_band: Series[Text] = pa.Field(isin=AGE_BANDS, nullable=True)
    sex: Series[Text] = pa.Field(isin=["M", "F"], nullable=True)
    need_kind: Series[Text] = pa.Field(nullable=True)
    need: Series[Text] = pa.Field(nullable=True)
    setting_kind: Series[Text] = pa.Field(nullable=True)
    setting: Series[Text] = pa.Field(nullable=True)
    value_unit: Series[Text] = pa.Field(isin=["count", "pounds"])
    amount: Series[float] = pa.Field(ge=0)
    is_annual_only: Series[bool]

    @pa.dataframe_check(error="year or month_start does not match counted_on")
    def periods_match_the_date(cls, df: pd.DataFrame) -> pd.Series:
        return (df["year"] == df["counted_on"].dt.year) & (df["month_start"] == df["counted_on"].dt.to_period("M").dt.start_time)

    @pa.dataframe_check(error="a unit is counted twice on one date")
    def one_row_per_unit_per_date(cls, df: pd.DataFrame) -> pd.Series:
        return ~df.duplicated(["service", "measure", "snapshot", "counted_on", "unit_id"], keep=False)

    @pa.dataframe_check(error="a count row does not count one")
    def counts_count_one(cls, df: pd.DataFrame) -> pd.Series:
        return (df["value_unit"] != "count") | (df["amount"] == 1)


class CrossServiceResidents(_Mart):
    """marts.fct_cross_service_residents"""

    year: Series[int] = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    unit: Series[Text] = pa.Field(isin=UNITS)
    unit_id: Series[Text]
    services_known_to: Series[int] = pa.Field(ge=1, le=len(SERVICES))
    combination: Series[Text]

    class Config:
        unique: ClassVar[list[str]] = ["year", "unit", "unit_id"]

    @pa.dataframe_check(error="the combination does not name services_known_to services")
    def combination_names_the_services(cls, df: pd.DataFrame) -> pd.Series:
        return df["combination"].str.count(r" \+ ") + 1 == df["services_known_to"]


class CrossServiceCounts(_Mart):
    """marts.fct_cross_service_counts"""

    year: Series[int] = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    unit: Series[Text] = pa.Field(isin=UNITS)
    services_known_to: Series[Text] = pa.Field(isin=["1", "2", "3", "4+"])
    value: Series[int] = pa.Field(ge=0)
    share: Series[float] = pa.Field(ge=0, le=1)

    class Config:
        unique: ClassVar[list[str]] = ["year", "unit", "services_known_to"]

    @pa.dataframe_check(error="shares do not add up to 1")
    def shares_add_up(cls, df: pd.DataFrame) -> pd.Series:
        totals = df.groupby(["year", "unit"])["share"].transform("sum")
        return _close(totals, pd.Series(1.0, index=df.index))


class CrossServiceCombinations(_Mart):
    """marts.fct_cross_service_combinations"""

    year: Series[int] = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)
    unit: Series[Text] = pa.Field(isin=UNITS)
    combination: Series[Text]
    services_known_to: Series[int] = pa.Field(ge=2, le=len(SERVICES))
    value: Series[int] = pa.Field(ge=1)
    rank_in_year: Series[int] = pa.Field(ge=1)

    class Config:
        unique: ClassVar[list[str]] = ["year", "unit", "combination"]

    @pa.dataframe_check(error="ranks are not 1, 2, 3, ... in descending order of value")
    def ranked_by_value(cls, df: pd.DataFrame) -> pd.Series:
        ordered = df.sort_values(["year", "unit", "rank_in_year"])
        expected_rank = ordered.groupby(["year", "unit"]).cumcount() + 1
        descending = ordered.groupby(["year", "unit"])["value"].diff().fillna(0) <= 0
        return ((ordered["rank_in_year"] == expected_rank) & descending).reindex(df.index)


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


def read_mart(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    """A query's rows in the types the models declare, so validating them converts nothing: text
    as Arrow strings, dates as datetimes, integers nullable."""
    import pyarrow

    def types(arrow_type: pyarrow.DataType):
        if pyarrow.types.is_string(arrow_type) or pyarrow.types.is_large_string(arrow_type):
            return pd.StringDtype("pyarrow")
        if pyarrow.types.is_integer(arrow_type):
            return pd.Int64Dtype()
        return None

    return con.execute(sql, params or []).fetch_arrow_table().to_pandas(types_mapper=types, date_as_object=False)


def validate(name: str, frame: pd.DataFrame) -> pa.errors.SchemaErrors | None:
    """None when the frame keeps every promise of mart ``name``, else every failure at once."""
    try:
        MART_SCHEMAS[name].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors
    return None


# mart -> the columns it is validated a slice at a time by, when there are more rows to validate
# than SLICE_ABOVE_ROWS. Each slice holds every promise its mart makes; at 1,200,000 residents
# fct_cross_service_residents is 17 million rows and fct_demand_events 30 million, too many for
# pandas and pandera's working copies within 16 GiB. The units a nightly build rebuilds are few
# enough to validate at once, and each slice would be another scan.
SLICED_BY = {"fct_demand_events": ("service", "year"), "fct_cross_service_residents": ("year",)}
SLICE_ABOVE_ROWS = 4_000_000
# What the models promise: a mart that passed under other promises is validated whole again.
SCHEMA_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
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
    source, params = f"marts.{name}", []
    if partial:
        # A semi join on the units built, read straight into the frame: the same rows through a
        # temporary table, or through a correlated "exists", took three times as long.
        match = " and ".join(f"built.{k} = mart.{k}" for k in keys)
        source = f"""(select mart.* from marts.{name} as mart semi join (
            select {", ".join(keys)} from incremental_state.{name} where build_id = ?) as built on {match})"""
        params = [build_id]
    columns = SLICED_BY.get(name, ()) \
        if con.execute(f"select count(*) from {source}", params).fetchone()[0] > SLICE_ABOVE_ROWS else ()
    if partial and columns:  # picked once, not once per slice
        con.execute(f"create or replace temp table rebuilt_units as select * from {source}", params)
        source, params = "rebuilt_units", []
    where = " where " + " and ".join(f"{c} = ?" for c in columns) if columns else ""
    slices = (con.execute(f"select distinct {', '.join(columns)} from {source} order by all", params).fetchall()
              if columns else [()])
    rows, failures = 0, {}
    for values in slices:
        frame = read_mart(con, f"select * from {source}{where}", [*params, *values])
        rows += len(frame)
        errors = validate(name, frame)
        del frame
        return_freed_memory()
        if errors is not None:
            failed = errors.failure_cases.groupby(["column", "check"], dropna=False).size()
            for (column, check), n in failed.items():
                key = f"{column if isinstance(column, str) else 'table'}: {check}"
                failures[key] = failures.get(key, 0) + int(n)
    con.execute("drop table if exists rebuilt_units")
    if keys and not failures:
        con.execute(f"insert or replace into {_VALIDATED} values (?, ?)", [name, SCHEMA_DIGEST])
    return Validation(rows, failures, whole=not partial)


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
