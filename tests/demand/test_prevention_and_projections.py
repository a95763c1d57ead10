"""The scorecard and the projections on small frames whose right answers are visible, and the
scorecard's household facts on a small warehouse."""

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from warehouse.demand import prevention, projections


def households(n=4000, seed=3):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f: rng.random(n) < 0.15 for f in prevention.FEATURES})
    # The outcome follows deep rent arrears and council tax debt, nothing else.
    log_odds = -4 + 2.5 * frame["rent_arrears_8_weeks"] + 1.5 * frame["council_tax_arrears"]
    frame["approached_next_year"] = rng.random(n) < 1 / (1 + np.exp(-log_odds))
    frame["uprn"] = np.arange(n)
    frame["reference_sex"] = np.where(rng.random(n) < 0.5, "F", "M")
    frame["reference_age"] = rng.integers(18, 90, n).astype(float)
    frame["reference_ethnic_group"] = rng.choice(["White", "Asian", "Black"], n)
    return frame


def test_the_scorecard_finds_the_facts_that_matter_and_is_deterministic():
    train = prevention.fact_counts(households())
    card, _ = prevention.fit(train)
    again, _ = prevention.fit(train)
    assert card.coefficients.equals(again.coefficients)
    points = card.points()
    assert points.nlargest(2).index.tolist() == ["rent_arrears_8_weeks", "council_tax_arrears"]
    assert points["rent_arrears_8_weeks"] > 50  # 2.5 log-odds is about 72 points


def test_backtest_on_an_unseen_year_beats_chance_and_flags_carry_reasons():
    card, _ = prevention.fit(prevention.fact_counts(households(seed=3)))
    scored = prevention.rank(households(seed=4), card)
    metrics = prevention.backtest(scored)
    assert metrics["auc"] > 0.7
    assert metrics["precision_at_100"] > 2 * metrics["base_rate"]
    flagged = scored[scored["flagged"]]
    assert len(flagged) == round(prevention.FLAG_SHARE * len(scored))
    deep_arrears = flagged[flagged["rent_arrears_8_weeks"]]
    assert deep_arrears["reasons"].str.startswith(prevention.FEATURES["rent_arrears_8_weeks"]).all()


def test_fairness_reports_every_group_and_states_the_gaps():
    card, _ = prevention.fit(prevention.fact_counts(households(seed=3)))
    scored = prevention.rank(households(seed=4), card)
    table, gaps = prevention.fairness(scored)
    assert set(table["characteristic"]) == {"sex", "age_band", "ethnic_group"}
    assert set(table.loc[table["characteristic"] == "sex", "group"]) == {"F", "M"}
    flag_rates = table[table["characteristic"] == "sex"].set_index("group")["flag_rate"]
    assert gaps["sex"]["flag_rate_gap"] == round(abs(flag_rates["F"] - flag_rates["M"]), 4)


def test_projection_of_a_steady_rise_keeps_rising_within_ordered_intervals():
    years = pd.Index(range(2016, 2026))
    values = pd.Series(100 * 1.1 ** np.arange(10), index=years).round()
    projected = projections.forecast(values, 3)
    assert projected["year"].tolist() == [2026, 2027, 2028]
    assert (projected["projected"].diff().dropna() > 0).all()
    assert projected["projected"].iloc[0] > values.iloc[-1]
    assert ((projected["lower_95"] <= projected["lower_80"]) & (projected["lower_80"] <= projected["projected"])
            & (projected["projected"] <= projected["upper_80"]) & (projected["upper_80"] <= projected["upper_95"])).all()
    backtest = projections.backtest(values)
    assert backtest["held_out"] == [2023, 2024, 2025] and backtest["mape"] < 0.1


def test_intervals_are_at_least_as_wide_as_the_errors_the_model_made_before():
    # A steady series, then a jump the model could not see coming: its past errors include it.
    years = pd.Index(range(2016, 2026))
    values = pd.Series([100, 102, 104, 106, 108, 140, 142, 144, 146, 148], index=years, dtype=float)
    errors = projections.past_errors(values, 1)[1]
    assert max(errors) > 0.2  # the jump year, forecast from 2016-20
    projected = projections.forecast(values, 3).iloc[0]
    assert projected["upper_95"] - projected["projected"] >= max(errors) * projected["projected"] - 1e-9
    assert projected["lower_95"] < projected["lower_80"] < projected["projected"]
    assert projected["widened_by"] > 1


