"""The first step of every build: a fresh working copy of the last published warehouse, or the
copy it was published from when nothing has written to it since (warehouse.publishing).

Every load, model and check writes to this copy; `published_warehouse` swaps it in only once all
have passed (write-audit-publish). Each build, whether `council build`, the nightly schedule or
the delivery sensor, starts from the last good warehouse, so nothing a failed build left
half-done carries into the next, and extracts already published are not loaded again.
"""

import dagster as dg

from orchestration.defs.resources import OneBuildAtATime
from warehouse.publishing import remove_partial_copies, start_from_last_good
from warehouse.settings import Settings

WORKING_COPY = dg.AssetKey(["build", "working_copy"])


@dg.asset(key=WORKING_COPY, group_name="publish", kinds={"duckdb"},
          description="A fresh copy of the published warehouse for this build to write to (or none, "
          "for the first build), or the copy it was published from, if untouched since. Every raw "
          "load depends on it.")
def working_copy(context: dg.AssetExecutionContext, one_build_at_a_time: OneBuildAtATime) -> dg.MaterializeResult:
    settings = Settings.from_env()
    # Safe only under one_build_at_a_time: no other build is copying.
    for leftover in remove_partial_copies(settings.warehouse, settings.build_warehouse):
        context.log.warning(f"removed {leftover}, half-written by a build that was killed")
    started = start_from_last_good(settings.warehouse, settings.build_warehouse)
    context.log.info(f"{settings.build_warehouse}: " + {
        "copied": f"copied from {settings.warehouse}",
        "kept": f"kept: the copy {settings.warehouse} was published from, unchanged since",
        "new": "new"}[started])
    return dg.MaterializeResult(metadata={"path": str(settings.build_warehouse), "from_published": started != "new",
                                          "copied": started == "copied"})


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[working_copy])
