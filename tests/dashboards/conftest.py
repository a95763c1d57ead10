"""Fixtures for the dashboard tests: a fixture warehouse the app is pointed at."""

from __future__ import annotations

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
