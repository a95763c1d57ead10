"""Generation, load and full-build time and peak memory at given borough sizes.

    .venv/bin/python bench/generate_and_load.py --residents 60000 300000

Each stage runs in a fresh process so its peak resident memory is its own. Prints one line per
stage and, last, one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def stage_generate(data: Path, residents: int) -> None:
    from warehouse.generator import MessRates, generate

    generate(out=data, residents=residents, seed=42, mess=MessRates(), progress=lambda _: None)


def stage_load(data: Path, residents: int) -> None:
    import duckdb

    from warehouse.loading import load_table
    from warehouse.sources import TABLES

    with duckdb.connect(str(data / "bench-load.duckdb")) as con:
        for t in TABLES:
            load_table(con, data, t)


def stage_build(data: Path, residents: int) -> None:
    subprocess.run([sys.executable, "-m", "warehouse.cli", "build", "--data", str(data)], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "DAGSTER_HOME": str(data / "dagster_home")})


STAGES = {"generate": stage_generate, "load": stage_load, "build": stage_build}


def run_stage(stage: str, data: Path, residents: int) -> dict:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--stage", stage, "--data", str(data), "--residents", str(residents)],
        check=True, capture_output=True, text=True, cwd=REPO,
    )
    seconds = time.perf_counter() - started
    peak_mb = json.loads(out.stdout.strip().splitlines()[-1])["peak_rss_mb"]
    return {"seconds": round(seconds, 1), "peak_rss_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, nargs="+", default=[60_000, 300_000])
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=list(STAGES))
    parser.add_argument("--stage", choices=list(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.stage:  # child process: run one stage, report its own peak memory
        os.environ.setdefault("DAGSTER_HOME", str(args.data / "dagster_home"))
        Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
        STAGES[args.stage](args.data, args.residents[0])
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(json.dumps({"peak_rss_mb": round(max(own, children) / 1024)}))
        return

    figures = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "runs": []}
    for residents in args.residents:
        data = Path(tempfile.mkdtemp(prefix=f"bench-{residents}-"))
        try:
            run = {"residents": residents}
            for stage in ["generate", *[s for s in args.stages if s != "generate"]]:
                run[stage] = run_stage(stage, data, residents)
                print(f"{residents:>9,} residents  {stage:<9} {run[stage]['seconds']:>8.1f} s  "
                      f"peak {run[stage]['peak_rss_mb']:>6,} MB", flush=True)
            run["extract_mb"] = round(sum(p.stat().st_size for p in (data / "extracts").rglob("*.*")) / 1e6, 1)
            figures["runs"].append(run)
        finally:
            shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
