#!/usr/bin/env python3
"""Replay month-ends in order to build the customer segment history from past data.

For each month-end from --from to --to, the customer-state models are rebuilt as of that date
and the customer_segments_snapshot records the state in business time. Without --from and
--to the months come from the data: from the first month-end on or after the first trusted
transaction to the last month-end on or before the last one.

History is append-only and never runs ahead of the data:
- a month-end already recorded is skipped (re-recording it changes nothing), so a backfill
  that was stopped half-way completes when the same command is run again;
- a month-end earlier than the latest recorded one that is not recorded yet is refused
  (history cannot be inserted into the past) unless --rebuild starts history afresh;
- a month-end after the last day of the trusted transactions is refused.
At the end the history marts are rebuilt and the customer-state marts are put back to the
latest as-of date (the default of `dbt build`).

    scripts/backfill_history.py --from 2025-01 --to 2025-12
    scripts/backfill_history.py --rebuild          # every month-end the data covers, afresh
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


def month_end_on_or_before(day: dt.date) -> dt.date:
    last = dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return last if last == day else day.replace(day=1) - dt.timedelta(days=1)


def month_end_on_or_after(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0] > 0


def read_state(warehouse: Path) -> tuple[tuple[dt.date, dt.date], set[dt.date]]:
    """The trusted data's first and last day, and the as-of dates already recorded."""
    if not warehouse.exists():
        raise BackfillError(f"{warehouse}: no warehouse; run `make run` (or load and `dbt build`) first")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise BackfillError(f"{warehouse}: cannot be opened (is another process writing to it?): {exc}") from exc
    try:
        if not table_exists(con, "marts", "fct_sales"):
            raise BackfillError(f"{warehouse}: no marts.fct_sales yet; run `dbt build` (or `make build`) first")
        first, last = con.execute("select min(transaction_date), max(transaction_date) from marts.fct_sales").fetchone()
        if last is None:
            raise BackfillError("marts.fct_sales has no trusted transaction lines: there is no history to record")
        recorded: set[dt.date] = set()
        if table_exists(con, "snapshots", "segment_history_periods"):
            recorded = {row[0] for row in con.execute("select as_of_date from snapshots.segment_history_periods").fetchall()}
        return (first, last), recorded
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


def plan(requested: list[dt.date], recorded: set[dt.date], last_data_day: dt.date) -> list[dt.date]:
    """The month-ends still to record, in order. Refuses a month-end after the data's last day
    and one before the latest recorded date that is not recorded yet."""
    ahead = [m for m in requested if m > last_data_day]
    if ahead:
        last_month_end = month_end_on_or_before(last_data_day)
        raise BackfillError(
            f"history cannot run ahead of the data: month-end {ahead[0]} is after the last day of the trusted "
            f"transactions, {last_data_day}; the last month-end you can record is {last_month_end} "
            f"(--to {last_month_end:%Y-%m})"
        )
    todo = [m for m in requested if m not in recorded]
    latest = max(recorded) if recorded else None
    gaps = [m for m in todo if latest is not None and m < latest]
    if gaps:
        raise BackfillError(
            f"history is append-only: {gaps[0]} is before the latest recorded as-of date {latest} and is not "
            "recorded; record later months only, or pass --rebuild to start history afresh"
        )
    return todo


def dbt(args: list[str]) -> None:
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([*args, "--project-dir", str(REPO), "--profiles-dir", str(REPO), "--quiet"])
    if not result.success:
        raise BackfillError(f"dbt {' '.join(args)} failed: {result.exception or 'see the dbt log above'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--from", dest="first", type=month, help="first month, YYYY-MM (default: the first month-end the data covers)"
    )
    parser.add_argument(
        "--to", dest="last", type=month, help="last month, YYYY-MM (default: the last month-end the data covers)"
    )
    parser.add_argument("--rebuild", action="store_true", help="drop the recorded history first and start afresh")
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path(os.environ.get("CRM_WAREHOUSE_PATH", REPO / "warehouse.duckdb")),
        help="DuckDB file (default: $CRM_WAREHOUSE_PATH or warehouse.duckdb)",
    )
    args = parser.parse_args(argv)
    if args.first and args.last and args.last < args.first:
        parser.error("--to must not be before --from")
    os.environ["CRM_WAREHOUSE_PATH"] = str(args.warehouse)
    os.environ.setdefault("DO_NOT_TRACK", "1")

    try:
        (first_day, last_day), recorded = read_state(args.warehouse)
        first = args.first or month_end_on_or_after(first_day)
        last = args.last or month_end_on_or_before(last_day)
        requested = month_ends(first, last)
        if not requested:
            raise BackfillError(
                f"no month-end between {first_day} and {last_day}: the data does not cover a whole month yet"
            )
        todo = plan(requested, set() if args.rebuild else recorded, last_day)
        if args.rebuild:
            forget_history(args.warehouse)
            print("backfill: recorded history dropped (--rebuild)")
        skipped = len(requested) - len(todo)
        if skipped:
            print(f"backfill: {skipped} of {len(requested)} month-end(s) already recorded, nothing to change there")
        started = time.perf_counter()
        for number, as_of in enumerate(todo, start=1):
            month_started = time.perf_counter()
            vars_json = json.dumps({"as_of_date": as_of.isoformat()})
            dbt(["run", "--select", "tag:customer_state+", "--exclude", " ".join(HISTORY_MARTS), "--vars", vars_json])
            dbt(["snapshot", "--select", "customer_segments_snapshot", "--vars", vars_json])
            elapsed = time.perf_counter() - started
            left = elapsed / number * (len(todo) - number)
            print(
                f"backfill: [{number}/{len(todo)}] {as_of} recorded in {time.perf_counter() - month_started:.1f}s"
                f" (about {left:.0f}s left)",
                flush=True,
            )
        dbt(["run", "--select", " ".join(HISTORY_MARTS)])
        if todo and todo[-1] != last_day:
            # the customer-state marts were left as of the last month recorded: back to the latest day
            dbt(["run", "--selector", "customer_state"])
        print(f"backfill: {len(todo)} month-end(s) recorded in {time.perf_counter() - started:.1f}s; history marts rebuilt")
    except BackfillError as exc:
        print(f"backfill: refused: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
