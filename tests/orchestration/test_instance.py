"""The project's Dagster instance: its dagster.yaml, and an event log that keeps its connections
and still stores and reads what Dagster's own does."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from orchestration.instance import PooledSqliteEventLogStorage, instance_yaml, prepare_dagster_home

KEYS = [dg.AssetKey(["t", f"asset_{i}"]) for i in range(3)]


@dg.multi_asset(specs=[dg.AssetSpec(k) for k in KEYS], name="three",
                check_specs=[dg.AssetCheckSpec("positive", asset=k) for k in KEYS])
def three():
    for i, key in enumerate(KEYS):
        yield dg.MaterializeResult(asset_key=key, metadata={"rows": i})
        yield dg.AssetCheckResult(asset_key=key, check_name="positive", passed=i > 0)


JOB = dg.Definitions(assets=[three], jobs=[dg.define_asset_job("job")]).resolve_job_def("job")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    return prepare_dagster_home(tmp_path)


def test_a_home_gets_the_config_unless_it_has_one_of_its_own(tmp_path):
    fresh = prepare_dagster_home(tmp_path / "fresh")
    assert (fresh / "dagster.yaml").read_text() == instance_yaml(fresh)
    assert f'base_dir: "{fresh.resolve()}/history/runs"' in instance_yaml(fresh)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "dagster.yaml").touch()  # what `council build` left before
    assert (prepare_dagster_home(empty) / "dagster.yaml").read_text() == instance_yaml(empty)
    moved = tmp_path / "moved"
    fresh.rename(moved)
    assert (prepare_dagster_home(moved) / "dagster.yaml").read_text() == instance_yaml(moved)
    own = tmp_path / "own"
    own.mkdir()
    (own / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    assert (prepare_dagster_home(own) / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"


def test_the_queue_starts_one_run_at_a_time(home):
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1


def test_runs_are_stored_where_dagster_keeps_them_and_read_back(home):
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        run_id = JOB.execute_in_process(instance=instance, raise_on_error=False).run_id
    assert (home / "history" / "runs" / f"{run_id}.db").exists()

    # Dagster's own class reads the same files: a home can go back to it.
    with dg.DagsterInstance.from_config(str(home), config_filename="missing.yaml") as default:
        assert type(default.event_log_storage).__name__ == "SqliteEventLogStorage"
        rows = [default.get_latest_materialization_event(k).asset_materialization.metadata["rows"].value
                for k in KEYS]
        assert rows == [0, 1, 2]
        check = default.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(KEYS[0], "positive"), limit=1)[0]
        assert check.run_id == run_id
        assert check.status.value == "FAILED"


def test_engines_kept_are_few_and_not_shared_with_a_forked_child(home):
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        runs = [JOB.execute_in_process(instance=instance, raise_on_error=False).run_id for _ in range(6)]
        assert len(storage._engines) <= storage.ENGINES_KEPT
        # Each run's events, the early ones' read through engines made again.
        assert all(len(instance.all_logs(run)) > 10 for run in runs)

        before = dict(storage._engines)
        storage._engines_pid = os.getpid() + 1  # as a forked child sees it
        JOB.execute_in_process(instance=instance, raise_on_error=False)
        assert not set(map(id, storage._engines.values())) & set(map(id, before.values()))

        storage.wipe()
        assert set(storage._engines) <= {"index"}  # the run files it deletes are not held open
        assert not list((home / "history" / "runs").glob(f"{runs[0]}.db"))
        assert instance.get_latest_materialization_event(KEYS[2]) is None
        run_id = JOB.execute_in_process(instance=instance, raise_on_error=False).run_id
        assert instance.get_latest_materialization_event(KEYS[2]).run_id == run_id