# --- The household facts, all reference dates in one pass --------------------------------------

# The facts as first written, one reference date at a time: the definition the one-pass query in
# prevention.py must reproduce row for row.
PER_DATE_SQL = """
with
reference as (select cast(? as date) as on_date),
people_at_home as (
    select distinct a.uprn, a.resident_id
    from intermediate.int_resident_addresses a, reference
    where a.started_on <= reference.on_date and a.ended_on >= reference.on_date
),
members as (
    select p.uprn, p.resident_id, r.birth_date, r.sex, r.ethnic_group,
        date_part('year', age(reference.on_date, r.birth_date)) as age
    from people_at_home p
    join intermediate.int_demand_residents r using (resident_id), reference
),
households as (
    select uprn,
        count(*) as members,
        count(*) filter (where age >= 18 or age is null) as adults,
        count(*) filter (where age < 18) as children,
        -- The reference person for the fairness report: the oldest adult.
        first(resident_id order by age desc nulls last, resident_id) as reference_person
    from members group by uprn
),
records as (
    select b.resident_id, b.source_system, b.source_record_id
    from marts.bridge_resident_source_record b
    where b.resident_id in (select resident_id from members)
),
rent as (
    select m.uprn,
        max(ra.arrears_balance) > 0 as rent_arrears,
        max(ra.weeks_in_arrears) >= 8 as rent_arrears_8_weeks,
        max(ra.recovery_stage_order) >= 3 as rent_notice_or_court
    from members m
    join records rec on rec.resident_id = m.resident_id and rec.source_system = 'housing'
    join staging.stg_housing__tenancy_members tm on tm.person_ref = rec.source_record_id
    join staging.stg_housing__rent_arrears ra on ra.tenancy_ref = tm.tenancy_ref, reference
    where ra.snapshot_on <= reference.on_date and ra.snapshot_on > reference.on_date - interval 45 day
    group by m.uprn
),
council_tax as (
    select m.uprn,
        max(ar.balance) > 0 as council_tax_arrears,
        max(ar.recovery_stage_order) >= 4 as council_tax_liability_order
    from members m
    join records rec on rec.resident_id = m.resident_id and rec.source_system = 'revenues'
    join staging.stg_revenues__liable_parties lp on lp.party_ref = rec.source_record_id
    join staging.stg_revenues__arrears ar on ar.account_ref = lp.account_ref, reference
    where make_date(ar.financial_year_start + 1, 3, 31) < reference.on_date
      and make_date(ar.financial_year_start + 1, 3, 31) >= reference.on_date - interval 13 month
    group by m.uprn
),
reduction as (
    select distinct m.uprn, true as council_tax_reduction
    from members m
    join records rec on rec.resident_id = m.resident_id and rec.source_system = 'revenues'
    join staging.stg_revenues__liable_parties lp on lp.party_ref = rec.source_record_id
    join staging.stg_revenues__discounts d on d.account_ref = lp.account_ref and d.discount_code = 'CTR', reference
    where d.started_on <= reference.on_date and (d.ended_on is null or d.ended_on >= reference.on_date)
),
moves as (
    select distinct p.uprn, true as moved_in_last_2_years
    from people_at_home p
    join intermediate.int_resident_addresses a on a.resident_id = p.resident_id and a.uprn = p.uprn, reference
    where a.started_on > reference.on_date - interval 2 year and a.started_on <= reference.on_date
),
involvement as (
    select m.uprn,
        bool_or(i.service in ('children_in_need', 'child_protection', 'looked_after')
            and i.started_on > reference.on_date - interval 1 year
            and i.started_on <= reference.on_date) as childrens_social_care_last_year,
        bool_or(i.service = 'adult_social_care' and i.started_on <= reference.on_date
            and coalesce(i.ended_on, reference.on_date) > reference.on_date - interval 1 year) as adult_social_care_last_year,
        bool_or(i.service = 'homelessness' and i.started_on > reference.on_date - interval 3 year
            and i.started_on <= reference.on_date) as previous_homelessness_approach,
        bool_or(i.service = 'homelessness' and i.started_on > reference.on_date
            and i.started_on <= reference.on_date + interval 1 year) as approached_next_year
    from members m
    join marts.fct_service_involvement i on i.resident_id = m.resident_id, reference
    where i.started_on <= reference.on_date + interval 1 year
    group by m.uprn
)
select
    h.uprn, prop.ward_code, h.members, h.adults, h.children, h.reference_person,
    ref.sex as reference_sex, ref.age as reference_age, ref.ethnic_group as reference_ethnic_group,
    coalesce(rent.rent_arrears, false) as rent_arrears,
    coalesce(rent.rent_arrears_8_weeks, false) as rent_arrears_8_weeks,
    coalesce(rent.rent_notice_or_court, false) as rent_notice_or_court,
    coalesce(ct.council_tax_arrears, false) as council_tax_arrears,
    coalesce(ct.council_tax_liability_order, false) as council_tax_liability_order,
    coalesce(red.council_tax_reduction, false) as council_tax_reduction,
    coalesce(mv.moved_in_last_2_years, false) as moved_in_last_2_years,
    h.adults = 1 and h.children > 0 as single_adult_with_children,
    h.children >= 3 as three_or_more_children,
    coalesce(inv.childrens_social_care_last_year, false) as childrens_social_care_last_year,
    coalesce(inv.adult_social_care_last_year, false) as adult_social_care_last_year,
    coalesce(inv.previous_homelessness_approach, false) as previous_homelessness_approach,
    coalesce(inv.approached_next_year, false) as approached_next_year
from households h
join members ref on ref.resident_id = h.reference_person and ref.uprn = h.uprn
left join marts.dim_property prop on prop.uprn = h.uprn
left join rent on rent.uprn = h.uprn
left join council_tax ct on ct.uprn = h.uprn
left join reduction red on red.uprn = h.uprn
left join moves mv on mv.uprn = h.uprn
left join involvement inv on inv.uprn = h.uprn
order by h.uprn
"""


