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
    APP,
    FAILED_ERROR,
    RAW_RECORD_SENTINEL,
    ROWS_LOADED,
    ROWS_REJECTED,
    build_warehouse,
)
from playwright.sync_api import Browser, Page, expect, sync_playwright

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
            env={**os.environ, "COUNCIL_WAREHOUSE": str(warehouse)},
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


def _screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Streamlit scrolls inside its main area, so grow the viewport to the page's full height.
    height = page.evaluate(
        '() => Math.max(...[...document.querySelectorAll(\'[data-testid="stMain"], '
        '[data-testid="stAppViewContainer"], section.main\')].map(e => e.scrollHeight), '
        "document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 8000)})
    page.wait_for_timeout(500)  # let the charts re-lay out at the new size
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_warehouse_page_in_a_real_browser(served_app, page):
    page.goto(served_app.url)
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
    page.goto(served_app.url)
    expect(page.get_by_role("heading", name="Warehouse", exact=True)).to_be_visible()
    page.get_by_role("link", name="Borough at a glance").click()
    expect(page.get_by_role("heading", name="Borough at a glance")).to_be_visible()
    expect(
        page.locator('[data-testid="stMetric"]').filter(has_text="Addressable objects")
    ).to_contain_text("16")
    _wait_for_render(page)
    assert _screenshot(page, "borough").stat().st_size > 10_000


def test_unbuilt_warehouse_in_a_real_browser(served_without_warehouse, page):
    page.goto(served_without_warehouse.url)
    message = page.locator('[data-testid="stAlertContentInfo"]')
    expect(message).to_contain_text("No warehouse has been built")
    expect(message).to_contain_text("council build")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    _screenshot(page, "warehouse-not-built")
