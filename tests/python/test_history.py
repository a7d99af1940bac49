"""Segment history: SCD2 invariants, idempotent and append-only backfill, migration = transitions."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import NO_TESTS, Warehouse, plain
from serving_helpers import backfill

Built = tuple[Warehouse, subprocess.CompletedProcess]
MONTHS = ("2025-08-31", "2025-09-30", "2025-10-31")
# what recording one month reads and writes, from the month-end state on (not the CLV fit or
# the campaigns): the recorders and the history marts
TO_RECORD = "tag:customer_state+,+segment_migration"
# and the customer-state marts the replay compares, month by month
REPLAYED = [
    TO_RECORD,
    *(
        f"tag:customer_state+,+{mart}"
        for mart in ("customer_profitability", "customer_segments", "customer_lifecycle", "customer_loyalty_tiers")
    ),
]


# what the history keeps (without recorded_at, the wall-clock time of the run)
RECORDED = (
    "select as_of_date from intermediate.int_segment_history__recorded_dates order by all",
    "select * exclude (recorded_at) from intermediate.int_segment_history__state_changes order by all",
    "select * from intermediate.int_segment_history__period_revenue order by all",
)
VERSIONS = "select * exclude (recorded_at) from marts.customer_segment_versions order by customer_key, valid_from_date"
FORGET = tuple(
    f"drop table intermediate.int_segment_history__{name}"
    for name in ("recorded_dates", "state_changes", "period_revenue")
)


def history_fingerprint(warehouse: Warehouse) -> tuple:
    return tuple(warehouse.query(sql) for sql in RECORDED)


def recorded_dates(warehouse: Warehouse) -> list[str]:
    return [str(d) for (d,) in warehouse.query(RECORDED[0])]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, built_warehouse: Built) -> tuple[Warehouse, dict]:
    """Three month-ends backfilled in one pass from the state grid; on a copy, each month's state
    built on its own (a grid that holds only that date) and recorded by that month's build."""
    warehouse, result = built_warehouse
    assert result.returncode == 0
    work = tmp_path_factory.mktemp("history")
    recorded = Warehouse(work / "history.duckdb", work / "history")
    shutil.copy(warehouse.path, recorded.path)
    run = backfill(recorded, "--from", "2025-08", "--to", "2025-10", "--rebuild")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "segment history: recording 3 date(s), 2025-08-31 to 2025-10-31, in one pass" in run.stdout

    states, revenues = {}, {}
    replayed = Warehouse(work / "states.duckdb", work / "states")
    shutil.copy(warehouse.path, replayed.path)
    replayed.execute(*FORGET, "drop table intermediate.int_customer_state__grid")
    for as_of in MONTHS:
        # history_start_date after the data: the grid computes the as-of date alone, afresh
        month_vars = {"as_of_date": as_of, "history_start_date": "2099-01-01"}
        # the month's state and then its recording, in one invocation (the data tests run elsewhere)
        built = replayed.dbt("build", "--select", *REPLAYED, "--exclude", *NO_TESTS, vars=month_vars)
        assert built.returncode == 0, built.stdout[-3000:]
        # the as-of date and, for the loyalty tier's hold, the two month-ends before it
        assert replayed.scalar("select count(distinct state_date) from intermediate.int_customer_state__grid") == 3
        revenues[as_of] = dict(replayed.query("select customer_key, revenue from marts.customer_profitability"))
        states[as_of] = {
            key: (abc or "none", stage, tier)
            for key, abc, stage, tier in replayed.query(
                "select l.customer_key, s.abc_class, l.lifecycle_stage, t.loyalty_tier "
                "from marts.customer_lifecycle as l "
                "left join marts.customer_segments as s using (customer_key) "
                "left join marts.customer_loyalty_tiers as t using (customer_key)"
            )
        }
    states["revenue"] = revenues
    states["replayed"] = replayed
    return recorded, states


