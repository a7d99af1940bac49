#!/usr/bin/env python3
"""Reference implementations of the core customer marts, to measure the dbt build against.

The same work two ways, on the raw files of a data folder (as `generate_data.py` writes them):

- `sql`: plain DuckDB SQL in one script, the floor of what the work costs on this engine;
- `pandas`: a pandas notebook's way of doing it (read the files, filter, merge, group by).

Both compute, per customer record with a sale in the 12 months up to the latest trusted day:
revenue, cost of goods, cost to serve (order and return handling by channel, interactions by
type, from the project's seeds), net profit, profitability decile (ntile over net profit,
ties by key), ABC class on net profit (running share of positive profit, A <= 0.80, B <= 0.95),
tenure and recency in days. Trusted lines: a valid type, a positive quantity, a timestamp that
is present and not more than 24 hours after loading, a known product and customer record, the
first-loaded delivery of each line key. Deliberately simpler than the warehouse: no identity
resolution (a customer is a source record), no corrections, money rounded once at the end.
`benchmark.py` times them as the baselines; pytest checks the two agree exactly.

    scripts/baselines.py sql data/demo --out /tmp/floor.parquet
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import jinja2

from crm_warehouse.db import project_dir

if TYPE_CHECKING:
    import pandas as pd

REPO = project_dir()
WINDOW_MONTHS = 12
FUTURE_TOLERANCE_HOURS = 24
FLOOR_SQL = Path(__file__).parent / "baseline_queries" / "floor.sql"
COLUMNS = ["customer", "revenue", "net_profit", "profit_decile", "abc_class", "tenure_days", "recency_days"]


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def plain_sql(data: Path) -> duckdb.DuckDBPyRelation:
    """The floor: one query (baseline_queries/floor.sql) over the raw files and the cost seeds."""
    files = {
        name: literal(str(data / f"{name}.parquet"))
        for name in ("customers", "products", "transactions", "interactions")
    }
    seeds = {
        name: literal(str(REPO / "seeds" / f"{name}.csv"))
        for name in ("cost_to_serve_channel_rates", "cost_to_serve_interaction_rates")
    }
    template = jinja2.Template(FLOOR_SQL.read_text(), undefined=jinja2.StrictUndefined)
    query = template.render(
        files=files, seeds=seeds, window_months=WINDOW_MONTHS, future_tolerance_hours=FUTURE_TOLERANCE_HOURS
    )
    return duckdb.connect().sql(query)


def pandas_notebook(data: Path) -> pd.DataFrame:
    """The analyst's version: money in integer ten-thousandths so sums are exact, as the files are.
    (pandas is imported in the functions that use it, only when this baseline is asked for.)"""
    import pandas as pd

    frames = read_inputs(data)
    tx = trusted_lines(frames)
    as_of = tx["day"].max()
    start = as_of - pd.DateOffset(months=WINDOW_MONTHS)
    sales = tx[~tx["is_return"]]
    first_sale, last_sale = sales.groupby("customer")["day"].min(), sales.groupby("customer")["day"].max()
    window = tx[(tx["day"] > start) & (tx["day"] <= as_of)]
    result = customer_money(window, frames, start, as_of)
    result = ranked(result)
    result["tenure_days"] = (as_of - result["customer"].map(first_sale)).dt.days
    result["recency_days"] = (as_of - result["customer"].map(last_sale)).dt.days
    result["revenue"] = result["revenue"] / 100
    result["net_profit"] = result["net_profit"] / 100
    return result[COLUMNS].sort_values("customer", ignore_index=True)


def read_inputs(data: Path) -> dict:
    """The raw files and the cost seeds as DataFrames, decimals as floats (pandas has no fast decimal type)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    def read(name: str, columns: list[str] | None = None) -> pd.DataFrame:
        table = pq.read_table(data / f"{name}.parquet", columns=columns)
        fields = [pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f for f in table.schema]
        return table.cast(pa.schema(fields)).to_pandas()

    return {
        "customers": read("customers", ["customer_id", "source_system"]),
        "products": read("products", ["product_id", "unit_cost", "updated_at"]),
        "transactions": read("transactions"),
        "interactions": read("interactions"),
        "channel_rates": pd.read_csv(REPO / "seeds" / "cost_to_serve_channel_rates.csv"),
        "contact_rates": pd.read_csv(REPO / "seeds" / "cost_to_serve_interaction_rates.csv"),
    }


def record_key(frame: pd.DataFrame) -> pd.Series:
    return frame["source_system"].str.strip().str.lower() + "|" + frame["customer_id"].str.strip()


def ten_thousandths(series: pd.Series) -> pd.Series:
    return (series * 10_000).round().astype("int64")


