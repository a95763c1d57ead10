"""A nightly build refreshes the incremental models in place: its tables are those a full rebuild
of every model makes from the same loaded extracts and linkage, and it rebuilt only part of them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse.bench import MODEL_SCHEMAS, compare_tables, deliver, split_deliveries
from warehouse.settings import REPO_ROOT

RESIDENTS = 1500
COUNCIL = [sys.executable, "-m", "warehouse.cli"]
DBT = Path(sys.executable).parent / "dbt"
INCREMENTAL_MODELS = ("dim_resident", "fct_cross_service_residents", "fct_demand_events", "int_demand_snapshots")


def run(args: list, env: dict) -> None:
    result = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1200, check=False)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]


@pytest.fixture(scope="module")
def nightly_and_full(tmp_path_factory) -> tuple[Path, Path, str]:
    """The warehouse after a full build and a nightly one, and a copy with every model rebuilt."""
    root = tmp_path_factory.mktemp("incremental")
    env = {**os.environ, "DAGSTER_HOME": str(root / "dagster_home"), "DBT_TARGET_PATH": str(root / "dbt_target")}
    for setting in ("COUNCIL_DATA", "COUNCIL_WAREHOUSE", "COUNCIL_BUILD_WAREHOUSE", "COUNCIL_STATE"):
        env.pop(setting, None)
    borough, data = root / "borough", root / "data"
    run([*COUNCIL, "generate", "--residents", str(RESIDENTS), "--seed", "5", "--out", str(borough)], env)
    first, last = split_deliveries(borough)
    deliver(borough, data, first)
    run([*COUNCIL, "build", "--data", str(data)], env)
    deliver(borough, data, last)
    run([*COUNCIL, "build", "--data", str(data)], env)

    nightly, rebuilt = data / "warehouse.duckdb", root / "rebuilt.duckdb"
    shutil.copyfile(nightly, rebuilt)
    run([str(DBT), "build", "--full-refresh", "--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT)],
        {**env, "COUNCIL_BUILD_WAREHOUSE": str(rebuilt)})
    with duckdb.connect(str(nightly), read_only=True) as con:
        (nightly_build,) = con.execute("select build_id from audit.builds order by started_at desc limit 1").fetchone()
    return nightly, rebuilt, nightly_build


def test_every_model_table_is_what_a_full_rebuild_makes(nightly_and_full):
    nightly, rebuilt, _ = nightly_and_full
    compared = compare_tables(nightly, rebuilt, MODEL_SCHEMAS)
    assert compared["left_tables"] == compared["right_tables"]
    assert compared["rows"]["marts.fct_cross_service_residents"] > 0
    assert compared["differing"] == {}


def test_the_nightly_build_rebuilt_only_the_units_whose_inputs_changed(nightly_and_full):
    nightly, rebuilt, nightly_build = nightly_and_full
    # The digests kept are those a full rebuild records.
    digests = compare_tables(nightly, rebuilt, ("incremental_state",), having_column="input_digest", ignoring=("build_id",))
    states = digests["left_tables"]
    assert states == [f"incremental_state.{m}" for m in INCREMENTAL_MODELS]
    assert digests["differing"] == {}
    with duckdb.connect(str(nightly), read_only=True) as con:
        for state in states:
            units, rebuilt_tonight = con.execute(
                f"select count(*), count(*) filter (where build_id = ?) from {state}", [nightly_build]).fetchone()
            assert 0 < rebuilt_tonight < units / 2, state


def test_a_new_arrears_snapshot_rebuilds_its_year_not_the_tenancys_earlier_years(nightly_and_full):
    nightly, _, nightly_build = nightly_and_full
    full_build = sorted((nightly.parent / "releases").glob("*.duckdb"))[0]
    spell = "* exclude (build_unit)"
    with duckdb.connect() as con:
        con.execute(f"attach '{full_build}' as full_build (read_only); attach '{nightly}' as nightly (read_only)")
        # Every year of a tenancy in arrears in which a snapshot came, went or changed tonight.
        changed = {u for (u,) in con.execute(f"""
            select build_unit from nightly.intermediate.int_demand_unit_spells where record_id in (
                (select record_id from (select {spell} from nightly.intermediate.int_demand_unit_spells
                                        except select {spell} from full_build.intermediate.int_demand_unit_spells))
                union (select record_id from (select {spell} from full_build.intermediate.int_demand_unit_spells
                                              except select {spell} from nightly.intermediate.int_demand_unit_spells)))
            and measure = 'tenancies_in_rent_arrears_31_march'""").fetchall()}
        rebuilt = {u for (u,) in con.execute(
            "select build_unit from nightly.incremental_state.int_demand_snapshots where build_id = ? "
            "and build_unit in (select build_unit from nightly.intermediate.int_demand_unit_spells "
            "where measure = 'tenancies_in_rent_arrears_31_march')", [nightly_build]).fetchall()}
    assert changed and all("@" in unit for unit in changed)
    assert rebuilt == changed


COUNTS_MODELS = ("int_demand_monthly_counts", "int_demand_yearly_counts")


def counted(db: Path) -> dict[str, tuple[str, bool]]:
    """How each demand counts model counted, and whether it counted fct_demand_events' last change."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {model: con.execute(
            f"select counted.counted, counted.change_id = change.change_id from incremental_state.{model}__counted "
            "as counted cross join incremental_state.fct_demand_events__change as change").fetchone()
            for model in COUNTS_MODELS}


