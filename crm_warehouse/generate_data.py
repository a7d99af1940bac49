#!/usr/bin/env python3
"""Generate a realistic, messy raw CRM data set in the raw contract (README, "Raw contract").

Everything is computed inside DuckDB with vectorised SQL. Randomness comes from one hash of
the key mixed with a per-purpose salt, ``hash(xor(hash(seed, salt), key))``, rather than
``random()``, so the output depends only on the seed and the arguments, never on thread
scheduling: same seed, same bytes.

Writes ``customers``, ``products``, ``transactions`` and ``interactions`` as Parquet to
``--out`` and, in ``--out/truth/`` (never loaded as raw): the true person behind every
customer record (customer_records), every planted defect with its kind (defects), how each
duplicate record differs from its person's others (record_variations), and summary.json.
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
    CUSTOMER_DEFECT_GROUPS,
    DEFAULT_RATES,
    ON_DISK_FROM_LINES,
    TRANSACTION_QUARANTINE_KINDS,
    GeneratorConfig,
)


def parse_args(argv: list[str] | None) -> GeneratorConfig:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--out", required=True, type=Path, help="output folder; must not exist or be empty (see --overwrite)"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the output folder and everything in it when it is not empty"
    )
    parser.add_argument(
        "--customers", type=int, default=50_000, help="customer records, duplicates included (default 50000)"
    )
    parser.add_argument(
        "--lines", type=int, default=1_000_000, help="transaction lines, defects included (default 1000000)"
    )
    parser.add_argument("--products", type=int, default=500, help="products (default 500)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--start-date",
        type=dt.date.fromisoformat,
        default=dt.date(2022, 1, 1),
        help="first business date (default 2022-01-01)",
    )
    parser.add_argument(
        "--end-date",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 10, 31),
        help="last business date (default 2026-10-31)",
    )
    parser.add_argument(
        "--rate",
        action="append",
        default=[],
        metavar="KIND=VALUE",
        help="override a planted defect rate, e.g. --rate invalid_email=0.05; kinds: " + ", ".join(DEFAULT_RATES),
    )
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 8GB")
    parser.add_argument(
        "--work-on-disk",
        choices=["auto", "yes", "no"],
        default="auto",
        help="build the tables in a temporary DuckDB file (compressed) instead of in memory; auto: from "
        f"{ON_DISK_FROM_LINES:,} lines (an in-memory build spills uncompressed and needs far more temporary disk)",
    )
    args = parser.parse_args(argv)

    if args.customers < 10:
        parser.error("--customers must be at least 10")
    if args.lines < 10:
        parser.error("--lines must be at least 10")
    if args.products < 5:
        parser.error("--products must be at least 5")
    if args.end_date <= args.start_date:
        parser.error("--end-date must be after --start-date")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file, not a folder")
    if args.out.is_dir() and any(args.out.iterdir()) and not args.overwrite:
        parser.error(f"--out {args.out} is not empty; pass --overwrite to replace everything in it")
    rates = dict(DEFAULT_RATES)
    for item in args.rate:
        kind, sep, value = item.partition("=")
        if not sep or kind not in rates:
            parser.error(f"--rate {item!r}: expected KIND=VALUE with KIND one of {', '.join(rates)}")
        try:
            rates[kind] = float(value)
        except ValueError:
            parser.error(f"--rate {item!r}: {value!r} is not a number")
        if not 0.0 <= rates[kind] < 1.0:
            parser.error(f"--rate {item!r}: a rate must be in [0, 1)")
    for _, kinds in CUSTOMER_DEFECT_GROUPS:
        if sum(rates[k] for k in kinds) >= 1.0:
            parser.error(f"--rate: the rates of {', '.join(kinds)} must sum to less than 1")
    if sum(rates[k] for k in TRANSACTION_QUARANTINE_KINDS) >= 1.0:
        parser.error("--rate: the transaction defect rates must sum to less than 1")
    return GeneratorConfig(
        out=args.out,
        customers=args.customers,
        lines=args.lines,
        products=args.products,
        seed=args.seed,
        start_date=args.start_date,
        end_date=args.end_date,
        rates=MappingProxyType(rates),
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
        f"{counts['interactions']:,} interactions into {config.out} in {seconds:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
