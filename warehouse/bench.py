"""`council bench`: how long a borough of N residents takes to build, where the time goes, and
how much memory it needs.

One run, in this order:

1. ``generate_s``: `council generate` writes the borough (a full extract and two deltas).
2. ``io_floor_s``: DuckDB reads every file the full build will load (the full extract and the
   first delta) once, each into an in-memory table of text: the least any loader must do.
   Offline, DuckDB has neither its encodings nor its excel extension (both are downloads), so
   cp1252 files are decoded by Python and handed to DuckDB's CSV reader as UTF-8, and .xlsx
   files are read with openpyxl, as the loader reads them.
3. The full build: the full extract and the first delta are delivered and `council build` runs
   in a subprocess, exactly as a person would run it. ``total_s`` is its wall time, from process
   start to exit (generation excluded). Its steps, read back from Dagster's event log and dbt's
   ``run_results.json``, split it into:

   - ``load_s``: the ingest assets (one step per raw table).
   - ``linkage_s``: ``match_addresses`` and ``link_residents``.
   - ``models_s``: the two dbt steps less their tests (seeds, staging, intermediate and marts
     models, and each dbt invocation's start-up and parse), plus the prevention scorecard and
     the projections. Those two are counted as models, not checks: they build tables the
     dashboards read, and they have checks of their own.
   - ``checks_s``: dbt's data and unit tests (the time dbt spent on test nodes) plus every
     Dagster asset check step (load accounting, linkage, pandera, prevention and projections).
   - what is left (``other_s``, an extra key): the working copy of the last warehouse, the
     publish step, process start-up (imports, the dbt parse when the definitions load) and
     Dagster's own time between steps.

4. ``incremental_s``: the last delta is delivered and `council build` runs again, its wall time.
   What it reads besides the extracts is kept first (``before_nightly/``), so that
   bench/nightly.py can run the same nightly again with other code.
   This is the nightly rebuild: it loads only the new files, matches and relinks only changed
   records, restages only the records the delta touches and rebuilds the large demand models
   by unit (README, "Dagster"); the other intermediate models and marts, the prevention
   scorecard and the checks of the smaller marts still run in full.

``peak_rss_mb`` is the larger of two measures of each build subprocess, over both builds:
the highest sum of resident memory over the build's process tree (the Dagster process and its
children, dbt above all), sampled from /proc every quarter second; and the kernel's exact peak
of the single largest process in that tree (``wait4``'s ``ru_maxrss``). Both are lower bounds of
the true peak of the sum (sampling can miss a short spike), except that pages two processes
share are counted twice in the sum. Each is also reported on its own.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from warehouse.settings import REPO_ROOT, code_version, memory_limit

Progress = Callable[[str], None]

REQUIRED_KEYS = ("residents", "generate_s", "load_s", "linkage_s", "models_s", "checks_s", "total_s",
                 "io_floor_s", "incremental_s", "peak_rss_mb")
# The schemas whose tables the dbt models make (compare_tables of a nightly and a full rebuild).
MODEL_SCHEMAS = ("staging", "intermediate", "marts")
STAGES = ("load", "linkage", "models", "checks", "other")
# Environment that would point a build at someone else's warehouse or state.
_FOREIGN_SETTINGS = ("COUNCIL_DATA", "COUNCIL_WAREHOUSE", "COUNCIL_BUILD_WAREHOUSE", "COUNCIL_STATE")
_SAMPLE_EVERY_S = 0.25


class BenchError(Exception):
    """A stage of the benchmark failed; names the stage and where its log is."""


@dataclass(frozen=True)
class BuildRun:
    seconds: float
    peak_tree_rss_mb: int  # sampled sum over the process tree
    peak_process_rss_mb: int  # exact peak of the largest single process
    stages: dict[str, float]
    steps: dict[str, float]  # each Dagster step's seconds, the longest first
    load_average: tuple[float, float]  # 1-minute load average at the start and at the end


def run(residents: int, work: Path, seed: int = 42, progress: Progress = lambda _: None) -> dict:
    """Run every stage in ``work`` (which must be empty or absent) and return the figures."""
    work = work.resolve()
    if work.exists() and any(work.iterdir()):
        raise BenchError(f"{work} is not empty: give the benchmark a fresh folder")
    borough, data = work / "borough", work / "data"
    work.mkdir(parents=True, exist_ok=True)
    version = code_version()  # before the builds: the code they run

    progress(f"generating {residents:,} residents (seed {seed}) ...")
    started = time.perf_counter()
    _run_logged([sys.executable, "-m", "warehouse.cli", "generate", "--residents", str(residents),
                 "--seed", str(seed), "--out", str(borough)], work / "generate.log", os.environ.copy(), "generation")
    generate_s = time.perf_counter() - started
    progress(f"  generated in {generate_s:,.1f} s")

    first, nightly = split_deliveries(borough)
    progress("reading every extract once with DuckDB (the I/O floor) ...")
    io_floor_by_format, first_rows, first_mb = read_floor(borough, first)
    io_floor_s = sum(io_floor_by_format.values())
    io_floor_nightly, nightly_rows, nightly_mb = read_floor(borough, nightly)
    full_extract_rows = sum(rows for f, rows in first_rows.items() if f.parent.name == min(_dates(first)))
    progress(f"  {len(first_rows)} files, {first_mb:,.0f} MB in {io_floor_s:,.1f} s")

    deliver(borough, data, first)
    progress(f"full build of the extracts of {', '.join(sorted(_dates(first)))} ...")
    full = build(data, work, "full_build", progress)

    keep_before_nightly(data, work)
    deliver(borough, data, nightly)
    progress(f"nightly build after the delivery of {', '.join(sorted(_dates(nightly)))} ...")
    nightly_build = build(data, work, "nightly_build", progress)

    figures = {
        "residents": residents,
        "generate_s": round(generate_s, 2),
        **{f"{stage}_s": full.stages[stage] for stage in ("load", "linkage", "models", "checks")},
        "total_s": round(full.seconds, 2),
        "io_floor_s": round(io_floor_s, 2),
        "incremental_s": round(nightly_build.seconds, 2),
        "peak_rss_mb": max(full.peak_tree_rss_mb, full.peak_process_rss_mb,
                           nightly_build.peak_tree_rss_mb, nightly_build.peak_process_rss_mb),
        # Extras: what the required figures are made of.
        "other_s": full.stages["other"],
        "incremental_stages_s": nightly_build.stages,
        "io_floor_by_format_s": {k: round(v, 2) for k, v in io_floor_by_format.items()},
        "io_floor_nightly_delta_s": round(sum(io_floor_nightly.values()), 2),
        "delta_changed_share": round(sum(nightly_rows.values()) / full_extract_rows, 4) if full_extract_rows else None,
        "full_build_extract_mb": round(first_mb, 2),
        "nightly_delta_mb": round(nightly_mb, 2),
        "peak_tree_rss_mb": {"full_build": full.peak_tree_rss_mb, "nightly_build": nightly_build.peak_tree_rss_mb},
        "peak_largest_process_rss_mb": {"full_build": full.peak_process_rss_mb,
                                        "nightly_build": nightly_build.peak_process_rss_mb},
        # Other work on a shared machine slows every figure: the 1-minute load average around each build.
        "load_average": {"full_build": full.load_average, "nightly_build": nightly_build.load_average},
        "seed": seed,
        "code_version": version,
        "machine": machine(),
        "date": dt.date.today().isoformat(),
    }
    return figures


# --- deliveries -----------------------------------------------------------------------------


def split_deliveries(borough: Path) -> tuple[list[Path], list[Path]]:
    """The extract folders of the full build (every date but the newest) and of the nightly one."""
    folders = sorted(p for p in (borough / "extracts").glob("*/*") if p.is_dir())
    newest = max((p.name for p in folders), default=None)
    first = [p for p in folders if p.name != newest]
    nightly = [p for p in folders if p.name == newest]
    if not first or not nightly:
        raise BenchError(f"{borough}/extracts needs at least two extract dates (a full extract and a delta)")
    return first, nightly


def _dates(folders: list[Path]) -> set[str]:
    return {p.name for p in folders}


def deliver(borough: Path, data: Path, folders: list[Path]) -> None:
    """Move extract folders into the data folder: a rename, as a delivery appears all at once."""
    for folder in folders:
        target = data / folder.relative_to(borough)
        target.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(target)


BEFORE_NIGHTLY = "before_nightly"
KEPT_FOR_NIGHTLY = ("state", "cache")  # the data folders a nightly reads besides extracts and warehouse


def keep_before_nightly(data: Path, work: Path) -> None:
    """Keep what the nightly build reads besides the extracts and the warehouse, as the full build
    left it, so bench/nightly.py can run the same nightly again: the state (resident ids, audit)
    and the cache (the prepared gazetteer). The warehouse itself stays in data/releases/."""
    kept = work / BEFORE_NIGHTLY
    for folder in KEPT_FOR_NIGHTLY:
        if (data / folder).exists():
            shutil.copytree(data / folder, kept / folder)


# --- the I/O floor --------------------------------------------------------------------------


def read_floor(borough: Path, folders: list[Path]) -> tuple[dict[str, float], dict[Path, int], float]:
    """Seconds per file format to read every extract file under ``folders`` once, rows per file,
    and megabytes read."""
    import duckdb

    from warehouse.loading import discover
    from warehouse.sources import TABLES

    wanted = set(folders)
    files = [(f.path, t) for t in TABLES for f in discover(borough, t) if f.path.parent in wanted]
    seconds: dict[str, float] = defaultdict(float)
    rows: dict[Path, int] = {}
    with duckdb.connect() as con:
        for path, source in files:
            started = time.perf_counter()
            rows[path] = _read_xlsx(path) if source.file_format == "xlsx" else _read_csv(con, path, source.encoding)
            seconds[source.file_format] += time.perf_counter() - started
    return dict(seconds), rows, sum(path.stat().st_size for path, _ in files) / 1e6


def _read_csv(con, path: Path, encoding: str) -> int:
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        source = str(path)
    else:
        # DuckDB decodes UTF-8 and strict Latin-1 only without its encodings extension (a download),
        # and cp1252 files hold bytes Latin-1 refuses (0x92, a curly apostrophe): Python decodes them.
        source = io.BytesIO(path.read_bytes().decode(encoding, errors="replace").encode())
    # Into an in-memory table, so every value is read and kept, not only counted.
    con.read_csv(source, header=True, sep=",", quotechar='"', all_varchar=True).create("floor")
    rows = con.execute("select count(*) from floor").fetchone()[0]
    con.execute("drop table floor")
    return rows


def _read_xlsx(path: Path) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True)) - 1  # less the header
    finally:
        workbook.close()


# --- builds ---------------------------------------------------------------------------------


def build(data: Path, work: Path, label: str, progress: Progress) -> BuildRun:
    """`council build --data DATA` in a subprocess: wall time, peak memory and time per stage."""
    from orchestration.instance import prepare_dagster_home

    home, dbt_target = prepare_dagster_home(work / "dagster_home"), work / "dbt_target"
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_SETTINGS}
    # dbt's per-step target folders (with run_results.json) go beside the benchmark, not in the repository.
    env.update(DAGSTER_HOME=str(home), DBT_TARGET_PATH=str(dbt_target))
    log = work / f"{label}.log"
    # Each build starts with nothing waiting to be written to disk, as a nightly does hours after
    # the last build. Otherwise a build pays for the writes of what ran just before it: the
    # generator's extracts, or the copy the last publish left (a fresh 3.6 GB file at 1,200,000
    # residents): in the 4b6ba34 bench's nightly, creating a view (DuckDB flushes its log) took
    # 1.5-1.8 s instead of 0.1.
    os.sync()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "warehouse.cli", "build", "--data", str(data)],
                                   stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT)
        sampler = TreeMemorySampler(process.pid)
        sampler.start()
        # wait4, not Popen.wait: it also returns the child's resource usage, peak memory included.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise BenchError(f"{label.replace('_', ' ')} failed (exit status {process.returncode}); see {log}")
    stages, steps = stage_seconds(home, dbt_target, seconds)
    run = BuildRun(seconds=seconds, peak_tree_rss_mb=round(sampler.peak_bytes / 2**20),
                   peak_process_rss_mb=round(usage.ru_maxrss / 1024),  # ru_maxrss is in KiB
                   stages=stages, steps=steps, load_average=(round(load_before, 1), round(os.getloadavg()[0], 1)))
    progress(f"  {seconds:,.1f} s: " + ", ".join(f"{k} {v:,.1f} s" for k, v in stages.items())
             + f"; peak {max(run.peak_tree_rss_mb, run.peak_process_rss_mb):,} MB")
    return run


def stage_seconds(dagster_home: Path, dbt_target: Path, total_s: float) -> tuple[dict[str, float], dict[str, float]]:
    """Split the newest run in ``dagster_home`` into load, linkage, models, checks and other; and
    each of its steps' seconds, the longest first."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(dagster_home))
    try:
        run_id = instance.get_runs(limit=1)[0].run_id
        step_s = {s.step_key: s.end_time - s.start_time for s in instance.get_run_step_stats(run_id)
                  if s.start_time is not None and s.end_time is not None}
        layers: dict[str, set[str]] = defaultdict(set)  # step -> first part of each asset key it materialised
        for record in instance.get_records_for_run(
                run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=1_000_000).records:
            entry = record.event_log_entry
            layers[entry.step_key].add(entry.dagster_event.asset_key.path[0])
    finally:
        instance.dispose()

    seconds = dict.fromkeys(STAGES, 0.0)
    for step, step_time in step_s.items():
        results = list(dbt_target.glob(f"{step}-{run_id[:7]}-*/run_results.json"))
        if results:
            tests = sum(dbt_test_seconds(path) for path in results)
            seconds["checks"] += tests
            seconds["models"] += step_time - tests
        else:
            seconds[_stage_of(layers.get(step, set()))] += step_time
    # Everything no stage claims: start-up, the publish step, Dagster between steps.
    seconds["other"] = total_s - sum(seconds[stage] for stage in STAGES if stage != "other")
    steps = {step: round(step_time, 2) for step, step_time in sorted(step_s.items(), key=lambda s: -s[1])}
    return {k: round(v, 2) for k, v in seconds.items()}, steps


