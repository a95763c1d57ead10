"""Time to build every demand mart, check it and run prevention and projections, per borough size.

    .venv/bin/python bench/marts.py --residents 300000 1200000
    .venv/bin/python bench/marts.py --data /tmp/dem20k       # a borough already built by `council build`

For each size: generate the borough and `council build` it (load, staging, linkage, marts; its
time is printed but is not the marts'), then on a copy of its working warehouse rebuild the demand
models alone (`dbt build` of models/intermediate/demand and models/marts/demand, tests included),
run the pandera checks of every mart, the prevention scorecard and the projections, each timed.
Where the borough has truth, `council evaluate demand` figures are printed too. Prints one line
per stage and, last, one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def timed(label: str, figures: dict, fn) -> object:
    started = time.perf_counter()
    result = fn()
    figures[label] = round(time.perf_counter() - started, 1)
    print(f"  {label}: {figures[label]:,.1f} s", flush=True)
    return result


def run(args: list[str], env: dict) -> None:
    completed = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{(completed.stdout + completed.stderr)[-3000:]}")


def bench(data: Path, residents: int | None, work: Path) -> dict:
    figures: dict = {"residents": residents, "data": str(data)}
    env = {**os.environ, "DAGSTER_HOME": str(work / "dagster_home")}
    (work / "dagster_home").mkdir(parents=True, exist_ok=True)
    if residents is not None:
        timed("generate_s", figures, lambda: run([str(BIN / "council"), "generate", "--residents", str(residents),
                                                    "--seed", "42", "--out", str(data)], env))
        timed("council_build_s", figures, lambda: run([str(BIN / "council"), "build", "--data", str(data)], env))
    # Not "marts.duckdb": DuckDB names the catalog after the file, which would clash with the marts schema.
    warehouse = work / "demand_bench.duckdb"
    shutil.copyfile(data / "build" / "warehouse.duckdb", warehouse)
    env["COUNCIL_BUILD_WAREHOUSE"] = str(warehouse)
    timed("demand_marts_dbt_build_s", figures, lambda: run(
        [str(BIN / "dbt"), "build", "--profiles-dir", ".", "--target-path", str(work / "target"), "--log-path",
         str(work / "logs"), "--select", "path:models/intermediate/demand", "path:models/marts/demand"], env))

    import duckdb

    from warehouse.demand import prevention, projections
    from warehouse.demand.schemas import MART_SCHEMAS, validate_mart

    def check_all() -> dict:
        rows = {}
        with duckdb.connect(str(warehouse), read_only=True) as con:
            for mart in MART_SCHEMAS:
                validated = validate_mart(con, mart)
                rows[mart] = validated.rows
                if validated.failures:
                    raise SystemExit(f"{mart} breaks its pandera schema: {validated.failures}")
        return rows

    figures["mart_rows"] = timed("pandera_checks_s", figures, check_all)
    if (data / "truth" / "demand_annual.csv").exists():
        from warehouse.demand.evaluate import main as evaluate

        result = evaluate(data, warehouse)
        figures["evaluate_demand"] = {k: result[k] for k in ("passed", "measures_passed", "measures_compared",
                                                             "values_exact", "values_compared")}
    with duckdb.connect(str(warehouse)) as con:
        figures["prevention"] = timed("prevention_s", figures, lambda: prevention.run(con, work / "prevention"))
        figures["projections"] = {m: f["backtest"] for m, f in
                                  timed("projections_s", figures, lambda: projections.run(con)).items()}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, nargs="*", default=[])
    parser.add_argument("--data", type=Path, help="a data directory `council build` has already built")
    options = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-marts-") as tmp:
        if options.data:
            print(f"borough at {options.data}", flush=True)
            results.append(bench(options.data.resolve(), None, Path(tmp) / "given"))
        for residents in options.residents:
            print(f"{residents:,} residents", flush=True)
            results.append(bench(Path(tmp) / f"data-{residents}", residents, Path(tmp) / f"work-{residents}"))
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
