"""Dashboard latency: resident search p50/p95 (the page's own query) and page render times in Chromium.

    .venv/bin/python bench/dashboards.py --warehouse data/warehouse.duckdb [--searches 200]

Search queries are drawn from the warehouse's own residents, each with a typo in the surname,
or a date of birth, or a postcode, searched as a housing manager (the visibility filter
included). Render time is from navigation to the last chart and table drawn, per page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "dashboards")]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two letters


def bench_search(warehouse: Path, count: int) -> dict:
    os.environ["COUNCIL_WAREHOUSE"] = str(warehouse)
    import duckdb

    from dashboards import queries, residents
    from warehouse.access.roles import Role, User

    with duckdb.connect(str(warehouse), read_only=True) as db:
        rel = db.execute(
            "select table_schema from information_schema.tables where table_name = 'dim_resident'"
        ).fetchone()[0]
        prop = db.execute(
            "select table_schema from information_schema.tables where table_name = 'dim_property'"
        ).fetchone()[0]
        sample = db.execute(
            f"select r.forename, r.surname, strftime(r.birth_date, '%d/%m/%Y'), p.postcode "
            f"from {rel}.dim_resident r left join {prop}.dim_property p on p.uprn = r.current_uprn "
            f"where 'housing' in r.known_to_systems and r.surname is not null "
            f"using sample reservoir({count} rows) repeatable (3)"
        ).fetchall()
        residents_total = db.execute(f"select count(*) from {rel}.dim_resident").fetchone()[0]
    rng = random.Random(3)
    user = User("bench", Role.FRONTLINE, "housing")
    w = queries.current_warehouse()
    residents.search(w, user, "warm up")
    timings = {"name with a typo": [], "surname + date of birth": [], "postcode": []}
    for forename, surname, born, postcode in sample:
        cases = {
            "name with a typo": f"{forename or ''} {_typo(surname, rng)}",
            "surname + date of birth": f"{surname} {born}" if born else surname,
            "postcode": postcode or surname,
        }
        for kind, text in cases.items():
            started = time.perf_counter()
            residents.search(w, user, text)
            timings[kind].append((time.perf_counter() - started) * 1000)
    every = [t for ts in timings.values() for t in ts]
    out = {"residents": residents_total, "searches": len(every)}
    for kind, ts in {**timings, "all": every}.items():
        q = statistics.quantiles(ts, n=20)
        out[kind] = {"p50_ms": round(statistics.median(ts), 1), "p95_ms": round(q[18], 1)}
    return out


def bench_pages(warehouse: Path) -> dict:
    from playwright.sync_api import sync_playwright
    from test_dashboard_browser import CHROMIUM, CHROMIUM_FLAGS, StreamlitServer, _wait_for_render

    from dashboards import access
    from warehouse.access.roles import Role, User

    folder = Path(tempfile.mkdtemp(prefix="bench-dashboards-"))
    server = StreamlitServer(warehouse, folder / "streamlit.log")
    server.wait_until_healthy()
    accounts = {"housing.manager": Role.FRONTLINE, "scrutiny": Role.SCRUTINY, "dpo": Role.DPO,
                "engineer": Role.ENGINEER, "analyst": Role.ANALYST}
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
            for name, role in accounts.items():
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(60_000)
                page.goto(server.url)
                page.get_by_label("User name").fill(name)
                page.get_by_label("Password", exact=True).fill(server.passwords[name])
                started = time.perf_counter()
                page.get_by_role("button", name="Sign in").click()
                page.get_by_text(f"Signed in as {name}").wait_for()
                _wait_for_render(page)
                user = User(name, role, "housing" if role is Role.FRONTLINE else None)
                results[f"{name}: {access.landing_page(user).title} (first render)"] = round(time.perf_counter() - started, 2)
                for spec in access.permitted_pages(user):
                    if spec.key in ("frontline_resident", "frontline_property"):
                        continue  # need a chosen resident; timed through search in the browser tests
                    for attempt in ("first", "cached"):
                        started = time.perf_counter()
                        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=spec.title, exact=True).click() if len(access.permitted_pages(user)) > 1 else None
                        page.get_by_role("heading", name=spec.title, exact=True).first.wait_for()
                        _wait_for_render(page)
                        results[f"{name}: {spec.title} ({attempt})"] = round(time.perf_counter() - started, 2)
                page.close()
            browser.close()
    finally:
        server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warehouse", type=Path, default=REPO / "data" / "warehouse.duckdb")
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    search = bench_search(args.warehouse.resolve(), args.searches)
    print(f"Resident search over {search['residents']:,} residents, {search['searches']} searches (housing manager):")
    for kind, figures in search.items():
        if isinstance(figures, dict):
            print(f"  {kind:<26} p50 {figures['p50_ms']:>7.1f} ms   p95 {figures['p95_ms']:>7.1f} ms")
    if not args.no_browser:
        print("Page render in Chromium (sign-in or click to last chart/table drawn):")
        for label, seconds in bench_pages(args.warehouse.resolve()).items():
            print(f"  {label:<60} {seconds:>5.2f} s")


if __name__ == "__main__":
    main()
