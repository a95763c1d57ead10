"""A nightly build at scale, against every model rebuilt in full from the same extracts and linkage.

    .venv/bin/python bench/rebuild.py --work WORK [--scratch DIR]

WORK is a folder `council bench` filled; its nightly build is ``data/warehouse.duckdb``. On a copy
in ``--scratch`` (default WORK/rebuilt, emptied first), `dbt build --full-refresh` rebuilds every
seed and model from the loaded extracts and the linkage tables, and runs every test. Then every
table of staging, intermediate and marts is compared with the nightly's row for row, and the
incremental models' unit digests with the ones the rebuild records: what
tests/test_incremental_refresh.py asserts of 1,500 residents, at the bench's size.

Run it with the code the bench ran (the dbt project is all it uses). Prints the rebuild's and the
comparison's seconds, each table's rows and the tables that differ, as one JSON object on the last
line; exits 1 if any differ.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from warehouse.bench import MODEL_SCHEMAS, compare_tables
from warehouse.settings import REPO_ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True, help="a folder `council bench --work` filled")
    parser.add_argument("--scratch", type=Path, help="where to rebuild (default WORK/rebuilt); emptied first")
    args = parser.parse_args()
    nightly = args.work.resolve() / "data" / "warehouse.duckdb"
    if not nightly.exists():
        sys.exit(f"{nightly} does not exist: run `council bench --work {args.work}` first")
    scratch = (args.scratch or args.work / "rebuilt").resolve()
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)

    rebuilt = scratch / "warehouse.duckdb"
    shutil.copyfile(nightly, rebuilt)
    env = {**os.environ, "COUNCIL_BUILD_WAREHOUSE": str(rebuilt), "DBT_TARGET_PATH": str(scratch / "dbt_target")}
    started = time.perf_counter()
    log = scratch / "dbt.log"
    with log.open("w") as out:
        built = subprocess.run([str(Path(sys.executable).parent / "dbt"), "build", "--full-refresh",
                                "--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT)],
                               cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    if built.returncode != 0:
        sys.exit(f"dbt build --full-refresh failed (exit status {built.returncode}); see {log}")
    rebuild_s = time.perf_counter() - started

    started = time.perf_counter()
    compared = compare_tables(nightly, rebuilt, MODEL_SCHEMAS)
    # The digest each unit was built from (incremental_state.<model>), less which build built it.
    digests = compare_tables(nightly, rebuilt, ("incremental_state",), having_column="input_digest", ignoring=("build_id",))
    differing = {**compared["differing"], **digests["differing"]}
    compare_s = time.perf_counter() - started

    print(json.dumps({
        "rebuild_s": round(rebuild_s, 1),
        "compare_s": round(compare_s, 1),
        "tables": len(compared["rows"]),
        "same_tables": compared["left_tables"] == compared["right_tables"],
        "rows": compared["rows"],
        "differing": differing,
    }))
    sys.exit(1 if differing or compared["left_tables"] != compared["right_tables"] else 0)


if __name__ == "__main__":
    main()