def test_one_pass_history_equals_the_month_by_month_recording(history: tuple[Warehouse, dict]) -> None:
    """The backfill's three month-ends in one pass keep what three builds, one a month, keep: the
    same recorded dates, changes and revenue, so the same versions to the validity dates."""
    warehouse, states = history
    one_pass, replayed = warehouse.query(VERSIONS), states["replayed"].query(VERSIONS)
    assert len(one_pass) > len(states[MONTHS[-1]]), "some customers should have more than one version"
    assert one_pass == replayed
    assert history_fingerprint(warehouse) == history_fingerprint(states["replayed"])


def test_scd2_invariants(history: tuple[Warehouse, dict]) -> None:
    warehouse, states = history
    versions = "marts.customer_segment_versions"
    assert recorded_dates(warehouse) == list(MONTHS)
    assert (
        warehouse.scalar(
            f"select count(*) from (select customer_key from {versions} "
            "where valid_to_date is null group by customer_key having count(*) <> 1)"
        )
        == 0
    )
    assert warehouse.scalar(f"select count(distinct customer_key) from {versions}") == len(states[MONTHS[-1]])
    # consecutive versions touch: no overlap, no gap; validity starts on a recorded as-of date
    assert (
        warehouse.scalar(
            f"""
        select count(*) from (
            select valid_to_date,
                lead(valid_from_date) over (partition by customer_key order by valid_from_date) as next_from
            from {versions}
        ) where next_from is distinct from valid_to_date
        """
        )
        == 0
    )
    assert (
        warehouse.scalar(
            f"select count(*) from {versions} where valid_from_date not in "
            "(select as_of_date from intermediate.int_segment_history__recorded_dates)"
        )
        == 0
    )
    # a version only when a tracked value changed
    assert (
        warehouse.scalar(
            f"""
        select count(*) from (
            select *, lag(abc_class) over w as a, lag(profit_decile) over w as d, lag(rfm_segment) over w as r,
                   lag(lifecycle_stage) over w as l, lag(loyalty_tier) over w as t, row_number() over w as n
            from {versions}
            window w as (partition by customer_key order by valid_from_date)
        ) where n > 1 and a is not distinct from abc_class and d is not distinct from profit_decile
            and r is not distinct from rfm_segment and l is not distinct from lifecycle_stage
            and t is not distinct from loyalty_tier
        """
        )
        == 0
    )


def test_history_mart_equals_each_months_state(history: tuple[Warehouse, dict]) -> None:
    warehouse, states = history
    for as_of in MONTHS:
        recorded = {
            key: (abc or "none", stage, tier)
            for key, abc, stage, tier in warehouse.query(
                "select customer_key, abc_class, lifecycle_stage, loyalty_tier from marts.customer_segment_history "
                "where as_of_date = ?",
                [as_of],
            )
        }
        assert recorded == states[as_of], as_of


def test_migration_matrix_equals_independent_transitions(history: tuple[Warehouse, dict]) -> None:
    warehouse, states = history
    expected: Counter = Counter()
    moved_revenue: Counter = Counter()
    revenue = states["revenue"]
    for earlier, later in zip(MONTHS, MONTHS[1:], strict=False):
        for key, (abc, stage, tier) in states[later].items():
            before = states[earlier].get(key)
            for dimension, position, value in (
                ("abc_class", 0, abc),
                ("lifecycle_stage", 1, stage),
                ("loyalty_tier", 2, tier),
            ):
                cell = (later, dimension, before[position] if before else "not_yet_customer", value)
                expected[cell] += 1
                moved_revenue[cell] += revenue[later].get(key, 0)
    rows = warehouse.query(
        "select to_period, segment_dimension, from_value, to_value, customer_count, to_period_revenue "
        "from marts.segment_migration"
    )
    actual = {(str(p), d, f, t): count for p, d, f, t, count, _ in rows}
    assert actual == dict(expected)
    assert {(str(p), d, f, t): money for p, d, f, t, _, money in rows} == {
        cell: pytest.approx(money, abs=Decimal("0.01")) for cell, money in moved_revenue.items()
    }
    for moving in ("abc_class", "loyalty_tier"):
        assert any(f != t and f != "not_yet_customer" for (_, dim, f, t) in actual if dim == moving), moving


