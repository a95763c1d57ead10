"""A small generated borough, loaded and built up to the intermediate models, then linked once.

Tests that change linkage state work on copies of the warehouse and their own state folder.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse.generator import MessRates, generate
from warehouse.linkage.addresses import match_addresses
from warehouse.linkage.people import link_people
from warehouse.loading import load_table
from warehouse.settings import REPO_ROOT
from warehouse.sources import TABLES

RESIDENTS = 2_000


@pytest.fixture(scope="session")
def borough(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("linkage-borough")
    generate(out=data, residents=RESIDENTS, seed=7, mess=MessRates(), progress=lambda _: None)
    warehouse = data / "build" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse)) as con:
        for t in TABLES:
            load_table(con, data, t)
    env = {**os.environ, "COUNCIL_DATA": str(data), "COUNCIL_WAREHOUSE": str(warehouse),
           "COUNCIL_BUILD_WAREHOUSE": str(warehouse)}
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "build", "--profiles-dir", ".", "-q",
                    "--exclude", "source:linkage+", "test_type:data", "test_type:unit"],
                   cwd=REPO_ROOT, env=env, check=True)
    with duckdb.connect(str(warehouse)) as con:
        match_addresses(con)
    return data


@pytest.fixture(scope="session")
def linked(borough: Path, tmp_path_factory) -> dict:
    """The borough linked once from an empty state folder: warehouse, state folder and model."""
    folder = tmp_path_factory.mktemp("linked")
    warehouse = folder / "warehouse.duckdb"
    shutil.copyfile(borough / "build" / "warehouse.duckdb", warehouse)
    state = folder / "state"
    with duckdb.connect(str(warehouse)) as con:
        summary = link_people(con, state, model_path=folder / "person_model.json")
    return {"data": borough, "warehouse": warehouse, "state": state, "summary": summary,
            "model": json.loads((folder / "person_model.json").read_text())}


@pytest.fixture
def scratch(linked, tmp_path) -> dict:
    """A copy of the linked warehouse and its state, free to change."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(linked["warehouse"], warehouse)
    state = tmp_path / "state"
    shutil.copytree(linked["state"], state)
    return {**linked, "warehouse": warehouse, "state": state}
