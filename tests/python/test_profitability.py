"""Profitability marts: vars change results as documented, bad vars fail early and clearly."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import Warehouse, plain

Built = tuple[Warehouse, subprocess.CompletedProcess]
STATE = ["--selector", "customer_state"]


@pytest.fixture()
def warehouse_copy(tmp_path: Path, built_warehouse: Built) -> Warehouse:
    """A copy of the built warehouse that a test may rebuild with other vars."""
    warehouse, result = built_warehouse
    assert result.returncode == 0
    copy = Warehouse(tmp_path / "copy.duckdb", tmp_path)
    shutil.copy(warehouse.path, copy.path)
    return copy


def window_population(warehouse: Warehouse, as_of: str, months: int) -> tuple[int, float]:
    """Customers with a sale in the window and their revenue, straight from fct_sales."""
    return warehouse.query(
        f"""
        with windowed as (
            select * from marts.fct_sales
            where transaction_date > date '{as_of}' - interval {months} month and transaction_date <= date '{as_of}'
        )
        select count(distinct customer_key) filter (where not is_return),
               sum(net_revenue) filter (where customer_key in (select customer_key from windowed where not is_return))
        from windowed
        """
    )[0]


def test_default_window_is_twelve_months_to_the_latest_sale(built_warehouse: Built) -> None:
    warehouse, _ = built_warehouse
    as_of = warehouse.scalar("select max(transaction_date) from marts.fct_sales")
    assert warehouse.query("select distinct as_of_date from marts.customer_profitability") == [(as_of,)]
    customers, revenue = window_population(warehouse, str(as_of), 12)
    assert warehouse.query("select count(*), sum(revenue) from marts.customer_profitability")[0] == (
        customers,
        pytest.approx(revenue, abs=Decimal("0.01")),
    )


def test_window_and_as_of_date_vars_change_the_population(warehouse_copy: Warehouse) -> None:
    vars = {"as_of_date": "2025-06-30", "profitability_window_months": 6}
    result = warehouse_copy.dbt("run", *STATE, vars=vars)
    assert result.returncode == 0, result.stdout[-3000:]
    customers, revenue = window_population(warehouse_copy, "2025-06-30", 6)
    assert warehouse_copy.query(
        "select count(*), sum(revenue), min(as_of_date), max(as_of_date) from marts.customer_profitability"
    )[0] == (
        customers,
        pytest.approx(revenue, abs=Decimal("0.01")),
        dt.date(2025, 6, 30),
        dt.date(2025, 6, 30),
    )
    assert warehouse_copy.scalar("select max(last_sale_date) from marts.customer_profitability") <= dt.date(2025, 6, 30)


def test_abc_value_metric_var_switches_the_ranking_value(warehouse_copy: Warehouse) -> None:
    before = dict(warehouse_copy.query("select customer_key, abc_class from marts.customer_segments"))
    result = warehouse_copy.dbt("run", *STATE, vars={"abc_value_metric": "revenue"})
    assert result.returncode == 0, result.stdout[-3000:]
    rows = warehouse_copy.query(
        """
        select s.customer_key, s.abc_value_metric, s.abc_value, p.revenue, s.abc_class, s.is_loss_making
        from marts.customer_segments as s
        inner join marts.customer_profitability as p using (customer_key)
        """
    )
    assert {metric for _, metric, *_ in rows} == {"revenue"}
    assert all(value == revenue for _, _, value, revenue, *_ in rows)
    after = {key: cls for key, _, _, _, cls, _ in rows}
    assert after.keys() == before.keys()
    assert after != before, "ranking by revenue instead of net profit should move some customers"
    # the A class on revenue holds the customers whose running share of revenue is at most 80%
    revenues = sorted(((revenue, key) for key, _, _, revenue, _, _ in rows), key=lambda r: (-r[0], r[1]))
    positive_total = sum(r for r, _ in revenues if r > 0)
    running, expected_a = 0, set()
    for revenue, key in revenues:
        running += max(revenue, 0)
        if revenue > 0 and running <= Decimal("0.8") * positive_total:
            expected_a.add(key)
    assert {key for key, cls in after.items() if cls == "A"} == expected_a


def test_a_bad_duckdb_thread_count_is_refused_by_name(warehouse_copy: Warehouse) -> None:
    result = warehouse_copy.dbt("run", "--select", "dim_date", env={"CRM_DUCKDB_THREADS": "two"})
    assert result.returncode != 0
    assert "CRM_DUCKDB_THREADS is 'two'; it must be a whole number of threads >= 1" in plain(result)


# Bad settings, each with the message that must name it. validate_vars reports every problem
# of one invocation at once, so two invocations try them all (abc_b_share 1.5 would hide the
# comparison of abc_a_share with the default 0.95, and there is one as_of_date per run).
BAD_VARS = (
    {
        "abc_value_metric": ("margin", "abc_value_metric is 'margin'; use one of net_profit, gross_profit, revenue"),
        "abc_a_share": (0.96, "abc_a_share (0.96) must be below abc_b_share (0.95)"),
        "strategic_share": (0, "strategic_share is '0'; it must be a number in (0, 1]"),
        "as_of_date": ("2025-02-30", "as_of_date is '2025-02-30'; it must be a real date written YYYY-MM-DD"),
        "profitability_window_months": (0, "profitability_window_months is '0'; it must be a whole number >= 1"),
        "clv_fit": ("yes", "clv_fit is 'yes'; it must be true or false"),
        # written into SQL: a quote would have failed inside the build with a bare parser error
        "phone_country_code": ("1'", "phone_country_code is '1''; it must be 1 to 3 digits, such as 1 or 44"),
        "earliest_transaction_date": ("0001-13-01", "earliest_transaction_date is '0001-13-01'; it must be a real"),
    },
    {
        "abc_b_share": (1.5, "abc_b_share is '1.5'; it must be a number in (0, 1]"),
        "as_of_date": ("30/06/2025", "as_of_date is '30/06/2025'; it must be a real date written YYYY-MM-DD"),
        "identity_max_block_records": (1, "identity_max_block_records is '1'; it must be a whole number >= 2"),
        "identity_similar_similarity": (0.95, "identity_similar_similarity (0.95) must not be above"),
        "identity_review_weight": (12, "identity_review_weight (12) and identity_match_weight (0) must be numbers"),
        "trust_returns_beyond_sales": ("maybe", "trust_returns_beyond_sales is 'maybe'; it must be true or false"),
        "phone_national_length": (3, "phone_national_length is '3'; it must be a whole number from 4 to 15"),
        "currency": ("euro", "currency is 'euro'; it must be a three-letter currency code in capitals"),
        "identity_organisation_customer_types": (
            ["B2B'"],
            "identity_organisation_customer_types is '[\"B2B'\"]'; it must be a list of words",
        ),
    },
)


@pytest.mark.parametrize("bad", BAD_VARS, ids=["eight-bad-vars", "eight-more"])
def test_bad_vars_fail_before_anything_is_built(warehouse_copy: Warehouse, bad: dict) -> None:
    before = warehouse_copy.scalar("select sum(hash(s)) from marts.customer_segments as s")
    result = warehouse_copy.dbt("run", *STATE, vars={name: value for name, (value, _) in bad.items()})
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    assert result.returncode != 0
    assert "Invalid vars:" in output, output[-2000:]
    assert [message for _, message in bad.values() if message not in output] == [], output[-3000:]
    assert warehouse_copy.scalar("select sum(hash(s)) from marts.customer_segments as s") == before


def test_economics_by_customer_type_adds_up_each_types_customers(built_warehouse: Built) -> None:
    """economics_by_customer_type recomputed in Python from the per-customer marts: each type's
    customers, money and counts, the shares of the total, and a row of zeros for a type nobody has."""
    warehouse, result = built_warehouse
    assert result.returncode == 0
    types = dict(warehouse.query("select customer_key, coalesce(customer_type, 'unknown') from marts.dim_customer"))
    flags = {
        key: (loss, strategic)
        for key, loss, strategic in warehouse.query(
            "select customer_key, is_loss_making, is_strategic from marts.customer_segments"
        )
    }
    expected: dict[str, dict] = {
        kind: {"customers": 0, "revenue": Decimal(0), "net": Decimal(0), "cost": Decimal(0), "loss": 0, "strategic": 0}
        for kind in ("B2C", "B2B", "B2G", "unknown")
    }
    for key, revenue, net, cost in warehouse.query(
        "select customer_key, revenue, net_profit, cost_to_serve from marts.customer_profitability"
    ):
        row = expected[types[key]]
        row["customers"] += 1
        row["revenue"], row["net"], row["cost"] = row["revenue"] + revenue, row["net"] + net, row["cost"] + cost
        row["loss"] += flags[key][0]
        row["strategic"] += flags[key][1]
    total_revenue = sum(row["revenue"] for row in expected.values())
    actual = {r["customer_type"]: r for r in warehouse.records("select * from marts.economics_by_customer_type")}
    assert set(actual) == set(expected) and sum(1 for row in expected.values() if row["customers"]) >= 3
    for kind, row in expected.items():
        mart = actual[kind]
        assert (mart["customer_count"], mart["loss_making_customer_count"], mart["strategic_customer_count"]) == (
            row["customers"],
            row["loss"],
            row["strategic"],
        ), kind
        assert (mart["revenue"], mart["net_profit"], mart["cost_to_serve"]) == (
            round(row["revenue"], 2),
            round(row["net"], 2),
            round(row["cost"], 2),
        ), kind
        if row["customers"]:
            assert mart["revenue_share"] == pytest.approx(float(row["revenue"] / total_revenue))
        else:
            assert mart["revenue"] == 0 and mart["customer_share"] == 0


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier, or that month's last day when it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def channel_cells(warehouse: Warehouse, cell_of: dict, start: dt.date, as_of: dt.date) -> dict[tuple, dict]:
    """Per (ABC class, lifecycle stage, channel): the customers who placed an order, the orders
    (a sale transaction: on the first day of its lines, through the first of its lines' channels
    in alphabetical order, unknown when none has one), revenue and returned lines in the window
    (start, as_of], for the customers of cell_of."""
    days: dict[tuple[str, str], dt.date] = {}
    channels: dict[tuple[str, str], set[str]] = {}
    cells: dict[tuple, dict] = {}

    def cell(key: str, channel: str) -> dict:
        zero = {"customers": set(), "orders": 0, "revenue": Decimal(0), "returns": 0}
        return cells.setdefault((*cell_of[key], channel), zero)

    for key, transaction, day, channel, is_return, revenue in warehouse.query(
        "select customer_key, transaction_id, transaction_date, channel, is_return, net_revenue from marts.fct_sales"
    ):
        if not is_return:
            days[(key, transaction)] = min(days.get((key, transaction), day), day)
            channels.setdefault((key, transaction), set()).update([channel] if channel else [])
        if key in cell_of and start < day <= as_of:
            cell(key, channel or "unknown")["revenue"] += revenue
            cell(key, channel or "unknown")["returns"] += is_return
    for (key, transaction), day in days.items():
        if key in cell_of and start < day <= as_of:
            channel = min(channels[(key, transaction)], default="unknown")
            cell(key, channel)["orders"] += 1
            cell(key, channel)["customers"].add(key)
    return cells


def test_channel_mix_recomputed_from_the_lines_and_the_seed_rates(built_warehouse: Built) -> None:
    """channel_mix recomputed in Python from fct_sales and the seed's rates: each cell's orders,
    revenue, returned lines and handling costs per channel over the 12-month window, for the
    customers with a sale in it, and each channel's share of its cell's revenue."""
    warehouse, result = built_warehouse
    assert result.returncode == 0
    as_of = warehouse.scalar("select max(transaction_date) from marts.fct_sales")
    rates = {}
    for line in (Path(__file__).parents[2] / "seeds" / "cost_to_serve_channel_rates.csv").read_text().splitlines()[1:]:
        channel, order_rate, return_rate = line.split(",")
        rates[channel] = (Decimal(order_rate), Decimal(return_rate))
    cell_of = {
        key: (abc, stage)
        for key, abc, stage in warehouse.query(
            "select p.customer_key, s.abc_class, l.lifecycle_stage from marts.customer_profitability as p "
            "join marts.customer_segments as s using (customer_key) "
            "join marts.customer_lifecycle as l using (customer_key)"
        )
    }
    cells = channel_cells(warehouse, cell_of, months_before(as_of, 12), as_of)
    mart = {
        (row["abc_class"], row["lifecycle_stage"], row["channel"]): row
        for row in warehouse.records("select * from marts.channel_mix")
    }
    assert set(mart) == set(cells) and len({channel for *_, channel in cells}) >= 4
    for cell_key, cell in cells.items():
        row, (order_rate, return_rate) = mart[cell_key], rates[cell_key[2]]
        expected_cost = cell["orders"] * order_rate + cell["returns"] * return_rate
        assert (row["customer_count"], row["order_count"], row["return_line_count"]) == (
            len(cell["customers"]),
            cell["orders"],
            cell["returns"],
        ), cell_key
        assert (row["revenue"], row["cost_to_serve"]) == (round(cell["revenue"], 2), expected_cost), cell_key
        cell_revenue = sum(other["revenue"] for key, other in cells.items() if key[:2] == cell_key[:2])
        assert row["revenue_share"] == pytest.approx(float(cell["revenue"] / cell_revenue)), cell_key
