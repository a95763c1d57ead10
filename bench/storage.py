"""Whether the warehouse file stops growing when nightly builds keep replacing a share of a table.

    .venv/bin/python bench/storage.py --work WORK [--nights 12] [--share 0.03] [--scratch DIR]

A nightly build deletes the rows of the units whose inputs changed and inserts them again
(macros/incremental.sql). DuckDB marks deleted rows and reuses a row group's space only when it
merges row groups thinned by deletions at a checkpoint, so a bench's single nightly (which grew
the file 9% at 1,200,000 residents) cannot say whether that growth goes on night after night.

On a copy of WORK's warehouse (``data/warehouse.duckdb``, the bench's nightly build), in
``--scratch`` (default WORK/storage, emptied first), each night deletes the rows of a random
``--share`` of fct_demand_events' units, the largest table a nightly refreshes in place, inserts
them again and checkpoints, as a build does before it publishes. Prints each night's rows
replaced, row groups, used and free space and file size, and the same as one JSON object on the
last line.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import duckdb

from warehouse.settings import memory_limit

TABLE, UNITS = "marts.fct_demand_events", "intermediate.int_demand_event_units"
MB = 10**6


def night(con: duckdb.DuckDBPyConnection, share: float, seed: int) -> dict:
    con.execute(f"""
        create or replace temp table changed_units as
        select build_unit from {UNITS} using sample {share * 100} percent (bernoulli, {seed})""")
    con.execute(f"create or replace temp table replaced as select * from {TABLE} "
                "where build_unit in (select build_unit from changed_units)")
    con.execute(f"delete from {TABLE} where build_unit in (select build_unit from changed_units)")
    con.execute(f"insert into {TABLE} select * from replaced")
    replaced = con.execute("select count(*) from replaced").fetchone()[0]
    con.execute("drop table replaced; drop table changed_units; checkpoint")
    block_size, _, used, free = con.execute("pragma database_size").fetchone()[2:6]
    row_groups = con.execute(f"select count(distinct row_group_id) from pragma_storage_info('{TABLE}')").fetchone()[0]
    return {"rows_replaced": replaced, "row_groups": row_groups,
            "used_mb": round(used * block_size / MB), "free_mb": round(free * block_size / MB)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True, help="a folder `council bench --work` filled")
    parser.add_argument("--nights", type=int, default=12)
    parser.add_argument("--share", type=float, default=0.03, help="share of units replaced each night")
    parser.add_argument("--scratch", type=Path, help="where to work (default WORK/storage); emptied first")
    args = parser.parse_args()
    source = args.work / "data" / "warehouse.duckdb"
    if not source.is_file():
        raise SystemExit(f"{source} does not exist: run `council bench --work {args.work}` first")
    scratch = args.scratch or args.work / "storage"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    copy = scratch / "warehouse.duckdb"
    shutil.copy2(source, copy)

    nights = [{"night": 0, "file_mb": round(copy.stat().st_size / MB)}]
    print(json.dumps(nights[0]), flush=True)
    for seed in range(1, args.nights + 1):
        # A connection a night, closed as a build's is.
        with duckdb.connect(str(copy), config={"memory_limit": memory_limit()}) as con:
            figures = night(con, args.share, seed)
        nights.append({"night": seed, **figures, "file_mb": round(copy.stat().st_size / MB)})
        print(json.dumps(nights[-1]), flush=True)
    shutil.rmtree(scratch)
    print(json.dumps({"table": TABLE, "share": args.share, "nights": nights}))


if __name__ == "__main__":
    main()
