"""Every dbt seed, model and test as Dagster assets and checks, run with ``dbt build``.

Two runs, because linkage (Python, ``defs/linkage.py``) sits between them: first everything
that does not need linkage, then everything downstream of linkage's tables (dbt sources), in
whichever layer it lives.
"""

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from warehouse.settings import REPO_ROOT

# dagster-dbt runs `dbt` from PATH: make it this environment's dbt even when the venv is not activated.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

dbt_project = DbtProject(project_dir=REPO_ROOT, profiles_dir=REPO_ROOT)
# Always parse: analysts edit models and expect `council build` and `dagster dev` to see them.
# `dbt parse` takes a few seconds, against a stale manifest's silent surprises.
dbt_project.preparer.prepare(dbt_project)


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


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
            exclude=AFTER_LINKAGE)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
            select=AFTER_LINKAGE, name="dbt_marts")
def dbt_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[dbt_models, dbt_marts],
        resources={"dbt": DbtCliResource(project_dir=dbt_project)},
    )
