"""Demand: pandera checks on every demand mart, the prevention scorecard and the projections.

Each mart's pandera model (warehouse/demand/schemas.py) runs as a blocking asset check on the
dbt asset that builds it, so a mart that breaks a promise (a rate that disagrees with its
count, a missing month, a breakdown that does not add up) stops the publish. The prevention
scorecard and the projections are Python assets downstream of the marts; they write the
``prevention`` and ``projections`` schemas and the model card beside the build.
"""

import dagster as dg
from dagster_dbt import get_asset_key_for_model
from dagster_duckdb import DuckDBResource

from orchestration.defs.dbt import dbt_marts
from warehouse.demand import prevention, projections
from warehouse.demand.schemas import MART_SCHEMAS, validate_mart
from warehouse.settings import Settings


def _mart_key(name: str) -> dg.AssetKey:
    return get_asset_key_for_model([dbt_marts], name)


def _pandera_check(mart: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=_mart_key(mart), name=f"{mart}_keeps_its_pandera_schema", blocking=True,
                    description=f"marts.{mart} keeps every promise of its pandera model "
                    f"({MART_SCHEMAS[mart].__name__}): types, keys, ranges and the table-wide checks.")
    def check(context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource) -> dg.AssetCheckResult:
        # The dbt steps name the run as the build that rebuilt units (orchestration/defs/dbt.py).
        with warehouse.get_connection() as con:
            validated = validate_mart(con, mart, build_id=context.run.run_id)
        metadata = {"rows": validated.rows, "validated": "every row" if validated.whole else "units rebuilt"}
        if not validated.failures:
            return dg.AssetCheckResult(passed=True, metadata=metadata)
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR,
                                   metadata={**metadata, "failed_checks": dg.MetadataValue.json(validated.failures)})

    return check


PREVENTION_DEPS = ["fct_service_involvement", "bridge_resident_source_record", "dim_property",
                   "int_demand_residents", "int_resident_addresses"]


@dg.asset(
    key=["prevention", "households_at_risk"],
    group_name="demand",
    kinds={"duckdb", "python"},
    deps=[_mart_key(m) for m in PREVENTION_DEPS],
    description="Households at risk of homelessness: a logistic scorecard trained on earlier years, "
    "back-tested on a later one, with reasons per household, a fairness report and a model card. "
    "The scorecard is kept and trained again every "
    f"{prevention.RETRAIN_AFTER_DAYS} days or when its code changes.",
)
def households_at_risk(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    out_dir = Settings.from_env().build_warehouse.parent / "prevention"
    with warehouse.get_connection() as con:
        figures = prevention.run(con, out_dir)
    context.log.info(("scorecard trained" if figures["retrained"] else f"scorecard of {figures['trained_at']} kept")
                     + f"; back-test: {figures['backtest']}")
    return dg.MaterializeResult(metadata={
        "households_at_risk": figures["households_at_risk"],
        "scorecard_trained_at": figures["trained_at"],
        "retrained_this_build": figures["retrained"],
        "backtest": dg.MetadataValue.json(figures["backtest"]),
        "fairness_gaps": dg.MetadataValue.json(figures["fairness_gaps"]),
        "model_card": str(out_dir / "model_card.md"),
    })


@dg.asset(
    key=["projections", "demand_projections"],
    group_name="demand",
    kinds={"duckdb", "python"},
    deps=[_mart_key("fct_demand_annual")],
    description="Three-year projections of EHC plans in force and children looked after (ETS, statsmodels), "
    "with 80% and 95% prediction intervals and a back-test on the last three years.",
)
def demand_projections(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        figures = projections.run(con)
    backtests = {m: f["backtest"] for m, f in figures.items()}
    context.log.info(f"projection back-tests: {backtests}")
    return dg.MaterializeResult(metadata={"backtests": dg.MetadataValue.json(backtests)})


@dg.asset_check(asset=["prevention", "households_at_risk"], name="every_flag_has_reasons", blocking=True,
                description="Every flagged household carries at least one reason, and the list is not empty.")
def every_flag_has_reasons(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        flagged, without = con.execute(
            "select count(*), count(*) filter (where coalesce(reasons, '') = '') from prevention.households_at_risk"
        ).fetchone()
    return dg.AssetCheckResult(passed=flagged > 0 and without == 0,
                               metadata={"flagged": flagged, "without_reasons": without})


@dg.asset_check(asset=["projections", "demand_projections"], name="intervals_contain_the_projection", blocking=True,
                description="Each projected value lies inside its 80% interval, inside the 95% interval.")
def intervals_contain_the_projection(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        rows, bad = con.execute("""
            select count(*), count(*) filter (where not (lower_95 <= lower_80 and lower_80 <= projected
                and projected <= upper_80 and upper_80 <= upper_95))
            from projections.demand_projections
        """).fetchone()
    return dg.AssetCheckResult(passed=rows > 0 and bad == 0, metadata={"rows": rows, "outside": bad})


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[households_at_risk, demand_projections],
        asset_checks=[*(_pandera_check(m) for m in MART_SCHEMAS), every_flag_has_reasons,
                      intervals_contain_the_projection],
    )
