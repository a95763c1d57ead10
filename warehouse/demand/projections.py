"""Three-year projections of EHC plans in force and children looked after, with intervals.

statsmodels' ETSModel (exponential smoothing in state-space form: additive error, additive damped
trend) fits the yearly borough figures from marts.fct_demand_annual and gives prediction
intervals from the state-space model. Back-test: fit on every year but the last three, forecast
those three and compare with what happened (mean absolute percentage error). Deterministic: the
fit is maximum likelihood from statsmodels' fixed starting values.
"""

from __future__ import annotations

import warnings

import duckdb
import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

SERIES: tuple[tuple[str, str], ...] = (
    ("send", "ehc_plans_in_force_january"),
    ("childrens_social_care", "children_looked_after_31_march"),
)
HORIZON = 3
HELD_OUT = 3
INTERVALS = (0.80, 0.95)


def _fit(values: pd.Series):
    # Ten yearly points: a damped additive trend, no seasonality. Short series make the optimiser
    # warn about convergence at the bounds; the fit is still the likelihood maximum it found.
    model = ETSModel(values.astype(float), error="add", trend="add", damped_trend=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(disp=False, maxiter=2000)


def forecast(values: pd.Series, horizon: int) -> pd.DataFrame:
    """``values`` indexed by year -> one row per future year with the point and interval bounds."""
    series = pd.Series(values.to_numpy(dtype=float),
                       index=pd.period_range(str(values.index.min()), periods=len(values), freq="Y"))
    fitted = _fit(series)
    prediction = fitted.get_prediction(start=len(series), end=len(series) + horizon - 1)
    out = pd.DataFrame({"year": np.arange(values.index.max() + 1, values.index.max() + 1 + horizon),
                        "projected": np.asarray(prediction.predicted_mean)})
    for level in INTERVALS:
        bounds = np.asarray(prediction.pred_int(alpha=1 - level))
        pct = round(level * 100)
        out[f"lower_{pct}"] = np.maximum(bounds[:, 0], 0)
        out[f"upper_{pct}"] = bounds[:, 1]
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
        con.register("_frame", frame)
        con.execute(f"create or replace table projections.{name} as select * from _frame")
        con.unregister("_frame")
    return figures
