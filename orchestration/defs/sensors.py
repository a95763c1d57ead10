"""Start a build as soon as a source system delivers a new or changed extract file."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from warehouse.loading import delivered_files
from warehouse.settings import Settings


def new_deliveries(data_dir: Path, cursor: str | None) -> tuple[list[str], str]:
    """Files new or changed since the cursor, and the cursor to store next."""
    seen: dict[str, str] = json.loads(cursor) if cursor else {}
    now = {f.relative_path: f"{f.path.stat().st_size}:{f.path.stat().st_mtime_ns}" for f in delivered_files(data_dir)}
    changed = sorted(path for path, stamp in now.items() if seen.get(path) != stamp)
    return changed, json.dumps(now, sort_keys=True)


def build_queued(instance: dg.DagsterInstance) -> bool:
    """A build waiting in the queue: when it starts, it loads every file delivered by then."""
    return bool(instance.get_run_ids(dg.RunsFilter(job_name="build_warehouse", statuses=[dg.DagsterRunStatus.QUEUED]),
                                     limit=1))


@dg.sensor(
    job_name="build_warehouse",
    minimum_interval_seconds=60,
    description="Watches <data>/extracts and starts a build when files arrive, unless one is already "
    "queued (builds run one at a time, and it will load them). It reads only file names, sizes and "
    "times, never the warehouse, so it cannot hold the build's lock.",
)
def new_extract_files(context: dg.SensorEvaluationContext):
    changed, cursor = new_deliveries(Settings.from_env().data_dir, context.cursor)
    context.update_cursor(cursor)
    if not changed:
        return dg.SkipReason("no new or changed extract files")
    # Systems deliver one after another through the night: without this, each delivery during a
    # build queued one more, and each published a release of its own, pushing older ones out.
    if build_queued(context.instance):
        return dg.SkipReason(f"{len(changed)} new or changed extract file(s): the build already queued will load them")
    run_key = hashlib.sha256(cursor.encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=run_key, tags={"council/new_files": str(len(changed))})


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[new_extract_files])