def per_date_features(con, on_date):
    frame = con.execute(PER_DATE_SQL, [on_date]).df()
    frame.insert(0, "reference_on", pd.Timestamp(on_date))
    return frame


SCORED_ON = dt.date(2025, 11, 30)
# Leap days and month ends too: a year or 13 months before them is where interval arithmetic bites.
REFERENCE_DATES = [*prevention.TRAIN_DATES, prevention.TEST_DATE, SCORED_ON, dt.date(2024, 2, 29), dt.date(2025, 3, 31)]


def small_warehouse(path, seed=7, residents=1500, uprns=400):
    """A warehouse with just what the scorecard reads, its dates crowded round every window's edges."""
    rng = np.random.default_rng(seed)
    edges = [r + dt.timedelta(days=int(d)) for r in REFERENCE_DATES
             for d in (0, -1, 1, -44, -45, -46, -364, -365, -366, -395, -396, -397, -730, -731, -732,
                       -1095, -1096, -1097, 364, 365, 366)]
    start, days = dt.date(2014, 1, 1), (dt.date(2027, 1, 1) - dt.date(2014, 1, 1)).days

    def dates(n, nulls=0.0):
        picked = [edges[i] for i in rng.integers(0, len(edges), n)]
        anywhere = [start + dt.timedelta(days=int(d)) for d in rng.integers(0, days, n)]
        out = pd.Series(np.where(rng.random(n) < 0.8, picked, anywhere), dtype="object")
        return out.where(rng.random(n) >= nulls, None)

    def ends(started, longest, nulls):
        """Period ends: open, on a window's edge, or some days after the start."""
        edge = dates(len(started))
        return pd.Series([None if rng.random() < nulls or s is None else e if rng.random() < 0.4
                          else s + dt.timedelta(days=int(rng.integers(0, longest)))
                          for s, e in zip(started, edge, strict=True)], dtype="object")

    def ids(prefix, n):
        return [f"{prefix}{i}" for i in range(n)]

    people = np.arange(1, residents + 1)
    frames = {}
    n = 3 * residents  # several address periods each, some at the same UPRN and overlapping
    started = dates(n)
    frames["intermediate.int_resident_addresses"] = pd.DataFrame({
        "resident_id": rng.choice(people, n), "uprn": rng.integers(1, uprns + 1, n), "started_on": started,
        "ended_on": ends(started, 2500, nulls=0.05)})
    born = pd.Series([start - dt.timedelta(days=int(d)) for d in rng.integers(-4000, 30000, residents)], dtype="object")
    frames["intermediate.int_demand_residents"] = pd.DataFrame({
        "resident_id": people, "birth_date": born.where(rng.random(residents) >= 0.05, None),
        "sex": rng.choice(["F", "M", None], residents, p=[0.48, 0.48, 0.04]),
        "ethnic_group": rng.choice(["White", "Asian", "Black", None], residents)})
    housing, revenues = ids("P", residents // 2), ids("L", residents)
    frames["marts.bridge_resident_source_record"] = pd.DataFrame({
        "source_system": ["housing"] * len(housing) + ["revenues"] * len(revenues),
        "source_record_id": housing + revenues,
        "resident_id": rng.choice(people, len(housing) + len(revenues))})
    tenancies, accounts = ids("T", residents // 4), ids("A", residents // 2)
    frames["staging.stg_housing__tenancy_members"] = pd.DataFrame({
        "tenancy_ref": rng.choice(tenancies, len(housing)), "person_ref": housing})
    m = 2 * len(tenancies)
    frames["staging.stg_housing__rent_arrears"] = pd.DataFrame({
        "tenancy_ref": rng.choice(tenancies, m), "snapshot_on": dates(m),
        "arrears_balance": rng.choice([-50.0, 0.0, 0.01, 300.0], m),
        "weeks_in_arrears": rng.choice([0.0, 7.99, 8.0, 12.5], m),
        "recovery_stage_order": pd.Series(rng.choice([1, 2, 3, 4], m), dtype="Int32").where(rng.random(m) > 0.1, None)})
    frames["staging.stg_revenues__liable_parties"] = pd.DataFrame({
        "party_ref": revenues, "account_ref": rng.choice(accounts, len(revenues))})
    m = len(accounts)
    frames["staging.stg_revenues__arrears"] = pd.DataFrame({
        "account_ref": rng.choice(accounts, m), "financial_year_start": rng.integers(2015, 2026, m),
        "balance": rng.choice([-10.0, 0.0, 0.01, 500.0], m), "recovery_stage_order": rng.choice([1, 3, 4, 5], m)})
    started = dates(m)
    frames["staging.stg_revenues__discounts"] = pd.DataFrame({
        "account_ref": rng.choice(accounts, m), "discount_code": rng.choice(["CTR", "SPD"], m), "started_on": started,
        "ended_on": ends(started, 900, nulls=0.3)})
    m = residents
    started = dates(m, nulls=0.02)
    frames["marts.fct_service_involvement"] = pd.DataFrame({
        "resident_id": rng.choice(people, m),
        "service": rng.choice(["children_in_need", "child_protection", "looked_after", "adult_social_care",
                               "homelessness", "council_tax", None], m),
        "started_on": started,
        "ended_on": ends(started, 900, nulls=0.3)})
    frames["marts.dim_property"] = pd.DataFrame({
        "uprn": np.arange(1, uprns), "ward_code": rng.choice(["E05000001", "E05000002", None], uprns - 1)})
    types = {"resident_id": "bigint", "uprn": "bigint", "started_on": "date", "ended_on": "date", "birth_date": "date",
             "snapshot_on": "date", "arrears_balance": "decimal(12, 2)", "weeks_in_arrears": "decimal(8, 2)",
             "balance": "decimal(12, 2)", "recovery_stage_order": "integer", "financial_year_start": "integer"}
    con = duckdb.connect(str(path))
    for table, frame in frames.items():
        con.execute(f"create schema if not exists {table.split('.')[0]}")
        columns = ", ".join(f"cast({c} as {types[c]}) as {c}" if c in types else c for c in frame.columns)
        con.register("_frame", frame)
        con.execute(f"create table {table} as select {columns} from _frame")
        con.unregister("_frame")
    return con


def test_one_pass_over_every_reference_date_gives_each_dates_facts_row_for_row(tmp_path):
    con = small_warehouse(tmp_path / "warehouse.duckdb")
    prevention.household_features(con, REFERENCE_DATES)
    together = con.execute(f"select * from {prevention.HOUSEHOLDS} order by reference_on, uprn").df()
    one_by_one = pd.concat([per_date_features(con, d) for d in sorted(REFERENCE_DATES)], ignore_index=True)
    assert len(one_by_one) > 300 and one_by_one[list(prevention.FEATURES)].any().all()
    assert one_by_one["approached_next_year"].any()
    pd.testing.assert_frame_equal(together, one_by_one, check_exact=True)


def test_run_writes_what_ranking_each_dates_facts_gives(tmp_path):
    con = small_warehouse(tmp_path / "warehouse.duckdb", seed=8)
    figures = prevention.run(con, tmp_path / "out", scored_on=SCORED_ON)
    # The scorecard and the lists as ranking the whole frame of each date's facts gives them.
    card, _ = prevention.fit(prevention.fact_counts(
        pd.concat([per_date_features(con, d) for d in prevention.TRAIN_DATES], ignore_index=True)))
    tested = prevention.rank(per_date_features(con, prevention.TEST_DATE), card)
    current = prevention.rank(per_date_features(con, SCORED_ON), card)
    at_risk = current.loc[current["flagged"], ["reference_on", "uprn", "ward_code", "members", "children", "score",
                                               "probability", "rank", "reasons", *prevention.FEATURES]]
    written = {t: con.execute(f"select * from prevention.{t}").df()
               for t in ("backtest_households", "households_at_risk")}
    pd.testing.assert_frame_equal(written["backtest_households"], tested.drop(columns=["reference_person"]),
                                  check_exact=True)
    pd.testing.assert_frame_equal(written["households_at_risk"], at_risk.reset_index(drop=True), check_exact=True)
    assert figures["households_at_risk"] == len(at_risk) > 0
    assert figures["backtest"] == prevention.backtest(tested)
    assert con.execute("select coefficient from prevention.scorecard").df()["coefficient"].tolist() == \
        card.coefficients.iloc[1:].tolist()
    # The temporary table of facts goes when the run ends.
    assert not con.execute(f"select * from duckdb_tables() where table_name = '{prevention.HOUSEHOLDS}'").fetchall()


def trained_on_the_warehouse(con) -> prevention.Scorecard:
    """The scorecard fitted on the training dates' households as the warehouse holds them now."""
    card, _ = prevention.fit(prevention.fact_counts(
        pd.concat([per_date_features(con, d) for d in prevention.TRAIN_DATES], ignore_index=True)))
    return card


def forget_early_homelessness_approaches(con) -> None:
    """A late correction to the past: a scorecard trained again would weigh its facts otherwise."""
    con.execute("delete from marts.fct_service_involvement where service = 'homelessness' and started_on < '2022-01-01'")


def test_a_later_build_scores_todays_households_with_the_kept_scorecard(tmp_path):
    con = small_warehouse(tmp_path / "warehouse.duckdb", seed=8)
    card = trained_on_the_warehouse(con)
    first = prevention.run(con, tmp_path / "out", scored_on=SCORED_ON)
    trained_tables = {t: con.execute(f"select * from prevention.{t}").df()
                      for t in ("scorecard", "backtest", "backtest_households", "fairness")}
    forget_early_homelessness_approaches(con)
    assert not trained_on_the_warehouse(con).coefficients.equals(card.coefficients)

    later = prevention.run(con, tmp_path / "out", scored_on=SCORED_ON)
    assert first["retrained"] and not later["retrained"]
    assert later["trained_at"] == first["trained_at"] and later["backtest"] == first["backtest"]
    for table, trained in trained_tables.items():
        pd.testing.assert_frame_equal(con.execute(f"select * from prevention.{table}").df(), trained,
                                      check_exact=True)
    # Today's facts, as they are now, ranked by the kept scorecard.
    current = prevention.rank(per_date_features(con, SCORED_ON), card)
    at_risk = current.loc[current["flagged"], ["reference_on", "uprn", "ward_code", "members", "children", "score",
                                               "probability", "rank", "reasons", *prevention.FEATURES]]
    pd.testing.assert_frame_equal(con.execute("select * from prevention.households_at_risk").df(),
                                  at_risk.reset_index(drop=True), check_exact=True)
    [(card_text,)] = con.execute("select markdown from prevention.model_card").fetchall()
    assert f"trained on {dt.datetime.fromisoformat(first['trained_at']):%Y-%m-%d at %H:%M}" in card_text
    assert f"scored on {SCORED_ON.isoformat()}" in card_text


@pytest.mark.parametrize("kept_scorecard", ["too old", "from other code"])
def test_a_scorecard_too_old_or_from_other_code_is_trained_again(tmp_path, kept_scorecard):
    con = small_warehouse(tmp_path / "warehouse.duckdb", seed=8)
    prevention.run(con, tmp_path / "out", scored_on=SCORED_ON)
    forget_early_homelessness_approaches(con)
    if kept_scorecard == "too old":
        con.execute(f"update {prevention.MODEL_TABLE} "
                    f"set trained_at = trained_at - interval {prevention.RETRAIN_AFTER_DAYS + 1} day")
    else:
        con.execute(f"update {prevention.MODEL_TABLE} set code_digest = 'another version'")

    figures = prevention.run(con, tmp_path / "out", scored_on=SCORED_ON)
    assert figures["retrained"]
    assert con.execute("select coefficient from prevention.scorecard").df()["coefficient"].tolist() == \
        trained_on_the_warehouse(con).coefficients.iloc[1:].tolist()


def test_the_fit_on_counts_is_the_penalised_maximum_likelihood_of_the_households():
    train = households(n=40000)
    x = np.c_[np.ones(len(train)), train[list(prevention.FEATURES)].astype(float).to_numpy()]
    y = train["approached_next_year"].astype(float).to_numpy()
    # The optimum household by household: Newton's method on the log-likelihood less half the
    # squared coefficients (not the intercept's), run to machine precision.
    penalty = np.diag(np.r_[0.0, np.ones(len(prevention.FEATURES))])
    optimum = np.zeros(x.shape[1])
    for _ in range(30):
        p = 1 / (1 + np.exp(-x @ optimum))
        optimum += np.linalg.solve(x.T @ (x * (p * (1 - p))[:, None]) + penalty, x.T @ (y - p) - penalty @ optimum)
    counts = prevention.fact_counts(train)
    assert len(counts) < len(train) / 10 and counts["households"].sum() == len(train)
    card, _ = prevention.fit(counts)
    assert np.abs(card.coefficients.to_numpy() - optimum).max() < 2e-4
    # Statsmodels on one row per household, as the scorecard was first fitted, stops further from
    # it (its tolerance is on the gradient divided by the rows) but gives the same points.
    alpha = np.r_[0.0, np.full(len(prevention.FEATURES), 1.0 / len(train))]
    by_household = sm.GLM(y, x, family=sm.families.Binomial()).fit_regularized(alpha=alpha, L1_wt=0.0).params
    assert np.abs(by_household - optimum).max() < 5e-3
    assert card.points().equals(prevention.Scorecard(pd.Series(by_household, index=card.coefficients.index)).points())


def test_reasons_name_the_strongest_facts_each_household_has():
    card, _ = prevention.fit(prevention.fact_counts(households(seed=3)))
    frame = households(seed=5)
    points = card.points()
    raising = sorted((f for f in prevention.FEATURES if points[f] > 0), key=lambda f: -points[f])
    expected = ["; ".join([prevention.FEATURES[f] for f in raising if row[f]][:prevention.REASONS_SHOWN])
                for _, row in frame.iterrows()]
    assert card.reasons(frame) == expected
    assert "" in expected and any(r.count(";") == prevention.REASONS_SHOWN - 1 for r in expected)
