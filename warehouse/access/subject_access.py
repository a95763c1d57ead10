"""Everything the warehouse holds about one resident, across systems: a subject access export.

Starts from the resident's source records (the linkage bridge), takes every staging row that
names one of them by its system's person key, then every row that shares a case, tenancy,
account, referral, request or plan with those rows (rent arrears of their tenancy, arrears on
their council tax account, ...). Marts rows about the resident come too, and any prevention
flag on a household they lived in. Raw tables and
rejected rows are left out: staging keeps the latest version of every raw row, cleaned.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd

Runner = Callable[[str, list], pd.DataFrame]

# Columns through which a source table names a person, per system.
PERSON_KEYS = ("person_ref", "party_ref", "person_id", "child_id")
# Columns that tie a row to a case, account or episode the person's rows already name.
LINK_KEYS = ("tenancy_ref", "account_ref", "case_ref", "referral_id", "request_id", "plan_id")
MARTS = {
    "dim_resident": "resident_id = ?",
    "bridge_resident_source_record": "resident_id = ?",
    "fct_service_involvement": "resident_id = ?",
    "dim_household": "list_contains(resident_ids, ?)",
    # Profiling is personal data too (UK GDPR Article 15): a flag on a household the resident
    # lived in on the day it was scored.
    "households_at_risk": """exists (
        select 1 from intermediate.int_resident_addresses home
        where home.resident_id = ? and home.uprn = households_at_risk.uprn
          and cast(households_at_risk.reference_on as date) between home.started_on and home.ended_on)""",
}


def _q(schema: str, name: str) -> str:
    return f'"{schema}"."{name}"'


def collect(run: Runner, resident_id: int) -> dict[str, pd.DataFrame]:
    tables = run(
        "select table_schema, table_name from information_schema.tables where table_catalog = current_database()", []
    )
    where = {name: schema for schema, name in zip(tables["table_schema"], tables["table_name"], strict=True)}
    out: dict[str, pd.DataFrame] = {}
    for mart, condition in MARTS.items():
        if mart in where:
            out[mart] = run(f"select * from {_q(where[mart], mart)} where {condition}", [resident_id])
    records = out.get("bridge_resident_source_record", pd.DataFrame(columns=["source_system", "source_record_id"]))
    ids_by_system = records.groupby("source_system")["source_record_id"].apply(list).to_dict()
    staging = sorted(name for name in where if name.startswith("stg_") and "__" in name)
    columns = run(
        "select table_name, column_name from information_schema.columns where table_catalog = current_database()", []
    ).groupby("table_name")["column_name"].apply(set).to_dict()
    linked: dict[str, set] = {key: set() for key in LINK_KEYS}
    for name in staging:  # first pass: rows that name the person
        system = name.removeprefix("stg_").split("__")[0]
        ids = ids_by_system.get(system)
        keys = [k for k in PERSON_KEYS if k in columns.get(name, set())]
        if not ids or not keys:
            continue
        condition = " or ".join(f"list_contains(?, cast({k} as varchar))" for k in keys)
        rows = run(f"select * from {_q(where[name], name)} where {condition}", [ids] * len(keys))
        if not rows.empty:
            out[name] = rows
            for key in LINK_KEYS:
                if key in rows.columns:
                    linked[key].update(str(v) for v in rows[key].dropna())
    for name in staging:  # second pass: rows tied to their cases, tenancies and accounts
        system = name.removeprefix("stg_").split("__")[0]
        if system not in ids_by_system or name in out:
            continue
        keys = [k for k in LINK_KEYS if k in columns.get(name, set()) and linked[k]]
        if not keys:
            continue
        condition = " or ".join(f"list_contains(?, cast({k} as varchar))" for k in keys)
        rows = run(f"select * from {_q(where[name], name)} where {condition}", [sorted(linked[k]) for k in keys])
        if not rows.empty:
            out[name] = rows
    return out


def to_xlsx(tables: dict[str, pd.DataFrame], resident_id: int, requested_by: str) -> bytes:
    """One workbook: a cover sheet, then one sheet per table (Excel's 31-character names)."""
    cover = pd.DataFrame(
        {
            "item": ["resident", "prepared at (UTC)", "prepared by", "tables", "rows"],
            "value": [
                resident_id,
                datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
                requested_by,
                len(tables),
                sum(len(t) for t in tables.values()),
            ],
        }
    )
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        cover.to_excel(writer, sheet_name="subject access request", index=False)
        for name, table in tables.items():
            plain = table.copy()
            for column in plain.columns:
                if plain[column].map(lambda v: isinstance(v, list | tuple) or hasattr(v, "tolist")).any():
                    plain[column] = plain[column].map(lambda v: ", ".join(map(str, list(v))) if v is not None else "")
                if isinstance(plain[column].dtype, pd.DatetimeTZDtype):
                    plain[column] = plain[column].dt.tz_localize(None)
            plain.to_excel(writer, sheet_name=name.removeprefix("stg_")[:31], index=False)
    return buffer.getvalue()
