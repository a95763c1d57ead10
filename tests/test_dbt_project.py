"""The dbt project keeps its promises: sources mirror the extract contract, every model and
column is documented, and the whole project builds (unit tests included) on empty raw tables."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from warehouse.generator.names import STREET_ABBREVIATIONS
from warehouse.loading import ensure_schemas
from warehouse.sources import LOAD_METADATA_COLUMNS, SYSTEMS

ROOT = Path(__file__).resolve().parent.parent
STAGING = ROOT / "models" / "staging"


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _model_entries() -> dict[str, dict]:
    entries: dict[str, dict] = {}
    for path in sorted((ROOT / "models").rglob("*.yml")):
        for model in _yaml(path).get("models") or []:
            assert model["name"] not in entries, f"{model['name']} is described twice"
            entries[model["name"]] = model
    return entries


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_sources_yaml_matches_the_extract_contract(system):
    path = STAGING / system.name / f"_{system.name}__sources.yml"
    (source,) = _yaml(path)["sources"]
    assert source["name"] == system.name
    assert source["schema"] == "raw"
    tables = {t["name"]: t for t in source["tables"]}
    assert list(tables) == [t.table for t in system.tables]
    for contract in system.tables:
        table = tables[contract.table]
        assert table["identifier"] == contract.raw_table
        assert table["description"] == contract.description
        assert [c["name"] for c in table["columns"]] == [*contract.raw_columns, *LOAD_METADATA_COLUMNS]
        assert all(c.get("description", "").strip() for c in table["columns"]), contract.raw_table


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_one_staging_model_per_source_table(system):
    models = {p.stem for p in (STAGING / system.name).glob("stg_*.sql")}
    assert models == {f"stg_{system.name}__{t.table}" for t in system.tables}


def test_every_model_and_column_is_described():
    entries = _model_entries()
    sql_models = {p.stem for p in (ROOT / "models").rglob("*.sql")}
    assert sql_models <= set(entries), f"models without YAML: {sorted(sql_models - set(entries))}"
    for name, model in entries.items():
        assert model.get("description", "").strip(), f"{name} has no description"
        for column in model.get("columns") or []:
            assert column.get("description", "").strip(), f"{name}.{column['name']} has no description"


@pytest.fixture(scope="module")
def built_on_empty_raw(tmp_path_factory):
    """dbt build of seeds, staging models and their unit and data tests on raw tables with no rows."""
    tmp = tmp_path_factory.mktemp("dbt")
    warehouse = tmp / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_schemas(con)  # the loader's own raw and audit tables, empty
    # A subprocess, as analysts run it: dbt-duckdb keeps its connection open for the life of
    # the process, which would pin the file for every later test in this worker.
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"), "build", "--project-dir", str(ROOT),
            "--profiles-dir", str(ROOT), "--target-path", str(tmp / "target"),
            "--log-path", str(tmp / "logs"),
            # What builds from raw alone; later layers also read tables the linkage step writes.
            "--select", "path:seeds", "path:models/staging", "address_search_abbreviations", "path:tests/dbt",
        ],
        env={**os.environ, "COUNCIL_BUILD_WAREHOUSE": str(warehouse)},
        capture_output=True, text=True, timeout=300, check=False,
    )
    run_results = tmp / "target" / "run_results.json"
    results = json.loads(run_results.read_text())["results"] if run_results.exists() else []
    return completed, results, warehouse


def test_project_builds_and_unit_tests_pass(built_on_empty_raw):
    completed, results, _ = built_on_empty_raw
    assert completed.returncode == 0, completed.stdout[-3000:]
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"seed", "model", "unit_test", "test"} <= kinds
    assert all(r["status"] in ("success", "pass") for r in results)


def test_documented_columns_are_the_built_columns(built_on_empty_raw):
    *_, warehouse = built_on_empty_raw
    entries = _model_entries()
    with duckdb.connect(str(warehouse)) as con:
        built = dict(con.execute(
            "select table_name, list(column_name order by ordinal_position) "
            "from information_schema.columns where table_schema = 'staging' group by table_name"
        ).fetchall())
    assert set(built) == {n for n in entries if n.startswith("stg_")}
    for name, columns in built.items():
        assert [c["name"] for c in entries[name]["columns"]] == columns, name


def test_the_search_abbreviations_are_staging_s(built_on_empty_raw):
    *_, warehouse = built_on_empty_raw
    with duckdb.connect(str(warehouse)) as con:
        abbreviations = dict(con.execute("select abbreviation, expansion from marts.address_search_abbreviations").fetchall())
    assert abbreviations["GR"] == "GROVE" and abbreviations["RD"] == "ROAD"
    # Every street type the generator's clerks shorten, so that its messy extracts test matching,
    # not the gaps in our list ("Oak Wy" had been left for the probabilistic method).
    shortened = {re.sub(r"[^A-Z]", "", short.upper()): long.upper()
                 for long, shorts in STREET_ABBREVIATIONS.items() for short in shorts}
    assert {short: abbreviations.get(short) for short in shortened} == shortened
    # tests/dbt/assert_search_abbreviations_are_what_staging_expands: each is what staging writes
    _, results, _ = built_on_empty_raw
    checked = [r for r in results if "assert_search_abbreviations" in r["unique_id"]]
    assert [r["status"] for r in checked] == ["pass"]


PERSON_COLUMNS = [
    "source_system", "source_record_id", "forename", "surname", "forename_std", "surname_std",
    "birth_date", "sex", "nhs_number", "ni_number", "upn",
]
ADDRESS_COLUMNS = ["source_system", "source_record_id", "address_text", "address_std", "postcode", "uprn_supplied"]


def test_person_and_address_models_expose_the_standard_columns(built_on_empty_raw):
    *_, warehouse = built_on_empty_raw
    person_models = [f"stg_{t.system}__{t.table}" for s in SYSTEMS for t in s.tables if t.person_id_column]
    address_models = [
        "stg_housing__tenancies", "stg_housing__homelessness_cases", "stg_housing__temporary_accommodation",
        "stg_revenues__accounts", "stg_adult_social_care__addresses", "stg_childrens_social_care__addresses",
        "stg_send__persons",
    ]
    with duckdb.connect(str(warehouse)) as con:
        for models, columns in ((person_models, PERSON_COLUMNS), (address_models, ADDRESS_COLUMNS)):
            union = " union all ".join(
                f"select {', '.join(columns)} from staging.{m}" for m in models
            )
            con.execute(f"select * from ({union}) limit 0")
