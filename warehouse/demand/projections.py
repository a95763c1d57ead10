"""Three-year projections of EHC plans in force and children looked after, with intervals.

statsmodels' ETSModel (exponential smoothing in state-space form: additive error, additive damped
trend) fits the yearly borough figures from marts.fct_demand_annual and gives prediction
intervals from the state-space model. Those intervals take the fitted parameters as known, which
on ten yearly points they are not: they came out too narrow (1 of 3 held-out years of children
looked after inside the 95% interval). So each interval is at least as wide as the errors the
same model made forecasting this series from every earlier year: both are widened, in
proportion, until the 95% one covers the largest such error at that horizon (``widened_by``).
Back-test: fit on every year but the last three, forecast those three and compare with what
happened (mean absolute percentage error). Deterministic: the fit is maximum likelihood from
statsmodels' fixed starting values.
"""

from __future__ import annotations

import warnings

import duckdb
import numpy as np
import pandas as pd

from warehouse.demand import replace_table

SERIES: tuple[tuple[str, str], ...] = (
    ("send", "ehc_plans_in_force_january"),
    ("childrens_social_care", "children_looked_after_31_march"),
)
HORIZON = 3
HELD_OUT = 3
INTERVALS = (0.80, 0.95)
MIN_FIT_YEARS = 5  # the shortest history a past forecast is made from when measuring errors


def _fit(values: pd.Series):
    # Imported here, not at the top: it takes 1.6 s, and every `council` command and code-location
    # load imports this module without fitting anything.
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    # Ten yearly points: a damped additive trend, no seasonality. Short series make the optimiser
    # warn about convergence at the bounds; the fit is still the likelihood maximum it found.
    model = ETSModel(values.astype(float), error="add", trend="add", damped_trend=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(disp=False, maxiter=2000)


def _yearly(values: pd.Series) -> pd.Series:
    return pd.Series(values.to_numpy(dtype=float),
                     index=pd.period_range(str(values.index.min()), periods=len(values), freq="Y"))


def past_errors(values: pd.Series, horizon: int) -> dict[int, list[float]]:
    """Relative errors of the forecasts the model would have made from every earlier year with at
    least MIN_FIT_YEARS of history, by horizon (1 = the next year)."""
    series = _yearly(values)
    errors: dict[int, list[float]] = {h: [] for h in range(1, horizon + 1)}
    for end in range(MIN_FIT_YEARS, len(series)):
        predicted = np.asarray(_fit(series.iloc[:end]).forecast(horizon))
        for h in range(1, horizon + 1):
            if end + h - 1 < len(series) and series.iloc[end + h - 1] > 0:
                actual = series.iloc[end + h - 1]
                errors[h].append(abs(predicted[h - 1] - actual) / actual)
    return errors


def forecast(values: pd.Series, horizon: int) -> pd.DataFrame:
    """``values`` indexed by year -> one row per future year with the point and interval bounds."""
    series = _yearly(values)
    fitted = _fit(series)
    prediction = fitted.get_prediction(start=len(series), end=len(series) + horizon - 1)
    projected = np.asarray(prediction.predicted_mean)
    out = pd.DataFrame({"year": np.arange(values.index.max() + 1, values.index.max() + 1 + horizon),
                        "projected": projected})
    # Widen the model's intervals, keeping their shape, until the 95% one covers the largest error
    # the model made before at that horizon.
    errors = past_errors(values, horizon)
    half_95 = np.asarray(prediction.pred_int(alpha=0.05))[:, 1] - projected
    largest = np.array([max(errors[h], default=0.0) * abs(projected[h - 1]) for h in range(1, horizon + 1)])
    widen = np.maximum(1.0, largest / np.where(half_95 > 0, half_95, np.inf))
    out["widened_by"] = widen.round(2)
    for level in INTERVALS:
        half = (np.asarray(prediction.pred_int(alpha=1 - level))[:, 1] - projected) * widen
        pct = round(level * 100)
        out[f"lower_{pct}"] = np.maximum(projected - half, 0)
        out[f"upper_{pct}"] = projected + half
    return out


def backtest(values: pd.Series, held_out: int = HELD_OUT) -> dict:
    train, test = values.iloc[:-held_out], values.iloc[-held_out:]
    predicted = forecast(train, held_out).set_index("year")
    errors = predicted["projected"] - test
    return {
        "trained_on": f"{train.index.min()}-{train.index.max()}",
        "held_out": [int(y) for y in test.index],
        "actual": [float(v) for v in test],
        "projected": [round(float(v), 1) for v in predicted["projected"]],
        "mape": round(float((errors.abs() / test.where(test > 0)).mean()), 4),
        "mae": round(float(errors.abs().mean()), 2),
        "within_95_interval": int(((test >= predicted["lower_95"]) & (test <= predicted["upper_95"])).sum()),
    }


def run(con: duckdb.DuckDBPyConnection) -> dict:
    annual = con.execute("select service, measure, year, value from marts.fct_demand_annual").df()
    frames, figures = [], {}
    for service, measure in SERIES:
        values = annual[(annual["service"] == service) & (annual["measure"] == measure)].set_index("year")["value"].sort_index()
        projected = forecast(values, HORIZON)
        projected.insert(0, "measure", measure)
        projected.insert(0, "service", service)
        frames.append(projected)
        figures[measure] = {"last_actual": {int(values.index.max()): float(values.iloc[-1])},
                            "projection": projected.drop(columns=["service", "measure"]).round(1).to_dict("records"),
                            "backtest": backtest(values)}
    projections = pd.concat(frames, ignore_index=True)
    backtests = pd.DataFrame([{"service": s, "measure": m, **{k: v for k, v in figures[m]["backtest"].items()
                                                              if k in ("trained_on", "mape", "mae", "within_95_interval")}}
                              for s, m in SERIES])
    con.execute("create schema if not exists projections")
    for name, frame in {"demand_projections": projections, "demand_projection_backtests": backtests}.items():
        replace_table(con, f"projections.{name}", frame)
    return figures
