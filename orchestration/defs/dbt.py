"""Every dbt seed, model and test as Dagster assets and checks, run with ``dbt build``.

Two runs, because linkage (Python, ``defs/linkage.py``) sits between them: first everything
that does not need linkage, then everything downstream of linkage's tables (dbt sources), in
whichever layer it lives.
"""

import hashlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer
from packaging import version

from orchestration.defs.resources import WarehouseResource
from warehouse.settings import REPO_ROOT

# dagster-dbt runs `dbt` from PATH: make it this environment's dbt even when the venv is not activated.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


class ParsedInPlacePreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparer (dbt deps, then dbt parse) without its invalidating every seed in
    the partial parse. That makes a manifest parsed on one machine load seeds from the paths of
    another; but here the project is always parsed where it runs (_prepare_manifest), and the
    invalidation made each `dbt build` parse the 26 seeds, and the staging models that join
    one, again: 1.5-3 s a step. tests/orchestration/test_definitions.py checks the seeds are kept."""

    def _invalidate_seeds_in_partial_parse(self, project: DbtProject) -> None:
        pass


class LocalDbtCliResource(DbtCliResource):
    """dagster-dbt's resource for the dbt of this environment (PATH is set above), without two
    things it does before each `dbt build`: asking `dbt --version` in a subprocess (2-3 s a
    build), and making a dbt adapter in this process (0.5 s a step), which only fetching row
    counts or column metadata would use, and nothing here does."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


# Where `dbt build` will look for the partial parse to start from (dagster-dbt copies it from
# DBT_TARGET_PATH into each run's own folder): the manifest must be parsed into the same place.
dbt_project = DbtProject(project_dir=REPO_ROOT, profiles_dir=REPO_ROOT,
                         target_path=os.environ.get("DBT_TARGET_PATH", "target"))


class CouncilDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        # Sources are the raw tables the ingest assets load: share their keys so lineage joins up.
        # A source that names its asset (meta.dagster.asset_key: linkage's tables) keeps it.
        explicit = (dbt_resource_props.get("meta") or {}).get("dagster", {}).get("asset_key")
        if dbt_resource_props["resource_type"] == "source" and not explicit:
            return dg.AssetKey(["raw", dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # The layer (staging, intermediate, marts) or "reference" for seeds.
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "models"


translator = CouncilDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


AFTER_LINKAGE = "source:linkage+"
# What the dbt models compute: a build whose code differs from what a warehouse's incremental
# models were built with rebuilds them in full (--full-refresh), so no table mixes rows built by
# two versions of a model. The whole project, not each model's own file: a macro or a seed can
# change any model. And the engine: another DuckDB or dbt may compute a model otherwise.
DBT_CODE = ("dbt_project.yml", "models", "macros", "seeds")
ENGINE = ("duckdb", "dbt-core", "dbt-duckdb")


def _code_digest() -> str:
    digest = hashlib.sha256(repr([metadata.version(p) for p in ENGINE]).encode())
    for top in DBT_CODE:
        path = REPO_ROOT / top
        for file in sorted([path] if path.is_file() else (f for f in path.rglob("*") if f.is_file())):
            digest.update(str(file.relative_to(REPO_ROOT)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


CODE_DIGEST = _code_digest()


def _prepare_manifest() -> None:
    """Parse the project unless its manifest was parsed from this very code, profile and settings.

    Analysts edit models and expect `council build` and `dagster dev` to see them, so a stale
    manifest is never used; but parsing an unchanged project again costs every build and every
    code-location load several seconds. `dbt build` still parses for itself (partially)."""
    manifest = dbt_project.manifest_path
    parsed_with = manifest.with_name("manifest.parsed-with")
    settings = sorted((k, v) for k, v in os.environ.items() if k.startswith(("COUNCIL_", "DBT_")))
    # The folder too: a partial parse keeps the seeds' paths (ParsedInPlacePreparer).
    inputs = (CODE_DIGEST, str(REPO_ROOT), (REPO_ROOT / "profiles.yml").read_bytes(), settings,
              [metadata.version(p) for p in ("dbt-core", "dbt-duckdb", "dagster-dbt")])

    def stamp() -> str:  # the manifest's own size and time too: `dbt docs generate` rewrites it
        written = manifest.stat()
        return hashlib.sha256(repr((inputs, written.st_mtime_ns, written.st_size)).encode()).hexdigest()

    if manifest.exists() and parsed_with.exists() and parsed_with.read_text() == stamp():
        return
    ParsedInPlacePreparer().prepare(dbt_project)
    parsed_with.write_text(stamp())


_prepare_manifest()
_CODE_TABLE = "incremental_state.dbt_code"


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource) -> Iterator:
    """`dbt build`, incremental models refreshed in place unless this step last ran other code.

    The run is named in incremental_state.current_build, which marks the units an incremental
    model rebuilt, so the pandera checks validate those and not the millions of rows kept from
    earlier builds. A table, not a dbt var: a var that changes every run makes dbt parse the
    whole project again."""
    step = context.op_def.name
    with warehouse.get_connection() as con:
        con.execute(f"""create schema if not exists incremental_state;
            create table if not exists {_CODE_TABLE} (step varchar primary key, code_digest varchar not null);
            create or replace table incremental_state.current_build as select ? as build_id""", [context.run_id])
        built_with = con.execute(f"select code_digest from {_CODE_TABLE} where step = ?", [step]).fetchone()
    warehouse.release()  # dbt opens the file in a process of its own
    args = ["build"]
    if built_with is None or built_with[0] != CODE_DIGEST:
        context.log.info(f"{step}: dbt code differs from the warehouse's last build: rebuilding in full")
        args.append("--full-refresh")
    else:
        # Unit tests read nothing but the code, and a build of this very code passed them on
        # this warehouse. dbt's own advice is to run them in development and CI, not on every
        # production run; here they run whenever the code changes. 4.4 s of thread time in a
        # 1,200,000-resident nightly. (Seeds are loaded again: they are assets publishing needs.)
        args += ["--exclude-resource-type", "unit_test"]
    yield from dbt.cli(args, context=context).stream()
    # Only once every model and test has passed (a failure raises above).
    with warehouse.get_connection() as con:
        con.execute(f"insert or replace into {_CODE_TABLE} values (?, ?)", [step, CODE_DIGEST])


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
            exclude=AFTER_LINKAGE)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse)


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
            select=AFTER_LINKAGE, name="dbt_marts")
def dbt_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    yield from _build(context, dbt, warehouse)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[dbt_models, dbt_marts],
        resources={"dbt": LocalDbtCliResource(project_dir=dbt_project)},
    )
