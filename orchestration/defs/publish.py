"""Publish the checked build: record it, then swap it over the published warehouse atomically.

Dagster runs this only when every upstream asset materialised and every blocking check passed
(dbt's failing tests fail the dbt step), so a failed build never replaces the last good
warehouse. The swap is a rename (warehouse.publishing): readers holding the old file keep reading it
undisturbed. The build records which extracts (by sha256) and which check results it published.
"""

import datetime as dt

import dagster as dg

from orchestration.defs.dbt import dbt_marts, dbt_models
from orchestration.defs.demand import demand_projections, households_at_risk
from orchestration.defs.resources import OneBuildAtATime, WarehouseResource
from warehouse.loading import AUDIT_DDL
from warehouse.publishing import publish
from warehouse.settings import Settings, code_version


def check_results(context: dg.AssetExecutionContext) -> list[tuple[str, str, bool, str]]:
    """Every asset check this run evaluated (ours and dbt's tests): key, name, passed, severity."""
    records = context.instance.get_records_for_run(
        run_id=context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000
    ).records
    results = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        results.append((evaluation.asset_key.to_user_string(), evaluation.check_name, evaluation.passed,
                        evaluation.severity.value))
    return results


@dg.asset(
    key=["published_warehouse"],
    group_name="publish",
    deps=[dbt_models, dbt_marts, households_at_risk, demand_projections],
    kinds={"duckdb"},
    description="The warehouse the dashboards read: the build's working copy, swapped in atomically "
    "once everything upstream has been built and checked. The previous few are kept for "
    "`council rollback`.",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                        one_build_at_a_time: OneBuildAtATime) -> dg.MaterializeResult:
    settings = Settings.from_env()
    run = context.instance.get_run_record_by_id(context.run_id)
    started_at = dt.datetime.fromtimestamp(run.start_time) if run and run.start_time else dt.datetime.now()
    checks = check_results(context)
    with warehouse.get_connection() as con:
        con.execute(AUDIT_DDL)
        con.execute(
            "insert into audit.builds values (?, ?, ?, 'published', ?)",
            [context.run_id, started_at, dt.datetime.now(), code_version()],
        )
        # What this build published from: every extract as it was loaded, by its sha256.
        con.execute(
            "insert into audit.build_extracts select ?, file, file_sha256, extract_date, status from audit.load_log",
            [context.run_id],
        )
        if checks:
            con.executemany("insert into audit.build_checks values (?, ?, ?, ?, ?)",
                            [(context.run_id, *check) for check in checks])
        con.execute("checkpoint")
    warehouse.release()  # closed, so flushed to disk: the file is renamed next
    kept = publish(settings.build_warehouse, settings.warehouse)
    size_mb = settings.warehouse.stat().st_size / 1e6
    failed_warnings = sum(not passed for _, _, passed, _ in checks)
    context.log.info(f"published {settings.warehouse} ({size_mb:,.0f} MB); {len(checks)} checks recorded, "
                     f"{failed_warnings} warning(s)" + (f"; previous kept as {kept.name}" if kept else ""))
    working_copy_left = settings.build_warehouse.exists()
    if not working_copy_left:
        context.log.warning(f"no copy left at {settings.build_warehouse} (a full disk?): the next build copies "
                            f"{settings.warehouse} instead")
    return dg.MaterializeResult(metadata={
        "path": str(settings.warehouse),
        "size_mb": round(size_mb, 1),
        "checks_recorded": len(checks),
        "checks_warning": failed_warnings,
        "previous_release": kept.name if kept else "none",
        "working_copy_left": working_copy_left,
    })


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[published_warehouse],
        jobs=[dg.define_asset_job("build_warehouse", selection=dg.AssetSelection.all(include_sources=False))],
    )
