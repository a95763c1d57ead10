"""Publish the checked build: record it, then swap it over the published warehouse atomically.

Dagster runs this only when every upstream asset materialised and every blocking check passed
(dbt's failing tests fail the dbt step), so a failed build never replaces the last good
warehouse. The swap is a rename: readers holding the old file keep reading it undisturbed.
"""

import datetime as dt
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.dbt import dbt_marts, dbt_models
from warehouse.loading import AUDIT_DDL
from warehouse.settings import REPO_ROOT, Settings


def code_version() -> str:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10,
            check=False,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@dg.asset(
    key=["published_warehouse"],
    group_name="publish",
    deps=[dbt_models, dbt_marts],
    kinds={"duckdb"},
    description="The warehouse the dashboards read: the build's working copy, swapped in atomically "
    "once everything upstream has been built and checked.",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    settings = Settings.from_env()
    run = context.instance.get_run_record_by_id(context.run_id)
    started = run.start_time if run and run.start_time else None
    started_at = dt.datetime.fromtimestamp(started) if started else dt.datetime.now()
    with warehouse.get_connection() as con:
        con.execute(AUDIT_DDL)
        con.execute(
            "insert into audit.builds values (?, ?, ?, 'published', ?)",
            [context.run_id, started_at, dt.datetime.now(), code_version()],
        )
        con.execute("checkpoint")
    target = settings.warehouse
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex}.publishing")
    shutil.copyfile(settings.build_warehouse, staging)
    os.replace(staging, target)
    size_mb = Path(target).stat().st_size / 1e6
    context.log.info(f"published {target} ({size_mb:,.0f} MB)")
    return dg.MaterializeResult(metadata={"path": str(target), "size_mb": round(size_mb, 1)})


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[published_warehouse],
        jobs=[dg.define_asset_job("build_warehouse", selection=dg.AssetSelection.all(include_sources=False))],
    )
