"""BG/NBD and Gamma-Gamma maximum-likelihood fits, one row per fit period (`as_of`, `calibration`).

BG/NBD (Fader, Hardie and Lee 2005): purchases follow a Poisson process with rate
lambda ~ Gamma(r, alpha) while a customer is alive; after each purchase the customer drops out
with probability p ~ Beta(a, b). Gamma-Gamma (Fader, Hardie and Lee 2005, "RFM and CLV"): the
spend of a purchase is Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers, independent of
the purchase process. Both are fitted with L-BFGS-B on log parameters (keeps them positive),
on customers grouped by their identical (x, t_x, T) or (x, mean spend) and weighted by the
count: the likelihood is the same, the work a fraction at a million customers.

A fit that does not converge fails the build with a message naming the period; it never
writes parameters that do not maximise the likelihood.
"""

import time

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln


def bgnbd_log_likelihood(r, alpha, a, b, x, t_x, age):
    """Per customer: log of the BG/NBD likelihood of x repeat purchases, the last at t_x, over age T."""
    x, t_x, age = np.asarray(x, float), np.asarray(t_x, float), np.asarray(age, float)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + age)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    return a1 + a2 + np.logaddexp(a3, a4)


def gamma_gamma_log_likelihood(p, q, gamma, x, mean_spend):
    """Per repeat customer: log likelihood of the mean spend of x purchases (constants dropped)."""
    x, m = np.asarray(x, float), np.asarray(mean_spend, float)
    return (
        gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(gamma)
        + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(x * m + gamma)
    )


def fit(negative_log_likelihood, start, data, weights):
    """Maximum likelihood on log parameters; returns (parameters, log-likelihood, converged)."""
    result = minimize(
        lambda log_params: -np.sum(weights * negative_log_likelihood(*np.exp(log_params), *data)),
        np.log(start),
        method="L-BFGS-B",
        options={"maxiter": 2000},
    )
    return np.exp(result.x), -float(result.fun), bool(result.success and np.isfinite(result.fun))


def fit_period(summary, period, min_customers, min_repeat_customers):
    """One row of parameters. Too little data to fit is a row that says so (status
    too_little_data, parameters null); a fit that runs and does not converge raises."""
    started = time.perf_counter()
    rows = summary[summary["fit_period"] == period]
    repeat = rows[(rows["frequency"] > 0) & (rows["monetary_value"] > 0)]
    row = {
        "fit_period": period,
        "as_of_date": summary["as_of_date"].iloc[0] if len(summary) else None,
        "period_end_date": rows["period_end_date"].iloc[0] if len(rows) else None,
        "status": "fitted",
        "r": None, "alpha": None, "a": None, "b": None, "bgnbd_log_likelihood": None,
        "p": None, "q": None, "gamma": None, "gamma_gamma_log_likelihood": None,
        "customer_count": int(len(rows)),
        "repeat_customer_count": int(len(repeat)),
        "frequency_spend_correlation": None,
        "is_converged": None,
        "fit_seconds": None,
    }
    if len(rows) < min_customers or len(repeat) < min_repeat_customers:
        row["status"] = "too_little_data"
        return row
    grouped = rows.groupby(["frequency", "recency", "age"], as_index=False).size()
    (r, alpha, a, b), bgnbd_ll, bgnbd_ok = fit(
        bgnbd_log_likelihood, [1.0, 1.0, 1.0, 1.0],
        (grouped["frequency"].to_numpy(), grouped["recency"].to_numpy(), grouped["age"].to_numpy()),
        grouped["size"].to_numpy(),
    )
    spend = repeat.groupby(["frequency", "monetary_value"], as_index=False).size()
    (p, q, gamma), gg_ll, gg_ok = fit(
        gamma_gamma_log_likelihood, [1.0, 1.0, 1.0],
        (spend["frequency"].to_numpy(), spend["monetary_value"].to_numpy()), spend["size"].to_numpy(),
    )
    problems = [name for name, ok in (("BG/NBD", bgnbd_ok), ("Gamma-Gamma", gg_ok)) if not ok]
    if problems:
        raise RuntimeError(
            f"CLV: the {' and '.join(problems)} fit did not converge for the {period} period "
            f"(purchases up to {row['period_end_date']}, {len(rows)} customers, {len(repeat)} repeat customers). "
            "Nothing was written; check the data of that period or raise clv_min_customers."
        )
    row.update({
        "r": r, "alpha": alpha, "a": a, "b": b, "bgnbd_log_likelihood": bgnbd_ll,
        "p": p, "q": q, "gamma": gamma, "gamma_gamma_log_likelihood": gg_ll,
        "frequency_spend_correlation": (
            float(np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1])
            if repeat["frequency"].nunique() > 1 and repeat["monetary_value"].nunique() > 1 else None
        ),
        "is_converged": True,
        "fit_seconds": time.perf_counter() - started,
    })
    return row


def model(dbt, session):
    dbt.config(materialized="table")
    summary = dbt.ref("int_clv__customer_summary").df()
    min_customers = int(dbt.config.get("clv_min_customers"))
    min_repeat = int(dbt.config.get("clv_min_repeat_customers"))
    rows = [fit_period(summary, period, min_customers, min_repeat) for period in ("as_of", "calibration")]
    return pd.DataFrame(rows).astype({
        "r": float, "alpha": float, "a": float, "b": float, "bgnbd_log_likelihood": float, "p": float, "q": float,
        "gamma": float, "gamma_gamma_log_likelihood": float, "frequency_spend_correlation": float,
        "fit_seconds": float, "is_converged": "boolean",
    })
