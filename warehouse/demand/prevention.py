"""Households at risk of homelessness: a transparent logistic scorecard.

For a reference date R, every household (residents living at one UPRN on R) gets a handful of
yes/no facts the council already holds: rent arrears and how far recovery has gone, council tax
debt and recovery stage, council tax reduction, a recent move, household composition, recent
contact with children's or adults' social care, an earlier homelessness approach. The outcome is
a homelessness approach by any member in the 12 months after R. A logistic regression
(statsmodels, maximum likelihood: deterministic) is trained on several earlier reference dates and
back-tested on a later one it never saw. Each coefficient becomes scorecard points, and each
flagged household carries the facts that raised its score: no black box.

The scorecard is kept in the warehouse (``prevention.model``) and scores each night's households
until it is ``RETRAIN_AFTER_DAYS`` old or this code changes; only then is it trained and
back-tested again. Officers see the same points from one night to the next, and the model card's
figures stay those of the model in use, to be reviewed at each retraining.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from warehouse.demand import replace_table
from warehouse.settings import source_digest, tables_in

# The facts the scorecard may use, with the plain words an officer and a resident read.
FEATURES: dict[str, str] = {
    "rent_arrears": "In rent arrears at the last month end",
    "rent_arrears_8_weeks": "Rent arrears of 8 weeks or more",
    "rent_notice_or_court": "Rent recovery has reached a notice of seeking possession or beyond",
    "council_tax_arrears": "Council tax arrears for the last financial year",
    "council_tax_liability_order": "Council tax recovery has reached a liability order or beyond",
    "council_tax_reduction": "Receives council tax reduction (low income)",
    "moved_in_last_2_years": "Moved to this address in the last two years",
    "single_adult_with_children": "One adult living with children",
    "three_or_more_children": "Three or more children in the household",
    "childrens_social_care_last_year": "A member was referred to children's social care in the last year",
    "adult_social_care_last_year": "A member was in contact with adult social care in the last year",
    "previous_homelessness_approach": "A member approached the council as homeless in the last three years",
}
TRAIN_DATES = tuple(dt.date(y, 4, 1) for y in (2019, 2020, 2021, 2022))
TEST_DATE = dt.date(2024, 4, 1)
FLAG_SHARE = 0.05  # the share of households an officer's list holds
POINTS_PER_DOUBLING_OF_ODDS = 20  # the usual scorecard scale: 20 points double the odds
REASONS_SHOWN = 3
# As long as linkage keeps its Splink model: the list stays steady, and late corrections to the
# training years reach the scorecard within a month.
RETRAIN_AFTER_DAYS = 28
MODEL_TABLE = "prevention.model"

# Every household on every reference date, with its facts: a temporary table for the length of a run.
HOUSEHOLDS = "_prevention_households"
_FEATURE_SQL = """
with
reference as (
    -- Each window's bounds once per reference date. A date plus or minus whole days, months or
    -- years is a midnight timestamp, so a date is after it exactly when it is after its date.
    select on_date,
        cast(on_date - interval 45 day as date) as rent_from,
        cast(on_date - interval 13 month as date) as council_tax_from,
        cast(on_date - interval 2 year as date) as moved_from,
        cast(on_date - interval 1 year as date) as year_before,
        cast(on_date - interval 3 year as date) as three_years_before,
        cast(on_date + interval 1 year as date) as year_after,
    from (select unnest(cast(? as date[])) as on_date)
),
people_at_home as (
    -- Who lives where on each date, and whether they moved there in the two years before: any
    -- address period of theirs at that UPRN starting then, whether or not it is the current one.
    select reference.on_date, a.uprn, a.resident_id,
        bool_or(a.started_on > reference.moved_from) as moved_in_last_2_years,
    from intermediate.int_resident_addresses a
    join reference on a.started_on <= reference.on_date
        and (a.ended_on >= reference.on_date or a.started_on > reference.moved_from)
    group by reference.on_date, a.uprn, a.resident_id
    having bool_or(a.ended_on >= reference.on_date)
),
rent as (
    select reference.on_date, b.resident_id,
        max(ra.arrears_balance) as rent_arrears_balance,
        max(ra.weeks_in_arrears) as rent_weeks_in_arrears,
        max(ra.recovery_stage_order) as rent_recovery_stage_order,
    from staging.stg_housing__rent_arrears ra
    join reference on ra.snapshot_on <= reference.on_date and ra.snapshot_on > reference.rent_from
    join staging.stg_housing__tenancy_members tm on tm.tenancy_ref = ra.tenancy_ref
    join marts.bridge_resident_source_record b on b.source_record_id = tm.person_ref and b.source_system = 'housing'
    group by reference.on_date, b.resident_id
),
council_tax as (
    select reference.on_date, b.resident_id,
        max(ar.balance) as council_tax_balance,
        max(ar.recovery_stage_order) as council_tax_recovery_stage_order,
    from staging.stg_revenues__arrears ar
    join reference on make_date(ar.financial_year_start + 1, 3, 31) < reference.on_date
        and make_date(ar.financial_year_start + 1, 3, 31) >= reference.council_tax_from
    join staging.stg_revenues__liable_parties lp on lp.account_ref = ar.account_ref
    join marts.bridge_resident_source_record b on b.source_record_id = lp.party_ref and b.source_system = 'revenues'
    group by reference.on_date, b.resident_id
),
reduction as (
    select distinct reference.on_date, b.resident_id, true as council_tax_reduction
    from staging.stg_revenues__discounts d
    join reference on d.started_on <= reference.on_date and (d.ended_on is null or d.ended_on >= reference.on_date)
    join staging.stg_revenues__liable_parties lp on lp.account_ref = d.account_ref
    join marts.bridge_resident_source_record b on b.source_record_id = lp.party_ref and b.source_system = 'revenues'
    where d.discount_code = 'CTR'
),
involvement as (
    select reference.on_date, i.resident_id,
        bool_or(i.service in ('children_in_need', 'child_protection', 'looked_after')
            and i.started_on > reference.year_before
            and i.started_on <= reference.on_date) as childrens_social_care_last_year,
        bool_or(i.service = 'adult_social_care' and i.started_on <= reference.on_date
            and coalesce(i.ended_on, reference.on_date) > reference.year_before) as adult_social_care_last_year,
        bool_or(i.service = 'homelessness' and i.started_on > reference.three_years_before
            and i.started_on <= reference.on_date) as previous_homelessness_approach,
        bool_or(i.service = 'homelessness' and i.started_on > reference.on_date
            and i.started_on <= reference.year_after) as approached_next_year
    from marts.fct_service_involvement i
    join reference on i.started_on <= reference.year_after
    -- Only these services' involvements can make a fact true.
    where i.service in ('children_in_need', 'child_protection', 'looked_after', 'adult_social_care', 'homelessness')
    group by reference.on_date, i.resident_id
),
person_facts as (
    -- One row per person and date with everything the council holds on them then.
    select on_date, resident_id,
        max(rent_arrears_balance) as rent_arrears_balance,
        max(rent_weeks_in_arrears) as rent_weeks_in_arrears,
        max(rent_recovery_stage_order) as rent_recovery_stage_order,
        max(council_tax_balance) as council_tax_balance,
        max(council_tax_recovery_stage_order) as council_tax_recovery_stage_order,
        bool_or(council_tax_reduction) as council_tax_reduction,
        bool_or(childrens_social_care_last_year) as childrens_social_care_last_year,
        bool_or(adult_social_care_last_year) as adult_social_care_last_year,
        bool_or(previous_homelessness_approach) as previous_homelessness_approach,
        bool_or(approached_next_year) as approached_next_year,
    from (
        select * from rent
        union all by name select * from council_tax
        union all by name select * from reduction
        union all by name select * from involvement
    )
    group by on_date, resident_id
),
members as (
    select p.*, r.sex, r.ethnic_group,
        date_part('year', age(p.on_date, r.birth_date)) as age,
        f.* exclude (on_date, resident_id),
    from people_at_home p
    join intermediate.int_demand_residents r using (resident_id)
    left join person_facts f on f.on_date = p.on_date and f.resident_id = p.resident_id
),
households as (
    select on_date, uprn,
        count(*) as members,
        count(*) filter (where age >= 18 or age is null) as adults,
        count(*) filter (where age < 18) as children,
        -- The reference person for the fairness report: the oldest adult.
        first({'resident_id': resident_id, 'sex': sex, 'age': age, 'ethnic_group': ethnic_group}
              order by age desc nulls last, resident_id) as reference,
        max(rent_arrears_balance) > 0 as rent_arrears,
        max(rent_weeks_in_arrears) >= 8 as rent_arrears_8_weeks,
        max(rent_recovery_stage_order) >= 3 as rent_notice_or_court,
        max(council_tax_balance) > 0 as council_tax_arrears,
        max(council_tax_recovery_stage_order) >= 4 as council_tax_liability_order,
        bool_or(council_tax_reduction) as council_tax_reduction,
        bool_or(moved_in_last_2_years) as moved_in_last_2_years,
        bool_or(childrens_social_care_last_year) as childrens_social_care_last_year,
        bool_or(adult_social_care_last_year) as adult_social_care_last_year,
        bool_or(previous_homelessness_approach) as previous_homelessness_approach,
        bool_or(approached_next_year) as approached_next_year,
    from members
    group by on_date, uprn
)
select
    cast(h.on_date as timestamp_s) as reference_on,
    h.uprn, prop.ward_code, h.members, h.adults, h.children, h.reference.resident_id as reference_person,
    h.reference.sex as reference_sex, h.reference.age as reference_age,
    h.reference.ethnic_group as reference_ethnic_group,
    coalesce(h.rent_arrears, false) as rent_arrears,
    coalesce(h.rent_arrears_8_weeks, false) as rent_arrears_8_weeks,
    coalesce(h.rent_notice_or_court, false) as rent_notice_or_court,
    coalesce(h.council_tax_arrears, false) as council_tax_arrears,
    coalesce(h.council_tax_liability_order, false) as council_tax_liability_order,
    coalesce(h.council_tax_reduction, false) as council_tax_reduction,
    coalesce(h.moved_in_last_2_years, false) as moved_in_last_2_years,
    h.adults = 1 and h.children > 0 as single_adult_with_children,
    h.children >= 3 as three_or_more_children,
    coalesce(h.childrens_social_care_last_year, false) as childrens_social_care_last_year,
    coalesce(h.adult_social_care_last_year, false) as adult_social_care_last_year,
    coalesce(h.previous_homelessness_approach, false) as previous_homelessness_approach,
    coalesce(h.approached_next_year, false) as approached_next_year