def _stage_of(layers: set[str]) -> str:
    if not layers:
        return "checks"  # a step that materialised nothing is an asset check's own step
    if layers == {"raw"}:
        return "load"
    if layers == {"linkage"}:
        return "linkage"
    if layers in ({"build"}, {"published_warehouse"}):  # the working copy and the publish
        return "other"
    return "models"  # prevention and projections: Python models of the marts


def dbt_test_seconds(run_results: Path) -> float:
    """Time dbt spent on test nodes (data and unit tests): the union of their timed intervals,
    so tests run side by side on several threads are not counted twice."""
    intervals = []
    for result in json.loads(run_results.read_text())["results"]:
        if result["unique_id"].split(".")[0] not in ("test", "unit_test") or not result.get("timing"):
            continue
        starts = [dt.datetime.fromisoformat(t["started_at"]) for t in result["timing"] if t.get("started_at")]
        ends = [dt.datetime.fromisoformat(t["completed_at"]) for t in result["timing"] if t.get("completed_at")]
        if starts and ends:
            intervals.append((min(starts), max(ends)))
    total, reach = 0.0, None
    for start, end in sorted(intervals):
        begin = start if reach is None else max(start, reach)
        if end > begin:
            total += (end - begin).total_seconds()
        reach = end if reach is None else max(reach, end)
    return total


