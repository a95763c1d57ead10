"""The app rendered headless with Streamlit's AppTest: fast checks of what each page shows."""

from __future__ import annotations

from dashboard_fixture import (
    APP,
    FAILED_ERROR,
    RAW_RECORD_SENTINEL,
    ROWS_IN_FILES,
    ROWS_LOADED,
    ROWS_REJECTED,
    STAGING_MODELS,
)
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from dashboards import access
from warehouse.access.roles import Role, User

# These pages are for engineers and analysts; sign-in itself is tested in test_dashboard_access.py.
ENGINEER = User("engineer", Role.ENGINEER)


def _run(page: str | None = None, user: User = ENGINEER) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.session_state[access.USER_KEY] = user
    app.run()
    if page is not None:
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def _serialised(node) -> bytes:
    """Every byte the app would send to a browser, dataframes (Arrow) and charts included."""
    proto = getattr(node, "proto", None)
    own = proto.SerializeToString() if proto is not None else b""
    if isinstance(node, Block):  # the whole tree, main area and sidebar, is a Block too
        return own + b"".join(_serialised(child) for child in node.children.values())
    return own


def test_warehouse_page_shows_the_build_and_the_load_accounting(warehouse_file):
    app = _run()
    assert app.title[0].value == "Warehouse"
    metrics = _metrics(app)
    assert metrics["Built"] == "5 Jan 2026, 09:10"
    assert metrics["Code version"] == "def5678"
    assert metrics["Files loaded"] == "4"
    assert metrics["Rows in files"] == f"{ROWS_IN_FILES:,}"
    assert metrics["Rows loaded"] == f"{ROWS_LOADED:,}"
    assert metrics["Rows rejected"] == f"{ROWS_REJECTED:,}"
    assert any("Warehouse built 5 Jan 2026, 09:10" in c.value for c in app.sidebar.caption)


def test_failed_files_are_highlighted_with_their_error(warehouse_file):
    app = _run()
    assert len(app.error) == 1
    assert "1 file failed to load" in app.error[0].value
    assert FAILED_ERROR in app.error[0].value
    per_file = next(df.value for df in app.dataframe if "status" in df.value.columns)
    assert list(per_file["status"]) == ["failed", "loaded", "loaded", "loaded", "loaded"]


def test_rejects_and_staging_models_are_tabulated(warehouse_file):
    app = _run()
    tables = [df.value for df in app.dataframe]
    rejects = next(t for t in tables if "reason" in t.columns)
    assert sorted(rejects["rows_rejected"]) == [1, 2, 4]
    staging = next(t for t in tables if "model" in t.columns)
    assert staging.set_index("model")["rows"].to_dict() == STAGING_MODELS


def test_no_rejected_record_reaches_the_page(warehouse_file):
    app = _run()
    sent = _serialised(app._tree)
    assert b"tenancy_start" in sent, "the rejects table is on the page"
    assert RAW_RECORD_SENTINEL.encode() not in sent
    assert b"Jane Q Public" not in sent


def test_without_a_builds_table_the_last_load_time_is_shown(warehouse_without_builds):
    app = _run()
    assert _metrics(app)["Last file loaded"] == "5 Jan 2026, 09:04"
    assert "Rows loaded" in _metrics(app)


def test_a_missing_warehouse_shows_how_to_build_it(missing_warehouse):
    app = _run()
    assert len(app.info) == 1
    message = app.info[0].value
    assert str(missing_warehouse) in message
    assert "council build" in message and "make demo" in message
    assert not app.metric and not app.dataframe
    assert any("No warehouse built yet" in c.value for c in app.sidebar.caption)


def test_borough_page_counts_properties_by_ward_and_class(warehouse_file):
    app = _run("app_pages/analysts_borough.py")
    assert app.title[0].value == "Borough at a glance"
    assert _metrics(app) == {"Addressable objects": "16", "Wards": "2", "Residential": "13"}
    wards = next(df.value for df in app.dataframe if "Ward" in df.value.columns).set_index("Ward")
    assert wards.loc["Abbey", "Total"] == 11
    assert wards.loc["Abbey", "Parent shell (building of flats)"] == 1
    assert wards.loc["Riverside", "Commercial"] == 2


def test_borough_page_without_a_warehouse_shows_how_to_build_it(missing_warehouse):
    app = _run("app_pages/analysts_borough.py")
    assert "council build" in app.info[0].value
