"""Predicted customer lifetime value: the BG/NBD and Gamma-Gamma models.

- On the CDNOW 1/10 sample (tests/data/cdnow), loaded through the raw contract and built by
  dbt, the calibration fit reproduces the published parameters and log-likelihood, and the
  holdout prediction the published total.
- On 50,000 customers simulated from known BG/NBD parameters, the fit recovers them.
- The closed forms, against a Monte Carlo simulation and hand-worked values.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, Warehouse, load

CDNOW = REPO / "tests" / "data" / "cdnow" / "CDNOW_sample.txt"
CLV_MODELS = REPO / "models" / "intermediate" / "clv" / "python"


def python_model(name: str):
    """A dbt Python model's module, to test its functions directly."""
    spec = importlib.util.spec_from_file_location(name, CLV_MODELS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fitting, scoring = python_model("int_clv__parameters"), python_model("int_clv__scores")


def cdnow_as_raw_files(folder: Path) -> None:
    """The CDNOW purchases in the raw contract: one sale line per purchase (quantity 1, the
    purchase's dollar value as the price), one product, one source system."""
    folder.mkdir()
    purchases = [line.split() for line in CDNOW.read_text().splitlines() if line.strip()]
    with (folder / "customers.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "source_system"])
        for customer in sorted({row[1] for row in purchases}):
            writer.writerow([customer, "cdnow"])
    (folder / "products.csv").write_text("product_id,unit_cost\nCD,0\n")
    with (folder / "transactions.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "transaction_id",
                "line_number",
                "customer_id",
                "source_system",
                "product_id",
                "transaction_at",
                "transaction_type",
                "quantity",
                "unit_price",
            ]
        )
        for number, (_, customer, day, _, dollars) in enumerate(purchases, start=1):
            at = dt.datetime.strptime(day, "%Y%m%d").replace(hour=12)
            writer.writerow([f"T{number:05d}", 1, customer, "cdnow", "CD", at.isoformat(sep=" "), "sale", 1, dollars])


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    work = tmp_path_factory.mktemp("cdnow")
    cdnow_as_raw_files(work / "raw")
    warehouse = Warehouse(work / "warehouse.duckdb", work)
    load(work / "raw", warehouse.path)
    # as of the end of the data; the calibration fit ends 39 weeks earlier, on 1997-09-30
    # every model and data test on CDNOW (the unit tests read no data: test_dbt_build runs them)
    result = warehouse.dbt(
        "build", "--exclude", "resource_type:unit_test", vars={"as_of_date": "1998-06-30", "clv_holdout_days": 273}
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return warehouse


def close_to(value: float, published: float, decimals: int) -> bool:
    """Within 0.1% of the published value, or within its rounding (published to `decimals`)."""
    return abs(value - published) <= max(0.001 * abs(published), 0.5 * 10**-decimals)


def test_cdnow_calibration_fit_matches_the_published_parameters(cdnow: Warehouse) -> None:
    row = dict(
        zip(
            ["period_end_date", "customers", "repeat", "r", "alpha", "a", "b", "ll", "p", "q", "gamma", "status"],
            cdnow.query(
                """select period_end_date, customer_count, repeat_customer_count, r, alpha, a, b, bgnbd_log_likelihood,
                p, q, gamma, status
            from marts.clv_model_parameters where fit_period = 'calibration'"""
            )[0],
            strict=True,
        )
    )
    assert row["period_end_date"] == dt.date(1997, 9, 30) and row["status"] == "fitted"
    assert (row["customers"], row["repeat"]) == (2357, 946)
    # Fader, Hardie and Lee (2005): BG/NBD in weeks; Gamma-Gamma on the 946 repeat buyers
    for name, published, decimals in (
        ("r", 0.2426, 4),
        ("alpha", 4.4136, 4),
        ("a", 0.7929, 4),
        ("b", 2.4259, 4),
        ("ll", -9582.4, 1),
        ("p", 6.25, 2),
        ("q", 3.74, 2),
        ("gamma", 15.44, 2),
    ):
        assert close_to(row[name], published, decimals), (name, row[name], published)


def test_cdnow_holdout_prediction_matches_the_published_total(cdnow: Warehouse) -> None:
    predicted, actual, customers = cdnow.query(
        "select sum(predicted_holdout_purchases), sum(actual_holdout_purchases), sum(customer_count) "
        "from marts.clv_calibration"
    )[0]
    assert customers == 2357
    assert actual == 1882  # the published count of holdout repeat purchases
    assert abs(predicted - 1653) <= 0.01 * 1653, predicted
    # customers who bought more often in calibration are expected to, and do, buy more in the holdout
    by_frequency = cdnow.query(
        "select predicted_purchases_per_customer, actual_purchases_per_customer from marts.clv_calibration order by "
        "calibration_frequency"
    )
    assert by_frequency[0][0] < by_frequency[-1][0] and by_frequency[0][1] < by_frequency[-1][1]


def test_cdnow_customer_values_are_consistent(cdnow: Warehouse) -> None:
    rows = cdnow.query(
        """select repeat_purchase_count, recency, age, probability_alive, expected_purchases, expected_spend,
            predicted_clv, clv_decile, predicted_abc_class
        from marts.customer_lifetime_value"""
    )
    assert len(rows) == 2357
    assert all(0 <= r[3] <= 1 and r[4] >= 0 and r[6] >= 0 for r in rows)
    assert all(r[3] == 1 for r in rows if r[0] == 0)  # BG/NBD: no repeat purchase, no chance to drop out
    assert {r[7] for r in rows} == set(range(1, 11))
    assert {r[8] for r in rows} == {"A", "B", "C"}


def simulate_bgnbd(r: float, alpha: float, a: float, b: float, customers: int, seed: int) -> pd.DataFrame:
    """Customers' (x, t_x, T) drawn from the BG/NBD process itself: a purchase rate from
    Gamma(r, alpha), a dropout probability from Beta(a, b) applied after every repeat purchase,
    Poisson purchases from the first one (time 0) to an observation age T."""
    rng = np.random.default_rng(seed)
    rates = rng.gamma(r, 1 / alpha, customers)
    dropout = rng.beta(a, b, customers)
    ages = rng.uniform(30, 80, customers)
    x, t_x = np.zeros(customers), np.zeros(customers)
    for i in range(customers):
        time = 0.0
        while True:
            time += rng.exponential(1 / rates[i])
            if time > ages[i]:
                break
            x[i] += 1
            t_x[i] = time
            if rng.random() < dropout[i]:
                break
    return pd.DataFrame(
        {
            "fit_period": "as_of",
            "as_of_date": dt.date(2026, 1, 1),
            "period_end_date": dt.date(2026, 1, 1),
            "frequency": x,
            "recency": t_x,
            "age": ages,
            "monetary_value": np.where(x > 0, 20.0, np.nan),
        }
    )


def test_fit_recovers_known_parameters_of_50000_simulated_customers() -> None:
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}
    summary = simulate_bgnbd(**truth, customers=50_000, seed=12)
    fitted = fitting.fit_period(summary, "as_of", min_customers=100, min_repeat_customers=20)
    for name, value in truth.items():
        assert abs(fitted[name] - value) <= 0.05 * value, (name, fitted[name], value)


def test_probability_alive_is_a_probability_that_falls_with_recency() -> None:
    params = (0.2426, 4.4136, 0.7929, 2.4259)
    recency = np.linspace(0.5, 38, 60)
    alive = scoring.probability_alive(*params, np.full(60, 3), recency, np.full(60, 38.0))
    assert np.all((alive >= 0) & (alive <= 1))
    # a last purchase longer ago (smaller t_x at the same age) leaves a customer less likely alive
    assert np.all(np.diff(alive) > 0)
    assert scoring.probability_alive(*params, [0], [0], [38.0])[0] == 1
    # hand-worked: x = 1, t_x = 10, T = 20: 1 / (1 + a / b * ((alpha + T) / (alpha + t_x)) ** (r + 1))
    odds = 0.7929 / 2.4259 * ((4.4136 + 20) / (4.4136 + 10)) ** 1.2426
    assert scoring.probability_alive(*params, [1], [10.0], [20.0])[0] == pytest.approx(1 / (1 + odds))


def test_expected_purchases_of_a_new_customer_match_a_simulation() -> None:
    """For a customer just acquired (x = 0, T = 0) the conditional expectation is the model's
    unconditional E[X(t)]; 400,000 simulated customers give it independently."""
    r, alpha, a, b, horizon = 0.5, 6.0, 0.8, 2.5, 52.0
    rng = np.random.default_rng(7)
    n = 400_000
    rates, dropout = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    # purchases in (0, horizon]: each purchase may be followed by dropout (the first purchase at 0 already happened)
    counts = np.zeros(n)
    time = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        time[alive] += rng.exponential(1 / rates[alive])
        alive &= time <= horizon
        counts[alive] += 1
        alive &= rng.random(n) >= dropout
    expected = scoring.expected_purchases(r, alpha, a, b, [0], [0], [0.0], horizon)[0]
    assert counts.mean() == pytest.approx(expected, rel=0.02)


def test_expected_spend_and_discounting_hand_worked() -> None:
    # Gamma-Gamma: p (gamma + x m) / (p x + q - 1) = 6.25 * (15.44 + 2 * 30) / (6.25 * 2 + 3.74 - 1)
    assert scoring.expected_spend(6.25, 3.74, 15.44, [2], [30.0])[0] == pytest.approx(471.5 / 15.24)
    # no repeat purchase: the population mean p * gamma / (q - 1)
    assert scoring.expected_spend(6.25, 3.74, 15.44, [0], [np.nan])[0] == pytest.approx(6.25 * 15.44 / 2.74)
    params, customer = (0.2426, 4.4136, 0.7929, 2.4259), ([2], [30.43], [38.86])
    weeks = 12 * scoring.DAYS_PER_MONTH / 7
    undiscounted = scoring.discounted_value(*params, *customer, 50.0, 12, 0.0, 7)[0]
    assert undiscounted == pytest.approx(50.0 * scoring.expected_purchases(*params, *customer, weeks)[0])
    assert 0 < scoring.discounted_value(*params, *customer, 50.0, 12, 0.02, 7)[0] < undiscounted


def test_too_little_data_is_said_not_fitted() -> None:
    summary = simulate_bgnbd(0.5, 6.0, 0.8, 2.5, customers=50, seed=3)
    row = fitting.fit_period(summary, "as_of", min_customers=100, min_repeat_customers=20)
    assert row["status"] == "too_little_data" and row["r"] is None
