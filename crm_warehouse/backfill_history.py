#!/usr/bin/env python3
"""Record the customer segment history of past month-ends, in one pass.

The customer state of every month-end is already in the warehouse after `dbt build` (the
month-end state grid, intermediate.int_customer_state__grid). This command writes the
month-ends from --from to --to into the segment history snapshot
(snapshots.customer_segments_snapshot) set-based, in one transaction: a new version for a
customer only where a tracked value (ABC class, decile, RFM segment, lifecycle stage, loyalty
tier) changed
from one month-end to the next, with validity in business time, exactly as `dbt snapshot`
would have recorded them month by month. Without --from and --to the months are every
month-end the state grid holds (from history_start_date, or the data's first month, to the
last day of the data).

History is append-only and never runs ahead of the data:
- a month-end already recorded is skipped (re-recording it changes nothing);
- a month-end earlier than the latest recorded one that is not recorded yet is refused
  (history cannot be inserted into the past) unless --rebuild starts history afresh;
- a month-end after the last day of the trusted transactions is refused.
Everything is written in one transaction: a backfill that fails or is stopped records nothing,
and the history marts are rebuilt at the end.

    scripts/backfill_history.py --from 2025-01 --to 2025-12
    scripts/backfill_history.py --rebuild          # every month-end the data covers, afresh
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import os
import sys
import time
from pathlib import Path

import duckdb

from crm_warehouse.db import one, project_dir

REPO = project_dir()
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
    return (
        one(
            con.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [schema, table],
            )
        )[0]
        > 0
    )


def read_state(warehouse: Path) -> tuple[tuple[dt.date, dt.date], set[dt.date], set[dt.date]]:
    """The trusted data's first and last day, the as-of dates already recorded, and the dates
    the customer-state grid holds."""
    if not warehouse.exists():
        raise BackfillError(f"{warehouse}: no warehouse; run `make run` (or load and `dbt build`) first")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise BackfillError(f"{warehouse}: cannot be opened (is another process writing to it?): {exc}") from exc
    try:
        if not all(table_exists(con, "intermediate", t) for t in ("int_customer_state__grid", "int_loyalty__tiers")):
            raise BackfillError(
                f"{warehouse}: the month-end customer state is not built yet; run `dbt build` (or `make build`) first"
            )
        first, last = one(
            con.execute("select min(transaction_date), max(transaction_date) from intermediate.int_sales__lines")
        )
        if last is None:
            raise BackfillError("there are no trusted transaction lines: there is no history to record")
        recorded: set[dt.date] = set()
        if table_exists(con, "snapshots", "segment_history_periods"):
            recorded = {
                row[0] for row in con.execute("select as_of_date from snapshots.segment_history_periods").fetchall()
            }
        grid = {
            row[0]
            for row in con.execute("select distinct state_date from intermediate.int_customer_state__grid").fetchall()
        }
        return (first, last), recorded, grid
    finally:
        con.close()


FORGET_HISTORY = (
    "drop table if exists snapshots.customer_segments_snapshot",
    "drop table if exists snapshots.segment_history_periods",
    "drop table if exists intermediate.int_segment_history__period_revenue",
)

CREATE_HISTORY = (
    "create schema if not exists snapshots",
    # the columns dbt snapshot creates from int_segment_history__state, so it carries on recording
    """create table if not exists snapshots.customer_segments_snapshot (
        customer_key varchar, as_of_date date, as_of_at timestamp, abc_class varchar, profit_decile integer,
        rfm_segment varchar, lifecycle_stage varchar, loyalty_tier varchar, dbt_scd_id varchar,
        dbt_updated_at timestamp, dbt_valid_from timestamp, dbt_valid_to timestamp
    )""",
    # a history recorded before loyalty tiers were tracked gains the column (null in its versions)
    "alter table snapshots.customer_segments_snapshot add column if not exists loyalty_tier varchar",
    "create table if not exists snapshots.segment_history_periods (as_of_date date primary key, recorded_at timestamp)",
    """create table if not exists intermediate.int_segment_history__period_revenue (
        customer_key varchar, as_of_date date, revenue decimal(38, 2)
    )""",
)

# The month-ends to record are in the temporary table todo (as_of_date). A customer gets a new
# version on a month-end when a tracked value differs from their state on the month-end
# before (or from their open version, for the first one); their open version is closed there.
RECORD_HISTORY = (
    """create temporary table month_states as
    select grid.customer_key, grid.state_date as as_of_date, cast(grid.state_date as timestamp) as as_of_at,
        grid.abc_class, grid.profit_decile, grid.rfm_segment, grid.lifecycle_stage, tiers.loyalty_tier
    from intermediate.int_customer_state__grid as grid
    inner join todo on grid.state_date = todo.as_of_date
    left join intermediate.int_loyalty__tiers as tiers
        on grid.customer_key = tiers.customer_key and grid.state_date = tiers.state_date""",
    """create temporary table new_versions as
    with sequenced as (
        select customer_key, as_of_date, as_of_at, abc_class, profit_decile, rfm_segment, lifecycle_stage,
            loyalty_tier, false as is_new
        from snapshots.customer_segments_snapshot
        where dbt_valid_to is null
        union all
        select *, true as is_new from month_states
    ),
    compared as (
        select *,
            row_number() over w = 1
            or lag(abc_class) over w is distinct from abc_class
            or lag(profit_decile) over w is distinct from profit_decile
            or lag(rfm_segment) over w is distinct from rfm_segment
            or lag(lifecycle_stage) over w is distinct from lifecycle_stage
            or lag(loyalty_tier) over w is distinct from loyalty_tier as is_change
        from sequenced
        window w as (partition by customer_key order by as_of_date)
    )
    select customer_key, as_of_date, as_of_at, abc_class, profit_decile, rfm_segment, lifecycle_stage, loyalty_tier,
        lead(as_of_at) over (partition by customer_key order by as_of_date) as valid_to
    from compared
    where is_new and is_change""",
    """update snapshots.customer_segments_snapshot as versions
    set dbt_valid_to = first_change.as_of_at
    from (select customer_key, min(as_of_at) as as_of_at from new_versions group by customer_key) as first_change
    where versions.customer_key = first_change.customer_key and versions.dbt_valid_to is null""",
    """insert into snapshots.customer_segments_snapshot (
        customer_key, as_of_date, as_of_at, abc_class, profit_decile, rfm_segment, lifecycle_stage, loyalty_tier,
        dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to
    )
    select customer_key, as_of_date, as_of_at, abc_class, profit_decile, rfm_segment, lifecycle_stage, loyalty_tier,
        md5(coalesce(cast(customer_key as varchar), '') || '|' || coalesce(cast(as_of_at as varchar), '')),
        as_of_at, as_of_at, valid_to
    from new_versions""",
    """insert into snapshots.segment_history_periods (as_of_date, recorded_at)
    select as_of_date, current_timestamp from todo""",
    """delete from intermediate.int_segment_history__period_revenue
    where as_of_date in (select as_of_date from todo)""",
    """insert into intermediate.int_segment_history__period_revenue (customer_key, as_of_date, revenue)
    select grid.customer_key, grid.state_date, grid.revenue
    from intermediate.int_customer_state__grid as grid
    inner join todo on grid.state_date = todo.as_of_date
    where grid.is_in_window""",
)


def record(warehouse: Path, todo: list[dt.date], rebuild: bool) -> tuple[int, int]:
    """Writes the month-ends in todo into the history in one transaction (after dropping the
    recorded history when rebuild). Returns (versions written, customers on the last month-end)."""
    try:
        # the same memory limit and temporary folder as the dbt profile: large histories spill to disk
        con = duckdb.connect(
            str(warehouse),
            config={"memory_limit": os.environ.get("CRM_MEMORY_LIMIT", "8GB"), "preserve_insertion_order": False},
        )
    except duckdb.Error as exc:
        raise BackfillError(f"{warehouse}: cannot be opened for writing (is another process using it?): {exc}") from exc
    try:
        con.execute("begin transaction")
        for statement in (FORGET_HISTORY if rebuild else ()) + CREATE_HISTORY:
            con.execute(statement)
        con.execute("create temporary table todo (as_of_date date)")
        con.executemany("insert into todo values (?)", [[day] for day in todo])
        for statement in RECORD_HISTORY:
            con.execute(statement)
        written = one(con.execute("select count(*) from new_versions"))[0]
        last_count = one(
            con.execute("select count(*) from month_states where as_of_date = (select max(as_of_date) from todo)")
        )[0]
        con.execute("commit")
        return written, last_count
    except duckdb.Error as exc:
        con.execute("rollback")
        raise BackfillError(f"writing the history failed, nothing was recorded: {exc}") from exc
    finally:
        con.close()


def plan(
    requested: list[dt.date], recorded: set[dt.date], data_days: tuple[dt.date, dt.date], grid: set[dt.date]
) -> list[dt.date]:
    """The month-ends still to record, in order. Refuses a month-end before the data's first day
    or after its last, one before the latest recorded date that is not recorded yet, and one the
    state grid lacks."""
    first_data_day, last_data_day = data_days
    before = [m for m in requested if m < first_data_day]
    if before:
        first_month_end = month_end_on_or_after(first_data_day)
        raise BackfillError(
            f"month-end {before[0]} is before the data: the trusted transactions start on {first_data_day}, so "
            f"there is no customer state to record yet; the first month-end you can record is {first_month_end} "
            f"(--from {first_month_end:%Y-%m})"
        )
    ahead = [m for m in requested if m > last_data_day]
    if ahead:
        last_month_end = month_end_on_or_before(last_data_day)
        raise BackfillError(
            f"history cannot run ahead of the data: month-end {ahead[0]} is after the last day of the trusted "
            f"transactions, {last_data_day}; the last month-end you can record is {last_month_end} "
            f"(--to {last_month_end:%Y-%m})"
        )
    todo = [m for m in requested if m not in recorded]
    missing = [m for m in todo if m not in grid]
    if missing:
        first_in_grid = min((m for m in grid if m == month_end_on_or_after(m)), default=None)
        raise BackfillError(
            f"the month-end customer state of {missing[0]} is not in the warehouse (the state grid starts at "
            f"{first_in_grid}); set the dbt var history_start_date earlier and run `dbt build` first"
        )
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
        (first_day, last_day), recorded, grid = read_state(args.warehouse)
        grid_month_ends = sorted(m for m in grid if m == month_end_on_or_after(m))
        first = args.first or (grid_month_ends[0] if grid_month_ends else month_end_on_or_after(first_day))
        last = args.last or month_end_on_or_before(last_day)
        requested = month_ends(first, last)
        if not requested:
            raise BackfillError(
                f"no month-end between {first_day} and {last_day}: the data does not cover a whole month yet"
            )
        todo = plan(requested, set() if args.rebuild else recorded, (first_day, last_day), grid)
        skipped = len(requested) - len(todo)
        if skipped:
            print(f"backfill: {skipped} of {len(requested)} month-end(s) already recorded, nothing to change there")
        started = time.perf_counter()
        if todo or args.rebuild:
            print(
                f"backfill: recording {len(todo)} month-end(s), {todo[0] if todo else '-'} to "
                f"{todo[-1] if todo else '-'}, in one pass"
                f"{' (recorded history dropped: --rebuild)' if args.rebuild else ''}",
                flush=True,
            )
            written, customers = record(args.warehouse, todo, args.rebuild)
            print(
                f"backfill: {len(todo)} month-end(s) recorded in {time.perf_counter() - started:.1f}s: "
                f"{written} new version(s), {customers} customers on the last one; rebuilding the history marts",
                flush=True,
            )
            # after --rebuild the incremental migration mart starts afresh too
            dbt(["run", "--select", " ".join(HISTORY_MARTS), *(["--full-refresh"] if args.rebuild else [])])
        print(f"backfill: done in {time.perf_counter() - started:.1f}s")
    except BackfillError as exc:
        print(f"backfill: refused: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
