"""A small warehouse in the published shape: audit tables and a few staging models.

Built with duckdb directly so the dashboard tests need neither the generator nor the loader.
No personal data: the one rejected record is a made-up sentinel the pages must never show.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import duckdb

from warehouse.loading import AUDIT_DDL

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"

# Stands in for the rejected row as the vendor wrote it. It must never reach a page.
RAW_RECORD_SENTINEL = "SENTINEL-PERSONAL-DATA Jane Q Public 01/02/1980"

# (system, table, file, extract date, rows in file, loaded, rejected, status, error, loaded at)
LOAD_LOG = [
    (
        "housing",
        "tenancies",
        "housing/2024-01-01/tenancies.csv",
        date(2024, 1, 1),
        1200,
        1195,
        5,
        "loaded",
        None,
        datetime(2026, 1, 5, 9, 0),
    ),
    (
        "housing",
        "tenancies",
        "housing/2024-04-01/tenancies.csv",
        date(2024, 4, 1),
        80,
        80,
        0,
        "loaded",
        None,
        datetime(2026, 1, 5, 9, 1),
    ),
    (
        "revenues",
        "council_tax_accounts",
        "revenues/2024-01-15/council_tax_accounts.csv",
        date(2024, 1, 15),
        3000,
        2998,
        2,
        "loaded",
        None,
        datetime(2026, 1, 5, 9, 2),
    ),
    (
        "revenues",
        "council_tax_accounts",
        "revenues/2024-05-15/council_tax_accounts.csv",
        date(2024, 5, 15),
        0,
        0,
        0,
        "failed",
        "revenues/2024-05-15/council_tax_accounts.csv row 17, column Account Ref: truncated row",
        datetime(2026, 1, 5, 9, 3),
    ),
    (
        "gazetteer",
        "llpg",
        "gazetteer/2024-01-01/llpg.csv",
        date(2024, 1, 1),
        500,
        500,
        0,
        "loaded",
        None,
        datetime(2026, 1, 5, 9, 4),
    ),
]
ROWS_LOADED = 1195 + 80 + 2998 + 500  # 4,773
ROWS_REJECTED = 5 + 2
ROWS_IN_FILES = 1200 + 80 + 3000 + 500  # 4,780
FAILED_ERROR = "row 17, column Account Ref: truncated row"

# (file, system, table, row number, column, reason)
REJECTS = [
    *[
        (
            "housing/2024-01-01/tenancies.csv",
            "housing",
            "tenancies",
            row,
            "tenancy_start",
            "not a date",
        )
        for row in (12, 40, 41, 90)
    ],
    ("housing/2024-01-01/tenancies.csv", "housing", "tenancies", 300, "uprn", "not a number"),
    *[
        (
            "revenues/2024-01-15/council_tax_accounts.csv",
            "revenues",
            "council_tax_accounts",
            row,
            "band",
            "unknown code",
        )
        for row in (7, 8)
    ],
]

STAGING_ROWS = {"stg_housing__tenancies": 1210, "stg_revenues__council_tax_accounts": 2998}

LLPG = [
    # (uprn, ward_name, classification_code)
    *[(100 + i, "Abbey", "RD04") for i in range(6)],
    *[(200 + i, "Abbey", "RD06") for i in range(4)],
    (300, "Abbey", "PP"),
    *[(400 + i, "Riverside", "RD03") for i in range(3)],
    *[(500 + i, "Riverside", "CR08") for i in range(2)],
]


def build_warehouse(path: Path, *, with_builds: bool = True, staging_scale: int = 1) -> Path:
    """Write the fixture warehouse to a new file, then replace ``path`` with it, as a build does."""
    building = path.with_name(path.name + ".building")
    building.unlink(missing_ok=True)
    with duckdb.connect(str(building)) as db:
        db.execute(AUDIT_DDL)  # the real audit schema, so the fixture cannot drift from it
        db.executemany(
            "insert into audit.load_log values (?, ?, ?, sha256(?), ?, ?, ?, ?, ?, ?, null, ?, 0.5)",
            [
                (s, t, f, f, d, n, ok, bad, status, err, at)
                for s, t, f, d, n, ok, bad, status, err, at in LOAD_LOG
            ],
        )
        db.executemany(
            "insert into audit.rejects values (?, sha256(?), ?, ?, ?, ?, ?, ?)",
            [(f, f, s, t, r, c, why, RAW_RECORD_SENTINEL) for f, s, t, r, c, why in REJECTS],
        )
        if with_builds:
            db.execute(
                """
                insert into audit.builds values
                    ('b1', '2026-01-04 08:00', '2026-01-04 08:20', 'published', 'abc1234'),
                    ('b2', '2026-01-05 08:55', '2026-01-05 09:10', 'published', 'def5678')
                """
            )
        db.execute("create schema main_staging")
        for model, rows in STAGING_ROWS.items():
            db.execute(
                f"create table main_staging.{model} as "
                f"select range as id, 'x' as note from range({rows * staging_scale})"
            )
        db.execute(
            "create table main_staging.stg_gazetteer__llpg "
            "(uprn bigint, ward_name varchar, classification_code varchar)"
        )
        db.executemany("insert into main_staging.stg_gazetteer__llpg values (?, ?, ?)", LLPG)
        db.execute(
            "create view main_staging.stg_send__plans as select * from range(42) as t(plan_id)"
        )
        # Not staging models: the page must not list them.
        db.execute("create table main_staging.staging_helper as select 1 as x")
        db.execute("create table raw.stgx as select 1 as x")
    os.replace(building, path)
    return path


STAGING_MODELS = {**STAGING_ROWS, "stg_gazetteer__llpg": len(LLPG), "stg_send__plans": 42}
