"""Another business's data builds clean: hand-made raw files in shapes our generator never makes.

Each shape is loaded through the loader and built with `dbt build` (models and data tests; the
unit tests read no data and run in test_dbt_build) to 0 errors and 0 warnings, and its numbers
are compared with values worked out here in Python from the rows written, never read back from
the warehouse first.

- minimal (here): only the contract's required columns, no interactions file, dates in
  1995-1999, one product, the business's own source-system names, a customer with returns only;
- edge (test_data_shapes_edge.py): money at the contract's limits, dates in 2085-2095, quoted
  fields after row 100,000, and the lines a careless or hostile source sends.
"""

from __future__ import annotations

import datetime as dt
import random
import subprocess
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import Warehouse
from shapes import Line, Shape, assert_clean, build, expected_profitability, write_csv


def minimal_shape(folder: Path) -> Shape:
    """40 customers in two systems with the business's own names; customer C040 only returned goods."""
    folder.mkdir(parents=True)
    rng = random.Random(1997)
    shape = Shape(folder, unit_cost=Decimal("4.50"))
    systems = {f"C{n:03d}": ("Legacy ERP" if n % 2 else "boutique-FR") for n in range(1, 41)}
    write_csv(folder / "customers.csv", ["customer_id", "source_system"], [[c, s] for c, s in systems.items()])
    write_csv(folder / "products.csv", ["product_id", "unit_cost"], [["CD", "4.50"]])
    first, span = dt.datetime(1995, 1, 3, 10), (dt.datetime(1999, 12, 30, 10) - dt.datetime(1995, 1, 3, 10)).days
    number = 0
    for customer in list(systems)[:-1]:
        for _ in range(rng.randint(1, 25)):
            number += 1
            at = first + dt.timedelta(days=rng.randint(0, span), hours=rng.randint(0, 8))
            kind = "return" if rng.random() < 0.1 else "sale"
            for line_number in range(1, (1 if kind == "return" else rng.randint(1, 2)) + 1):
                price = Decimal(rng.choice(["9.99", "12.49", "15.00"]))
                shape.lines.append(Line(f"O{number:05d}", line_number, customer, at, kind, rng.randint(1, 5), price))
    # the first and last days of the span are traded, so the calendar must cover 1995 to 1999
    shape.lines.append(Line("O-FIRST", 1, "C001", first, "sale", 1, Decimal("9.99")))
    shape.lines.append(Line("O-LAST", 1, "C002", dt.datetime(1999, 12, 30, 17), "sale", 2, Decimal("15.00")))
    for line_number in (1, 2):
        shape.lines.append(
            Line("R-C040", line_number, "C040", dt.datetime(1998, 6, 1, 12), "return", 1, Decimal("12.49"))
        )
    header = [
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
    write_csv(
        folder / "transactions.csv",
        header,
        [
            [
                line.transaction_id,
                str(line.line_number),
                line.customer,
                systems[line.customer],
                "CD",
                line.at.isoformat(sep=" "),
                line.kind,
                str(line.quantity),
                str(line.price),
            ]
            for line in shape.lines
        ],
    )
    return shape


@pytest.fixture(scope="module")
def minimal(tmp_path_factory: pytest.TempPathFactory) -> tuple[Shape, Warehouse, subprocess.CompletedProcess]:
    work = tmp_path_factory.mktemp("minimal")
    shape = minimal_shape(work / "raw")
    return (shape, *build(shape, work))


def test_minimal_shape_builds_clean(minimal: tuple[Shape, Warehouse, subprocess.CompletedProcess]) -> None:
    assert_clean(minimal[2])


def test_minimal_shape_calendar_follows_the_data(minimal: tuple[Shape, Warehouse, subprocess.CompletedProcess]) -> None:
    _, warehouse, _ = minimal
    assert warehouse.query("select min(date_day), max(date_day), count(*) from marts.dim_date") == [
        (dt.date(1995, 1, 1), dt.date(1999, 12, 31), 365 * 5 + 1)
    ]


def test_minimal_shape_numbers_match_an_independent_computation(
    minimal: tuple[Shape, Warehouse, subprocess.CompletedProcess],
) -> None:
    shape, warehouse, _ = minimal
    expected = expected_profitability(shape)
    rows = warehouse.query(
        "select i.customer_id, p.revenue, p.net_profit, p.order_count from marts.customer_profitability as p "
        "inner join marts.customer_identity_map as i using (customer_key)"
    )
    assert {customer: (revenue, net, orders) for customer, revenue, net, orders in rows} == expected
    assert "C040" not in expected, "a customer with returns only has no sale to rank"
    # the returns-only customer's lines are trusted facts all the same
    assert warehouse.scalar("select sum(net_revenue) from marts.fct_sales where transaction_id = 'R-C040'") == Decimal(
        "-24.98"
    )
    # cohorts: customers by the month of their first sale, up to the as-of date
    first_sales: dict[str, dt.date] = {}
    for line in sorted(shape.lines, key=lambda line: line.at):
        if line.kind == "sale":
            first_sales.setdefault(line.customer, line.at.date().replace(day=1))
    cohort_sizes: dict[dt.date, int] = defaultdict(int)
    for month in first_sales.values():
        cohort_sizes[month] += 1
    assert dict(
        warehouse.query(
            "select acquisition_cohort_month, cohort_size from marts.cohort_retention "
            "where months_since_acquisition = 0"
        )
    ) == dict(cohort_sizes)


def test_minimal_shape_keeps_the_business_names_and_counts_no_interactions(
    minimal: tuple[Shape, Warehouse, subprocess.CompletedProcess],
) -> None:
    _, warehouse, _ = minimal
    assert warehouse.query("select distinct source_system from marts.customer_identity_map order by 1") == [
        ("boutique-fr",),
        ("legacy erp",),
    ]
    scorecard = warehouse.query(
        "select rule_name, rows_checked, rows_failing from marts.data_quality_scorecard "
        "where table_name = 'interactions'"
    )
    assert scorecard == [("unknown_customer", 0, 0)]
    assert warehouse.scalar("select count(*) from marts.data_quality_scorecard where rows_failing is null") == 0


def test_minimal_shape_campaign_rules_work_without_the_clv_model(
    minimal: tuple[Shape, Warehouse, subprocess.CompletedProcess],
) -> None:
    """Forty customers are too few to fit the CLV models: the campaign rules fall back to the
    lifecycle stage's prior P(alive) and the window's order run rate, and still give audiences."""
    _, warehouse, _ = minimal
    assert warehouse.query("select distinct status from marts.clv_model_parameters") == [("too_little_data",)]
    priors = dict(warehouse.query("select lifecycle_stage, alive_prior from raw.lifecycle_alive_priors"))
    orders = dict(warehouse.query("select customer_key, order_count from marts.customer_profitability"))
    rows = warehouse.query(
        "select customer_key, lifecycle_stage, value_basis, probability_alive, expected_purchases_if_alive "
        "from marts.campaign_candidates"
    )
    assert rows, "the minimal shape has customers the rules pick"
    for key, stage, basis, p_alive, purchases in rows:
        assert basis == "lifecycle_rules"
        assert p_alive == priors[stage]
        assert purchases == orders.get(key, 0)  # a 12-month window and a 12-month horizon: the run rate
    tiers = warehouse.scalar("select count(*) from marts.customer_loyalty_tiers")
    assert tiers == warehouse.scalar("select count(*) from marts.customer_lifecycle")
    assert warehouse.scalar("select count(*) from marts.campaign_summary") == 2
