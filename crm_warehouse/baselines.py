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

import duckdb

from crm_warehouse.db import project_dir

REPO = project_dir()
WINDOW_MONTHS = 12
FUTURE_TOLERANCE_HOURS = 24
COLUMNS = ["customer", "revenue", "net_profit", "profit_decile", "abc_class", "tenure_days", "recency_days"]


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def plain_sql(data: Path) -> duckdb.DuckDBPyRelation:
    con = duckdb.connect()
    files = {
        name: literal(str(data / f"{name}.parquet"))
        for name in ("customers", "products", "transactions", "interactions")
    }
    seeds = {
        name: literal(str(REPO / "seeds" / f"{name}.csv"))
        for name in ("cost_to_serve_channel_rates", "cost_to_serve_interaction_rates")
    }
    return con.sql(f"""
        with records as (
            select distinct lower(trim(source_system)) || '|' || trim(customer_id) as customer from {files["customers"]}
        ),
        products as (
            select product_id, arg_max(unit_cost, updated_at) as unit_cost from {files["products"]} group by product_id
        ),
        deliveries as (
            select
                t.*,
                lower(trim(t.source_system)) || '|' || trim(t.customer_id) as customer,
                lower(trim(t.transaction_type)) as kind,
                row_number() over (
                    partition by t.transaction_id, t.line_number order by t.loaded_at, t.file_row_number
                ) as delivery
            from read_parquet({files["transactions"]}, file_row_number = true) as t
        ),
        lines as (
            select
                d.customer,
                d.transaction_id,
                cast(d.transaction_at as date) as day,
                d.kind = 'return' as is_return,
                coalesce(d.channel, 'unknown') as channel,
                (case when d.kind = 'return' then -1 else 1 end)
                    * (d.quantity * d.unit_price - coalesce(d.discount_amount, 0)) as revenue,
                (case when d.kind = 'return' then -1 else 1 end) * d.quantity * p.unit_cost as cogs
            from deliveries as d
            inner join products as p using (product_id)
            inner join records as r using (customer)
            where d.delivery = 1 and d.kind in ('sale', 'return') and d.quantity > 0 and d.unit_price is not null
                and d.transaction_at is not null
                and d.transaction_at <= d.loaded_at + interval {FUTURE_TOLERANCE_HOURS} hour
        ),
        bounds as (
            select max(day) as as_of, max(day) - interval {WINDOW_MONTHS} month as window_start from lines
        ),
        history as (
            select customer, min(day) filter (where not is_return) as first_sale,
                max(day) filter (where not is_return) as last_sale
            from lines group by customer
        ),
        windowed as (select lines.* from lines, bounds where day > window_start and day <= as_of),
        orders as (
            select customer, transaction_id, min(channel) as channel from windowed where not is_return group by all
        ),
        order_costs as (
            select customer, count(*) as orders, sum(cast(rates.order_handling_cost as decimal(18, 2))) as cost
            from orders inner join {seeds["cost_to_serve_channel_rates"]} as rates using (channel) group by customer
        ),
        return_costs as (
            select customer, sum(cast(rates.return_handling_cost as decimal(18, 2))) as cost
            from windowed inner join {seeds["cost_to_serve_channel_rates"]} as rates using (channel)
            where is_return group by customer
        ),
        contact_costs as (
            select lower(trim(i.source_system)) || '|' || trim(i.customer_id) as customer,
                sum(cast(rates.cost_per_interaction as decimal(18, 2))) as cost
            from {files["interactions"]} as i
            inner join {seeds["cost_to_serve_interaction_rates"]} as rates
                on lower(trim(i.interaction_type)) = rates.interaction_type
            cross join bounds
            where cast(i.interaction_at as date) > bounds.window_start
                and cast(i.interaction_at as date) <= bounds.as_of
            group by all
        ),
        money as (
            select customer, round(sum(revenue), 2) as revenue, round(sum(cogs), 2) as cogs
            from windowed group by customer
        ),
        profit as (
            select
                m.customer,
                m.revenue,
                m.revenue - m.cogs - o.cost - coalesce(r.cost, 0) - coalesce(c.cost, 0) as net_profit
            from money as m
            inner join order_costs as o using (customer)
            left join return_costs as r using (customer)
            left join contact_costs as c using (customer)
        ),
        ranked as (
            select
                *,
                ntile(10) over (order by net_profit desc, customer) as profit_decile,
                sum(greatest(net_profit, 0)) over (order by net_profit desc, customer) as running_positive,
                sum(greatest(net_profit, 0)) over () as total_positive
            from profit
        )
        select
            ranked.customer,
            cast(ranked.revenue as double) as revenue,
            cast(ranked.net_profit as double) as net_profit,
            ranked.profit_decile,
            case
                when ranked.net_profit <= 0 then 'C'
                when ranked.running_positive <= 0.80 * ranked.total_positive then 'A'
                when ranked.running_positive <= 0.95 * ranked.total_positive then 'B'
                else 'C'
            end as abc_class,
            datediff('day', history.first_sale, bounds.as_of) as tenure_days,
            datediff('day', history.last_sale, bounds.as_of) as recency_days
        from ranked
        inner join history using (customer)
        cross join bounds
        order by ranked.customer
    """)