def test_rerun_changes_nothing_and_gaps_in_the_past_are_refused(history: tuple[Warehouse, dict]) -> None:
    warehouse, _ = history
    before = history_fingerprint(warehouse)
    # the same command again (as after a backfill that was stopped) records nothing new
    again = backfill(warehouse, "--from", "2025-08", "--to", "2025-10")
    assert again.returncode == 0, again.stderr
    assert "segment history: 3 of 3 date(s) already recorded, nothing to change there" in again.stdout
    assert history_fingerprint(warehouse) == before

    refused = backfill(warehouse, "--from", "2025-05", "--to", "2025-08")
    assert refused.returncode == 2
    assert (
        "backfill: refused: history is append-only: 2025-05-31 is before the latest recorded as-of date 2025-10-31 "
        "and is not recorded"
    ) in refused.stderr
    assert history_fingerprint(warehouse) == before

    # dbt itself refuses to record a state earlier than the history, whoever runs it (an as-of
    # date already recorded, such as a recorded month-end, is skipped like the backfill's)
    direct = warehouse.dbt("build", "--select", TO_RECORD, "--exclude", *NO_TESTS, vars={"as_of_date": "2025-09-15"})
    assert direct.returncode != 0
    assert "history is append-only: 2025-09-15 is before the latest recorded as-of date 2025-10-31" in plain(direct)
    assert history_fingerprint(warehouse) == before

    # the backfill's request through the environment, malformed: refused, not read as "no request"
    malformed = warehouse.dbt(
        "run", "--select", "int_segment_history__recorded_dates", env={"CRM_RECORD_HISTORY_MONTH_ENDS": "2025-08"}
    )
    assert malformed.returncode != 0
    assert "CRM_RECORD_HISTORY_MONTH_ENDS must be JSON such as" in plain(malformed)
    assert history_fingerprint(warehouse) == before


def test_history_never_runs_ahead_of_the_data(history: tuple[Warehouse, dict], tmp_path: Path) -> None:
    warehouse = history[0].copy_to(tmp_path)
    before = history_fingerprint(warehouse)
    last_day = warehouse.scalar("select max(transaction_date) from marts.fct_sales")
    assert str(last_day) == "2026-10-31", "the generator's default end date"

    refusal = (
        "backfill: refused: history cannot run ahead of the data: month-end 2026-11-30 is after the last day of "
        "the trusted transactions, 2026-10-31; the last month-end you can record is 2026-10-31 (month 2026-10)"
    )
    # a refused rebuild drops nothing: its checks run before the recorded history is dropped
    for rebuild in ([], ["--rebuild"]):
        ahead = backfill(warehouse, *rebuild, "--from", "2026-10", "--to", "2026-12")
        assert ahead.returncode == 2
        assert refusal in ahead.stderr
        assert history_fingerprint(warehouse) == before
    # only month-ends after the data: the same words, the last month-end is still named
    only_ahead = backfill(warehouse, "--from", "2026-11", "--to", "2026-12")
    assert only_ahead.returncode == 2
    assert refusal in only_ahead.stderr

    # before the data: it simply starts later (no var could help, so none is advised)
    first_day = warehouse.scalar("select min(transaction_date) from marts.fct_sales")
    first_month_end = warehouse.scalar(f"select last_day(date '{first_day}')")
    early = backfill(warehouse, "--from", "1999-11", "--to", "1999-12")
    assert early.returncode == 2
    assert (
        f"month-end 1999-11-30 is before the data: the trusted transactions start on {first_day}, so there is no "
        f"customer state to record yet; the first month-end you can record is {first_month_end} "
        f"(month {first_month_end:%Y-%m})"
    ) in early.stderr
    assert "history_start_date" not in early.stderr
    assert history_fingerprint(warehouse) == before

    for as_of, words in (
        ("2099-12-31", "as_of_date 2099-12-31 is after the last day of the trusted transactions (2026-10-31)"),
        ("1999-12-31", "as_of_date 1999-12-31 is before the first day of the trusted transactions"),
    ):
        built = warehouse.dbt("build", "--select", "int_customer_state__as_of+", vars={"as_of_date": as_of})
        assert built.returncode != 0
        assert words in plain(built)
        assert history_fingerprint(warehouse) == before