from households h
left join marts.dim_property prop on prop.uprn = h.uprn
"""


def household_features(con: duckdb.DuckDBPyConnection, on_dates: list[dt.date]) -> None:
    """Every household's facts and outcome on each reference date, in one pass of the warehouse,
    into the temporary table ``HOUSEHOLDS`` (one row per reference date and UPRN)."""
    con.execute(f"create or replace temp table {HOUSEHOLDS} as {_FEATURE_SQL}", [sorted(set(on_dates))])


def _features_on(con: duckdb.DuckDBPyConnection, on_dates: tuple[dt.date, ...], columns: list[str]) -> pd.DataFrame:
    """Some columns of the households of some reference dates, date by date, each by UPRN."""
    return con.execute(f"""
        select {", ".join(columns)} from {HOUSEHOLDS}
        where reference_on in (select unnest(cast(? as timestamp_s[])))
        order by reference_on, uprn
    """, [list(on_dates)]).df()


def _fact_counts_on(con: duckdb.DuckDBPyConnection, on_dates: tuple[dt.date, ...]) -> pd.DataFrame:
    """``fact_counts`` of the households of some reference dates, counted in the warehouse."""
    columns = ", ".join([*FEATURES, "approached_next_year"])
    return con.execute(f"""
        select {columns}, count(*) as households from {HOUSEHOLDS}
        where reference_on in (select unnest(cast(? as timestamp_s[])))
        group by all order by all
    """, [list(on_dates)]).df()


def age_band(age: pd.Series) -> pd.Series:
    bands = pd.cut(age, [-1, 24, 34, 49, 64, 200], labels=["18-24", "25-34", "35-49", "50-64", "65+"])
    return bands.cat.add_categories("Not known").fillna("Not known").astype(str)


@dataclass
class Scorecard:
    coefficients: pd.Series  # intercept first, then one per feature

    def log_odds(self, frame: pd.DataFrame) -> np.ndarray:
        x = frame[list(FEATURES)].astype(float).to_numpy()
        return self.coefficients.iloc[0] + x @ self.coefficients.iloc[1:].to_numpy()

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        return 1 / (1 + np.exp(-self.log_odds(frame)))

    def points(self) -> pd.Series:
        return (self.coefficients.iloc[1:] * POINTS_PER_DOUBLING_OF_ODDS / np.log(2)).round().astype(int)

    def reasons(self, frame: pd.DataFrame) -> list[str]:
        """The facts that raised each household's score most, in plain words."""
        points = self.points()
        raising = [f for f in FEATURES if points[f] > 0]
        order = np.argsort(-points[raising].to_numpy(), kind="stable")
        ranked = [raising[i] for i in order]
        # A household's reasons depend only on which of these facts it has: word each combination
        # once (a few hundred) rather than each household (hundreds of thousands).
        present = frame[ranked].astype(bool).to_numpy()
        combinations, households = np.unique(present @ (1 << np.arange(len(ranked))), return_inverse=True)
        words = np.array(["; ".join([FEATURES[f] for i, f in enumerate(ranked) if c >> i & 1][:REASONS_SHOWN])
                          for c in combinations.tolist()], dtype=object)
        return words[households.reshape(-1)].tolist()


