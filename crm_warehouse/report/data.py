"""Every number the report charts, straight from the published marts (the SQL is in queries/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from crm_warehouse.report.formatting import month_end, plain

QUERIES = Path(__file__).parent / "queries"
# the charted data sets, each the rows of queries/NAME.sql; the single-row ones as one row
DATA_SETS = (
    "whale_curve profit_deciles abc_economics rfm_grid rfm_segments lifecycle_mix cohort_retention churn_trend "
    "data_quality quality_by_source customer_types channel_mix clv_value_shift clv_calibration identity_resolution "
    "service_levels campaigns"
).split()
SINGLE_ROWS = ("kpis", "clv_highlights", "settings")


class ReportError(Exception):
    """The report cannot be written; the message says why."""


def sql(name: str) -> str:
    return (QUERIES / f"{name}.sql").read_text()


def rows(con: duckdb.DuckDBPyConnection, query: str, params: list[object] | None = None) -> list[dict[str, object]]:
    result = con.execute(query, params or [])
    names = [column[0] for column in result.description]
    return [dict(zip(names, map(plain, row), strict=True)) for row in result.fetchall()]


def collect(con: duckdb.DuckDBPyConnection, migration_from: dt.date | None, migration_to: dt.date | None) -> dict:
    data: dict[str, object] = {"publication": rows(con, "select * from meta.publication")[0]}
    for name in SINGLE_ROWS:
        data[name] = rows(con, sql(name))[0]
    for name in DATA_SETS:
        data[name] = rows(con, sql(name))
    periods = [row[0] for row in con.execute(sql("recorded_periods")).fetchall()]
    data["segment_migration"] = migration(con, periods, migration_from, migration_to)
    return data


def migration_periods(periods: list[dt.date], first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    """The two month-ends to compare: as asked, or the latest recorded and the one twelve months
    before it (or the earliest recorded); a month-end that is not recorded is refused."""
    to_period = month_end(last) if last else periods[-1]
    if first:
        from_period = month_end(first)
    else:
        target = (to_period.replace(day=1) - dt.timedelta(days=365)).replace(day=1)
        from_period = next((p for p in periods if p >= month_end(target)), periods[0])
    for name, day in (("--migration-from", from_period), ("--migration-to", to_period)):
        if day not in periods:
            raise ReportError(
                f"{name} {day:%Y-%m} is not a recorded month-end of the segment history (recorded: "
                f"{periods[0]:%Y-%m} to {periods[-1]:%Y-%m}); record it with `make history` or choose another month"
            )
    if from_period >= to_period:
        raise ReportError(f"--migration-from ({from_period:%Y-%m}) must be before --migration-to ({to_period:%Y-%m})")
    return from_period, to_period


def migration(
    con: duckdb.DuckDBPyConnection, periods: list[dt.date], first: dt.date | None, last: dt.date | None
) -> dict[str, object]:
    """ABC class of every customer on two recorded month-ends."""
    if len(periods) < 2:
        return {"from_period": None, "to_period": None, "rows": [], "periods_recorded": len(periods)}
    from_period, to_period = migration_periods(periods, first, last)
    return {
        "from_period": from_period.isoformat(),
        "to_period": to_period.isoformat(),
        "rows": rows(con, sql("migration"), [from_period, to_period]),
        "periods_recorded": len(periods),
    }