def test_a_backfill_that_fails_part_way_claims_nothing_and_completes_when_run_again(
    history: tuple[Warehouse, dict], tmp_path: Path
) -> None:
    """The ledger of recorded dates runs after the recorders: a backfill that fails part-way
    (here: a damaged revenue table, after the changes were written) records no date, and the
    changes it wrote are not history. Run again for fewer months (as a build whose as-of date
    moved on would), it removes the rows of the dates it no longer records, writes the others
    afresh, and the history is what an unbroken backfill of those months records."""
    warehouse = history[0].copy_to(tmp_path)
    unbroken = history[0].copy_to(tmp_path / "unbroken")
    state_before = warehouse.query("select * from marts.customer_segments order by customer_key")
    versions_before = warehouse.query(VERSIONS)
    clean = backfill(unbroken, "--from", "2025-11", "--to", "2025-12")
    assert clean.returncode == 0, clean.stderr
    warehouse.execute("alter table intermediate.int_segment_history__period_revenue rename column revenue to damaged")
    failed = backfill(warehouse, "--from", "2025-11", "--to", "2026-01")
    assert failed.returncode == 2
    assert "backfill: refused:" in failed.stderr and "int_segment_history__period_revenue" in failed.stderr
    assert recorded_dates(warehouse) == list(MONTHS)
    orphans = "select distinct cast(as_of_date as varchar) from intermediate.int_segment_history__state_changes"
    assert {day for (day,) in warehouse.query(orphans)} >= {"2025-11-30", "2025-12-31", "2026-01-31"}
    # what reads the history sees only recorded dates
    assert warehouse.dbt("run", "--select", "customer_segment_versions").returncode == 0
    assert warehouse.query(VERSIONS) == versions_before
    # the ledger alone cannot claim the dates its recorders did not write
    alone = warehouse.dbt(
        "run",
        "--select",
        "int_segment_history__recorded_dates",
        env={"CRM_RECORD_HISTORY_MONTH_ENDS": '{"from": "2025-11", "to": "2025-11"}'},
    )
    assert alone.returncode != 0
    assert "int_segment_history__period_revenue has not written 2025-11-30" in plain(alone)
    assert recorded_dates(warehouse) == list(MONTHS)

    warehouse.execute("alter table intermediate.int_segment_history__period_revenue rename column damaged to revenue")
    again = backfill(warehouse, "--from", "2025-11", "--to", "2025-12")
    assert again.returncode == 0, again.stderr
    assert "removing its rows of 3 date(s) never recorded (2025-11-30, 2025-12-31, 2026-01-31)" in again.stdout
    assert "segment history: recording 2 date(s), 2025-11-30 to 2025-12-31" in again.stdout
    assert history_fingerprint(warehouse) == history_fingerprint(unbroken)
    assert warehouse.query(VERSIONS) == unbroken.query(VERSIONS)
    recorded = recorded_dates(warehouse)
    assert warehouse.scalar(
        "select count(distinct as_of_date) from intermediate.int_segment_history__period_revenue"
    ) == len(recorded)
    # the backfill reads the month-end states; the customer-state marts are left as they were
    assert warehouse.query("select * from marts.customer_segments order by customer_key") == state_before
    # the migration mart added the new months' transitions (incremental) and equals a full rebuild
    migration = "select * from marts.segment_migration order by all"
    appended = warehouse.query(migration)
    assert {str(row[1]) for row in appended} == set(recorded[1:])
    rebuilt = warehouse.dbt("run", "--select", "segment_migration", "--full-refresh")
    assert rebuilt.returncode == 0, plain(rebuilt)[-3000:]
    assert warehouse.query(migration) == appended


