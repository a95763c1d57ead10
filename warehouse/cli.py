"""`council`: generate the demo borough, build the warehouse through Dagster, serve the dashboards."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from warehouse.access.cli import users
from warehouse.settings import REPO_ROOT, Settings, build_path_for, state_dir_for


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """The council data warehouse."""


main.add_command(users)


@main.command()
@click.option("--residents", default=60_000, show_default=True, type=click.IntRange(min=100))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--out", "out_dir", default="data", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--mess-scale", default=1.0, show_default=True, type=click.FloatRange(min=0.0),
              help="Multiply every data-quality fault rate (0 = clean extracts).")
def generate(residents: int, seed: int, out_dir: Path, mess_scale: float) -> None:
    """Write a fictional borough's source-system extracts (and, apart, its ground truth)."""
    from warehouse.generator import MessRates
    from warehouse.generator import generate as run

    started = time.perf_counter()
    run(out=out_dir, residents=residents, seed=seed, mess=MessRates().scaled(mess_scale),
        progress=lambda message: click.echo(f"  {message}"))
    click.echo(f"Generated {residents:,} residents into {out_dir}/ in {time.perf_counter() - started:,.1f} s")


@main.command()
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--warehouse", "warehouse_file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="The published warehouse file.  [default: DATA/warehouse.duckdb]")
def build(data_dir: Path, warehouse_file: Path | None) -> None:
    """Load every extract, run every model and check, and publish the warehouse if all passed."""
    if not (data_dir / "extracts").is_dir():
        raise click.ClickException(f"no extracts under {data_dir}/extracts: run `council generate` first")
    warehouse_file = (warehouse_file or data_dir / "warehouse.duckdb").resolve()
    settings = Settings(data_dir=data_dir.resolve(), warehouse=warehouse_file, build_warehouse=build_path_for(warehouse_file))
    ok = run_build(settings)
    sys.exit(0 if ok else 1)


def run_build(settings: Settings) -> bool:
    """Materialise every asset in-process; True when the warehouse was built, checked and published."""
    settings.export()
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.instance import prepare_dagster_home

    prepare_dagster_home(Path(os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home"))))

    started = time.perf_counter()
    click.echo(f"Building {settings.build_warehouse} from {settings.data_dir}/extracts ...")
    with dg.DagsterInstance.get() as instance:  # closed after: the run history's files with it
        result = defs.resolve_job_def("build_warehouse").execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
    checks = result.get_asset_check_evaluations()
    failed_checks = [c for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR]
    failed_steps = [e.step_key for e in result.all_events if e.is_step_failure]
    published = bool(result.asset_materializations_for_node("published_warehouse"))
    elapsed = time.perf_counter() - started
    click.echo(f"{len(checks) - len(failed_checks)} of {len(checks)} checks passed; "
               f"{len(failed_steps)} step(s) failed; {elapsed:,.0f} s")
    for c in failed_checks:
        click.echo(f"  FAILED check {c.asset_key.to_user_string()}:{c.check_name}", err=True)
    for step in failed_steps:
        click.echo(f"  FAILED step {step}", err=True)
    if result.success and published and not failed_checks:
        click.echo(f"Published {settings.warehouse}")
        return True
    click.echo(f"Build failed: {settings.warehouse} was left as it was.", err=True)
    return False


@main.command()
@click.option("--residents", default=300_000, show_default=True, type=click.IntRange(min=100))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--work", "work_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="An empty folder to keep the borough, both builds and their logs in.  "
              "[default: a temporary folder, removed afterwards]")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object on the last line.")
def bench(residents: int, seed: int, work_dir: Path | None, as_json: bool) -> None:
    """Time generation, the full build stage by stage, the I/O floor and the nightly rebuild; peak memory.

    Progress goes to standard error; the figures to standard output."""
    import json
    import shutil
    import tempfile

    from warehouse.bench import BenchError
    from warehouse.bench import run as run_bench

    work = work_dir or Path(tempfile.mkdtemp(prefix="council-bench-"))
    try:
        figures = run_bench(residents, work, seed=seed, progress=lambda message: click.echo(message, err=True))
    except BenchError as failure:
        raise click.ClickException(f"{failure} (the folder {work} is kept)") from None  # the log is in it
    except BaseException:
        if work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
        raise
    if work_dir is None:
        shutil.rmtree(work, ignore_errors=True)
    if as_json:
        click.echo(json.dumps(figures))
        return
    for key, value in figures.items():
        click.echo(f"{key:<28} {value:,}" if isinstance(value, int | float) else f"{key:<28} {value}")


@main.command()
@click.option("--warehouse", "warehouse_file", default="data/warehouse.duckdb", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path))
def rollback(warehouse_file: Path) -> None:
    """Put the previous published warehouse back (the last few are kept in releases/)."""
    from warehouse.publishing import WarehouseBusy, one_writer, releases
    from warehouse.publishing import rollback as roll_back

    try:
        with one_writer(warehouse_file.resolve(), "council rollback", wait=False):
            restored = roll_back(warehouse_file.resolve())
    except WarehouseBusy as busy:
        raise click.ClickException(f"{busy}. Roll back once it has finished: what it publishes decides which "
                                   "release is the previous one.") from None
    except FileNotFoundError as missing:
        raise click.ClickException(str(missing)) from None
    click.echo(f"Restored {warehouse_file} from {restored.name}; {len(releases(warehouse_file.resolve()))} earlier release(s) left")


