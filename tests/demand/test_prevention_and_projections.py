"""The scorecard and the projections on small frames whose right answers are visible."""

import numpy as np
import pandas as pd

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
    train = households()
    card, _ = prevention.fit(train)
    again, _ = prevention.fit(train)
    assert card.coefficients.equals(again.coefficients)
    points = card.points()
    assert points.nlargest(2).index.tolist() == ["rent_arrears_8_weeks", "council_tax_arrears"]
    assert points["rent_arrears_8_weeks"] > 50  # 2.5 log-odds is about 72 points


def test_backtest_on_an_unseen_year_beats_chance_and_flags_carry_reasons():
    card, _ = prevention.fit(households(seed=3))
    scored = prevention.rank(households(seed=4), card)
    metrics = prevention.backtest(scored)
    assert metrics["auc"] > 0.7
    assert metrics["precision_at_100"] > 2 * metrics["base_rate"]
    flagged = scored[scored["flagged"]]
    assert len(flagged) == round(prevention.FLAG_SHARE * len(scored))
    deep_arrears = flagged[flagged["rent_arrears_8_weeks"]]
    assert deep_arrears["reasons"].str.startswith(prevention.FEATURES["rent_arrears_8_weeks"]).all()


def test_fairness_reports_every_group_and_states_the_gaps():
    card, _ = prevention.fit(households(seed=3))
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
