"""A nightly person relink at scale, against scoring every pair with the same model.

    .venv/bin/python bench/relink.py --work WORK [--scratch DIR]

WORK is a folder `council bench` filled: its full build is in ``data/releases/`` and its nightly
build is ``data/warehouse.duckdb``. On copies, in ``--scratch``:

1. the full build's warehouse is linked afresh (training the model), as a full build would;
2. its linkage inputs are replaced by the nightly build's (every staging table, which the person
   and address records are views of, and the address matches), and it is relinked: only what
   changed is rescored;
3. a second copy of step 1's result, with the kept results dropped but the model kept, is linked
   scoring every pair.

Prints each run's summary and seconds, then whether the linkage tables of 2 and 3 are equal, as
one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import duckdb

from warehouse.linkage.people import RESULT_TABLES, link_people
from warehouse.settings import memory_limit

TABLES = {
    "resident_records": "select * from linkage.resident_records order by all",
    "resident_links": "select * from linkage.resident_links order by all",
    "review_queue": "select * from linkage.review_queue order by all",
    "resident_id_changes": "select * exclude (changed_at) from linkage.resident_id_changes order by all",
}


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), config={"memory_limit": memory_limit()})


def _link(path: Path, state: Path, label: str) -> tuple[dict, dict[str, list]]:
    with _connect(path) as con:
        started = time.perf_counter()
        summary = link_people(con, state)
        seconds = round(time.perf_counter() - started, 1)
        print(f"{label}: {seconds} s; {summary}", flush=True)
        return {"seconds": seconds, **asdict(summary)}, {t: con.execute(q).fetchall() for t, q in TABLES.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--scratch", type=Path, help="Where the copies go (a new temporary folder by default).")
    args = parser.parse_args()
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="council-bench-relink-"))
    scratch.mkdir(parents=True, exist_ok=True)
    full_build = min((args.work / "data" / "releases").glob("*.duckdb"))
    nightly_build = args.work / "data" / "warehouse.duckdb"

    linked, state = scratch / "linked.duckdb", scratch / "state"
    shutil.copyfile(full_build, linked)
    full, _ = _link(linked, state, "full build, model trained")
    with _connect(linked) as con:
        con.execute(f"attach '{nightly_build}' as nightly (read_only)")
        staged = [f"staging.{t}" for (t,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'nightly' and schema_name = 'staging'").fetchall()]
        for table in [*staged, "linkage.address_matches"]:
            con.execute(f"create or replace table {table} as select * from nightly.{table}")

    rebuilt_path, every_pair_path = scratch / "relinked.duckdb", scratch / "every-pair.duckdb"
    for path, folder in ((rebuilt_path, "state-relinked"), (every_pair_path, "state-every-pair")):
        shutil.copyfile(linked, path)
        shutil.copytree(state, scratch / folder)
    nightly, rebuilt = _link(rebuilt_path, scratch / "state-relinked", "nightly, only what changed")
    with _connect(every_pair_path) as con:
        for table in RESULT_TABLES:
            con.execute(f"drop table linkage_state.{table}")
    every_pair, expected = _link(every_pair_path, scratch / "state-every-pair", "nightly, every pair, the same model")
    equal = {t: rebuilt[t] == expected[t] for t in TABLES}
    print(json.dumps({"full": full, "nightly_only_changed": nightly, "nightly_every_pair": every_pair,
                      "rows": {t: len(rows) for t, rows in rebuilt.items()}, "tables_equal": equal}))


if __name__ == "__main__":
    main()
