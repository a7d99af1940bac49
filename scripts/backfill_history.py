#!/usr/bin/env python3
"""Replay month-ends in order to build the customer segment history from past data.

For each month-end from --from to --to, the customer-state models are rebuilt as of that date
(dbt selector customer_state) and the customer_segments_snapshot records the state in business
time. History is append-only: a month already recorded as the latest is skipped (re-running it
would change nothing), and a month earlier than the latest recorded one is refused unless
--rebuild starts history afresh. The history marts are rebuilt once at the end.

    scripts/backfill_history.py --from 2025-01 --to 2025-12
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
HISTORY_MARTS = ("customer_segment_history", "segment_migration")


class BackfillError(Exception):
    """A backfill that must not run; nothing has been changed."""


def month(text: str) -> dt.date:
    try:
        parsed = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month written YYYY-MM") from exc
    return parsed


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    ends, year, number = [], first.year, first.month
    while (year, number) <= (last.year, last.month):
        ends.append(dt.date(year, number, calendar.monthrange(year, number)[1]))
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return ends


def latest_recorded(warehouse: Path) -> dt.date | None:
    if not warehouse.exists():
        raise BackfillError(f"{warehouse}: no warehouse; run `make run` (or load and `dbt build`) first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'snapshots' and table_name = 'segment_history_periods'"
        ).fetchone()[0]
        return con.execute("select max(as_of_date) from snapshots.segment_history_periods").fetchone()[0] if exists else None
    finally:
        con.close()


def forget_history(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("drop table if exists snapshots.customer_segments_snapshot")
        con.execute("drop table if exists snapshots.segment_history_periods")
        con.execute("drop table if exists intermediate.int_segment_history__period_revenue")
    finally:
        con.close()


def plan(requested: list[dt.date], latest: dt.date | None) -> list[dt.date]:
    """The month-ends to record; refuses any earlier than the latest recorded."""
    if latest is None:
        return requested
    earlier = [m for m in requested if m < latest]
    if earlier:
        raise BackfillError(
            f"history is append-only: {earlier[0]:%Y-%m} is before the latest recorded month-end {latest}; "
            "record later months only, or pass --rebuild to start history afresh"
        )
    return [m for m in requested if m > latest]


def dbt(args: list[str]) -> None:
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([*args, "--project-dir", str(REPO), "--profiles-dir", str(REPO), "--quiet"])
    if not result.success:
        raise BackfillError(f"dbt {' '.join(args)} failed: {result.exception or 'see the dbt log above'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="first", type=month, required=True, help="first month, YYYY-MM")
    parser.add_argument("--to", dest="last", type=month, required=True, help="last month, YYYY-MM")
    parser.add_argument("--step", choices=["month"], default="month", help="period between recorded states (month)")
    parser.add_argument("--rebuild", action="store_true", help="drop the recorded history first and start afresh")
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path(os.environ.get("CRM_WAREHOUSE_PATH", REPO / "warehouse.duckdb")),
        help="DuckDB file (default: $CRM_WAREHOUSE_PATH or warehouse.duckdb)",
    )
    args = parser.parse_args(argv)
    if args.last < args.first:
        parser.error("--to must not be before --from")
    os.environ["CRM_WAREHOUSE_PATH"] = str(args.warehouse)
    os.environ.setdefault("DO_NOT_TRACK", "1")

    try:
        requested = month_ends(args.first, args.last)
        latest = None if args.rebuild else latest_recorded(args.warehouse)
        todo = plan(requested, latest)
        if args.rebuild:
            forget_history(args.warehouse)
            print("backfill: recorded history dropped (--rebuild)")
        skipped = len(requested) - len(todo)
        if skipped:
            print(f"backfill: {skipped} month-end(s) up to {latest} already recorded, nothing to change there")
        started = time.perf_counter()
        for number, as_of in enumerate(todo, start=1):
            month_started = time.perf_counter()
            vars_json = json.dumps({"as_of_date": as_of.isoformat()})
            dbt(["run", "--select", "tag:customer_state+", "--exclude", " ".join(HISTORY_MARTS), "--vars", vars_json])
            dbt(["snapshot", "--select", "customer_segments_snapshot", "--vars", vars_json])
            print(
                f"backfill: [{number}/{len(todo)}] {as_of} recorded in {time.perf_counter() - month_started:.1f}s",
                flush=True,
            )
        dbt(["run", "--select", " ".join(HISTORY_MARTS)])
        print(f"backfill: {len(todo)} month-end(s) recorded in {time.perf_counter() - started:.1f}s; history marts rebuilt")
    except BackfillError as exc:
        print(f"backfill: refused: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