def fact_counts(households: pd.DataFrame) -> pd.DataFrame:
    """How many households had each combination of facts and outcome (``households``), in the
    order of the combinations: what the scorecard is fitted on."""
    columns = [*FEATURES, "approached_next_year"]
    return households.groupby(columns, sort=True).size().rename("households").reset_index()


def fit(counts: pd.DataFrame) -> tuple[Scorecard, object]:
    """The scorecard fitted on ``fact_counts``. With yes/no facts only, households with the same
    facts and outcome add the same term to the likelihood, so one row per combination, weighted
    by its count, has the very likelihood of one row per household: a few thousand rows instead
    of millions."""
    import statsmodels.api as sm  # here, not at the top: a nightly that keeps the scorecard fits none

    x = np.empty((len(counts), 1 + len(FEATURES)))
    x[:, 0] = 1.0
    for j, f in enumerate(FEATURES, start=1):
        x[:, j] = counts[f]
    y = np.asarray(counts["approached_next_year"], dtype=float)
    weights = np.asarray(counts["households"], dtype=float)
    # A small ridge penalty keeps a rare fact (say, a liability order in a small borough) from
    # separating perfectly and its coefficient from running away; deterministic all the same. The
    # penalty is half the squared coefficients against the whole log-likelihood, which statsmodels
    # divides by the number of rows (combinations, not households): so alpha is one over the rows.
    alpha = np.r_[0.0, np.full(len(FEATURES), 1.0 / len(y))]
    model = sm.GLM(y, x, family=sm.families.Binomial(), freq_weights=weights)
    result = model.fit_regularized(alpha=alpha, L1_wt=0.0)
    coefficients = pd.Series(np.asarray(result.params), index=["intercept", *FEATURES])
    return Scorecard(coefficients), result


