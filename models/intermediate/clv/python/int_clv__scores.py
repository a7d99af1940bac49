"""Per customer and fit period: BG/NBD probability of being alive, expected purchases, Gamma-Gamma
expected spend per purchase and the discounted CLV over the horizon (closed forms below).

For the `as_of` period the horizon is clv_horizon_months months after the as-of date; for the
`calibration` period the expectation is over the holdout (from the calibration end to the
as-of date), to compare with the purchases the customers then made (clv_calibration).
Customers of a period whose parameters could not be fitted (too little data) get nulls.
"""

import numpy as np
import pandas as pd
from scipy.special import hyp2f1

DAYS_PER_MONTH = 365.25 / 12


def probability_alive(r, alpha, a, b, x, t_x, age):
    """P(alive | x, t_x, T). A customer with no repeat purchase has never had a chance to drop
    out in this model (dropout happens after a purchase), so their P(alive) is 1."""
    x, t_x, age = np.asarray(x, float), np.asarray(t_x, float), np.asarray(age, float)
    odds = np.zeros_like(x)
    repeat = x > 0
    odds[repeat] = a / (b + x[repeat] - 1) * ((alpha + age[repeat]) / (alpha + t_x[repeat])) ** (r + x[repeat])
    return 1.0 / (1.0 + odds)


def expected_purchases(r, alpha, a, b, x, t_x, age, horizon):
    """E[Y(t) | x, t_x, T]: expected purchases in the next `horizon` time units."""
    x, t_x, age = np.asarray(x, float), np.asarray(t_x, float), np.asarray(age, float)
    horizon = np.asarray(horizon, float)
    z = horizon / (alpha + age + horizon)
    bracket = 1 - ((alpha + age) / (alpha + age + horizon)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * bracket * probability_alive(r, alpha, a, b, x, t_x, age)


def expected_spend(p, q, gamma, x, mean_spend):
    """Gamma-Gamma expected spend per purchase, given x repeat purchases of mean spend m (the
    population mean p * gamma / (q - 1) for a customer with no repeat purchase)."""
    x = np.asarray(x, float)
    m = np.nan_to_num(np.asarray(mean_spend, float), nan=0.0)
    return (p * (gamma + x * m)) / (p * x + q - 1)


def discounted_value(r, alpha, a, b, x, t_x, age, spend, months, monthly_rate, unit_days):
    """Sum over the next `months` months of (expected purchases in the month) x spend, each month
    discounted at monthly_rate (the month's value at its end)."""
    value = np.zeros(len(np.asarray(x)))
    previous = np.zeros_like(value)
    for month in range(1, months + 1):
        cumulative = expected_purchases(r, alpha, a, b, x, t_x, age, month * DAYS_PER_MONTH / unit_days)
        value += (cumulative - previous) * spend / (1 + monthly_rate) ** month
        previous = cumulative
    return value


def score(rows, fit, horizon_months, monthly_rate, unit_days):
    out = rows[["fit_period", "customer_key", "as_of_date", "frequency", "recency", "age", "monetary_value"]].copy()
    for column in ("probability_alive", "expected_purchases", "expected_spend", "predicted_clv"):
        out[column] = np.nan
    if fit is None or fit["status"] != "fitted" or out.empty:
        return out
    bg = (fit["r"], fit["alpha"], fit["a"], fit["b"])
    x, t_x, age = out["frequency"].to_numpy(), out["recency"].to_numpy(), out["age"].to_numpy()
    out["probability_alive"] = probability_alive(*bg, x, t_x, age)
    if fit["fit_period"] == "as_of":
        horizon = np.full(len(out), horizon_months * DAYS_PER_MONTH / unit_days)
    else:  # the holdout: from the calibration end to the as-of date
        horizon = np.full(len(out), (pd.Timestamp(fit["as_of_date"]) - pd.Timestamp(fit["period_end_date"])).days
                          / unit_days)
    out["expected_purchases"] = expected_purchases(*bg, x, t_x, age, horizon)
    spend = expected_spend(fit["p"], fit["q"], fit["gamma"], x, out["monetary_value"].to_numpy())
    out["expected_spend"] = spend
    if fit["fit_period"] == "as_of":
        out["predicted_clv"] = discounted_value(*bg, x, t_x, age, spend, horizon_months, monthly_rate, unit_days)
    return out


def model(dbt, session):
    dbt.config(materialized="table")
    summary = dbt.ref("int_clv__customer_summary").df()
    fits = {row["fit_period"]: row for row in dbt.ref("int_clv__parameters").df().to_dict("records")}
    horizon_months = int(dbt.config.get("clv_horizon_months"))
    monthly_rate = float(dbt.config.get("clv_monthly_discount_rate"))
    unit_days = float(dbt.config.get("clv_time_unit_days"))
    parts = [
        score(summary[summary["fit_period"] == period], fits.get(period), horizon_months, monthly_rate, unit_days)
        for period in ("as_of", "calibration")
    ]
    return pd.concat(parts, ignore_index=True).astype({
        "probability_alive": float, "expected_purchases": float, "expected_spend": float, "predicted_clv": float,
    })
