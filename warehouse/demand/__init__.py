"""Demand: evaluation of the demand marts against truth, their pandera schemas, the homelessness
prevention scorecard and the three-year projections."""

import duckdb
import pandas as pd


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Write ``frame`` as ``table`` (schema.name), replacing what was there."""
    con.register("_frame", frame)
    con.execute(f"create or replace table {table} as select * from _frame")
    con.unregister("_frame")
