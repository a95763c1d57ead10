"""`council evaluate demand`: compare ``marts.fct_demand_annual`` with ``truth/demand_annual.csv``.

Counts of events, plans, cases, tenancies and accounts must match the truth exactly. Counts of
people (and re-referrals, which depend on knowing that two referrals are one child) go through
linkage: they may differ by at most 1%, and only by what linkage explains. To show that, each
people measure is also recounted with the generator's true person ids in place of resident ids
over the same records (``intermediate.int_demand_spells`` and the referrals): that recount must
match the truth exactly, so any remaining difference is linkage's.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

# Measures counted by person: compared within PEOPLE_TOLERANCE, not exactly.
PEOPLE_MEASURES: frozenset[tuple[str, str]] = frozenset({
    ("send", "ehc_plans_in_force_january"),
    ("childrens_social_care", "re_referrals_within_12_months"),
    ("childrens_social_care", "children_in_need_31_march"),
    ("childrens_social_care", "cp_plans_31_march"),
    ("childrens_social_care", "children_looked_after_31_march"),
    ("adult_social_care", "people_in_long_term_support_31_march"),
})
PEOPLE_TOLERANCE = 0.01

# The same people measures counted with true person ids instead of resident ids.
_TRUE_ID_RECOUNT = """
with truth_ids as (
    select source_system, source_record_id, true_person_id from read_csv_auto(?, all_varchar = true)
),
snapshot_dates as (
    select year, 'january' as census, january_census_on as snapshot_on from intermediate.int_demand_calendar
    where month_number = 1
    union all
    select year, 'march', march_census_on from intermediate.int_demand_calendar where month_number = 1
),
spell_people as (
    select spells.service, spells.measure, d.year, count(distinct coalesce(t.true_person_id,
        spells.person_source_system || ':' || spells.person_record_id)) as value
    from intermediate.int_demand_spells spells
    join snapshot_dates d on d.census = spells.census and spells.started_on <= d.snapshot_on
        and (spells.ends_after is null or spells.ends_after > d.snapshot_on)
    left join truth_ids t on t.source_system = spells.person_source_system
        and t.source_record_id = spells.person_record_id
    where spells.unit_kind = 'resident'
    group by all
),
referrals as (
    select r.referral_id, r.referred_on,
        coalesce(t.true_person_id, 'childrens_social_care:' || r.child_id) as child_key
    from intermediate.int_demand_csc_referrals r
    left join truth_ids t on t.source_system = 'childrens_social_care' and t.source_record_id = r.child_id
),
re_referrals as (
    select 'childrens_social_care' as service, 're_referrals_within_12_months' as measure,
        year(referred_on) as year, count(*) as value
    from (
        select *, lag(referred_on) over (partition by child_key order by referred_on, referral_id) as previous
        from referrals
    )
    where referred_on - previous <= 365 and year(referred_on) in (select year from intermediate.int_demand_calendar)
    group by all
)
select * from spell_people union all select * from re_referrals
"""


def main(data_dir: str | Path, warehouse_path: str | Path) -> dict:
    """Figures for `council evaluate demand --json`."""
    data_dir = Path(data_dir)
    truth = pd.read_csv(data_dir / "truth" / "demand_annual.csv")
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        built = con.execute("select service, measure, year, value from marts.fct_demand_annual").df()
        recount = con.execute(_TRUE_ID_RECOUNT, [str(data_dir / "truth" / "person_truth.csv")]).df()
    return compare(truth, built, recount)


def compare(truth: pd.DataFrame, built: pd.DataFrame, recount: pd.DataFrame | None = None) -> dict:
    keys = ["service", "measure", "year"]
    merged = truth.merge(built, on=keys, how="left", suffixes=("_truth", "_warehouse"))
    merged["value_warehouse"] = merged["value_warehouse"].fillna(0.0)
    if recount is not None and len(recount):
        merged = merged.merge(recount.rename(columns={"value": "value_true_ids"}), on=keys, how="left")
    else:
        merged["value_true_ids"] = pd.NA
    measures = []
    for (service, measure), rows in merged.groupby(["service", "measure"], sort=False):
        people = (service, measure) in PEOPLE_MEASURES
        diff = rows["value_warehouse"] - rows["value_truth"]
        relative = (diff.abs() / rows["value_truth"].where(rows["value_truth"] > 0)).fillna(diff.abs() > 0)
        if people:
            true_ids = pd.to_numeric(rows["value_true_ids"], errors="coerce").fillna(0)
            explained = bool((true_ids == rows["value_truth"]).all())
            passed = bool((relative <= PEOPLE_TOLERANCE).all()) and explained
        else:
            explained = None
            passed = bool((diff == 0).all())
        measures.append({
            "service": service,
            "measure": measure,
            "kind": "people" if people else "events",
            "rule": f"within {PEOPLE_TOLERANCE:.0%}, difference explained by linkage" if people else "exact",
            "passed": passed,
            "years_exact": int((diff == 0).sum()),
            "years": len(rows),
            "max_abs_difference": float(diff.abs().max()),
            "max_relative_difference": round(float(relative.max()), 6),
            "recount_with_true_ids_matches_truth": explained,
            "by_year": {
                int(r.year): {"truth": float(r.value_truth), "warehouse": float(r.value_warehouse),
                              **({"true_ids": float(r.value_true_ids)} if people and pd.notna(r.value_true_ids) else {})}
                for r in rows.itertuples()
            },
        })
    missing = merged.loc[~merged.set_index(keys).index.isin(built.set_index(keys).index), keys]
    return {
        "passed": all(m["passed"] for m in measures),
        "measures_compared": len(measures),
        "measures_passed": sum(m["passed"] for m in measures),
        "values_compared": len(merged),
        "values_exact": int((merged["value_warehouse"] == merged["value_truth"]).sum()),
        "missing_from_warehouse": missing.drop_duplicates(["service", "measure"])[["service", "measure"]].to_dict("records"),
        "measures": measures,
    }
