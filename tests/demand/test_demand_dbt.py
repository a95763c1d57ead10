"""The demand models' dbt unit tests (re-referrals, the 20-week clock, census dates, repeat and
two-year child protection plans, working days) on an empty warehouse, as CI runs them.

The models under test read staging (built empty from empty raw tables) and the linkage bridge,
whose contract (marts/residents/_residents__models.yml) this fixture creates empty.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse.sources import SYSTEMS

ROOT = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).parent / "dbt")


def dbt(*args: str, tmp: Path, warehouse: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DBT, *args, "--project-dir", str(ROOT), "--profiles-dir", str(ROOT),
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")],
        env={**os.environ, "COUNCIL_BUILD_WAREHOUSE": str(warehouse)},
        capture_output=True, text=True, timeout=600, check=False,
    )


@pytest.fixture(scope="module")
def unit_test_results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demand_dbt")
    warehouse = tmp / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        for system in SYSTEMS:
            for table in system.tables:
                columns = ", ".join(f'"{c}" varchar' for c in table.raw_columns)
                con.execute(f"create table raw.{table.raw_table} ({columns}, _source_file varchar, _file_sha256 varchar, "
                            "_extract_date date, _row_number bigint, _loaded_at timestamp)")
        con.execute("create schema marts")
        con.execute("create table marts.bridge_resident_source_record (source_system varchar, source_table varchar, "
                    "source_record_id varchar, resident_id bigint, match_weight double)")
    built = dbt("build", "--empty", "--select", "path:seeds", "path:models/staging", "path:models/intermediate/demand",
                "--exclude", "source:linkage+", "test_type:data", tmp=tmp, warehouse=warehouse)
    assert built.returncode == 0, built.stdout[-3000:]
    # The snapshots' unit test reads the spells with their units: a view over the bridge made above.
    spells = dbt("run", "--empty", "--select", "int_demand_unit_spells", tmp=tmp, warehouse=warehouse)
    assert spells.returncode == 0, spells.stdout[-3000:]
    tested = dbt("test", "--select", "path:models/intermediate/demand,test_type:unit", tmp=tmp, warehouse=warehouse)
    results = json.loads((tmp / "target" / "run_results.json").read_text())["results"]
    return tested, {r["unique_id"].rsplit(".", 1)[-1]: r["status"] for r in results}


@pytest.mark.parametrize("unit_test", [
    "re_referral_counts_only_within_twelve_months",
    "plans_issued_within_140_days_of_the_request_are_on_time",
    "plans_in_force_on_the_january_census_date",
    "repeat_and_two_year_cp_plans",
    "january_census_is_the_third_thursday",
    "assessments_count_working_days",
])
def test_demand_rule_pinned_by_a_unit_test_passes(unit_test_results, unit_test):
    tested, statuses = unit_test_results
    assert statuses.get(unit_test) == "pass", tested.stdout[-3000:]