class TreeMemorySampler:
    """The highest summed resident memory of a process and all its descendants, sampled from /proc."""

    def __init__(self, root: int, interval_s: float = _SAMPLE_EVERY_S):
        self.root, self.interval_s, self.peak_bytes = root, interval_s, 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self.root))
            if self._stopped.wait(self.interval_s):
                return


def tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and its descendants now (0 where /proc is not there)."""
    children: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name in brackets may hold spaces: the parent pid is the 2nd field after it.
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        children[parent].append(int(stat.parent.name))
    page = os.sysconf("SC_PAGE_SIZE")
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, ()))
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return total


def compare_tables(left: Path, right: Path, schemas: tuple[str, ...], *, having_column: str | None = None,
                   ignoring: tuple[str, ...] = ()) -> dict:
    """Every table of ``schemas`` (only those with ``having_column``, if given) in two warehouse
    files, row for row without the columns ``ignoring`` (``except all`` both ways, so duplicates
    count): the tables each holds, each table's rows on the left, and the tables whose rows
    differ, with how many rows only the left and only the right hold."""
    import duckdb

    columns = f"* exclude ({', '.join(ignoring)})" if ignoring else "*"
    # As every build's connection (settings.memory_limit): comparing 30 million rows both ways
    # held 11.7 GB at 1,200,000 residents without a limit; with one, DuckDB spills to disk.
    with duckdb.connect(config={"memory_limit": memory_limit()}) as con:
        con.execute(f"attach '{left}' as l (read_only); attach '{right}' as r (read_only)")
        names = {side: [f"{s}.{t}" for s, t in con.execute(
            "select distinct schema_name, table_name from duckdb_columns() where database_name = ? "
            "and list_contains(?, schema_name) and (? is null or column_name = ?) order by all",
            [side, list(schemas), having_column, having_column]).fetchall()] for side in ("l", "r")}
        rows, differing = {}, {}
        for name in sorted(set(names["l"]) & set(names["r"])):
            rows[name] = con.execute(f"select count(*) from l.{name}").fetchone()[0]
            only = [con.execute(f"select count(*) from (select {columns} from {a}.{name} "
                                f"except all select {columns} from {b}.{name})").fetchone()[0]
                    for a, b in (("l", "r"), ("r", "l"))]
            if any(only):
                differing[name] = tuple(only)
    return {"left_tables": names["l"], "right_tables": names["r"], "rows": rows, "differing": differing}


# --- helpers --------------------------------------------------------------------------------


def _run_logged(args: list[str], log: Path, env: dict, what: str) -> None:
    with log.open("w") as out:
        completed = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT, check=False)
    if completed.returncode != 0:
        raise BenchError(f"{what} failed (exit status {completed.returncode}); see {log}")


def machine() -> str:
    """Cores, memory and processor, as `nproc` and /proc report them."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory, cpu = "unknown memory", platform.processor() or platform.machine()
    try:
        total_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal:"))
        memory = f"{total_kib / 2**20:.1f} GiB"
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cores} cores, {memory}, {cpu}, Python {platform.python_version()}"
