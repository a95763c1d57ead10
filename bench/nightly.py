"""The nightly build of a `council bench` run, again, with the code of this checkout.

    .venv/bin/python bench/nightly.py --work WORK [--scratch DIR] [--nothing-new]

WORK is a folder `council bench` filled. Its full build is in ``data/releases/``, and what that
build left besides (resident ids and audit in ``state``, the prepared gazetteer in ``cache``) is
in ``before_nightly/``. In ``--scratch`` (default WORK/nightly-again, emptied first) this puts
every extract, the full build's warehouse and that state together, and runs `council build` as
the bench's nightly did: the same delivery on the same warehouse, in 4 minutes at 1,200,000
residents instead of the bench's 25.

Compare like with like. A change to the dbt project, to the pandera models (schemas.py) or to
people linkage (people.py) makes this the first nightly after an upgrade, which rebuilds the
models in full, validates every mart whole or retrains linkage, as a real one would. And in
another checkout or folder than the bench's, loading the definitions parses the dbt project once
(about 10 s of "other").

With ``--nothing-new``, `council build` runs once more on the nightly's result with nothing
delivered: what every nightly costs whatever it changes, the floor that making the change
cheaper cannot go below.

Prints the stages and steps as one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from warehouse.bench import BEFORE_NIGHTLY, KEPT_FOR_NIGHTLY, build
from warehouse.publishing import copy, record_published
from warehouse.settings import code_version

STEPS_SHOWN = 15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True, help="a folder `council bench --work` filled")
    parser.add_argument("--scratch", type=Path, help="where to build (default WORK/nightly-again); emptied first")
    parser.add_argument("--nothing-new", action="store_true",
                        help="then build again with nothing delivered, and report that build too")
    args = parser.parse_args()
    work = args.work.resolve()
    kept, releases = work / BEFORE_NIGHTLY, sorted((work / "data" / "releases").glob("*.duckdb"))
    if not kept.is_dir() or not releases:
        sys.exit(f"{work} has no {BEFORE_NIGHTLY}/ or no data/releases/: run `council bench --work {work}` first")
    scratch = (args.scratch or work / "nightly-again").resolve()
    shutil.rmtree(scratch, ignore_errors=True)
    data = scratch / "data"

    # Hard links: extracts and warehouses are never written in place (a build copies the
    # published warehouse and publishes by rename), so the bench's own stay as they are.
    shutil.copytree(work / "data" / "extracts", data / "extracts", copy_function=os.link)
    os.link(releases[0], data / "warehouse.duckdb")  # the oldest release: the full build
    # And the working copy it was published from, as the bench's nightly found it.
    (data / "build").mkdir()
    copy(releases[0], data / "build" / "warehouse.duckdb")
    record_published(data / "build" / "warehouse.duckdb", data / "warehouse.duckdb")
    for folder in KEPT_FOR_NIGHTLY:
        if (kept / folder).exists():
            shutil.copytree(kept / folder, data / folder)
    # The bench's partial parse, so dbt starts as warm as it did in the bench's nightly.
    (scratch / "dbt_target").mkdir(parents=True)
    for file in (work / "dbt_target").glob("*"):
        if file.is_file():
            shutil.copy2(file, scratch / "dbt_target" / file.name)

    def progress(message: str) -> None:
        print(message, file=sys.stderr)

    run = build(data, scratch, "nightly_build", progress)
    figures = {
        "incremental_s": round(run.seconds, 2),
        "incremental_stages_s": run.stages,
        "longest_steps_s": dict(list(run.steps.items())[:STEPS_SHOWN]),
        "peak_rss_mb": max(run.peak_tree_rss_mb, run.peak_process_rss_mb),
        "load_average": run.load_average,
    }
    if args.nothing_new:
        progress("the same warehouse built again with nothing new delivered ...")
        again = build(data, scratch, "nothing_new_build", progress)
        figures |= {
            "nothing_new_s": round(again.seconds, 2),
            "nothing_new_stages_s": again.stages,
            "nothing_new_longest_steps_s": dict(list(again.steps.items())[:STEPS_SHOWN]),
            "nothing_new_load_average": again.load_average,
        }
    print(json.dumps({
        **figures,
        "code_version": code_version(),
        "work": str(work),
    }))


if __name__ == "__main__":
    main()
