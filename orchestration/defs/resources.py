"""Resources shared by every module: the build's working copy of the warehouse and the extracts."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from warehouse.settings import Settings, memory_limit


class ExtractsResource(dg.ConfigurableResource):
    """Where the source systems deliver their extracts."""

    data_dir: str


@dg.definitions
def defs() -> dg.Definitions:
    settings = Settings.from_env()
    return dg.Definitions(
        resources={
            "warehouse": DuckDBResource(database=str(settings.build_warehouse),
                                        connection_config={"memory_limit": memory_limit()}),
            "extracts": ExtractsResource(data_dir=str(settings.data_dir)),
        },
        # DuckDB allows one writer per file: steps run one after another in one process.
        executor=dg.in_process_executor,
    )