def precision_at(scored: pd.DataFrame, k: int) -> float:
    top = scored.nsmallest(k, "rank")
    return float(top["approached_next_year"].mean()) if len(top) else float("nan")


def rank(scored: pd.DataFrame, card: Scorecard) -> pd.DataFrame:
    scored = scored.copy()
    scored["probability"] = card.probability(scored)
    scored["score"] = (card.log_odds(scored) * POINTS_PER_DOUBLING_OF_ODDS / np.log(2)).round(1)
    # Ties broken by UPRN so the list is the same on every run.
    scored = scored.sort_values(["probability", "uprn"], ascending=[False, True]).reset_index(drop=True)
    scored["rank"] = np.arange(1, len(scored) + 1)
    scored["flagged"] = scored["rank"] <= max(1, round(FLAG_SHARE * len(scored)))
    scored["reasons"] = card.reasons(scored)
    return scored


def backtest(scored: pd.DataFrame) -> dict:
    from sklearn.metrics import roc_auc_score  # here, not at the top: loading the definitions needs none of it

    y = scored["approached_next_year"].astype(bool)
    flagged = scored["flagged"]
    return {
        "households": len(scored),
        "approached_next_year": int(y.sum()),
        "base_rate": round(float(y.mean()), 4),
        "auc": round(float(roc_auc_score(y, scored["probability"])), 4) if y.nunique() == 2 else None,
        "precision_at_100": round(precision_at(scored, 100), 4),
        "precision_at_500": round(precision_at(scored, 500), 4),
        "recall_at_100": round(float(scored.nsmallest(100, "rank")["approached_next_year"].sum() / max(1, y.sum())), 4),
        "recall_at_500": round(float(scored.nsmallest(500, "rank")["approached_next_year"].sum() / max(1, y.sum())), 4),
        "flagged": int(flagged.sum()),
        "flag_share": FLAG_SHARE,
        "precision_flagged": round(float(y[flagged].mean()), 4) if flagged.any() else None,
        "recall_flagged": round(float((y & flagged).sum() / max(1, y.sum())), 4),
    }


