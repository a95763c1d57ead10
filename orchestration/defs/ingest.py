"""One asset per source table: load every delivered extract into ``raw``, with its accounting."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.resources import ExtractsResource
from orchestration.defs.working_copy import WORKING_COPY
from warehouse.loading import accounting_mismatches, discover, load_table
from warehouse.settings import as_of
from warehouse.sources import TABLES, SourceTable, system


def raw_asset_key(source: SourceTable) -> dg.AssetKey:
    return dg.AssetKey(["raw", source.system, source.table])


def build_raw_asset(source: SourceTable) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(source),
        group_name="raw",
        kinds={"duckdb", source.file_format},
        description=f"{source.description} Loaded text-faithfully from {source.file_format} extracts "
        f"({source.encoding}) into raw.{source.raw_table}.",
        metadata={"primary_key": list(source.primary_key), "columns": list(source.columns)},
        deps=[WORKING_COPY],
    )
    def load(context: dg.AssetExecutionContext, warehouse: DuckDBResource, extracts: ExtractsResource):
        with warehouse.get_connection() as con:
            results = load_table(con, Path(extracts.data_dir), source)
            total_rows = con.execute(f"select count(*) from raw.{source.raw_table}").fetchone()[0]
        for r in results:
            if r.status == "failed":
                context.log.error(f"{r.error}")
            elif r.status == "stale":
                context.log.warning(f"{r.error}")
            elif r.status == "loaded":
                context.log.info(f"{r.file}: {r.rows_loaded:,} rows loaded, {r.rows_rejected:,} rejected")
            for warning in r.warnings:
                context.log.warning(f"{r.file}: {warning}")
        new = [r for r in results if r.status != "skipped"]
        return dg.MaterializeResult(
            metadata={
                "files_delivered": len(results),
                "files_loaded_now": sum(r.status == "loaded" for r in results),
                "files_failed_now": sum(r.status == "failed" for r in results),
                "files_stale_now": sum(r.status == "stale" for r in results),
                "rows_loaded_now": sum(r.rows_loaded for r in new),
                "rows_rejected_now": sum(r.rows_rejected for r in new),
                "dagster/row_count": total_rows,
                "latest_extract": max((str(r.extract_date) for r in results if r.extract_date), default="none"),
            }
        )

    return load


def build_raw_checks(source: SourceTable) -> list[dg.AssetChecksDefinition]:
    key = raw_asset_key(source)

    @dg.asset_check(asset=key, name="rows_accounted_for", blocking=True,
                    description="For every file: rows_in_file = rows_loaded + rows_rejected, and both "
                    "figures match the rows kept in raw and in audit.rejects.")
    def rows_accounted_for(warehouse: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            mismatches = accounting_mismatches(con, source)
        return dg.AssetCheckResult(
            passed=not mismatches,
            metadata={"files_out_of_balance": dg.MetadataValue.json(mismatches)},
        )

    @dg.asset_check(asset=key, name="no_failed_files", blocking=True,
                    description="No delivered file's latest load failed (wrong format, missing column, "
                    "empty, unreadable). Fix or withdraw the file; its rows are kept in audit.rejects.")
    def no_failed_files(warehouse: DuckDBResource, extracts: ExtractsResource) -> dg.AssetCheckResult:
        failed = _delivered_files_last_loaded_as(warehouse, extracts, source, "failed")
        return dg.AssetCheckResult(
            passed=not failed,
            metadata={"failed_files": dg.MetadataValue.json([{"file": f, "error": e} for f, e in failed])},
        )

    @dg.asset_check(asset=key, name="no_stale_extracts",
                    description="No delivered file is older than an extract of the same table already "
                    "loaded. Such a file is quarantined (none of its rows loaded, all kept in audit.rejects) "
                    "so records are not rolled back. A warning: a late resend is no reason to withhold the "
                    "warehouse. Withdraw the file, or have its corrections sent in a new extract.")
    def no_stale_extracts(warehouse: DuckDBResource, extracts: ExtractsResource) -> dg.AssetCheckResult:
        stale = _delivered_files_last_loaded_as(warehouse, extracts, source, "stale")
        return dg.AssetCheckResult(
            passed=not stale,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"stale_files": dg.MetadataValue.json([{"file": f, "error": e} for f, e in stale])},
        )

    cadence = system(source.system).cadence_days

    @dg.asset_check(asset=key, name="delivered_on_time",
                    description=f"The newest {source.system} extract is at most {cadence} days old "
                    "(judged on COUNCIL_AS_OF, default today). A warning: a late delivery is not a "
                    "reason to withhold the rest of the warehouse.")
    def delivered_on_time(extracts: ExtractsResource) -> dg.AssetCheckResult:
        dates = [f.extract_date for f in discover(Path(extracts.data_dir), source) if f.extract_date]
        newest = max(dates, default=None)
        today = as_of()
        age = (today - newest).days if newest else None
        return dg.AssetCheckResult(
            passed=age is not None and age <= cadence,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"newest_extract": str(newest), "as_of": str(today), "age_days": age, "cadence_days": cadence},
        )

    return [rows_accounted_for, no_failed_files, no_stale_extracts, delivered_on_time]


def _delivered_files_last_loaded_as(
    warehouse: DuckDBResource, extracts: ExtractsResource, source: SourceTable, status: str
) -> list[tuple[str, str]]:
    """(file, error) of each file still delivered whose latest load ended with this status."""
    delivered = [f.relative_path for f in discover(Path(extracts.data_dir), source)]
    with warehouse.get_connection() as con:
        return con.execute(
            """
            select file, error from (
                select file, status, error,
                       row_number() over (partition by file order by loaded_at desc) as attempt
                from audit.load_log where source_system = ? and source_table = ?
            ) where attempt = 1 and status = ? and list_contains(?, file)
            order by file
            """,
            [source.system, source.table, status, delivered],
        ).fetchall()


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[build_raw_asset(t) for t in TABLES],
        asset_checks=[check for t in TABLES for check in build_raw_checks(t)],
    )
