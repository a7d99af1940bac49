#!/usr/bin/env python3
"""Plant a known campaign lift: extra purchases for the treated customers of a campaign.

Part of the demo-data generator, for testing the campaign measurement (campaign_results): give
it the treated customers' records (a CSV with customer_id and source_system, e.g. from
marts.campaign_assignments joined to marts.customer_identity_map) and it writes one append
batch of transaction lines in which each treated customer, with the given probability, buys
once more within the measurement window after the launch. Nobody else gets a line, so the true
lift is known exactly: the planted revenue divided by the treated customers, written to
truth/planted_lift.json beside the lines. Load the batch with `scripts/load_raw.py OUT --append`.

Randomness is a seeded generator over the members sorted by key: the same inputs and seed give
the same file.

    scripts/plant_lift.py --data data/demo --members treated.csv --launched-on 2026-06-30 \\
        --days 90 --probability 0.8 --out data/lift_batch
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

from crm_warehouse.loader.contract import column_names


class PlantError(Exception):
    """The lift cannot be planted; the message says why."""


def day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from exc


def read_products(data: Path) -> list[tuple[str, Decimal]]:
    """(product_id, price) of every product with a price, from the raw folder's products file."""
    files = [data / "products.parquet", data / "products.csv"]
    found = next((path for path in files if path.exists()), None)
    if found is None:
        raise PlantError(f"{data}: no products.parquet or products.csv to take products and prices from")
    rows = duckdb.sql(
        "select product_id, cast(coalesce(list_price, unit_cost * 1.5) as decimal(18, 2)) as price "
        f"from '{found}' where product_id is not null and coalesce(list_price, unit_cost) > 0 order by product_id"
    ).fetchall()
    if not rows:
        raise PlantError(f"{found}: no product with a price")
    return rows


def read_members(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"customer_id", "source_system"} - set(reader.fieldnames or [])
        if missing:
            raise PlantError(
                f"{path}: needs the columns customer_id and source_system; missing {', '.join(sorted(missing))}"
            )
        members = sorted({(row["customer_id"], row["source_system"]) for row in reader})
    if not members:
        raise PlantError(f"{path}: no treated customers")
    return members


def plant(
    members: list[tuple[str, str]],
    products: list[tuple[str, Decimal]],
    launched_on: dt.date,
    days: int,
    probability: float,
    seed: int,
) -> list[dict[str, object]]:
    """One extra sale line for each member with the given probability, on a day after the launch."""
    rng = random.Random(seed)
    lines = []
    for number, (customer_id, source_system) in enumerate(members, start=1):
        if rng.random() >= probability:
            continue
        product_id, price = products[rng.randrange(len(products))]
        when = dt.datetime.combine(launched_on + dt.timedelta(days=rng.randint(1, days)), dt.time(12)) + dt.timedelta(
            minutes=rng.randrange(8 * 60)
        )
        lines.append(
            {
                "transaction_id": f"LIFT-{seed}-{number:08d}",
                "line_number": 1,
                "customer_id": customer_id,
                "source_system": source_system,
                "product_id": product_id,
                "transaction_at": when.isoformat(sep=" "),
                "transaction_type": "sale",
                "quantity": rng.randint(1, 3),
                "unit_price": price,
                "discount_amount": Decimal("0.00"),
                "channel": "web",
                "loaded_at": (when + dt.timedelta(hours=1)).isoformat(sep=" "),
            }
        )
    return lines


def write_batch(args: argparse.Namespace, members: list, lines: list[dict]) -> Decimal:
    """The planted lines as a transactions file of the raw contract, and the exact lift as truth."""
    (args.out / "truth").mkdir(parents=True, exist_ok=True)
    with (args.out / "transactions.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=column_names("transactions"))
        writer.writeheader()
        writer.writerows(lines)
    revenue = sum(
        (Decimal(str(line["quantity"])) * Decimal(str(line["unit_price"])) for line in lines), Decimal("0.00")
    )
    truth = {
        "launched_on": args.launched_on.isoformat(),
        "days": args.days,
        "probability": args.probability,
        "seed": args.seed,
        "treated_customers": len(members),
        "planted_customers": len(lines),
        "planted_revenue": str(revenue),
        "revenue_lift_per_treated_customer": str((revenue / len(members)).quantize(Decimal("0.000001"))),
    }
    (args.out / "truth" / "planted_lift.json").write_text(json.dumps(truth, indent=2) + "\n")
    return revenue


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="raw data folder the products come from")
    parser.add_argument("--members", type=Path, required=True, help="CSV of the treated customers' records")
    parser.add_argument("--launched-on", type=day, required=True, help="launch date, YYYY-MM-DD (lines come after it)")
    parser.add_argument("--days", type=int, default=90, help="window after the launch the lines fall in (default 90)")
    parser.add_argument(
        "--probability", type=float, default=0.5, help="chance a treated customer buys again (default 0.5)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for transactions.csv and truth/planted_lift.json"
    )
    args = parser.parse_args(argv)
    if not 0 <= args.probability <= 1:
        parser.error("--probability must be between 0 and 1")
    if args.days < 1:
        parser.error("--days must be 1 or more")
    try:
        members = read_members(args.members)
        lines = plant(members, read_products(args.data), args.launched_on, args.days, args.probability, args.seed)
    except (PlantError, OSError, duckdb.Error) as exc:
        print(f"plant_lift: refused: {exc}", file=sys.stderr)
        return 2
    revenue = write_batch(args, members, lines)
    print(
        f"plant_lift: {len(lines)} extra purchases for {len(members)} treated customers, revenue {revenue}, "
        f"written to {args.out / 'transactions.csv'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
