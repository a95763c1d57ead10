"""Linkage measured against the generated borough's truth files.

Only evaluation and tests read ``truth/``; the build never does. Person measures are pairwise
over records (every pair of records of one true person is a true link), plus cluster measures;
address measures count a record right only when it resolved to the exact true UPRN.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def _truth(con: duckdb.DuckDBPyConnection, data_dir: Path, name: str) -> str:
    path = Path(data_dir) / "truth" / name
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: evaluation needs a generated borough's truth files")
    table = f"_truth_{name.split('.')[0]}"
    con.execute(f"create or replace temp table {table} as select * from read_csv(?, all_varchar = true)", [str(path)])
    return table


def evaluate_addresses(con: duckdb.DuckDBPyConnection, data_dir: Path) -> dict:
    truth = _truth(con, data_dir, "address_truth.csv")
    row = con.execute(f"""
        with joined as (
            select m.uprn, m.resolved_to, m.method, try_cast(t.true_uprn as bigint) as true_uprn
            from linkage.address_matches m
            join {truth} t on t.source_system = m.source_system and t.source_record_id = m.source_record_id
        )
        select
            count(*) as records,
            count(uprn) as matched,
            count(*) filter (where uprn = true_uprn) as correct,
            count(*) filter (where resolved_to = 'parent') as resolved_to_parent,
            count(*) filter (where resolved_to = 'parent' and uprn = (
                select parent_uprn from staging.stg_gazetteer__llpg g where g.uprn = true_uprn)) as parent_correct,
        from joined
    """).fetchone()
    records, matched, correct, parent, parent_correct = row
    by_method = con.execute(f"""
        select m.method, count(*), count(*) filter (where m.uprn = try_cast(t.true_uprn as bigint))
        from linkage.address_matches m
        join {truth} t on t.source_system = m.source_system and t.source_record_id = m.source_record_id
        where m.uprn is not null group by 1 order by 1
    """).fetchall()
    # A record resolved to its building on purpose is not a claim about the flat: precision is
    # over the records claimed at property level, recall over every record.
    claimed = con.execute(f"""
        select count(*), count(*) filter (where m.uprn = try_cast(t.true_uprn as bigint))
        from linkage.address_matches m
        join {truth} t on t.source_system = m.source_system and t.source_record_id = m.source_record_id
        where m.uprn is not null and m.resolved_to = 'property'
    """).fetchone()
    return {
        "records": records,
        "matched": matched,
        "correct_exact_uprn": correct,
        "precision": _ratio(claimed[1], claimed[0]),
        "precision_all_matched": _ratio(correct, matched),
        "recall": _ratio(correct, records),
        "resolved_to_parent": parent,
        "resolved_to_parent_correct_building": parent_correct,
        "by_method": {m: {"matched": n, "correct": c, "precision": _ratio(c, n)} for m, n, c in by_method},
    }


def evaluate_people(con: duckdb.DuckDBPyConnection, data_dir: Path) -> dict:
    truth = _truth(con, data_dir, "person_truth.csv")
    con.execute(f"""
        create or replace temp table _eval_people as
        select b.source_system || ':' || b.source_record_id as rec, b.resident_id, t.true_person_id
        from linkage.resident_records b
        join {truth} t on t.source_system = b.source_system and t.source_record_id = b.source_record_id
    """)
    row = con.execute("""
        with
        predicted as (select resident_id, count(*) as n from _eval_people group by 1),
        actual as (select true_person_id, count(*) as n from _eval_people group by 1),
        both_ as (select resident_id, true_person_id, count(*) as n from _eval_people group by 1, 2)
        select
            (select sum(n * (n - 1) / 2) from predicted) as predicted_pairs,
            (select sum(n * (n - 1) / 2) from actual) as true_pairs,
            (select sum(n * (n - 1) / 2) from both_) as correct_pairs,
            (select count(*) from _eval_people) as records,
            (select count(*) from actual) as true_people,
            (select count(*) from predicted) as residents,
            (select count(*) from (select true_person_id from both_ group by 1 having count(*) > 1)) as people_split,
            (select count(*) from (select resident_id from both_ group by 1 having count(*) > 1)) as residents_merging,
    """).fetchone()
    predicted_pairs, true_pairs, correct_pairs, records, people, residents, split, merging = (int(x or 0) for x in row)
    precision = _ratio(correct_pairs, predicted_pairs)
    recall = _ratio(correct_pairs, true_pairs)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision and recall else 0.0
    return {
        "records": records,
        "true_people": people,
        "residents": residents,
        "pairs_predicted": predicted_pairs,
        "pairs_true": true_pairs,
        "pairs_correct": correct_pairs,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "share_people_split": _ratio(split, people),
        "share_residents_merging_people": _ratio(merging, residents),
    }


def evaluate(warehouse: Path, data_dir: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {"people": evaluate_people(con, data_dir), "addresses": evaluate_addresses(con, data_dir)}
    finally:
        con.close()


def _ratio(a: int | None, b: int | None) -> float:
    return round(a / b, 4) if b else 0.0
