"""The warehouse resource keeps the file open between steps, and lets go of it when asked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

from orchestration.defs.resources import WarehouseResource

OPEN_FOR_WRITING = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('select 1')"


def _another_process_can_open(path: Path) -> bool:
    opened = subprocess.run([sys.executable, "-c", OPEN_FOR_WRITING, str(path)], check=False, capture_output=True)
    return opened.returncode == 0


def test_steps_share_the_open_file_but_not_their_connections(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    warehouse = WarehouseResource(database=str(path), connection_config={"memory_limit": "1GB"})
    with warehouse.get_connection() as con:
        con.execute("create table kept as select 42 as answer")
        con.execute("create temp table scratch as select 1 as x")
    assert not _another_process_can_open(path)  # still open: the next step need not open it again
    with warehouse.get_connection() as con:
        assert con.execute("select answer from kept").fetchone() == (42,)
        tables = {t for (t,) in con.execute("select table_name from duckdb_tables() where temporary").fetchall()}
        assert "scratch" not in tables  # a step's temporary tables end with its connection

    warehouse.release()
    assert _another_process_can_open(path)  # as dbt must, in a process of its own
    assert not path.with_name(path.name + ".wal").exists()  # checkpointed: all of it is in the file
    with warehouse.get_connection() as con:  # and it opens again for the next step
        assert con.execute("select answer from kept").fetchone() == (42,)
    warehouse.release()


def test_a_run_leaves_the_file_closed(tmp_path):
    path = tmp_path / "warehouse.duckdb"

    @dg.asset
    def written(warehouse: WarehouseResource) -> None:
        with warehouse.get_connection() as con:
            con.execute("create table t as select 1 as x")

    result = dg.materialize([written], resources={"warehouse": WarehouseResource(database=str(path))})
    assert result.success
    assert _another_process_can_open(path)