def fairness(scored: pd.DataFrame, min_flagged: int = 10, min_households: int = 50) -> tuple[pd.DataFrame, dict]:
    """Flag rate, precision and recall per sex, age band and ethnic group of the reference person."""
    groups = {
        "sex": scored["reference_sex"].fillna("Not known"),
        "age_band": age_band(scored["reference_age"]),
        "ethnic_group": scored["reference_ethnic_group"].fillna("Not known"),
    }
    rows = []
    for characteristic, values in groups.items():
        for group, part in scored.groupby(values, sort=True):
            y, flagged = part["approached_next_year"].astype(bool), part["flagged"]
            rows.append({
                "characteristic": characteristic, "group": str(group), "households": len(part),
                "flagged": int(flagged.sum()), "flag_rate": float(flagged.mean()),
                "approached_next_year": int(y.sum()), "base_rate": float(y.mean()),
                "precision": float(y[flagged].mean()) if flagged.any() else None,
                "recall": float((y & flagged).sum() / y.sum()) if y.any() else None,
                "enough_to_judge": bool(flagged.sum() >= min_flagged),
            })
    table = pd.DataFrame(rows)
    gaps = {}
    for characteristic, part in table.groupby("characteristic", sort=False):
        # Gaps between groups the council knows and that are big enough to judge; "Not known"
        # is reported in the table but is a data quality gap, not a group of people.
        known = part[(part["group"] != "Not known") & (part["households"] >= min_households)]
        judged = known[known["enough_to_judge"]]
        gap: dict = {"groups_compared": known["group"].tolist()}
        if len(known) >= 2:
            gap.update(flag_rate_gap=round(float(known["flag_rate"].max() - known["flag_rate"].min()), 4),
                       flag_rate_highest=known.loc[known["flag_rate"].idxmax(), "group"],
                       flag_rate_lowest=known.loc[known["flag_rate"].idxmin(), "group"])
        if len(judged) >= 2:
            gap.update(precision_gap=round(float(judged["precision"].max() - judged["precision"].min()), 4),
                       recall_gap=round(float(judged["recall"].max() - judged["recall"].min()), 4),
                       groups_judged_on_precision=judged["group"].tolist())
        gaps[characteristic] = gap
    return table, gaps


