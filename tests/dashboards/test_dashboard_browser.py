"""The app served by `streamlit run` and driven in Debian's Chromium through Playwright.

Chromium comes from `scripts/install-browser.sh` (Playwright's own browser download cannot
reach its servers here). A missing browser fails these tests: it never skips them.
Screenshots land in `artifacts/screenshots/` for a person to look at.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_fixture import (
    ANN,
    APP,
    FAILED_ERROR,
    RAW_RECORD_SENTINEL,
    ROWS_LOADED,
    ROWS_REJECTED,
    build_warehouse,
    build_warehouse_with_demand,
)
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dashboards import access
from warehouse.access import audit, demo_accounts
from warehouse.access.roles import Role

REPO = APP.parents[1]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = Path(os.environ.get("COUNCIL_CHROMIUM", "/usr/bin/chromium"))
# shared/STACK.md: flags that keep Chromium off the (closed) network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Containers often give /dev/shm only 64 MB, too little for Chromium's shared memory.
    "--disable-dev-shm-usage",
]
RENDER_TIMEOUT_MS = 30_000
# `expect` keeps its own 5 s default; a cold first render (imports, bytecode) on a loaded 2-core
# CI machine takes longer, so give assertions the same allowance as actions.
expect.set_options(timeout=RENDER_TIMEOUT_MS)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# A process started from a background script may inherit ignored SIGINT/SIGTERM, and then the
# server cannot be stopped cleanly (shared/STACK.md). Restoring them in the child's own Python,
# rather than in a preexec_fn, stays safe while Playwright's threads run in this process.
STREAMLIT_WITH_DEFAULT_SIGNALS = (
    "import signal, sys\n"
    "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
    "signal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
    "from streamlit.web.cli import main\n"
    "sys.argv = ['streamlit', *sys.argv[1:]]\n"
    "main()\n"
)


class StreamlitServer:
    def __init__(self, warehouse: Path, log: Path) -> None:
        self.state = log.parent / "state"
        # Demo accounts with random passwords, as `make demo` makes them: name -> password.
        self.passwords = {name: password for name, _, _, password in demo_accounts(self.state)}
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                STREAMLIT_WITH_DEFAULT_SIGNALS,
                "run",
                str(APP),
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(self.port),
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=REPO,
            env={**os.environ, "COUNCIL_WAREHOUSE": str(warehouse), "COUNCIL_STATE": str(self.state)},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.log_path = log

    def wait_until_healthy(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"streamlit exited with {self.process.returncode}:\n{self.log_path.read_text()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"streamlit was not healthy after {timeout_s}s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail("streamlit ignored SIGTERM and had to be killed")
        finally:
            self._log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run scripts/install-browser.sh"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


def _serve(warehouse: Path, log: Path) -> Iterator[StreamlitServer]:
    server = StreamlitServer(warehouse, log)
    try:
        server.wait_until_healthy()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def served_app(tmp_path_factory) -> Iterator[StreamlitServer]:
    folder = tmp_path_factory.mktemp("served")
    yield from _serve(build_warehouse(folder / "warehouse.duckdb"), folder / "streamlit.log")


@pytest.fixture(scope="module")
def served_without_warehouse(tmp_path_factory) -> Iterator[StreamlitServer]:
    folder = tmp_path_factory.mktemp("unbuilt")
    yield from _serve(folder / "warehouse.duckdb", folder / "streamlit.log")


@pytest.fixture(scope="module")
def served_residents(tmp_path_factory) -> Iterator[StreamlitServer]:
    folder = tmp_path_factory.mktemp("residents")
    yield from _serve(build_warehouse_with_demand(folder / "warehouse.duckdb"), folder / "streamlit.log")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    opened = context.new_page()
    opened.set_default_timeout(RENDER_TIMEOUT_MS)
    yield opened
    context.close()


def _wait_for_render(page: Page) -> None:
    """Until the script has finished and every chart and table has drawn."""
    page.wait_for_selector('[data-testid="stApp"]')
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0)
    for chart in page.locator('[data-testid="stVegaLiteChart"]').all():
        expect(chart.locator("canvas, svg").first).to_be_visible()
    for table in page.locator('[data-testid="stDataFrame"]').all():
        expect(table.locator("canvas").first).to_be_attached()


def _page_height(page: Page) -> int:
    return int(page.evaluate(
        '() => Math.max(...[...document.querySelectorAll(\'[data-testid="stMain"], '
        '[data-testid="stAppViewContainer"], section.main\')].map(e => e.scrollHeight), '
        "document.body.scrollHeight)"
    ))


def _screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Streamlit scrolls inside its main area, so grow the viewport to the page's full height,
    # once that height has stopped growing (long pages lay out their lower parts last).
    height, previous = _page_height(page), -1
    while height != previous:
        page.wait_for_timeout(500)
        previous, height = height, _page_height(page)
    page.set_viewport_size({"width": 1400, "height": min(height + 40, 12_000)})
    # Tables below the old fold draw as placeholders first: wait for them, and for the charts.
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0)
    page.wait_for_timeout(500)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    return path


def _sign_in(page: Page, server: StreamlitServer, name: str, path: str = "") -> None:
    page.goto(f"{server.url}/{path}")
    if path:
        # Signed out, no page but sign-in exists: Streamlit says "Page not found" in a dialog.
        expect(page.get_by_role("dialog")).to_contain_text("Page not found")
        page.keyboard.press("Escape")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(server.passwords[name])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()


def test_warehouse_page_in_a_real_browser(served_app, page):
    _sign_in(page, served_app, "engineer")
    expect(page.get_by_role("heading", name="Warehouse", exact=True)).to_be_visible()
    metrics = page.locator('[data-testid="stMetric"]')
    expect(metrics.filter(has_text="Rows loaded")).to_contain_text(f"{ROWS_LOADED:,}")
    expect(metrics.filter(has_text="Rows rejected")).to_contain_text(f"{ROWS_REJECTED:,}")
    expect(metrics.filter(has_text="Built")).to_contain_text("5 Jan 2026, 09:10")
    failure = page.locator('[data-testid="stAlertContentError"]')
    expect(failure).to_contain_text("1 file failed to load")
    expect(failure).to_contain_text(FAILED_ERROR)
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(1)
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(4)
    _wait_for_render(page)
    assert RAW_RECORD_SENTINEL not in page.content()
    assert _screenshot(page, "warehouse").stat().st_size > 10_000


def test_borough_page_in_a_real_browser(served_app, page):
    _sign_in(page, served_app, "engineer")
    expect(page.get_by_role("heading", name="Warehouse", exact=True)).to_be_visible()
    page.get_by_role("link", name="Borough at a glance").click()
    expect(page.get_by_role("heading", name="Borough at a glance")).to_be_visible()
    expect(
        page.locator('[data-testid="stMetric"]').filter(has_text="Addressable objects")
    ).to_contain_text("16")
    _wait_for_render(page)
    assert _screenshot(page, "borough").stat().st_size > 10_000


def test_unbuilt_warehouse_in_a_real_browser(served_without_warehouse, page):
    _sign_in(page, served_without_warehouse, "engineer")
    message = page.locator('[data-testid="stAlertContentInfo"]')
    expect(message).to_contain_text("No warehouse has been built")
    expect(message).to_contain_text("council build")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    _screenshot(page, "warehouse-not-built")


ROLE_ACCOUNTS = {
    Role.FRONTLINE: "housing.manager",
    Role.ANALYST: "analyst",
    Role.SCRUTINY: "scrutiny",
    Role.DPO: "dpo",
    Role.ENGINEER: "engineer",
}


def test_sign_in_is_required_and_each_role_sees_only_its_pages(served_residents, page):
    page.goto(f"{served_residents.url}/dpo_audit")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("heading", name="Access audit")).to_have_count(0)
    _screenshot(page, "sign-in")
    for role, name in ROLE_ACCOUNTS.items():
        page.context.clear_cookies()
        _sign_in(page, served_residents, name)
        user = access.User(name, role, "housing" if role is Role.FRONTLINE else None)
        landing = access.landing_page(user)
        expect(page.get_by_role("heading", name=landing.title, exact=True)).to_be_visible()
        _wait_for_render(page)
        _screenshot(page, f"landing-{role}")
        # Streamlit draws no navigation for a single page.
        permitted = [spec for spec in access.PAGES if access.may_open(user, spec)]
        sidebar = page.locator('[data-testid="stSidebarNav"]')
        for spec in access.PAGES:
            link = sidebar.get_by_role("link", name=spec.title, exact=True)
            expect(link).to_have_count(1 if spec in permitted and len(permitted) > 1 else 0)
    # Editing the URL to a page the role may not open: a new session, which must sign in again,
    # and after signing in as scrutiny the audit page is still not there.
    _sign_in(page, served_residents, "scrutiny", "dpo_audit")
    expect(page.get_by_role("heading", name="Access audit")).to_have_count(0)
    expect(page.get_by_role("heading", name="Demand for services")).to_be_visible()
    # Nor can a frontline manager reach a scrutiny page, or scrutiny the at-risk list, by its URL.
    for name, path, refused, landing in (("housing.manager", "scrutiny_send", "SEND demand", "Find a resident"),
                                         ("scrutiny", "frontline_at_risk", "At-risk households", "Demand for services")):
        page.context.clear_cookies()
        _sign_in(page, served_residents, name, path)
        expect(page.get_by_role("heading", name=landing, exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name=refused, exact=True)).to_have_count(0)


def _select_first_row(page: Page, table) -> None:
    """Tick the first row of a selectable dataframe (drawn on a canvas: click its checkbox cell)."""
    box = table.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 18)


def test_frontline_search_card_purpose_and_audit(served_residents, page):
    _sign_in(page, served_residents, "housing.manager")
    page.get_by_label("Search").fill("Anne Lea")
    page.get_by_label("Search").press("Enter")
    results = page.locator('[data-testid="stDataFrame"]')
    expect(results).to_have_count(1)
    _wait_for_render(page)
    _screenshot(page, "frontline-search")
    _select_first_row(page, results.first)
    expect(page.get_by_text("Why are you opening resident")).to_be_visible()
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_role("heading", name="Ann Lee")).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(1)
    _wait_for_render(page)
    assert "Bob" not in page.content()
    _screenshot(page, "frontline-resident")
    viewed = audit.AuditLog(served_residents.state).records()
    viewed = viewed[viewed["action"] == audit.VIEW_RESIDENT]
    assert list(viewed["resident_id"]) == [ANN] and list(viewed["user"]) == ["housing.manager"]

    page.get_by_role("button", name="Property").click()
    expect(page.get_by_text("Why are you opening property")).to_be_visible()
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_role("heading", name="Who lived here, when")).to_be_visible()
    _wait_for_render(page)
    _screenshot(page, "frontline-property")

    page.context.clear_cookies()
    _sign_in(page, served_residents, "dpo")
    table = page.locator('[data-testid="stDataFrame"]')
    expect(table).to_have_count(1)
    expect(page.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text("chain is intact")
    _wait_for_render(page)
    _screenshot(page, "dpo-audit")
    page.get_by_role("link", name="Subject access request").click()
    page.get_by_label("Find the requester").fill("Ann Lee 01/02/1980")
    page.get_by_label("Find the requester").press("Enter")
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(1)
    _wait_for_render(page)
    _select_first_row(page, page.locator('[data-testid="stDataFrame"]').first)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export everything").click()
    assert download.value.suggested_filename == f"subject_access_resident_{ANN}.xlsx"
    _wait_for_render(page)
    _screenshot(page, "dpo-subject-access")


def test_scrutiny_demand_pages_and_a_suppressed_download(served_residents, page):
    _sign_in(page, served_residents, "scrutiny")
    expect(page.get_by_role("heading", name="Demand for services", exact=True)).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    _wait_for_render(page)
    _screenshot(page, "scrutiny-summary")
    for spec in access.PAGES:
        if not spec.key.startswith("scrutiny_") or spec.key == "scrutiny_demand":
            continue
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=spec.title, exact=True).click()
        expect(page.get_by_role("heading", name=spec.title, exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Breakdowns")).to_be_visible()
        _wait_for_render(page)
        _screenshot(page, spec.key.replace("_", "-"))
    page.get_by_role("link", name="SEND demand", exact=True).click()
    expect(page.get_by_role("heading", name="SEND demand", exact=True)).to_be_visible()
    _wait_for_render(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV: SEND: each measure by year").click()
    assert download.value.suggested_filename == "send_by_year.csv"
    rows = {line.split(",")[0]: line.split(",") for line in Path(download.value.path()).read_text().splitlines()}
    header = rows["Measure"]
    within = dict(zip(header, rows["New EHC plans issued within 20 weeks"], strict=True))
    issued = dict(zip(header, rows["New EHC plans issued"], strict=True))
    # 41 of 43 within 20 weeks: shown beside the 43, the 41 would give away the 2 issued late.
    assert (within["2024"], issued["2024"]) == ("[c]", "43")
    assert "2025" not in header, "the year the newest extract only reaches into"
    for row in list(rows.values())[1:]:
        for cell in row[1:]:
            assert cell == "[c]" or int(cell) == 0 or int(cell) >= 5, row


def test_at_risk_list_opens_the_resident_card_for_homelessness_prevention(served_residents, page):
    _sign_in(page, served_residents, "housing.manager")
    page.get_by_role("link", name="At-risk households").click()
    expect(page.get_by_role("heading", name="At-risk households")).to_be_visible()
    table = page.locator('[data-testid="stDataFrame"]')
    expect(table).to_have_count(1)
    _wait_for_render(page)
    _screenshot(page, "frontline-at-risk")
    # Ann and Bob's house is first; only Ann is known to housing, so her card opens.
    _select_first_row(page, table.first)
    expect(page.get_by_text("Why are you opening resident")).to_be_visible()
    expect(page.get_by_role("combobox", name="Purpose")).to_have_value("Preventing homelessness")
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_role("heading", name="Ann Lee")).to_be_visible()
    expect(page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="At risk of homelessness")).to_be_visible()
    _wait_for_render(page)
    assert "Bob" not in page.content()
    _screenshot(page, "frontline-resident-at-risk")
    viewed = audit.AuditLog(served_residents.state).records()
    viewed = viewed[viewed["action"] == audit.VIEW_RESIDENT]
    assert (viewed.iloc[0]["resident_id"], viewed.iloc[0]["purpose"]) == (ANN, "homelessness_prevention")
