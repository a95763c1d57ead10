"""The nightly build: councils' systems export overnight, so build once they are all in."""

import dagster as dg

nightly_build = dg.ScheduleDefinition(
    name="nightly_build",
    job_name="build_warehouse",
    cron_schedule="0 3 * * *",
    execution_timezone="Europe/London",
    description="Build, check and publish the warehouse at 03:00 every night, after the overnight exports.",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(schedules=[nightly_build])
