"""Stable resident ids across rebuilds.

The warehouse is rebuilt from the extracts every time, so the ids live apart from it, in the
state folder (``Settings.state_dir``): ``resident_ids.csv`` maps every person record ever seen to
its resident, ``resident_id_changes.csv`` is the log of merges and splits.

On each run every new cluster takes the previous id most of its records had (largest overlap
first, the older id on a tie), so a new extract adds residents without renumbering anyone. A
cluster whose records held no id gets a new one. When two previous residents now form one, the
id not kept is logged as ``merge``; when a previous resident's records now form several, those
that moved away are logged as ``split``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from warehouse.files import replace_durably

IDS_FILE = "resident_ids.csv"
CHANGES_FILE = "resident_id_changes.csv"


def assign_resident_ids(con: duckdb.DuckDBPyConnection, state_dir: Path, clusters_table: str) -> dict[str, int]:
    """``clusters_table(unique_id, cluster)`` -> temp table ``_resident_ids(unique_id, resident_id)``,
    the state files updated and ``linkage.resident_id_changes`` written. Returns change counts."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    ids_path, changes_path = state_dir / IDS_FILE, state_dir / CHANGES_FILE
    con.execute("create or replace temp table _previous_ids (unique_id varchar, resident_id bigint)")
    if ids_path.exists():
        con.execute("insert into _previous_ids select person_record_key, resident_id from read_csv(?, header = true, "
                    "columns = {'person_record_key': 'varchar', 'resident_id': 'bigint'})", [str(ids_path)])
    con.execute(f"""
        create or replace temp table _overlaps as
        select c.cluster, p.resident_id, count(*) as n
        from {clusters_table} c join _previous_ids p using (unique_id)
        group by all
    """)
    # A cluster that overlaps one previous resident, which overlaps no other cluster, takes its id
    # wherever the largest-overlap-first order below would reach it: nothing else competes for
    # either. Only the rest (merges and splits, a few thousand of 1.6 million clusters) go
    # through that order in Python.
    con.execute("""
        create or replace temp table _uncontested as
        select cluster, resident_id from _overlaps
        qualify count(*) over (partition by cluster) = 1 and count(*) over (partition by resident_id) = 1
    """)
    overlaps = con.execute("""
        select cluster, resident_id, n from _overlaps anti join _uncontested using (cluster)
        -- The cluster breaks ties (a resident split in equal halves), so a rebuild assigns alike.
        order by n desc, resident_id, cluster
    """).fetchall()
    next_id = (con.execute("select max(resident_id) from _previous_ids").fetchone()[0] or 0) + 1

    assigned: dict[str, int] = {}
    taken: set[int] = set()
    for cluster, resident_id, _ in overlaps:
        if cluster not in assigned and resident_id not in taken:
            assigned[cluster] = resident_id
            taken.add(resident_id)

    import pyarrow as pa

    con.register("_assigned", pa.table({"cluster": pa.array(list(assigned.keys()), pa.string()),
                                        "resident_id": pa.array(list(assigned.values()), pa.int64())}))
    # A cluster whose records held no id (or only ids taken by others) gets a new one, in order.
    con.execute(f"""
        create or replace temp table _cluster_ids as
        with kept as (select cluster, resident_id from _uncontested union all select cluster, resident_id from _assigned),
        new as (select distinct cluster from {clusters_table} anti join kept using (cluster))
        select * from kept
        union all
        select cluster, ? + row_number() over (order by cluster) - 1 from new
    """, [next_id])
    con.unregister("_assigned")
    new_clusters = con.execute("select count(*) from _cluster_ids where resident_id >= ?", [next_id]).fetchone()[0]
    con.execute(f"""
        create or replace temp table _resident_ids as
        select c.unique_id, i.resident_id from {clusters_table} c join _cluster_ids i using (cluster)
    """)
    now = dt.datetime.now().isoformat(timespec="seconds")
    changes = con.execute("""
        with moved as (
            select p.resident_id as previous_id, n.resident_id as current_id, count(*) as records
            from _previous_ids p join _resident_ids n using (unique_id)
            where p.resident_id <> n.resident_id
            group by all
        ),
        still_used as (select distinct resident_id from _resident_ids)
        select
            case when previous_id in (select resident_id from still_used) then 'split' else 'merge' end as change,
            previous_id, current_id, records
        from moved
        order by previous_id, current_id
    """).fetchall()

    # Records no longer delivered keep their id in the state, so they come back under it.
    con.execute(f"""
        copy (
            select unique_id as person_record_key, resident_id from _resident_ids
            union all
            select unique_id, resident_id from _previous_ids
            where unique_id not in (select unique_id from _resident_ids)
            order by person_record_key
        ) to '{_sql_path(ids_path.with_suffix(".tmp"))}' (header, format csv)
    """)
    # Durably: ids lost to a crash would give every resident a new one.
    replace_durably(ids_path.with_suffix(".tmp"), ids_path)
    new_file = not changes_path.exists()
    with changes_path.open("a", encoding="utf-8") as f:
        if new_file:
            f.write("changed_at,change,previous_resident_id,resident_id,records\n")
        for change, previous_id, current_id, records in changes:
            f.write(f"{now},{change},{previous_id},{current_id},{records}\n")

    con.execute("create schema if not exists linkage")
    con.execute(f"""
        create or replace table linkage.resident_id_changes as
        select * from read_csv('{_sql_path(changes_path)}', header = true, columns = {{
            'changed_at': 'timestamp', 'change': 'varchar', 'previous_resident_id': 'bigint',
            'resident_id': 'bigint', 'records': 'bigint'}})
    """)
    counts = {"new": new_clusters, "merge": 0, "split": 0}
    for change, *_ in changes:
        counts[change] += 1
    return counts


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
