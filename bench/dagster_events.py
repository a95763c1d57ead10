"""How long Dagster takes to store a build's events, with its own SQLite event log and with ours.

    .venv/bin/python bench/dagster_events.py [--checks 300]

Runs one asset job (60 assets, CHECKS asset checks, as a dbt step yields them) in-process twice
per storage, each in a fresh DAGSTER_HOME, and prints the second run's seconds: nothing but
Dagster's bookkeeping, no data. Compare orchestration/instance.py's PooledSqliteEventLogStorage
with the default SqliteEventLogStorage. Prints one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from orchestration.instance import instance_yaml

ASSETS = 60

JOB = textwrap.dedent("""
    import sys, time
    import dagster as dg
    assets, checks = int(sys.argv[1]), int(sys.argv[2])
    keys = [dg.AssetKey(["bench", f"asset_{i}"]) for i in range(assets)]

    @dg.multi_asset(specs=[dg.AssetSpec(k) for k in keys], name="many",
                    check_specs=[dg.AssetCheckSpec(f"check_{j}", asset=keys[j % assets]) for j in range(checks)])
    def many():
        for i, key in enumerate(keys):
            yield dg.MaterializeResult(asset_key=key, metadata={"i": i})
        for j in range(checks):
            yield dg.AssetCheckResult(asset_key=keys[j % assets], check_name=f"check_{j}", passed=True,
                                      metadata={"j": j})

    job = dg.Definitions(assets=[many], jobs=[dg.define_asset_job("job")]).resolve_job_def("job")
    instance = dg.DagsterInstance.get()
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    job.execute_in_process(instance=instance, run_config=quiet)  # creates the databases
    started = time.perf_counter()
    assert job.execute_in_process(instance=instance, run_config=quiet).success
    print(time.perf_counter() - started)
""")


def seconds(pooled: bool, checks: int) -> float:
    with tempfile.TemporaryDirectory(prefix="dagster-events-") as home:
        Path(home, "dagster.yaml").write_text(instance_yaml(Path(home)) if pooled else "telemetry:\n  enabled: false\n")
        out = subprocess.run([sys.executable, "-c", JOB, str(ASSETS), str(checks)], check=True, text=True,
                             stdout=subprocess.PIPE, env={**os.environ, "DAGSTER_HOME": home}).stdout
        return float(out.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=300)
    args = parser.parse_args()
    events = 2 * (ASSETS + args.checks)  # each planned, then materialised or evaluated
    figures = {"events": events}
    for name, pooled in (("dagster_sqlite_s", False), ("pooled_sqlite_s", True)):
        started = time.perf_counter()
        figures[name] = round(seconds(pooled, args.checks), 2)
        print(f"{name}: {figures[name]} s for {events} asset events ({time.perf_counter() - started:.0f} s in all)",
              file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
