"""Lifecycle marts: stages computed independently, and an earlier as-of date uses no later data."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import duckdb

from conftest import NO_TESTS, Warehouse

Built = tuple[Warehouse, subprocess.CompletedProcess]
AS_OF = "2025-06-30"
AS_OF_MARTS = ("customer_lifecycle", "cohort_retention", "churn_summary")


def stage(first: dt.date, last: dt.date, gap_before_last: int | None, as_of: dt.date) -> str:
    """The lifecycle definitions (README, "What the marts answer"), written out here independently of the SQL."""
    if (as_of - first).days <= 90:
        return "new"
    recency = (as_of - last).days
    if recency <= 180 and gap_before_last is not None and gap_before_last > 365:
        return "reactivated"
    if recency <= 180:
        return "active"
    if recency <= 365:
        return "at_risk"
    return "churned"


def test_lifecycle_stages_match_an_independent_computation(built_warehouse: Built) -> None:
    warehouse, result = built_warehouse
    assert result.returncode == 0
    as_of = warehouse.scalar("select max(transaction_date) from marts.fct_sales")
    days: dict[str, set[dt.date]] = defaultdict(set)
    for key, day in warehouse.query("select customer_key, transaction_date from marts.fct_sales where not is_return"):
        days[key].add(day)
    expected = {}
    for key, purchase_days in days.items():
        ordered = sorted(purchase_days)
        gap = (ordered[-1] - ordered[-2]).days if len(ordered) > 1 else None
        expected[key] = stage(ordered[0], ordered[-1], gap, as_of)
    actual = dict(warehouse.query("select customer_key, lifecycle_stage from marts.customer_lifecycle"))
    assert actual == expected
    assert set(actual.values()) == {"new", "active", "at_risk", "churned", "reactivated"}


def test_earlier_as_of_date_uses_no_later_data(tmp_path: Path, built_warehouse: Built) -> None:
    warehouse, result = built_warehouse
    assert result.returncode == 0
    rebuilt = Warehouse(tmp_path / "as_of.duckdb", tmp_path / "as_of")
    truncated = Warehouse(tmp_path / "truncated.duckdb", tmp_path / "truncated")
    shutil.copy(warehouse.path, rebuilt.path)
    shutil.copy(warehouse.path, truncated.path)

    # the segment history is append-only and already holds the default as-of date, so these
    # rebuilds for an earlier date leave it out (it would rightly refuse them)
    result = rebuilt.dbt("run", "--selector", "customer_state", vars={"as_of_date": AS_OF})
    assert result.returncode == 0, result.stdout[-3000:]

    con = duckdb.connect(str(truncated.path))
    deleted = con.execute(f"delete from raw.transactions where transaction_at >= date '{AS_OF}' + 1").fetchall()
    con.close()
    assert deleted[0][0] > 1000, "the test needs many later lines to delete"
    result = truncated.dbt(
        "build", "--full-refresh", "--exclude", "tag:segment_history", *NO_TESTS, vars={"as_of_date": AS_OF}
    )
    assert result.returncode == 0, result.stdout[-3000:]

    assert rebuilt.scalar("select max(as_of_date) from marts.customer_lifecycle") == dt.date(2025, 6, 30)
    for mart in AS_OF_MARTS:
        with_later_data = rebuilt.query(f"select * from marts.{mart} order by all")
        without_later_data = truncated.query(f"select * from marts.{mart} order by all")
        assert with_later_data == without_later_data, f"{mart} used data after the as-of date"
        assert len(with_later_data) > 0