def test_the_nightly_build_added_fct_demand_events_change_to_the_demand_counts(nightly_and_full):
    nightly, rebuilt, _ = nightly_and_full
    full_build = sorted((nightly.parent / "releases").glob("*.duckdb"))[0]
    assert counted(nightly) == dict.fromkeys(COUNTS_MODELS, ("change", True))
    for built_in_full in (full_build, rebuilt):
        assert counted(built_in_full) == dict.fromkeys(COUNTS_MODELS, ("full", True))
        with duckdb.connect(str(built_in_full), read_only=True) as con:  # nothing copied: every row is new
            assert con.execute("select count(*) from incremental_state.fct_demand_events__inserted").fetchone() == (0,)
    with duckdb.connect(str(nightly), read_only=True) as con:
        inserted, deleted, rows = (con.execute(f"select count(*) from {t}").fetchone()[0] for t in (
            "incremental_state.fct_demand_events__inserted", "incremental_state.fct_demand_events__deleted",
            "marts.fct_demand_events"))
    assert 0 < inserted < rows / 2 and 0 < deleted < rows / 2


def test_a_demand_count_that_missed_a_change_counts_again_in_full(nightly_and_full, tmp_path):
    nightly, _, _ = nightly_and_full
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(nightly, copy)
    env = {**os.environ, "COUNCIL_BUILD_WAREHOUSE": str(copy), "DBT_TARGET_PATH": str(tmp_path / "dbt_target")}

    def dbt_run(*models: str) -> None:
        run([str(DBT), "run", "--select", *models, "--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT)],
            env)

    def counts(db: Path) -> list[tuple]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute("select * from intermediate.int_demand_monthly_counts order by all").fetchall()

    expected = counts(nightly)
    dbt_run("fct_demand_events")  # nothing changed since the nightly: an empty change follows its own
    dbt_run("int_demand_monthly_counts")
    assert counted(copy)["int_demand_monthly_counts"] == ("change", True)
    dbt_run("int_demand_monthly_counts")  # that change again: nothing to add
    assert counted(copy)["int_demand_monthly_counts"] == ("none", True)
    dbt_run("fct_demand_events")
    dbt_run("fct_demand_events")  # the counts never saw the change before this one
    with duckdb.connect(str(copy)) as con:  # so counting in full must also mend what is kept
        con.execute("delete from intermediate.int_demand_monthly_counts where breakdown = 'sex'")
        con.execute("update intermediate.int_demand_monthly_counts set category = 'gone' where breakdown = 'ward'")
    dbt_run("int_demand_monthly_counts")
    assert counted(copy)["int_demand_monthly_counts"] == ("full", True)
    assert counts(copy) == expected
