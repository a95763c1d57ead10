"""Fixtures for the dashboard tests: a fixture warehouse the app is pointed at."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_fixture import build_warehouse

from dashboards import queries


@pytest.fixture
def warehouse_file(tmp_path, monkeypatch) -> Path:
    path = build_warehouse(tmp_path / "warehouse.duckdb")
    monkeypatch.setenv(queries.WAREHOUSE_ENV, str(path))
    return path


@pytest.fixture
def warehouse_without_builds(tmp_path, monkeypatch) -> Path:
    path = build_warehouse(tmp_path / "warehouse.duckdb", with_builds=False)
    monkeypatch.setenv(queries.WAREHOUSE_ENV, str(path))
    return path


@pytest.fixture
def missing_warehouse(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "not-built" / "warehouse.duckdb"
    monkeypatch.setenv(queries.WAREHOUSE_ENV, str(path))
    return path


@pytest.fixture(autouse=True)
def _release_warehouse_files() -> Iterator[None]:
    yield
    queries.close_all()


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch) -> Path:
    """Users, the audit log and the pseudonym key of this test, never the repository's."""
    from warehouse.access.state import STATE_ENV

    path = tmp_path / "state"
    monkeypatch.setenv(STATE_ENV, str(path))
    return path


@pytest.fixture
def residents_warehouse(tmp_path, monkeypatch) -> Path:
    from dashboard_fixture import build_warehouse_with_residents

    path = build_warehouse_with_residents(tmp_path / "warehouse.duckdb")
    monkeypatch.setenv(queries.WAREHOUSE_ENV, str(path))
    return path


@pytest.fixture(scope="session")
def demand_warehouse_template(tmp_path_factory) -> Path:
    """Built once: each test gets its own copy, so one test's writes never reach another."""
    from dashboard_fixture import build_warehouse_with_demand

    return build_warehouse_with_demand(tmp_path_factory.mktemp("demand") / "warehouse.duckdb")


@pytest.fixture
def demand_warehouse(demand_warehouse_template, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demand_warehouse_template, path)
    monkeypatch.setenv(queries.WAREHOUSE_ENV, str(path))
    return path


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """Every file a page offers for download in an AppTest run, by its file name: the bytes a
    user would get (AppTest keeps its media files in a store that is gone after the run)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    offered: dict[str, bytes] = {}
    keep = MemoryMediaFileStorage.load_and_get_id

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
        if filename is not None and isinstance(path_or_data, bytes):
            offered[filename] = path_or_data
        return keep(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load_and_get_id)
    return offered
