"""Every definition loads, and the graph says what the README promises."""

from __future__ import annotations

import importlib
import os

import dagster as dg
import pytest

from warehouse import sources


@pytest.fixture(scope="module")
def defs(tmp_path_factory) -> dg.Definitions:
    data = tmp_path_factory.mktemp("data")
    os.environ.update(COUNCIL_DATA=str(data), COUNCIL_WAREHOUSE=str(data / "warehouse.duckdb"))
    os.environ.pop("COUNCIL_BUILD_WAREHOUSE", None)
    import orchestration.definitions

    return importlib.reload(orchestration.definitions).defs


def test_every_source_table_is_a_raw_asset_with_its_checks(defs):
    graph = defs.resolve_asset_graph()
    for t in sources.TABLES:
        key = dg.AssetKey(["raw", t.system, t.table])
        assert key in graph.get_all_asset_keys(), key
        checks = {c.name for c in graph.get_check_keys_for_assets([key])}
        assert {"rows_accounted_for", "no_failed_files", "delivered_on_time"} <= checks


def test_every_staging_model_reads_its_raw_table_and_publishing_comes_last(defs):
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    everything_upstream = _ancestors(graph, dg.AssetKey("published_warehouse"))
    for t in sources.TABLES:
        model = next(k for k in keys if k.path[-1] == f"stg_{t.system}__{t.table}")
        assert dg.AssetKey(["raw", t.system, t.table]) in graph.get(model).parent_keys
        assert model in everything_upstream


def test_a_build_first_makes_its_working_copy_of_the_published_warehouse(defs):
    """Whatever starts the job (`council build`, the schedule, the sensor), every step writes to
    a fresh copy of the last published warehouse, never to a failed build's leftovers."""
    graph = defs.resolve_asset_graph()
    working_copy = dg.AssetKey(["build", "working_copy"])
    after_copy = {k for k in graph.get_all_asset_keys() if working_copy in _ancestors(graph, k)}
    for key in graph.get_all_asset_keys() - after_copy - {working_copy}:
        # A seed has no upstream asset, but is built in the step that builds staging from raw.
        assert defs.get_assets_def(key).keys & after_copy, key


def _ancestors(graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    todo = [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_the_nightly_schedule_sensor_and_build_job_exist(defs):
    assert defs.resolve_job_def("build_warehouse")
    assert defs.resolve_schedule_def("nightly_build").cron_schedule == "0 3 * * *"
    assert defs.resolve_sensor_def("new_extract_files")


def test_the_dbt_project_is_parsed_again_only_when_its_manifest_could_be_stale(tmp_path):
    """Loading the definitions skips `dbt parse` for a manifest parsed from the same code and
    settings, and parses again when the manifest was rewritten or a setting changed."""
    import subprocess
    import sys

    target = tmp_path / "target"
    manifest = target / "manifest.json"

    def load(**settings: str) -> int:
        env = {**os.environ, "DBT_TARGET_PATH": str(target), **settings}
        subprocess.run([sys.executable, "-c", "import orchestration.defs.dbt"], env=env, check=True)
        return manifest.stat().st_mtime_ns

    parsed = load()
    assert load() == parsed
    manifest.write_text(manifest.read_text())  # as `dbt docs generate` rewrites it
    reparsed = load()
    assert reparsed != parsed
    assert load() == reparsed
    assert load(COUNCIL_AS_OF="2026-01-05") != reparsed


def test_the_partial_parse_keeps_the_seeds_so_each_dbt_step_need_not_parse_them_again(tmp_path):
    """dagster-dbt's preparer marks every seed changed in the partial parse it leaves; ours keeps
    them, since the project is parsed where it runs (orchestration/defs/dbt.py)."""
    import subprocess
    import sys

    import msgpack

    env = {**os.environ, "DBT_TARGET_PATH": str(tmp_path / "target")}
    subprocess.run([sys.executable, "-c", "import orchestration.defs.dbt"], env=env, check=True)
    with open(tmp_path / "target" / "partial_parse.msgpack", "rb") as parsed:
        files = msgpack.unpack(parsed, raw=False, strict_map_key=False)["files"].values()
    seeds = [f for f in files if f.get("parse_file_type") == "seed"]
    assert len(seeds) > 20
    assert all(set(seed["checksum"]["checksum"]) != {"0"} for seed in seeds)
