"""A small warehouse in the published shape: audit tables and a few staging models.

Built with duckdb directly so the dashboard tests need neither the generator nor the loader.
No personal data: the one rejected record is a made-up sentinel the pages must never show.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

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
        "create table marts.resident_search_names as select name_lower, array_agg(distinct resident_id) as resident_ids "
        "from (select resident_id, lower(forename) as name_lower from marts.dim_resident union all "
        "select resident_id, lower(surname) from marts.dim_resident) where name_lower is not null group by name_lower"
    )
    # A few of staging's abbreviations; the mart itself is tested against staging in test_dbt_project.
    db.execute(
        "create table marts.address_search_abbreviations as select * from (values "
        "('GR', 'GROVE'), ('GRV', 'GROVE'), ('RD', 'ROAD'), ('CT', 'COURT')) as t (abbreviation, expansion)"
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


# --- Demand marts (models/marts/demand/_demand__models.yml), projections and prevention ----------------
# Years 2022-2025; the newest extract (6 January 2025) only reaches into 2025, so pages stop at 2024.
DEMAND_YEARS = (2022, 2023, 2024, 2025)
LAST_COMPLETE_YEAR = 2024
WARD_SHARES = {"E0Abbey": ("Abbey", 0.45), "E0Riverside": ("Riverside", 0.55)}
SEX_SHARES = {"F": ("F", 0.4), "M": ("M", 0.6)}
CHILD_AGES = {"5-10": ("5-10", 0.5), "11-15": ("11-15", 0.5)}
ADULT_AGES = {"26-64": ("26-64", 0.7), "65-74": ("65-74", 0.3)}
# service: (rate per, rate basis, age bands, {measure: (snapshot kind, unit, values by year, own breakdowns)})
DEMAND = {
    "send": (10_000, "per 10,000 residents aged 0-25", CHILD_AGES, {
        "ehc_plans_in_force_january": ("census", "count", (120, 132, 146, 150),
                                       {"primary_need": {"ASD": 0.5, "SEMH": 0.3, "SLCN": 0.2}}),
        "requests_for_assessment": ("event", "count", (60, 66, 72, 6), {}),
        "new_ehc_plans": ("event", "count", (40, 38, 43, 2), {"primary_need": {"ASD": 0.6, "SEMH": 0.4}}),
        # 2024: 41 of 43 within 20 weeks, so the 2 issued late would show through the share.
        "new_ehc_plans_within_20_weeks": ("event", "count", (20, 17, 41, 1), {}),
    }),
    "childrens_social_care": (10_000, "per 10,000 children aged 0-17", CHILD_AGES, {
        "referrals": ("event", "count", (300, 310, 305, 20), {"cin_primary_need": {"N1": 0.6, "N4": 0.4}}),
        "re_referrals_within_12_months": ("event", "count", (60, 62, 61, 5), {}),
        "cp_plans_ended": ("event", "count", (20, 22, 24, 1), {}),
        "cp_plans_ended_lasting_2_years_or_more": ("event", "count", (2, 0, 1, 0), {}),
        "children_looked_after_31_march": ("census", "count", (30, 33, 36, 36), {"legal_status": {"C2": 0.7, "V2": 0.3}}),
    }),
    "adult_social_care": (100_000, "per 100,000 adults aged 18+", ADULT_AGES, {
        "requests_for_support": ("event", "count", (200, 210, 220, 15), {}),
        "people_in_long_term_support_31_march": ("census", "count", (150, 152, 155, 155),
                                                 {"setting": {"Community": 0.8, "Residential": 0.2}}),
    }),
    "housing": (10_000, "per 10,000 adults aged 18+", ADULT_AGES, {
        "homelessness_approaches": ("event", "count", (150, 160, 170, 12), {}),
        "households_in_temporary_accommodation_31_march": ("census", "count", (12, 3, 14, 14), {}),
    }),
    "council_tax": (10_000, "per 10,000 adults aged 18+", ADULT_AGES, {
        "accounts_in_arrears": ("annual", "count", (400, 410, 420, 0), {"valuation_band": {"A": 0.5, "B": 0.5}}),
        "arrears_value": ("annual", "pounds", (100_000.0, 110_000.0, 120_000.0, 0.0), {"valuation_band": {"A": 0.5, "B": 0.5}}),
        "council_tax_reduction_caseload_31_march": ("census", "count", (500, 510, 520, 520), {}),
    }),
}
# Cells that override the shares above. New EHC plans in 2024: 3 in Abbey (under 5), so Riverside's
# 40 must be hidden too, or 43 - 40 gives Abbey away. Arrears: 2 accounts in band A.
DEMAND_OVERRIDES = {
    ("send", "new_ehc_plans", 2024, "ward"): {"E0Abbey": 3, "E0Riverside": 40},
    ("council_tax", "accounts_in_arrears", 2024, "valuation_band"): {"A": 2, "B": 418},
    ("council_tax", "arrears_value", 2024, "valuation_band"): {"A": 900.0, "B": 119_100.0},
}
POPULATION = 10_000  # every service's borough denominator; each category gets its share of it


def _split(value: float, shares: dict[str, float]) -> dict[str, float]:
    """``value`` shared out by ``shares``, whole numbers adding up to it (the last takes the rest)."""
    out, left = {}, value
    for k, (category, share) in enumerate(shares.items()):
        out[category] = left if k == len(shares) - 1 else round(value * share)
        left -= out[category]
    return out


def _rated(amount: float, unit: str, population: int, rate_per: int, basis: str) -> tuple:
    """value, value_unit, population, rate_per, rate_basis, rate: as the mart writes them."""
    counted = unit == "count"
    return (float(amount), unit, population if counted else None, rate_per, basis,
            amount * rate_per / population if counted else None)


def demand_rows() -> tuple[list[tuple], list[tuple]]:
    """fct_demand_yearly and fct_demand_monthly rows: every breakdown adds up to the borough."""
    yearly, monthly = [], []
    labels = {code: name for code, (name, _) in WARD_SHARES.items()}
    for service, (rate_per, basis, ages, measures) in DEMAND.items():
        for measure, (snapshot, unit, values, own) in measures.items():
            breakdowns = {
                "ward": {c: share for c, (_, share) in WARD_SHARES.items()},
                "sex": {c: share for c, (_, share) in SEX_SHARES.items()},
                "age_band": {c: share for c, (_, share) in ages.items()},
                **own,
            }
            for year, value in zip(DEMAND_YEARS, values, strict=True):
                yearly.append((service, measure, year, "all", "all", "all", *_rated(value, unit, POPULATION, rate_per, basis)))
                for breakdown, shares in breakdowns.items():
                    cells = DEMAND_OVERRIDES.get((service, measure, year, breakdown)) or _split(value, shares)
                    for category, amount in cells.items():
                        own_population = breakdown in ("ward", "sex", "age_band")
                        population = round(POPULATION * shares[category]) if own_population else POPULATION
                        yearly.append((service, measure, year, breakdown, category, labels.get(category, category),
                                       *_rated(amount, unit, population, rate_per, basis)))
                if snapshot == "annual":
                    continue
                last_month = 1 if year == DEMAND_YEARS[-1] else 12  # the partial year: January only
                for month in range(1, last_month + 1):
                    if snapshot == "census":
                        amount = value - (month % 3)  # a stock at each month end
                    else:
                        amount = value // 12 + (1 if month <= value % 12 else 0)
                    monthly.append((service, measure, year, date(year, month, 1), "all", "all", "all",
                                    *_rated(amount, unit, POPULATION, rate_per, basis)))
    return yearly, monthly


# Residents (households) known to 1, 2, 3 and 4+ services each year: the 2 known to 4+ are under 5,
# so the 8 known to 3 are hidden with them, and so is every combination of three or more services.
CROSS_SERVICE_COUNTS = {"1": 900, "2": 120, "3": 8, "4+": 2}
COMBINATIONS = {
    "council_tax + housing": 100, "housing + send": 17, "childrens_social_care + send": 3,
    "adult_social_care + council_tax + housing": 6, "childrens_social_care + housing + send": 2,
    "adult_social_care + childrens_social_care + council_tax + housing": 2,
}
PROJECTIONS = {
    ("send", "ehc_plans_in_force_january"): [(2025, 158.0, 150.0, 166.0, 146.0, 170.0),
                                             (2026, 170.0, 158.0, 182.0, 152.0, 188.0),
                                             (2027, 181.0, 166.0, 196.0, 158.0, 204.0)],
    ("childrens_social_care", "children_looked_after_31_march"): [(2025, 37.0, 33.0, 41.0, 31.0, 43.0),
                                                                  (2026, 38.0, 33.0, 43.0, 30.0, 46.0),
                                                                  (2027, 38.0, 32.0, 44.0, 29.0, 47.0)],
}


def add_demand_marts(db: duckdb.DuckDBPyConnection) -> None:
    columns = ("service varchar, measure varchar, year integer, {month}breakdown varchar, category varchar, "
               "category_label varchar, value double, value_unit varchar, population bigint, rate_per integer, "
               "rate_basis varchar, rate double")
    db.execute(f"create table marts.fct_demand_yearly ({columns.format(month='')})")
    db.execute(f"create table marts.fct_demand_monthly ({columns.format(month='month_start date, ')})")
    for table, rows in zip(("fct_demand_yearly", "fct_demand_monthly"), demand_rows(), strict=True):
        frame = pd.DataFrame(rows)  # many rows: one insert from a frame, not one per row
        db.register("_rows", frame)
        db.execute(f"insert into marts.{table} select * from _rows")
        db.unregister("_rows")
    db.execute("create table marts.fct_cross_service_counts (year integer, unit varchar, services_known_to varchar, "
               "value bigint, share double)")
    db.executemany(
        "insert into marts.fct_cross_service_counts values (?, ?, ?, ?, ?)",
        [(y, unit, k, v, v / sum(CROSS_SERVICE_COUNTS.values())) for y in DEMAND_YEARS
         for unit in ("resident", "household") for k, v in CROSS_SERVICE_COUNTS.items()],
    )
    db.execute("create table marts.fct_cross_service_combinations (year integer, unit varchar, combination varchar, "
               "services_known_to integer, value bigint, rank_in_year integer)")
    ranked = sorted(COMBINATIONS.items(), key=lambda kv: -kv[1])
    db.executemany(
        "insert into marts.fct_cross_service_combinations values (?, ?, ?, ?, ?, ?)",
        [(y, unit, c, c.count("+") + 1, v, rank) for y in DEMAND_YEARS for unit in ("resident", "household")
         for rank, (c, v) in enumerate(ranked, start=1)],
    )
    db.execute("create schema if not exists reference")
    db.execute("create table reference.sen2_primary_need_codes as select * from (values "
               "('ASD', 'Autistic spectrum disorder'), ('SEMH', 'Social, emotional and mental health'), "
               "('SLCN', 'Speech, language and communication needs')) as t(code, description)")
    db.execute("create schema if not exists projections")
    db.execute("create table projections.demand_projections (service varchar, measure varchar, year bigint, "
               "projected double, lower_80 double, upper_80 double, lower_95 double, upper_95 double)")
    db.executemany("insert into projections.demand_projections values (?, ?, ?, ?, ?, ?, ?, ?)",
                   [(s, m, *row) for (s, m), rows in PROJECTIONS.items() for row in rows])
    db.execute("create table projections.demand_projection_backtests as select * from (values "
               "('send', 'ehc_plans_in_force_january', '2016-2021', 0.031, 4.2, 3), "
               "('childrens_social_care', 'children_looked_after_31_march', '2016-2021', 0.12, 4.0, 2)) "
               "as t(service, measure, trained_on, mape, mae, within_95_interval)")


# The prevention list, scored on 30 November 2025. Ann and Bob's house is flagged first, for rent
# arrears, council tax arrears and a child's referral to children's social care (which only an
# agreement covering that system may show); Carla's flat second; a Crowd Street house third.
SCORED_ON = date(2025, 11, 30)
SCORECARD = {
    # feature: (description, points)
    "rent_arrears": ("In rent arrears at the last month end", 15),
    "rent_arrears_8_weeks": ("Rent arrears of 8 weeks or more", 36),
    "rent_notice_or_court": ("Rent recovery has reached a notice of seeking possession or beyond", 22),
    "council_tax_arrears": ("Council tax arrears for the last financial year", 32),
    "council_tax_liability_order": ("Council tax recovery has reached a liability order or beyond", 1),
    "council_tax_reduction": ("Receives council tax reduction (low income)", 24),
    "moved_in_last_2_years": ("Moved to this address in the last two years", -2),
    "single_adult_with_children": ("One adult living with children", 4),
    "three_or_more_children": ("Three or more children in the household", -4),
    "childrens_social_care_last_year": ("A member was referred to children's social care in the last year", 2),
    "adult_social_care_last_year": ("A member was in contact with adult social care in the last year", -6),
    "previous_homelessness_approach": ("A member approached the council as homeless in the last three years", 0),
}
def _first_starter(service: str) -> int:
    """The resident id add_residents_marts gives the first resident starting ``service``."""
    rid = 1000
    for (starting, _), count in STARTS.items():
        if starting == service:
            return rid + 1
        rid += count
    raise KeyError(service)


HOMELESS_APPLICANT = _first_starter("homelessness")  # known to housing; shares a house with a council tax payer
CROWD_HOUSE = PROPERTIES[2 + HOMELESS_APPLICANT % 60][0]
AT_RISK = [
    # uprn, ward, rank, the facts that hold
    (HOUSE, "Abbey", 1, {"rent_arrears", "rent_arrears_8_weeks", "council_tax_arrears", "childrens_social_care_last_year",
                         "moved_in_last_2_years"}),
    (FLAT, "Riverside", 2, {"council_tax_reduction", "single_adult_with_children"}),
    (CROWD_HOUSE, "Abbey" if CROWD_HOUSE % 2 else "Riverside", 3, {"rent_arrears"}),
]
MODEL_CARD = "# Model card: households at risk of homelessness\n\n## Purpose\nA prompt for a conversation, never a decision.\n"


def add_prevention(db: duckdb.DuckDBPyConnection) -> None:
    db.execute("create schema if not exists prevention; create schema if not exists intermediate")
    db.execute(
        "create table intermediate.int_resident_addresses as select resident_id, current_uprn as uprn, "
        "'housing' as source_system, date '2015-04-01' as started_on, date '2025-12-01' as ended_on, true as is_open "
        "from marts.dim_resident"
    )
    features = ", ".join(f"{f} boolean" for f in SCORECARD)
    db.execute(f"create table prevention.households_at_risk (reference_on timestamp, uprn bigint, ward_code varchar, "
               f"members bigint, children bigint, score double, probability double, rank bigint, reasons varchar, {features})")
    for uprn, ward, rank, facts in AT_RISK:
        members = db.execute("select count(*) from marts.dim_resident where current_uprn = ?", [uprn]).fetchone()[0]
        score = -30.0 + sum(SCORECARD[f][1] for f in facts)
        reasons = "; ".join(SCORECARD[f][0] for f in sorted(facts, key=lambda f: -SCORECARD[f][1]) if SCORECARD[f][1] > 0)
        db.execute(
            f"insert into prevention.households_at_risk values ({', '.join('?' * (9 + len(SCORECARD)))})",
            [SCORED_ON, uprn, "E0" + ward, members, 0, score, 0.3 / rank, rank, reasons, *[f in facts for f in SCORECARD]],
        )
    db.execute("create table prevention.scorecard (feature varchar, description varchar, coefficient double, points bigint)")
    db.executemany("insert into prevention.scorecard values (?, ?, ?, ?)",
                   [(f, d, p / 28.85, p) for f, (d, p) in SCORECARD.items()])
    db.execute("create table prevention.model_card as select ? as markdown", [MODEL_CARD])


def build_warehouse_with_demand(path: Path) -> Path:
    """The residents warehouse plus the demand marts, projections and the prevention list."""
    build_warehouse_with_residents(path)
    with duckdb.connect(str(path)) as db:
        add_demand_marts(db)
        add_prevention(db)
    return path
