"""A nightly (incremental) staging build gives exactly the tables a full rebuild gives, and
restages only the records the new delivery touches (macros/incremental_staging.sql).

On a small generated borough: load every extract but the newest and build staging; load the
newest delta and build staging again, incrementally; build a copy of the same warehouse with
--full-refresh; every staging table must match row for row. Before the nightly build every staged
row is marked (its extract_date moved 1000 years on): a row the nightly build leaves alone keeps
the mark, so the marks left show how much it rewrote; a full rebuild would leave none.

Beside the generator's delta, a few hand-made files (loaded by the loader like any other) cover
the keys staging normalises: a person ref delivered padded with spaces (" P1 " stages as "P1",
the same key as an earlier, untouched record) and council tax discount codes written as
placeholders ("N/A" then "UNKNOWN" stage as a null code: the key must match null-safely).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse import sources
from warehouse.loading import discover, ensure_schemas, load_file

ROOT = Path(__file__).resolve().parents[2]
NEWEST = dt.date(2026, 1, 5)
MARK = "interval 1000 year"
PERSONS = sources.table("housing", "persons")
DISCOUNTS = sources.table("revenues", "discounts")


def load(data: Path, warehouse: Path, newest: bool) -> None:
    """Load the newest extract date's files, or every earlier one, as the build's ingest does."""
    with duckdb.connect(str(warehouse)) as con:
        ensure_schemas(con)
        for table in sources.TABLES:
            for extract in discover(data, table):
                if (extract.extract_date >= NEWEST) == newest:
                    assert load_file(con, table, extract).status == "loaded", extract.relative_path


def dbt(warehouse: Path, tmp: Path, *args: str) -> list[dict]:
    """dbt in a subprocess, as the orchestration runs it; seeds and staging only. Data tests are
    left out: the hand-made rows break uniqueness on purpose."""
    target = tmp / f"target_{warehouse.stem}"
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"), "build", *args, "--project-dir", str(ROOT),
            "--profiles-dir", str(ROOT), "--target-path", str(target), "--log-path", str(tmp / "logs"),
            "--select", "path:seeds", "path:models/staging", "--exclude-resource-type", "test",
        ],
        env={**os.environ, "COUNCIL_BUILD_WAREHOUSE": str(warehouse)},
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert completed.returncode == 0, completed.stdout[-5000:]
    return json.loads((target / "run_results.json").read_text())["results"]


def rows_of(data: Path, table: sources.SourceTable, extract_date: str) -> tuple[list[str], list[list[str]]]:
    path = data / "extracts" / table.system / extract_date / table.file_name
    with path.open(encoding=table.encoding, newline="") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def deliver_extra(data: Path, table: sources.SourceTable, extract_date: str, header, rows) -> None:
    """A second file of the table on that date, as a vendor's corrected resend would arrive."""
    path = data / "extracts" / table.system / extract_date / f"{table.table}.resend.{table.file_format}"
    with path.open("w", encoding=table.encoding, newline="") as f:
        csv.writer(f).writerows([header, *rows])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental_staging")
    data = tmp / "borough"
    generated = subprocess.run(
        [sys.executable, "-m", "warehouse.cli", "generate", "--residents", "1500", "--seed", "11", "--out", str(data)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert generated.returncode == 0, generated.stderr[-3000:]

    # Discount codes written as placeholders, one before the nightly build, one in it: the same
    # staged key (account, null code, start date) from two raw keys.
    header, full = rows_of(data, DISCOUNTS, "2025-12-01")
    discount, code = full[0], header.index("DISCOUNT_CODE")
    deliver_extra(data, DISCOUNTS, "2025-12-15", header, [[*discount[:code], "N/A", *discount[code + 1:]]])
    deliver_extra(data, DISCOUNTS, NEWEST.isoformat(), header, [[*discount[:code], "UNKNOWN", *discount[code + 1:]]])
    # A person ref padded with spaces, for a person no delivery since the full extract touched,
    # and a correction of a row delivered earlier the same day (the later delivery must win).
    header, full = rows_of(data, PERSONS, "2025-12-01")
    _, delta = rows_of(data, PERSONS, NEWEST.isoformat())
    later = {r[0] for d in ("2025-12-15", NEWEST.isoformat()) for r in rows_of(data, PERSONS, d)[1]}
    untouched = next(r for r in full if r[0] not in later)
    forename = header.index("FORENAME")
    corrected = [*delta[0][:forename], "Corrected", *delta[0][forename + 1:]]
    deliver_extra(data, PERSONS, NEWEST.isoformat(), header, [[f" {untouched[0]} ", *untouched[1:]], corrected])

    nightly, full_build = tmp / "nightly.duckdb", tmp / "full.duckdb"
    load(data, nightly, newest=False)
    dbt(nightly, tmp)
    load(data, nightly, newest=True)
    shutil.copy(nightly, full_build)
    with duckdb.connect(str(nightly), read_only=True) as con:
        delivered = {  # raw rows from the newest extract date, by staging model
            f"stg_{t.system}__{t.table}": con.execute(
                f"select count(*) from raw.{t.raw_table} where _extract_date >= ?", [NEWEST]).fetchone()[0]
            for t in sources.TABLES
        }

    with duckdb.connect(str(nightly)) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'staging' order by 1").fetchall()]
        before = {t: con.execute(f"select count(*) from staging.{t}").fetchone()[0] for t in tables}
        for t in tables:
            con.execute(f"update staging.{t} set extract_date = extract_date + {MARK}")
    nightly_results = dbt(nightly, tmp)
    with duckdb.connect(str(nightly)) as con:
        kept = {t: con.execute(f"select count(*) from staging.{t} where year(extract_date) > 2500").fetchone()[0]
                for t in tables}
        after = {t: con.execute(f"select count(*) from staging.{t}").fetchone()[0] for t in tables}
        for t in tables:
            con.execute(f"update staging.{t} set extract_date = extract_date - {MARK} where year(extract_date) > 2500")
    dbt(full_build, tmp, "--full-refresh")

    return {
        "nightly": nightly, "full": full_build, "tables": tables, "results": nightly_results,
        "before": before, "after": after, "kept": kept, "delivered": delivered,
        "untouched_person": untouched[0].strip(), "corrected": delta[0][0].strip(),
        "discount": (discount[0].strip(), dt.datetime.strptime(discount[2], "%d/%m/%Y").date()),
    }


def test_every_staging_model_is_incremental_and_ran_incrementally(built):
    models = [r for r in built["results"] if r["unique_id"].startswith("model.") and ".stg_" in r["unique_id"]]
    assert {r["unique_id"].rsplit(".", 1)[1] for r in models} == set(built["tables"])
    assert len(built["tables"]) == len(sources.TABLES)
    for r in models:
        assert r["status"] == "success"
        compiled = r["compiled_code"]
        assert "staging_state.staged_files" in compiled, r["unique_id"]  # the incremental branch


def test_nightly_tables_equal_a_full_rebuild(built):
    with duckdb.connect() as con:
        con.execute(f"attach '{built['nightly']}' as nightly (read_only)")
        con.execute(f"attach '{built['full']}' as full_build (read_only)")
        for table in built["tables"]:
            columns = {
                db: con.execute(
                    "select list(column_name order by column_index) from duckdb_columns() "
                    "where database_name = ? and schema_name = 'staging' and table_name = ?", [db, table],
                ).fetchone()[0]
                for db in ("nightly", "full_build")
            }
            assert columns["nightly"] == columns["full_build"], table
            nightly, full = f"nightly.staging.{table}", f"full_build.staging.{table}"
            counts = [con.execute(f"select count(*) from {t}").fetchone()[0] for t in (nightly, full)]
            assert counts[0] == counts[1] > 0, table
            for left, right in ((nightly, full), (full, nightly)):
                extra = con.execute(f"select count(*) from (from {left} except all from {right})").fetchone()[0]
                assert extra == 0, f"{table}: {extra} rows of {left} not in {right}"


def test_the_nightly_build_restages_only_what_the_delivery_touches(built):
    before, after, kept, delivered = built["before"], built["after"], built["kept"], built["delivered"]
    written = {t: after[t] - kept[t] for t in built["tables"]}
    assert {t for t in built["tables"] if delivered[t]} >= {"stg_housing__persons", "stg_revenues__discounts"}
    for table in built["tables"]:
        if delivered[table]:
            assert 0 < written[table], table
        else:  # no rows since the last build (no file, or an empty one): nothing restaged
            assert written[table] == 0 and kept[table] == before[table], table
    assert sum(written.values()) < 0.1 * sum(after.values()), written


def test_normalised_and_null_keys_are_restaged_with_every_raw_key_behind_them(built):
    with duckdb.connect(str(built["nightly"]), read_only=True) as con:
        padded = con.execute(
            "select count(*) from staging.stg_housing__persons where person_ref = ?", [built["untouched_person"]]
        ).fetchone()[0]
        assert padded == 2  # the untouched record and the padded one: both raw keys restaged
        forename = con.execute(
            "select forename from staging.stg_housing__persons where person_ref = ?", [built["corrected"]]
        ).fetchone()[0]
        assert forename == "Corrected"
        null_codes = con.execute(
            "select count(*) from staging.stg_revenues__discounts "
            "where account_ref = ? and started_on = ? and discount_code is null", list(built["discount"]),
        ).fetchone()[0]
        assert null_codes == 2  # "N/A" then "UNKNOWN": one row each, the first not kept twice
