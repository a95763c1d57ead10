"""Nightly operation: the sensor notices deliveries, freshness checks notice a source gone quiet."""

from __future__ import annotations

import os
import sys

import dagster as dg
from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.test_utils import create_run_for_test
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from orchestration.defs.ingest import evaluate_raw_check
from orchestration.defs.sensors import new_deliveries, new_extract_files
from warehouse import sources

ACCOUNTS = sources.table("revenues", "accounts")
# Where a queued run would be launched from: Dagster stores no queued run without one.
QUEUED_FROM = RemoteJobOrigin(RemoteRepositoryOrigin(InProcessCodeLocationOrigin(
    LoadableTargetOrigin(executable_path=sys.executable, module_name="orchestration.definitions")), "__repository__"),
    "build_warehouse")


def deliver(data_dir, extract_date: str, content: bytes = b"ACCOUNT_REF\r\n") -> None:
    folder = data_dir / "extracts" / "revenues" / extract_date
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ACCOUNTS.file_name).write_bytes(content)


def test_the_sensor_sees_each_new_or_changed_file_once(tmp_path):
    deliver(tmp_path, "2025-12-01")
    changed, cursor = new_deliveries(tmp_path, None)
    assert changed == ["extracts/revenues/2025-12-01/accounts.csv"]
    assert new_deliveries(tmp_path, cursor)[0] == []

    deliver(tmp_path, "2025-12-15")
    deliver(tmp_path, "2025-12-01", b"ACCOUNT_REF\r\nCT1\r\n")  # redelivered with a correction
    changed, _ = new_deliveries(tmp_path, cursor)
    assert changed == ["extracts/revenues/2025-12-01/accounts.csv", "extracts/revenues/2025-12-15/accounts.csv"]


def test_a_delivery_starts_a_build_unless_one_is_queued_to_load_it(tmp_path, monkeypatch):
    monkeypatch.setenv("COUNCIL_DATA", str(tmp_path))
    cursor = None

    def sensor_says(extract_date: str | None):
        nonlocal cursor
        if extract_date:
            deliver(tmp_path, extract_date)
        context = dg.build_sensor_context(instance=instance, cursor=cursor)
        said = new_extract_files(context)
        cursor = context.cursor
        return said

    with dg.DagsterInstance.ephemeral() as instance:
        assert isinstance(sensor_says("2025-12-01"), dg.RunRequest)
        # A build running may have loaded its files before this one arrived.
        create_run_for_test(instance, job_name="build_warehouse", status=dg.DagsterRunStatus.STARTED)
        assert isinstance(sensor_says("2025-12-08"), dg.RunRequest)
        create_run_for_test(instance, job_name="build_warehouse", status=dg.DagsterRunStatus.QUEUED,
                            remote_job_origin=QUEUED_FROM)
        skipped = sensor_says("2025-12-15")
        assert isinstance(skipped, dg.SkipReason) and "already queued" in skipped.skip_message
        assert sensor_says(None).skip_message == "no new or changed extract files"


def freshness(tmp_path, as_of: str) -> dg.AssetCheckResult:
    os.environ["COUNCIL_AS_OF"] = as_of
    try:
        return evaluate_raw_check("delivered_on_time", ACCOUNTS, None, tmp_path)
    finally:
        del os.environ["COUNCIL_AS_OF"]


def test_a_source_is_stale_once_its_newest_extract_is_older_than_its_cadence(tmp_path):
    deliver(tmp_path, "2025-12-01")
    deliver(tmp_path, "2026-01-05")
    assert freshness(tmp_path, "2026-01-12").passed  # 7 days: revenues delivers weekly
    late = freshness(tmp_path, "2026-01-13")
    assert not late.passed
    assert late.severity == dg.AssetCheckSeverity.WARN
    assert late.metadata["age_days"].value == 8


def test_a_source_that_never_delivered_is_stale(tmp_path):
    assert not freshness(tmp_path, "2026-01-06").passed