def model_card(card: Scorecard, metrics: dict, gaps: dict, trained_on: tuple[dt.date, ...],
               tested_on: dt.date, scored_on: dt.date, train_rows: int, trained_at: dt.datetime,
               retrain_after_days: int = RETRAIN_AFTER_DAYS) -> str:
    points = card.points()
    lines = [
        "# Model card: households at risk of homelessness",
        "",
        "## Purpose",
        "Help housing officers offer early help (advice, a payment plan, a referral) to households who may",
        "approach the council as homeless within the next 12 months, so that prevention starts before",
        "crisis. The list is a prompt for a conversation, never a decision about a household: no",
        "service is refused, reduced or enforced because of a score.",
        "",
        "## Lawful basis and governance",
        "UK GDPR Article 6(1)(e) public task, under the Housing Act 1996 Part 7 as amended by the",
        "Homelessness Reduction Act 2017 (the duty to prevent homelessness) and the Local Government Act",
        "2000 well-being powers. Social care contact is used as a yes/no fact only; where it reveals",
        "special category data (health), the Article 9(2)(g) substantial public interest condition with",
        "DPA 2018 Schedule 1 paragraph 6 (statutory purposes) applies, recorded in the council's",
        "appropriate policy document. A DPIA is required before live use; the data sharing agreements",
        "in seeds/ must cover housing seeing these facts. Residents are told in the privacy notice.",
        "",
        "## Data",
        "Households: residents living at one UPRN on a reference date (linkage marts). Trained on the",
        f"reference dates {', '.join(d.isoformat() for d in trained_on)} ({train_rows:,} household-dates);",
        f"back-tested on {tested_on.isoformat()}, a year the model never saw; scored on {scored_on.isoformat()}.",
        f"This scorecard was trained on {trained_at:%Y-%m-%d at %H:%M} and scores every build until it is",
        f"{retrain_after_days} days old or its code changes; then it is trained and back-tested again.",
        "Outcome: any member's homelessness approach (H-CLIC) in the 12 months after the date.",
        "",
        "## The scorecard (points: 20 points double the odds)",
        "",
        "| fact | points |",
        "|---|---|",
        *[f"| {FEATURES[f]} | {points[f]:+d} |" for f in FEATURES],
        "",
        "## Back-test",
        *[f"- {k}: {v}" for k, v in metrics.items()],
        "",
        "## Fairness (reference person: the household's oldest adult)",
        *[f"- {k}: {json.dumps(v)}" for k, v in gaps.items()],
        "Flag rates differ between groups when the facts the scorecard uses (arrears, reductions) differ;",
        "precision and recall gaps show whether the list is as right for one group as another. Sex, age and",
        "ethnicity are never inputs. Review the gaps at every retraining.",
        "",
        "## Limits",
        "- Only what the council records: private renters' arrears, landlord notices and relationship",
        "  breakdown are invisible, so households whose risk comes from these are missed.",
        "- Linkage errors can attach another person's facts to a household or split one household.",
        "- Trained on a synthetic borough; retrain and re-test on the council's own history before use.",
        "- Scores are relative (a ranking for a list), not calibrated probabilities for an individual.",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class TrainedScorecard:
    """A scorecard with what its training found: what the model card and a later night need."""

    card: Scorecard
    trained_at: dt.datetime
    train_rows: int  # household-dates it was fitted on
    backtest: dict
    fairness_gaps: dict


# This module (the facts, dates and fit) and the libraries that fit and test the scorecard.
_CODE_DIGEST = source_digest(__file__, "statsmodels", "scikit-learn")


def run(con: duckdb.DuckDBPyConnection, out_dir: Path, scored_on: dt.date | None = None, *,
        retrain_after_days: int = RETRAIN_AFTER_DAYS) -> dict:
    """Score the latest households and write the prevention schema and the model card: with the
    kept scorecard, or with one trained and back-tested now when none may be used again."""
    if scored_on is None:
        # The last month end every system's extract covers: open address periods run to the
        # extract that last reported them, so a later date would miss households.
        scored_on = con.execute("""
            select max(snapshot_on) from staging.stg_housing__rent_arrears
            where snapshot_on <= (select min(extract_date) from intermediate.int_person_records)
        """).fetchone()[0]
    kept = _kept_scorecard(con, retrain_after_days)
    # Training needs the facts of its reference dates too; a kept scorecard, today's only (the
    # six dates took 8.4 s of a 1,200,000-resident build's 10, today's alone 1.8 s).
    household_features(con, [scored_on] if kept else [*TRAIN_DATES, TEST_DATE, scored_on])
    try:
        con.execute("create schema if not exists prevention")
        model = kept or _train(con)
        current = rank(_features_on(con, (scored_on,), ["uprn", *FEATURES]), model.card)
        _write_ranked(con, "prevention.households_at_risk", scored_on, current[current["flagged"]], """
            h.reference_on, h.uprn, h.ward_code, h.members, h.children,
            r.score, r.probability, r.rank, r.reasons, {features}""")
    finally:
        con.execute(f"drop table if exists {HOUSEHOLDS}")
    if not kept:
        _keep(con, model)
    card_text = model_card(model.card, model.backtest, model.fairness_gaps, TRAIN_DATES, TEST_DATE, scored_on,
                           model.train_rows, model.trained_at, retrain_after_days)
    # The card travels inside the published warehouse too, so the app shows the card of the very
    # model whose list it shows.
    con.execute("create or replace table prevention.model_card as select ? as markdown", [card_text])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "model_card.md").write_text(card_text, encoding="utf-8")
    (out_dir / "scorecard.json").write_text(json.dumps({
        "intercept": float(model.card.coefficients.iloc[0]),
        "coefficients": {f: float(model.card.coefficients[f]) for f in FEATURES},
        "points": {f: int(p) for f, p in model.card.points().items()},
        "trained_on": [d.isoformat() for d in TRAIN_DATES], "tested_on": TEST_DATE.isoformat(),
        "trained_at": model.trained_at.isoformat(),
    }, indent=2), encoding="utf-8")
    return {"backtest": model.backtest, "fairness_gaps": model.fairness_gaps,
            "households_at_risk": int(current["flagged"].sum()), "scored_on": str(scored_on),
            "retrained": kept is None, "trained_at": model.trained_at.isoformat()}


