"""The read-only warehouse readers: figures, staging discovery, rebuilds, locks, privacy."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from dashboard_fixture import (
    LOAD_LOG,
    RAW_RECORD_SENTINEL,
    ROWS_LOADED,
    ROWS_REJECTED,
    STAGING_MODELS,
    STAGING_ROWS,
    build_warehouse,
)

from dashboards import queries

HERE = Path(__file__).resolve().parent


def _run_python(code: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_load_accounting_adds_up_from_the_fixture(warehouse_file):
    warehouse = queries.current_warehouse()
    log = queries.load_log(warehouse)
    assert len(log) == 5
    assert log.iloc[0]["status"] == "failed", "failed files come first"
    assert log["rows_loaded"].sum() == ROWS_LOADED
    assert log["rows_rejected"].sum() == ROWS_REJECTED

    sources = queries.sources_summary(warehouse).set_index("source_system")
    assert sources.loc["housing", "extract_dates"] == "2024-01-01, 2025-01-06"
    assert sources.loc["revenues", "failed_files"] == 1
    assert sources["rows_loaded"].sum() == ROWS_LOADED


def test_rows_of_stale_and_redelivered_files_are_set_aside_not_rejected(warehouse_file):
    import duckdb

    with duckdb.connect(str(warehouse_file)) as db:
        db.executemany(
            "insert into audit.load_log values ('housing', 'persons', ?, sha256(?), ?, 7, 0, 7, ?, null, null, "
            "timestamp '2026-01-06 03:00:00', 0.5)",
            [("extracts/housing/2023-06-01/persons.csv", "stale bytes", "2023-06-01", "stale"),
             ("extracts/housing/2025-01-06/persons (1).csv", "same bytes", "2025-01-06", "duplicate")],
        )
    housing = queries.sources_summary(queries.current_warehouse()).set_index("source_system").loc["housing"]
    rejected_one_by_one = sum(row[6] for row in LOAD_LOG if row[0] == "housing")
    assert housing["stale_files"] == 1
    assert housing["rows_set_aside"] == 14
    assert housing["rows_rejected"] == rejected_one_by_one


def test_build_time_comes_from_the_latest_build(warehouse_file):
    build = queries.build_info(queries.current_warehouse())
    assert build["source"] == "audit.builds"
    assert build["build_id"] == "b2"
    assert str(build["finished_at"]) == "2026-01-05 09:10:00"


def test_build_time_falls_back_to_the_last_load(warehouse_without_builds):
    build = queries.build_info(queries.current_warehouse())
    assert build["source"] == "audit.load_log"
    assert str(build["finished_at"]) == "2026-01-05 09:04:00"


def test_rejects_are_grouped_and_never_carry_the_raw_record(warehouse_file):
    rejects = queries.rejects_summary(queries.current_warehouse())
    assert "raw_record" not in rejects.columns
    assert RAW_RECORD_SENTINEL not in rejects.to_csv()
    by_reason = rejects.set_index(["column_name", "reason"])["rows_rejected"].to_dict()
    assert by_reason == {
        ("tenancy_start", "not a date"): 4,
        ("band", "unknown code"): 2,
        ("uprn", "not a number"): 1,
    }
    tenancy = rejects[rejects["column_name"] == "tenancy_start"].iloc[0]
    assert (tenancy["first_row"], tenancy["last_row"]) == (12, 90)


def test_staging_models_are_discovered_not_listed(warehouse_file):
    staging = queries.staging_models(queries.current_warehouse())
    assert staging.set_index("model")["rows"].to_dict() == STAGING_MODELS
    assert set(staging["schema"]) == {"main_staging"}
    assert staging.set_index("model").loc["stg_send__plans", "materialised"] == "view"


def test_a_model_is_found_in_its_own_schema_not_in_the_state_named_after_it(warehouse_file):
    with duckdb.connect(str(warehouse_file)) as con:
        con.execute("create schema incremental_state; create table incremental_state.stg_send__plans "
                    "(unit_id varchar, input_digest ubigint, build_id varchar)")
    assert queries.staging_relation(queries.current_warehouse(), "stg_send__plans") == ("main_staging", "stg_send__plans")


def test_a_missing_warehouse_says_how_to_build_it(missing_warehouse):
    with pytest.raises(queries.WarehouseUnavailable, match="council build"):
        queries.current_warehouse()


def test_a_file_that_is_not_a_warehouse_is_reported_not_raised(tmp_path, monkeypatch):
    junk = tmp_path / "warehouse.duckdb"
    junk.write_text("not a database")
    monkeypatch.setenv(queries.WAREHOUSE_ENV, str(junk))
    with pytest.raises(queries.WarehouseUnavailable, match="could not be opened"):
        queries.relations(queries.current_warehouse())


def test_a_rebuilt_warehouse_is_picked_up_while_the_old_one_is_open(warehouse_file):
    before = queries.current_warehouse()
    rows_before = queries.staging_models(before).set_index("model")["rows"].to_dict()
    assert rows_before["stg_housing__tenancies"] == STAGING_ROWS["stg_housing__tenancies"]

    # Another process rebuilds and replaces the published file while this one holds it open.
    writer = _run_python(
        f"""
        import sys
        sys.path.insert(0, {str(HERE)!r})
        from dashboard_fixture import build_warehouse
        from pathlib import Path
        build_warehouse(Path({str(warehouse_file)!r}), staging_scale=2)
        """
    )
    _, stderr = writer.communicate(timeout=60)
    assert writer.returncode == 0, stderr

    after = queries.current_warehouse()
    assert after.identity != before.identity
    rows_after = queries.staging_models(after).set_index("model")["rows"].to_dict()
    assert rows_after["stg_housing__tenancies"] == 2 * STAGING_ROWS["stg_housing__tenancies"]


def test_a_warehouse_being_written_in_place_is_reported_not_raised(tmp_path, monkeypatch):
    path = build_warehouse(tmp_path / "warehouse.duckdb")
    monkeypatch.setenv(queries.WAREHOUSE_ENV, str(path))
    writer = _run_python(
        f"""
        import duckdb, sys, time
        connection = duckdb.connect({str(path)!r})
        print("locked", flush=True)
        time.sleep(30)
        """
    )
    try:
        assert writer.stdout.readline().strip() == "locked"
        with pytest.raises(queries.WarehouseUnavailable, match="being written"):
            queries.relations(queries.current_warehouse())
    finally:
        writer.terminate()
        writer.wait(timeout=10)
    # Once the writer lets go, the same file reads again.
    deadline = time.monotonic() + 10
    while True:
        try:
            assert ("audit", "load_log") in queries.relations(queries.current_warehouse())
            break
        except queries.WarehouseUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