def test_rebuilding_part_of_the_state_with_another_date_is_caught(
    history: tuple[Warehouse, dict], tmp_path: Path
) -> None:
    """Rebuilding the whole state as of another day is the README's command (its walk-through
    checks every state mart moves together and the history is untouched); rebuilding only part
    of it with another date is caught by the build's own test."""
    warehouse = history[0].copy_to(tmp_path)
    before = history_fingerprint(warehouse)
    partial = warehouse.dbt(
        "run",
        "--select",
        "int_customer_state__as_of",
        "int_customer_state__as_of_slice",
        "customer_lifecycle",
        vars={"as_of_date": "2025-03-31"},
    )
    assert partial.returncode == 0, plain(partial)[-3000:]
    caught = warehouse.dbt("test", "--select", "test_name:is_the_build_as_of_date")
    assert caught.returncode != 0
    failed = re.findall(r"FAIL 1 is_the_build_as_of_date_(\w+)_as_of_date", plain(caught))
    # every as-of mart but the one rebuilt with the new date is caught, each naming itself
    nodes = json.loads((warehouse.work / "target" / "manifest.json").read_text())["nodes"].values()
    tested = {n["attached_node"].split(".")[-1] for n in nodes if ".is_the_build_as_of_date_" in n["unique_id"]}
    assert sorted(failed) == sorted(tested - {"customer_lifecycle"}) and len(tested) > 15, plain(caught)[-3000:]
    assert history_fingerprint(warehouse) == before


def test_an_upgrade_keeps_the_history_the_dbt_snapshot_recorded(
    history: tuple[Warehouse, dict], tmp_path: Path
) -> None:
    """Earlier versions of the project kept the history in a dbt snapshot (schema snapshots, the
    columns dbt snapshot writes). A warehouse that has only those tables keeps its history: the
    next build adopts them and records its as-of date on top, as if it had always been here."""
    upgraded = history[0].copy_to(tmp_path / "upgraded")
    current = history[0].copy_to(tmp_path / "current")
    tracked = "abc_class, profit_decile, rfm_segment, lifecycle_stage, loyalty_tier"
    upgraded.execute(
        "create schema snapshots",
        "create table snapshots.segment_history_periods (as_of_date date primary key, recorded_at timestamp)",
        "insert into snapshots.segment_history_periods "
        "select as_of_date, recorded_at from intermediate.int_segment_history__recorded_dates",
        f"""create table snapshots.customer_segments_snapshot as
        select customer_key, valid_from_date as as_of_date, cast(valid_from_date as timestamp) as as_of_at, {tracked},
            md5(customer_key || '|' || cast(cast(valid_from_date as timestamp) as varchar)) as dbt_scd_id,
            cast(valid_from_date as timestamp) as dbt_updated_at, cast(valid_from_date as timestamp) as dbt_valid_from,
            cast(valid_to_date as timestamp) as dbt_valid_to
        from marts.customer_segment_versions""",
        # the period revenue kept its name and columns: an upgrade carries on appending to it
        *FORGET[:2],
    )
    for warehouse in (upgraded, current):
        built = warehouse.dbt("build", "--select", TO_RECORD, "--exclude", *NO_TESTS)
        assert built.returncode == 0, plain(built)[-3000:]
    assert recorded_dates(upgraded) == [*MONTHS, "2026-10-31"]
    assert history_fingerprint(upgraded) == history_fingerprint(current)
    assert upgraded.query(VERSIONS) == current.query(VERSIONS)
    # the adopted dates keep when they were recorded
    assert upgraded.query(
        "select recorded_at from intermediate.int_segment_history__recorded_dates where as_of_date < '2026-01-01' "
        "order by as_of_date"
    ) == current.query(
        "select recorded_at from intermediate.int_segment_history__recorded_dates where as_of_date < '2026-01-01' "
        "order by as_of_date"
    )
    # --rebuild drops the old tables too
    rebuilt = backfill(upgraded, "--rebuild", "--from", "2025-07", "--to", "2025-08")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert upgraded.scalar("select count(*) from information_schema.tables where table_schema = 'snapshots'") == 0
