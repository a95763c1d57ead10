"""Resources shared by every module: the build's working copy of the warehouse, the extracts, and
the lock that keeps builds from overlapping."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from warehouse.publishing import one_writer
from warehouse.settings import Settings, memory_limit, return_freed_memory


class WarehouseResource(DuckDBResource):
    """dagster-duckdb's resource, but the warehouse file stays open from one step to the next.

    Opening the 4 GB working copy and closing it (which checkpoints it) cost 0.17 s a step, and a
    build has some 45 steps. Each step still gets a connection of its own (a cursor of the one
    open database), so its transactions and temporary tables end with it. ``release`` closes the
    database: before dbt, another process, opens the file, and before publishing renames it. The
    run's end closes it too."""

    _open: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._open is None:
            self._open = duckdb.connect(self.database, config={"custom_user_agent": "dagster",
                                                               **self.connection_config})
        con = self._open.cursor()
        try:
            yield con
        finally:
            con.close()

    def release(self) -> None:
        """Close the file (every step's connection is closed by then), checkpointed, and hand the
        memory DuckDB held back before dbt needs it."""
        if self._open is not None:
            self._open.close()
            self._open = None
            return_freed_memory()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.release()


class OneBuildAtATime(dg.ConfigurableResource):
    """Holds the published warehouse's lock (warehouse.publishing.one_writer) from the start of a
    run to its end, whatever fails: a build that starts while another runs waits for it.

    The steps that replace files (the working copy, publishing) require it; with the in-process
    executor Dagster sets a run's resources up before its first step and tears them down after
    its last. dagster.yaml also queues runs one at a time (orchestration/instance.py), but
    `council build` runs in its own process, outside any queue, and a council may replace that
    file."""

    published: str

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["OneBuildAtATime"]:
        with one_writer(Path(self.published), f"build run {context.run_id}", wait=True, waiting=context.log.warning):
            yield self


class ExtractsResource(dg.ConfigurableResource):
    """Where the source systems deliver their extracts."""

    data_dir: str


@dg.definitions
def defs() -> dg.Definitions:
    settings = Settings.from_env()
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(database=str(settings.build_warehouse),
                                           connection_config={"memory_limit": memory_limit()}),
            "extracts": ExtractsResource(data_dir=str(settings.data_dir)),
            "one_build_at_a_time": OneBuildAtATime(published=str(settings.warehouse)),
        },
        # DuckDB allows one writer per file: steps run one after another in one process.
        executor=dg.in_process_executor,
    )
