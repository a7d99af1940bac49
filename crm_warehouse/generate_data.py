#!/usr/bin/env python3
"""Generate a realistic, messy raw CRM data set in the raw contract (README, "Raw contract").

Everything is computed inside DuckDB with vectorised SQL. Randomness comes from one hash of
the key mixed with a per-purpose salt, ``hash(xor(hash(seed, salt), key))``, rather than
``random()``, so the output depends only on the seed and the arguments, never on thread
scheduling: same seed, same bytes.

Writes ``customers``, ``products``, ``transactions``, ``interactions`` and
``contact_permissions`` as Parquet to ``--out`` and, in ``--out/truth/`` (never loaded as
raw): the true person behind every customer record (customer_records), every planted defect
with its kind (defects), how each duplicate record differs from its person's others
(record_variations: typos, swapped names, nicknames, initials, accents, transposed birth
dates, address and postcode drift, no contact), the persons made to look like another
(lookalike_persons), and summary.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from types import MappingProxyType

from crm_warehouse.generator import Generator
from crm_warehouse.generator.config import (
    DEFAULT_RATES,
    DEFAULT_SHARES,
    ON_DISK_FROM_LINES,
    GeneratorConfig,
    checked_overrides,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--out", required=True, type=Path, help="output folder; must not exist or be empty (see --overwrite)")
    add("--overwrite", action="store_true", help="replace the output folder and everything in it when it is not empty")
    add("--customers", type=int, default=50_000, help="customer records, duplicates included (default 50000)")
    add("--lines", type=int, default=1_000_000, help="transaction lines, defects included (default 1000000)")
    add("--products", type=int, default=500, help="products (default 500)")
    add("--seed", type=int, default=42, help="random seed (default 42)")
    add(
        "--start-date",
        type=dt.date.fromisoformat,
        default=dt.date(2022, 1, 1),
        help="first business date (default 2022-01-01)",
    )
    add(
        "--end-date",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 10, 31),
        help="last business date (default 2026-10-31)",
    )
    add(
        "--rate",
        action="append",
        default=[],
        metavar="KIND=VALUE",
        help="override a planted defect rate or population share, e.g. --rate invalid_email=0.05 (defaults and "
        "what each means: crm_warehouse/generator/config.py); defects: "
        + ", ".join(DEFAULT_RATES)
        + "; shares: "
        + ", ".join(DEFAULT_SHARES),
    )
    add("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    add("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 8GB")
    add(
        "--work-on-disk",
        choices=["auto", "yes", "no"],
        default="auto",
        help="build the tables in a temporary DuckDB file (compressed) instead of in memory; auto: from "
        f"{ON_DISK_FROM_LINES:,} lines (an in-memory build spills uncompressed and needs far more temporary disk)",
    )
    return parser


def parse_args(argv: list[str] | None) -> GeneratorConfig:
    parser = build_parser()
    args = parser.parse_args(argv)
    minimums = {"customers": 10, "lines": 10, "products": 5}
    for name, minimum in minimums.items():
        if getattr(args, name) < minimum:
            parser.error(f"--{name} must be at least {minimum}")
    if args.end_date <= args.start_date:
        parser.error("--end-date must be after --start-date")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file, not a folder")
    if args.out.is_dir() and any(args.out.iterdir()) and not args.overwrite:
        parser.error(f"--out {args.out} is not empty; pass --overwrite to replace everything in it")
    try:
        rates, shares = checked_overrides(args.rate)
    except ValueError as exc:
        parser.error(str(exc))
    return GeneratorConfig(
        out=args.out,
        customers=args.customers,
        lines=args.lines,
        products=args.products,
        seed=args.seed,
        start_date=args.start_date,
        end_date=args.end_date,
        rates=MappingProxyType(rates),
        shares=MappingProxyType(shares),
        threads=args.threads,
        memory_limit=args.memory_limit,
        work_on_disk=args.work_on_disk,
    )


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    started = time.perf_counter()
    summary = Generator(config).run()
    seconds = time.perf_counter() - started
    # Timing goes to stdout only: summary.json must be byte-identical for the same seed.
    (config.out / "truth" / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    counts = summary["row_counts"]
    print(
        f"generated {counts['customers']:,} customer records ({summary['persons']:,} persons), "
        f"{counts['products']:,} products, {counts['transactions']:,} transaction lines, "
        f"{counts['interactions']:,} interactions, {counts['contact_permissions']:,} contact permissions "
        f"into {config.out} in {seconds:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
