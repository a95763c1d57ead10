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
        "housing/2025-01-06/tenancies.csv",
        date(2025, 1, 6),  # a delta into the new year: 2024 is complete, 2025 is not
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


# --- Residents marts (the linkage issue's contract, models/marts/residents/_residents__models.yml) ---
# Ann and Bob Lee share a house; Ann is known to housing and revenues, Bob only to revenues.
# Carla Smith is a child known to children's social care and SEND. No real person.
ANN, BOB, CARLA = 1, 2, 3
HOUSE, FLAT = 100000000101, 100000000202
PROPERTIES = [
    # uprn, parent, address, postcode, class, ward
    (HOUSE, None, "21 Ash Grove, Kingsmere, KQ1 1AA", "KQ1 1AA", "RD04", "Abbey"),
    (FLAT, 100000000200, "Flat 2, Elm Court, Kingsmere, KQ2 2BB", "KQ2 2BB", "RD06", "Riverside"),
    *[(100000001000 + i, None, f"{i} Crowd Street, Kingsmere, KQ3 3CC", "KQ3 3CC", "RD03", "Abbey" if i % 2 else "Riverside")
      for i in range(1, 61)],
]
NAMED = [
    # resident, forename, surname, birth date, sex, uprn, systems, source records
    (ANN, "Ann", "Lee", date(1980, 2, 1), "F", HOUSE, ["housing", "revenues"], [("housing", "persons", "P1"), ("revenues", "liable_parties", "LP1")]),
    (BOB, "Bob", "Lee", date(1978, 6, 9), "M", HOUSE, ["revenues"], [("revenues", "liable_parties", "LP2")]),
    (CARLA, "Carla", "Smith", date(2012, 9, 30), "F", FLAT, ["childrens_social_care", "send"],
     [("childrens_social_care", "children", "C1"), ("send", "persons", "S1")]),
]
# Residents starting each service in each year: small counts on purpose, so pages must suppress.
STARTS = {
    ("council_tax", 2023): 40, ("council_tax", 2024): 46,
    ("homelessness", 2023): 12, ("homelessness", 2024): 3,
    ("looked_after", 2023): 6, ("looked_after", 2024): 7,
    ("council_tax", 2025): 9,  # the partial year the newest extract reaches into
}
SERVICE_SYSTEM = {"council_tax": "revenues", "homelessness": "housing", "looked_after": "childrens_social_care"}


def add_residents_marts(db: duckdb.DuckDBPyConnection) -> None:
    db.execute("create schema if not exists marts; create schema if not exists linkage")
    db.execute(
        "create table marts.dim_property (uprn bigint, parent_uprn bigint, usrn bigint, address varchar, "
        "postcode varchar, classification_code varchar, is_flat boolean, ward_code varchar, ward_name varchar, "
        "lsoa_code varchar, x_coordinate double, y_coordinate double, is_current boolean)"
    )
    db.executemany(
        "insert into marts.dim_property values (?, ?, 1, ?, ?, ?, ? = 'RD06', 'E0' || ?, ?, 'E01', 0, 0, true)",
        [(u, p, a, pc, c, c, w, w) for u, p, a, pc, c, w in PROPERTIES],
    )
    residents, records, spells = [], [], []
    for rid, forename, surname, born, sex, uprn, systems, recs in NAMED:
        residents.append((rid, forename, surname, born, sex, uprn, systems))
        records += [(s, t, r, rid, 20.0 if len(recs) > 1 else None) for s, t, r in recs]
    spells += [
        (ANN, "council_tenancy", "housing", "P1", "tenant", date(2015, 4, 1), None),
        (ANN, "council_tax", "revenues", "LP1", "liable", date(2015, 4, 1), None),
        (BOB, "council_tax", "revenues", "LP2", "liable", date(2016, 1, 1), None),
        (CARLA, "children_in_need", "childrens_social_care", "C1", "N1 abuse or neglect", date(2020, 3, 2), date(2021, 1, 5)),
        (CARLA, "ehc_plan", "send", "S1", "ASD", date(2021, 6, 1), None),
    ]
    rid = 1000
    for (service, year), count in STARTS.items():
        system = SERVICE_SYSTEM[service]
        for k in range(count):
            rid += 1
            uprn = PROPERTIES[2 + rid % 60][0]
            residents.append((rid, f"Person{rid}", "Crowd", date(1990 if service != "looked_after" else 2015, 1, 1), "M", uprn, [system]))
            records.append((system, "persons", f"X{rid}", rid, None))
            spells.append((rid, service, system, f"X{rid}", "", date(year, 1 + k % 12, 1), None))
    db.execute(
        "create table marts.dim_resident (resident_id bigint, forename varchar, surname varchar, birth_date date, "
        "sex varchar, died_on date, current_uprn bigint, current_address_since date, known_to_systems varchar[], "
        "services varchar[], source_records bigint, first_seen_on date, last_seen_on date, has_nhs_number boolean, "
        "has_ni_number boolean, has_upn boolean)"
    )
    db.executemany(
        "insert into marts.dim_resident values (?, ?, ?, ?, ?, null, ?, date '2015-04-01', ?, [], 1, "
        "date '2015-04-01', date '2025-12-01', false, false, false)",
        residents,
    )
    db.execute(
        "create table marts.bridge_resident_source_record (source_system varchar, source_table varchar, "
        "source_record_id varchar, resident_id bigint, match_weight double)"
    )
    db.executemany("insert into marts.bridge_resident_source_record values (?, ?, ?, ?, ?)", records)
    db.execute(
        "create table marts.fct_service_involvement (resident_id bigint, service varchar, source_system varchar, "
        "source_record_id varchar, detail varchar, started_on date, ended_on date, is_open boolean)"
    )
    db.executemany(
        "insert into marts.fct_service_involvement values (?, ?, ?, ?, ?, ?, ?, ? is null)",
        [(*s, s[-1]) for s in spells],
    )
    db.execute(
        "create table marts.dim_household as select current_uprn || '-1' as household_id, current_uprn as uprn, "
        "date '2015-04-01' as formed_on, null::date as ended_on, true as is_current, count(*) as residents, "
        "list(resident_id order by resident_id) as resident_ids from marts.dim_resident group by current_uprn"
    )
    db.execute(
        "create table linkage.resident_links as select 'housing:P1' as person_record_key_l, "
        "'revenues:LP1' as person_record_key_r, 20.0 as match_weight, 0.9999 as match_probability, "
        "'model' as basis, true as same_resident, false as refused_by_rule, null as refusal_rule, "
        "'surname exact +8.3; forename exact +7.8; date of birth exact +9.1' as explanation"
    )


def build_warehouse_with_residents(path: Path) -> Path:
    build_warehouse(path)
    with duckdb.connect(str(path)) as db:
        add_residents_marts(db)
    return path