def _train(con: duckdb.DuckDBPyConnection) -> TrainedScorecard:
    """Fit the scorecard on the training dates' households, back-test it on the test date's, and
    write the back-test, its households, the fairness report and the scorecard."""
    train = _fact_counts_on(con, TRAIN_DATES)
    card, _ = fit(train)
    # Only what ranking and the back-test need comes out of the warehouse; the tables join the
    # rest back in there.
    tested = rank(_features_on(con, (TEST_DATE,), ["uprn", "reference_sex", "reference_age",
                                                   "reference_ethnic_group", *FEATURES,
                                                   "approached_next_year"]), card)
    metrics = backtest(tested)
    fairness_table, gaps = fairness(tested)
    _write_ranked(con, "prevention.backtest_households", TEST_DATE, tested, """
        h.reference_on, h.uprn, h.ward_code, h.members, h.adults, h.children, h.reference_sex,
        h.reference_age, h.reference_ethnic_group, {features}, h.approached_next_year,
        r.probability, r.score, r.rank, r.flagged, r.reasons""")
    replace_table(con, "prevention.scorecard", pd.DataFrame({
        "feature": list(FEATURES), "description": list(FEATURES.values()),
        "coefficient": card.coefficients.iloc[1:].to_numpy(), "points": card.points().to_numpy(),
    }))
    replace_table(con, "prevention.fairness", fairness_table)
    replace_table(con, "prevention.backtest", pd.DataFrame([{
        **metrics, "trained_on": ",".join(d.isoformat() for d in TRAIN_DATES), "tested_on": TEST_DATE.isoformat(),
        "fairness_gaps": json.dumps(gaps)}]))
    return TrainedScorecard(card=card, trained_at=dt.datetime.now().replace(microsecond=0),
                            train_rows=int(train["households"].sum()), backtest=metrics, fairness_gaps=gaps)


