"""Linkage time, peak memory and accuracy at given borough sizes.

    .venv/bin/python bench/linkage.py --residents 60000 300000 [--mess-scale 1] [--keep DIR]

For each size: generate the borough, load it and build staging and intermediate with dbt (not
timed as linkage), then time address matching and person linkage, each in a fresh process so
its peak resident memory is its own, and measure both against the truth files. Prints one line
per stage and, last, one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def stage_prepare(data: Path, residents: int, mess_scale: float) -> None:
    import duckdb

    from warehouse.generator import MessRates, generate
    from warehouse.loading import load_table
    from warehouse.sources import TABLES

    if not (data / "extracts").exists():
        generate(out=data, residents=residents, seed=42, mess=MessRates().scaled(mess_scale), progress=lambda _: None)
    warehouse = data / "build" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        for t in TABLES:
            load_table(con, data, t)
    env = {**os.environ, "COUNCIL_DATA": str(data), "COUNCIL_WAREHOUSE": str(warehouse),
           "COUNCIL_BUILD_WAREHOUSE": str(warehouse)}
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "build", "--profiles-dir", ".", "-q",
                    "--exclude", "source:linkage+"], cwd=REPO, env=env, check=True)


def _connect(data: Path):
    """The borough's warehouse, held to a build's memory limit (the Dagster resource sets it there)."""
    import duckdb

    from warehouse.settings import memory_limit

    return duckdb.connect(str(data / "build" / "warehouse.duckdb"), config={"memory_limit": memory_limit()})


def stage_addresses(data: Path, residents: int, mess_scale: float) -> None:
    from warehouse.linkage.addresses import match_addresses

    with _connect(data) as con:
        print(f"    {match_addresses(con)}", flush=True)


def stage_people(data: Path, residents: int, mess_scale: float) -> None:
    from warehouse.linkage.people import link_people

    with _connect(data) as con:
        summary = link_people(con, data / "state", model_path=data / "build" / "linkage" / "person_model.json")
        print(f"    {summary.residents:,} residents from {summary.records:,} records; seconds {summary.seconds}", flush=True)


STAGES = {"prepare": stage_prepare, "addresses": stage_addresses, "people": stage_people}


def run_stage(stage: str, data: Path, residents: int, mess_scale: float) -> dict:
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--stage", stage, "--data", str(data),
                    "--residents", str(residents), "--mess-scale", str(mess_scale)], cwd=REPO, check=True)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": round(seconds, 1), "peak_mib_so_far": round(peak_mib)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, nargs="+", default=[60_000])
    parser.add_argument("--mess-scale", type=float, default=1.0)
    parser.add_argument("--keep", type=Path, help="Keep the boroughs under this folder (reused when present).")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        STAGES[args.stage](args.data, args.residents[0], args.mess_scale)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"    peak {peak:,.0f} MiB", flush=True)
        return

    from warehouse.linkage.evaluate import evaluate

    results = []
    root = args.keep or Path(tempfile.mkdtemp(prefix="council-bench-linkage-"))
    for residents in args.residents:
        data = root / f"borough-{residents}-mess{args.mess_scale:g}"
        figures: dict = {"residents": residents, "mess_scale": args.mess_scale}
        for stage in STAGES:
            print(f"{residents:,} residents: {stage} ...", flush=True)
            figures[stage] = run_stage(stage, data, residents, args.mess_scale)
            print(f"  {stage}: {figures[stage]['seconds']} s", flush=True)
        figures["linkage_seconds"] = round(figures["addresses"]["seconds"] + figures["people"]["seconds"], 1)
        figures["accuracy"] = evaluate(data / "build" / "warehouse.duckdb", data)
        p, a = figures["accuracy"]["people"], figures["accuracy"]["addresses"]
        print(f"  linkage {figures['linkage_seconds']} s; people P {p['precision']} R {p['recall']}; "
              f"addresses P {a['precision']} R {a['recall']}", flush=True)
        results.append(figures)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