def trusted_lines(frames: dict) -> pd.DataFrame:
    """The trusted lines (first delivery of a line key, valid values, known product and record)
    with signed revenue and cost of goods in ten-thousandths."""
    import numpy as np
    import pandas as pd

    products = frames["products"]
    latest_cost = products.sort_values("updated_at").groupby("product_id")["unit_cost"].last()
    tx = frames["transactions"]
    tx["customer"] = record_key(tx)
    tx["kind"] = tx["transaction_type"].str.strip().str.lower()
    tx = tx.sort_values("loaded_at", kind="stable")
    tx = tx[~tx.duplicated(["transaction_id", "line_number"], keep="first")]
    tx = tx[
        tx["kind"].isin(["sale", "return"])
        & (tx["quantity"] > 0)
        & tx["unit_price"].notna()
        & tx["transaction_at"].notna()
        & (tx["transaction_at"] <= tx["loaded_at"] + pd.Timedelta(hours=FUTURE_TOLERANCE_HOURS))
        & tx["product_id"].isin(latest_cost.index)
        & tx["customer"].isin(set(record_key(frames["customers"])))
    ].copy()
    sign = np.where(tx["kind"] == "return", -1, 1)
    tx["revenue"] = sign * (
        tx["quantity"] * ten_thousandths(tx["unit_price"]) - ten_thousandths(tx["discount_amount"].fillna(0))
    )
    tx["cogs"] = sign * tx["quantity"] * ten_thousandths(tx["product_id"].map(latest_cost))
    tx["day"] = tx["transaction_at"].dt.normalize()
    tx["is_return"] = tx["kind"] == "return"
    tx["channel"] = tx["channel"].fillna("unknown")
    return tx


def customer_money(window: pd.DataFrame, frames: dict, start: pd.Timestamp, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per customer with an order in the window: revenue, cost of goods and net profit in cents."""
    import numpy as np

    channel_rates, contact_rates = frames["channel_rates"], frames["contact_rates"]
    orders = window[~window["is_return"]].groupby(["customer", "transaction_id"])["channel"].min().reset_index()
    order_cost = orders.merge(channel_rates, on="channel").groupby("customer")["order_handling_cost"].sum()
    returns = window[window["is_return"]].merge(channel_rates, on="channel")
    return_cost = returns.groupby("customer")["return_handling_cost"].sum()
    interactions = frames["interactions"]
    interactions["customer"] = record_key(interactions)
    interactions["day"] = interactions["interaction_at"].dt.normalize()
    contacts = interactions[(interactions["day"] > start) & (interactions["day"] <= as_of)].copy()
    contacts["interaction_type"] = contacts["interaction_type"].str.strip().str.lower()
    contact_cost = (
        contacts.merge(contact_rates, on="interaction_type").groupby("customer")["cost_per_interaction"].sum()
    )

    money = window.groupby("customer")[["revenue", "cogs"]].sum()
    result = money.loc[order_cost.index].copy()
    # cents, rounded half away from zero like SQL round()
    for column in ("revenue", "cogs"):
        result[column] = np.sign(result[column]) * ((result[column].abs() + 50) // 100)
    cost_cents = (
        (order_cost * 100).round()
        + (return_cost.reindex(result.index, fill_value=0) * 100).round()
        + (contact_cost.reindex(result.index, fill_value=0) * 100).round()
    )
    result["net_profit"] = result["revenue"] - result["cogs"] - cost_cents
    return result


def ranked(result: pd.DataFrame) -> pd.DataFrame:
    """Profitability deciles (ntile(10) over net profit, ties by key) and ABC classes."""
    import numpy as np

    result = result.reset_index().sort_values(["net_profit", "customer"], ascending=[False, True], ignore_index=True)
    n = len(result)
    size, extra = divmod(n, 10)
    result["profit_decile"] = [
        (i // (size + 1)) + 1 if i < extra * (size + 1) else extra + (i - extra * (size + 1)) // max(size, 1) + 1
        for i in range(n)
    ]
    positive = result["net_profit"].clip(lower=0)
    running, total = positive.cumsum(), positive.sum()
    result["abc_class"] = np.select(
        [result["net_profit"] <= 0, running <= 0.80 * total, running <= 0.95 * total], ["C", "A", "B"], default="C"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("method", choices=["sql", "pandas"], help="plain DuckDB SQL (the floor) or a pandas notebook")
    parser.add_argument("data", type=Path, help="folder with customers, products, transactions, interactions .parquet")
    parser.add_argument("--out", type=Path, help="write the per-customer result to this Parquet file")
    args = parser.parse_args(argv)
    if not (args.data / "transactions.parquet").exists():
        parser.error(f"{args.data}: no transactions.parquet (a folder written by scripts/generate_data.py)")
    started = time.perf_counter()
    if args.method == "sql":
        relation = plain_sql(args.data)
        if args.out:
            relation.write_parquet(str(args.out))
        else:
            relation.aggregate("count(*)").fetchall()
    else:
        frame = pandas_notebook(args.data)
        if args.out:
            frame.to_parquet(args.out)
    print(f"baselines: {args.method} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
