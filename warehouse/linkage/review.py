"""Clerical review decisions, kept outside the rebuilt warehouse so they survive every rebuild.

``<state>/review_decisions.csv``: one row per decision, the latest per pair wins. ``accept``
links the two records whatever the model or the rules say; ``reject`` keeps them in different
residents, even through a third record.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb

DECISIONS_FILE = "review_decisions.csv"
COLUMNS = ("person_record_key_l", "person_record_key_r", "decision", "decided_by", "decided_at", "note")
DECISIONS = ("accept", "reject")


def decisions_path(state_dir: Path) -> Path:
    return Path(state_dir) / DECISIONS_FILE


def record_decision(state_dir: Path, key_a: str, key_b: str, decision: str, decided_by: str, note: str = "") -> None:
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
    if key_a == key_b:
        raise ValueError("a record cannot be reviewed against itself")
    path = decisions_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(COLUMNS)
        low, high = sorted((key_a, key_b))
        writer.writerow([low, high, decision, decided_by, dt.datetime.now().isoformat(timespec="seconds"), note])


def load_decisions(con: duckdb.DuckDBPyConnection, state_dir: Path) -> int:
    """Temp table ``_decisions(key_l, key_r, decision)``, the latest decision per pair."""
    con.execute("create or replace temp table _decisions (key_l varchar, key_r varchar, decision varchar)")
    path = decisions_path(state_dir)
    if not path.exists():
        return 0
    con.execute("""
        insert into _decisions
        select least(person_record_key_l, person_record_key_r), greatest(person_record_key_l, person_record_key_r), decision
        from (select *, row_number() over () as line from read_csv(?, all_varchar = true, header = true))
        where decision in ('accept', 'reject')
        -- The file is appended to: the last line about a pair is the analyst's latest word.
        qualify row_number() over (
            partition by least(person_record_key_l, person_record_key_r), greatest(person_record_key_l, person_record_key_r)
            order by line desc) = 1
    """, [str(path)])
    return con.execute("select count(*) from _decisions").fetchone()[0]
