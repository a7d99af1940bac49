#!/usr/bin/env python3
"""Write the findings of the published warehouse as one self-contained HTML report.

Reads the serving copy (never the build warehouse) and writes one HTML file that opens offline:
the chart library is embedded in the page, nothing is fetched at view time. For a business
reader: KPI summary, whale curve, profit deciles, ABC classes with their economics (cost to
serve per class), RFM grid, lifecycle stage mix, cohort retention, churn trend, segment
migration between two month-ends, predicted value against today's ABC class and the value
model's calibration, service levels against what each class earns, the campaign audiences,
the data-quality scorecard and the identity-resolution summary. Each chart carries one
sentence that reads it, computed from the data. Every charted number is also embedded as JSON
(<script id="report-data">) so it can be checked against the marts.

    scripts/report.py                                   # serving/crm.duckdb -> serving/report.html
    scripts/report.py --migration-from 2025-10 --migration-to 2026-10 --out /tmp/crm.html
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import duckdb

from crm_warehouse.db import project_dir
from crm_warehouse.report.data import ReportError, collect
from crm_warehouse.report.figures import figures
from crm_warehouse.report.page import SECTIONS, render
from crm_warehouse.report.sentences import sentences

REPO = project_dir()


def month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month written YYYY-MM") from exc


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--serving-dir",
        type=Path,
        default=Path(os.environ.get("CRM_SERVING_DIR", REPO / "serving")),
        help="the published serving copy's folder (default: $CRM_SERVING_DIR or serving/)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="HTML file to write (default: <serving dir>/report.html)"
    )
    parser.add_argument(
        "--migration-from",
        type=month,
        help="earlier month-end of the migration chart, YYYY-MM (default: twelve months before --migration-to)",
    )
    parser.add_argument("--migration-to", type=month, help="later month-end, YYYY-MM (default: the latest recorded)")
    return parser.parse_args(argv)


def build_page(serving: Path, args: argparse.Namespace) -> tuple[dict, dict[str, str], str]:
    if not serving.exists():
        raise ReportError(f"{serving}: no published serving copy; run `make build` (or scripts/publish.py) first")
    con = duckdb.connect(str(serving), read_only=True)
    try:
        data = collect(con, args.migration_from, args.migration_to)
    finally:
        con.close()
    said = sentences(data)
    return data, said, render(data, said, figures(data))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    serving = args.serving_dir / "crm.duckdb"
    out = args.out or args.serving_dir / "report.html"
    try:
        data, said, page = build_page(serving, args)
    except ReportError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.tmp")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, out)
    print(
        f"report: {out} ({len(page) / 1e6:.1f} MB, as of {data['publication']['as_of_date']}) in "
        f"{time.perf_counter() - started:.1f}s"
    )
    for key, _ in (("kpis", ""),) + SECTIONS:
        if key in said:
            print(f"  {said[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