def _keep(con: duckdb.DuckDBPyConnection, model: TrainedScorecard) -> None:
    """Keep the scorecard for the nights until it is retrained. JSON holds each float exactly."""
    con.execute(f"""
        create or replace table {MODEL_TABLE} as
        select ?::timestamp as trained_at, ? as code_digest, ?::json as coefficients, ?::bigint as train_rows,
               ?::json as backtest, ?::json as fairness_gaps
    """, [model.trained_at, _CODE_DIGEST, json.dumps(model.card.coefficients.to_dict()), model.train_rows,
          json.dumps(model.backtest), json.dumps(model.fairness_gaps)])


def _kept_scorecard(con: duckdb.DuckDBPyConnection, retrain_after_days: int) -> TrainedScorecard | None:
    """The scorecard an earlier build trained, if this code trained it less than
    ``retrain_after_days`` ago."""
    needed = {MODEL_TABLE.split(".")[1], "scorecard", "fairness", "backtest", "backtest_households"}
    if not needed <= tables_in(con, "prevention"):
        return None
    row = con.execute(f"select trained_at, code_digest, coefficients, train_rows, backtest, fairness_gaps "
                      f"from {MODEL_TABLE}").fetchone()
    if row is None or row[1] != _CODE_DIGEST or dt.datetime.now() - row[0] > dt.timedelta(days=retrain_after_days):
        return None
    trained_at, _, coefficients, train_rows, metrics, gaps = row
    coefficients = json.loads(coefficients)
    card = Scorecard(pd.Series([coefficients[k] for k in ["intercept", *FEATURES]], index=["intercept", *FEATURES]))
    return TrainedScorecard(card=card, trained_at=trained_at, train_rows=train_rows, backtest=json.loads(metrics),
                            fairness_gaps=json.loads(gaps))


def _write_ranked(con: duckdb.DuckDBPyConnection, table: str, on_date: dt.date, ranked: pd.DataFrame,
                  columns: str) -> None:
    """Write ranked households as ``table``, in rank order, with their facts from ``HOUSEHOLDS``."""
    scores = pa.table({
        "uprn": pa.array(ranked["uprn"].to_numpy()), "probability": pa.array(ranked["probability"].to_numpy()),
        "score": pa.array(ranked["score"].to_numpy()), "rank": pa.array(ranked["rank"].to_numpy()),
        "flagged": pa.array(ranked["flagged"].to_numpy()), "reasons": pa.array(ranked["reasons"].tolist(), pa.string()),
    })
    features = ", ".join(f"h.{f}" for f in FEATURES)
    con.register("_ranked", scores)
    try:
        con.execute(f"""
            create or replace table {table} as
            select {columns.format(features=features)}
            from _ranked r
            join {HOUSEHOLDS} h on h.reference_on = cast(? as timestamp_s) and h.uprn = r.uprn
            order by r.rank
        """, [on_date])
    finally:
        con.unregister("_ranked")