def pandas_notebook(data: Path):  # noqa: ANN201 - pandas is imported here, only when asked for
    """The analyst's version: money in integer ten-thousandths so sums are exact, as the files are."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    def read(name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """A Parquet file as a DataFrame, decimals as floats (pandas has no fast decimal type)."""
        table = pq.read_table(data / f"{name}.parquet", columns=columns)
        fields = [pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f for f in table.schema]
        return table.cast(pa.schema(fields)).to_pandas()

    customers = read("customers", ["customer_id", "source_system"])
    products = read("products", ["product_id", "unit_cost", "updated_at"])
    tx = read("transactions")
    interactions = read("interactions")
    channel_rates = pd.read_csv(REPO / "seeds" / "cost_to_serve_channel_rates.csv")
    contact_rates = pd.read_csv(REPO / "seeds" / "cost_to_serve_interaction_rates.csv")

    def key(frame: pd.DataFrame) -> pd.Series:
        return frame["source_system"].str.strip().str.lower() + "|" + frame["customer_id"].str.strip()

    def ten_thousandths(series: pd.Series) -> pd.Series:
        return (series * 10_000).round().astype("int64")

    records = set(key(customers))
    latest_cost = products.sort_values("updated_at").groupby("product_id")["unit_cost"].last()

    tx["customer"] = key(tx)
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
        & tx["customer"].isin(records)
    ].copy()
    sign = np.where(tx["kind"] == "return", -1, 1)
    tx["revenue"] = sign * (
        tx["quantity"] * ten_thousandths(tx["unit_price"]) - ten_thousandths(tx["discount_amount"].fillna(0))
    )
    tx["cogs"] = sign * tx["quantity"] * ten_thousandths(tx["product_id"].map(latest_cost))
    tx["day"] = tx["transaction_at"].dt.normalize()
    tx["is_return"] = tx["kind"] == "return"
    tx["channel"] = tx["channel"].fillna("unknown")

    as_of = tx["day"].max()
    start = as_of - pd.DateOffset(months=WINDOW_MONTHS)
    sales = tx[~tx["is_return"]]
    first_sale, last_sale = sales.groupby("customer")["day"].min(), sales.groupby("customer")["day"].max()
    window = tx[(tx["day"] > start) & (tx["day"] <= as_of)]

    orders = window[~window["is_return"]].groupby(["customer", "transaction_id"])["channel"].min().reset_index()
    orders = orders.merge(channel_rates, on="channel")
    order_cost = orders.groupby("customer")["order_handling_cost"].sum()
    returns = window[window["is_return"]].merge(channel_rates, on="channel")
    return_cost = returns.groupby("customer")["return_handling_cost"].sum()
    interactions["customer"] = key(interactions)
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
    result["tenure_days"] = (as_of - result["customer"].map(first_sale)).dt.days
    result["recency_days"] = (as_of - result["customer"].map(last_sale)).dt.days
    result["revenue"] = result["revenue"] / 100
    result["net_profit"] = result["net_profit"] / 100
    return result[COLUMNS].sort_values("customer", ignore_index=True)


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