@main.command()
@click.option("--warehouse", "warehouse_file", default="data/warehouse.duckdb", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path))
@click.option("--port", default=8501, show_default=True, type=int)
def serve(warehouse_file: Path, port: int) -> None:
    """Serve the dashboards on http://127.0.0.1:PORT, reading the published warehouse read-only."""
    env = {**os.environ, "COUNCIL_WAREHOUSE": str(warehouse_file.resolve())}
    # Users, the audit log and the pseudonym key live in the data folder's state/, beside the warehouse.
    env.setdefault("COUNCIL_DATA", str(warehouse_file.resolve().parent))
    click.echo(f"Serving the dashboards at http://127.0.0.1:{port} (Ctrl+C stops)")
    args = [
        sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "dashboards" / "app.py"),
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
    ]
    os.execve(sys.executable, args, env)


@main.group()
def evaluate() -> None:
    """Measure the warehouse against the generated borough's truth files."""


def _measured_against_truth(command):
    """The options every `council evaluate` command takes: the borough, its warehouse, JSON."""
    for option in reversed((
        click.option("--data", "data_dir", default="data", show_default=True,
                     type=click.Path(file_okay=False, path_type=Path)),
        click.option("--warehouse", "warehouse_file", default=None, type=click.Path(dir_okay=False, path_type=Path),
                     help="The warehouse to measure.  [default: DATA/warehouse.duckdb]"),
        click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON."),
    )):
        command = option(command)
    return command


@evaluate.command("linkage")
@_measured_against_truth
def evaluate_linkage(data_dir: Path, warehouse_file: Path | None, as_json: bool) -> None:
    """Person and address linkage precision and recall against DATA/truth/."""
    import json

    from warehouse.linkage.evaluate import evaluate as run

    figures = run(warehouse_file or data_dir / "warehouse.duckdb", data_dir)
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    p, a = figures["people"], figures["addresses"]
    click.echo(f"people:    precision {p['precision']:.4f}  recall {p['recall']:.4f}  F1 {p['f1']:.4f}  "
               f"people split {p['share_people_split']:.2%}  residents merging people {p['share_residents_merging_people']:.2%}")
    click.echo(f"addresses: precision {a['precision']:.4f}  recall {a['recall']:.4f}  "
               f"({a['matched']:,} of {a['records']:,} matched, {a['resolved_to_parent']:,} to the building)")


@evaluate.command("demand")
@_measured_against_truth
def evaluate_demand(data_dir: Path, warehouse_file: Path | None, as_json: bool) -> None:
    """marts.fct_demand_annual against DATA/truth/demand_annual.csv: events exact, people within 1%."""
    import json

    from warehouse.demand.evaluate import main as run

    figures = run(data_dir, warehouse_file or data_dir / "warehouse.duckdb")
    if as_json:
        click.echo(json.dumps(figures, indent=2))
    else:
        click.echo(f"{figures['values_exact']:,} of {figures['values_compared']:,} yearly values exact; "
                   f"{figures['measures_passed']} of {figures['measures_compared']} measures pass")
        for m in figures["measures"]:
            if not m["passed"]:
                click.echo(f"  FAILED {m['service']}.{m['measure']}: {m['rule']}, largest difference "
                           f"{m['max_abs_difference']:g} ({m['max_relative_difference']:.2%})")
        for m in figures["missing_from_warehouse"]:
            click.echo(f"  MISSING {m['service']}.{m['measure']}")
    if not figures["passed"]:
        raise SystemExit(1)


@main.group(invoke_without_command=True)
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--warehouse", "warehouse_file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="The published warehouse.  [default: DATA/warehouse.duckdb]")
@click.option("--limit", default=20, show_default=True, type=int)
@click.pass_context
def review(ctx: click.Context, data_dir: Path, warehouse_file: Path | None, limit: int) -> None:
    """Clerical review of person links: list the queue, then accept or reject pairs.

    Decisions are kept in DATA/state/ and override the model from the next build on."""
    ctx.obj = {"state": state_dir_for(data_dir)}
    if ctx.invoked_subcommand:
        return
    import duckdb

    con = duckdb.connect(str(warehouse_file or data_dir / "warehouse.duckdb"), read_only=True)
    rows = con.execute("""
        select person_record_key_l, person_record_key_r, match_probability, reason, explanation
        from linkage.review_queue order by match_probability desc limit ?
    """, [limit]).fetchall()
    total = con.execute("select count(*) from linkage.review_queue").fetchone()[0]
    click.echo(f"{total:,} pairs waiting for review; the {len(rows)} most likely:")
    for left, right, probability, reason, explanation in rows:
        click.echo(f"  {left}  {right}  p={probability:.3f}  {reason}\n      {explanation}")
    click.echo("Decide with: council review accept|reject LEFT RIGHT --by NAME")


def _decide(decision: str):
    @click.argument("left")
    @click.argument("right")
    @click.option("--by", "decided_by", required=True, help="Who decided (kept with the decision).")
    @click.option("--note", default="", help="Why, for the next analyst.")
    @click.pass_obj
    def command(obj: dict, left: str, right: str, decided_by: str, note: str) -> None:
        from warehouse.linkage.review import record_decision

        record_decision(obj["state"], left, right, decision, decided_by, note)
        click.echo(f"{decision}ed {left} ~ {right}: applied from the next build")

    command.__doc__ = f"{decision.capitalize()} a pair of person records (they are{' not' if decision == 'reject' else ''} one resident)."
    return command


review.command("accept")(_decide("accept"))
review.command("reject")(_decide("reject"))


if __name__ == "__main__":
    main()
