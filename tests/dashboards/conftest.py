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
