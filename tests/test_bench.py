"""`council bench` on a tiny borough: every figure is there, the stages add up to the build, the
nightly build really is the full build plus the last delta, and bench/nightly.py repeats it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.bench import REQUIRED_KEYS, compare_tables, dbt_test_seconds, tree_rss_bytes
from warehouse.settings import REPO_ROOT

RESIDENTS = 1500
STAGE_KEYS = ("load_s", "linkage_s", "models_s", "checks_s")


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> tuple[dict, subprocess.CompletedProcess, Path]:
    work = tmp_path_factory.mktemp("bench") / "work"
    result = subprocess.run(
        [sys.executable, "-m", "warehouse.cli", "bench", "--residents", str(RESIDENTS), "--work", str(work), "--json"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=1200, check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), result, work


def test_the_last_line_is_one_json_object_with_every_figure(bench):
    figures, result, _ = bench
    assert set(REQUIRED_KEYS) <= set(figures)
    assert figures["residents"] == RESIDENTS
    # Progress goes to standard error, so standard output is the figures alone.
    assert result.stdout.strip().count("\n") == 0
    assert "full build" in result.stderr and "nightly build" in result.stderr


def test_stage_times_are_positive_and_fit_inside_the_build(bench):
    figures, _, _ = bench
    for key in (*STAGE_KEYS, "generate_s", "total_s", "io_floor_s", "incremental_s"):
        assert figures[key] > 0, key
    assert sum(figures[k] for k in STAGE_KEYS) <= figures["total_s"] * 1.05
    # What the four stages leave out (start-up, publish, Dagster between steps) is reported, not lost.
    assert figures["other_s"] == pytest.approx(figures["total_s"] - sum(figures[k] for k in STAGE_KEYS), abs=0.05)


def test_reading_the_extracts_is_faster_than_loading_them(bench):
    figures, _, _ = bench
    assert figures["io_floor_s"] < figures["load_s"]


def test_peak_memory_is_measured(bench):
    figures, _, _ = bench
    assert figures["peak_rss_mb"] > 0
    # The build's process tree holds at least a Python interpreter with Dagster loaded.
    assert figures["peak_rss_mb"] >= max(figures["peak_largest_process_rss_mb"].values()) > 100


def test_the_nightly_build_adds_only_the_last_delta(bench):
    figures, _, work = bench
    with duckdb.connect(str(work / "data" / "warehouse.duckdb"), read_only=True) as con:
        builds = [b for (b,) in con.execute("select build_id from audit.builds order by started_at").fetchall()]
        dates = [
            sorted({str(d) for (d,) in con.execute(
                "select distinct extract_date from audit.build_extracts where build_id = ?", [build]).fetchall()})
            for build in builds
        ]
    assert dates == [["2025-12-01", "2025-12-15"], ["2025-12-01", "2025-12-15", "2026-01-05"]]
    assert 0 < figures["delta_changed_share"] < 1


def test_the_nightly_starts_from_the_working_copy_the_full_build_published(bench):
    _, _, work = bench
    working_copy = [line for line in (work / "nightly_build.log").read_text().splitlines() if "build__working_copy - " in line]
    assert any("kept: the copy" in line for line in working_copy), working_copy


def test_the_nightly_runs_again_from_what_the_full_build_left(bench):
    _, _, work = bench
    result = subprocess.run([sys.executable, "bench/nightly.py", "--work", str(work), "--nothing-new"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=1200, check=False)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    again = json.loads(result.stdout.strip().splitlines()[-1])
    assert again["incremental_s"] > 0 and "dbt_marts" in again["longest_steps_s"]
    assert "kept: the copy" in (work / "nightly-again" / "nightly_build.log").read_text()
    # Then once more with nothing delivered: a build of its own, from the same extracts.
    assert again["nothing_new_s"] > 0 and "dbt_marts" in again["nothing_new_longest_steps_s"]
    with duckdb.connect(str(work / "nightly-again" / "data" / "warehouse.duckdb"), read_only=True) as con:
        extracts = con.execute("""
            select build_id, count(*), sum(hash(e.file, e.file_sha256))
            from audit.build_extracts e join audit.builds b using (build_id)
            group by build_id order by min(b.started_at)
        """).fetchall()
    assert len(extracts) == 3 and extracts[1][1:] == extracts[2][1:]
    # The same delivery on the same warehouse and state, and then nothing: the same residents,
    # ids and demand rows.
    with duckdb.connect() as con:
        con.execute(f"attach '{work / 'data' / 'warehouse.duckdb'}' as bench (read_only)")
        con.execute(f"attach '{work / 'nightly-again' / 'data' / 'warehouse.duckdb'}' as again (read_only)")
        for table in ("linkage.resident_records", "marts.dim_resident", "marts.fct_demand_events"):
            rows, differing = con.execute(f"""
                select (select count(*) from bench.{table}), count(*) from (
                    (select * from bench.{table} except all select * from again.{table})
                    union all (select * from again.{table} except all select * from bench.{table}))""").fetchone()
            assert rows > 0 and differing == 0, table
        (builds,) = con.execute("select count(*) from bench.audit.builds").fetchone()
    assert builds == 2  # the bench's own warehouse was not built again


def test_dbt_test_time_counts_overlapping_tests_once(tmp_path):
    def node(unique_id: str, start: str, end: str) -> dict:
        return {"unique_id": unique_id, "timing": [
            {"name": "compile", "started_at": f"2026-01-05T03:00:{start}Z", "completed_at": f"2026-01-05T03:00:{start}Z"},
            {"name": "execute", "started_at": f"2026-01-05T03:00:{start}Z", "completed_at": f"2026-01-05T03:00:{end}Z"},
        ]}

    results = tmp_path / "run_results.json"
    results.write_text(json.dumps({"results": [
        node("model.p.a", "00", "10"),  # a model: not a test
        node("test.p.b", "10", "14"),
        node("test.p.c", "12", "16"),  # overlaps b on another thread: 10-16 is 6 s, not 8
        node("unit_test.p.d", "20", "21"),
    ]}))
    assert dbt_test_seconds(results) == pytest.approx(7.0)


def test_tree_memory_includes_children(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; block = b'x' * (300 * 2**20); time.sleep(30)"])
    try:
        deadline = time.monotonic() + 20
        while tree_rss_bytes(child.pid) < 300 * 2**20 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert tree_rss_bytes(child.pid) >= 300 * 2**20
        # Seen from this process, the child's memory is part of the tree.
        assert tree_rss_bytes(os.getpid()) >= tree_rss_bytes(child.pid)
    finally:
        child.kill()
        child.wait()


def test_comparing_two_warehouses_finds_every_row_that_differs(tmp_path):
    left, right = tmp_path / "left.duckdb", tmp_path / "right.duckdb"
    for path, rows, build in ((left, "(1, 'a'), (2, 'b'), (2, 'b')", "night"), (right, "(1, 'a'), (2, 'b'), (3, 'c')", "full")):
        with duckdb.connect(str(path)) as con:
            con.execute("create schema marts; create schema other")
            con.execute(f"create table marts.changed as select * from (values {rows}) t(id, name)")
            con.execute("create table marts.same as select 1 as id")
            con.execute(f"create table marts.units as select 'u1' as unit, 42 as input_digest, '{build}' as build_id")
            con.execute("create table other.ignored as select random() as x")
    with duckdb.connect(str(left)) as con:
        con.execute("create table marts.only_left as select 1 as id")

    compared = compare_tables(left, right, ("marts",))
    assert compared["left_tables"] == ["marts.changed", "marts.only_left", "marts.same", "marts.units"]
    assert compared["right_tables"] == ["marts.changed", "marts.same", "marts.units"]
    # The second (2, 'b') counts: a duplicated row is a difference.
    assert compared["differing"] == {"marts.changed": (1, 1), "marts.units": (1, 1)}
    assert compared["rows"] == {"marts.changed": 3, "marts.same": 1, "marts.units": 1}

    digests = compare_tables(left, right, ("marts",), having_column="input_digest", ignoring=("build_id",))
    assert digests["left_tables"] == digests["right_tables"] == ["marts.units"]
    assert digests["differing"] == {}
