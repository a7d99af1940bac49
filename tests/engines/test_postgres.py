"""The same project on PostgreSQL: the small data set built there (`dbt build`, every data and
unit test) and on DuckDB, and every mart compared, row for row.

DuckDB is built with clv_fit: false, as PostgreSQL runs no dbt Python models (the CLV marts say
not_fitted on both; see README, "Running on Spark or PostgreSQL"). Run by `make test-postgres`, which
installs dbt-postgres; a throwaway server is started in a temporary folder and removed after.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import duckdb
import pytest

from conftest import (  # noqa: F401
    BUILD_TIME_COLUMNS,
    NO_TESTS,
    PER_CUSTOMER,
    DataSet,
    Warehouse,
    backfill_after_the_first_build,
    build_twice,
    name_pairs,
    row_differences,
    small_data,
)
from crm_warehouse.benchmark import hold_back_last_lines
from crm_warehouse.engines.local_postgres import LocalPostgres, start, stop
from crm_warehouse.engines.postgres import connect
from test_readme import run_section


@pytest.fixture(scope="module")
def server() -> LocalPostgres:
    # not under pytest's own temporary folder: the server's account must be able to reach it
    folder = Path(tempfile.mkdtemp(prefix="crm-test-postgres-"))
    started = start(folder)
    SERVER.update(started.env)
    yield started
    stop(folder)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, small_data: DataSet, server: LocalPostgres) -> dict:  # noqa: F811
    """The small data built on DuckDB (without the CLV fit) and on PostgreSQL, each first without
    its latest 2% of lines and then again after they arrive as a daily batch; after the first
    build, the backfill records every month-end in the segment history, on each engine."""
    work = tmp_path_factory.mktemp("engines")
    initial, batch = work / "initial", work / "batch"
    hold_back_last_lines(small_data.path, initial, batch, 0.02)
    duck = Warehouse(work / "duckdb.duckdb", work / "duckdb")
    duck_options = {
        "options": ["--exclude", *NO_TESTS],
        "vars": {"clv_fit": False},
        "after_build": backfill_after_the_first_build(),
    }
    duck_seconds = build_twice(duck, initial, batch, duck_options)
    landing = Warehouse(work / "landing.duckdb", work / "postgres")
    postgres = {
        "options": ["--target", "postgres"],
        "env": server.env,
        "load": ["--engine", "postgres"],
        "after_build": backfill_after_the_first_build("--target", "postgres", env=server.env, leave_unrecorded=True),
    }
    pg_seconds = build_twice(landing, initial, batch, postgres)
    results = json.loads((landing.work / "target" / "run_results.json").read_text())["results"]
    print(
        f"dbt build on PostgreSQL ({len(results)} nodes: models, seeds and every test): {pg_seconds:.1f} s; "
        f"the same data's models on DuckDB: {duck_seconds:.1f} s"
    )
    return {"duckdb": duck, "server": server}


def marts(warehouse: Warehouse) -> dict[str, list[str]]:
    columns: dict[str, list[str]] = {}
    for table, column in warehouse.query(
        "select table_name, column_name from information_schema.columns where table_schema = 'marts' "
        "order by table_name, ordinal_position"
    ):
        if column not in BUILD_TIME_COLUMNS:
            columns.setdefault(table, []).append(column)
    return columns


SERVER: dict[str, str] = {}  # the running server's settings, set by the server fixture


def postgres_rows(sql: str) -> list[tuple]:
    con = connect(SERVER)
    try:
        cursor = con.cursor()
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        con.close()


def test_the_raw_tables_reach_postgres_whole(builds: dict, small_data: DataSet) -> None:  # noqa: F811
    duck: Warehouse = builds["duckdb"]
    for table, rows in small_data.summary["row_counts"].items():
        assert (
            postgres_rows(f"select count(*) from raw.{table}")[0][0]
            == rows
            == duck.scalar(f"select count(*) from raw.{table}")
        ), table
    raw_money = (
        duckdb.connect()
        .execute(f"select sum(quantity * unit_price) from '{small_data.path / 'transactions.parquet'}'")
        .fetchone()[0]
    )
    assert postgres_rows("select sum(quantity * unit_price) from raw.transactions")[0][0] == raw_money
    assert postgres_rows("select count(distinct _batch_id) from raw.transactions")[0][0] == 2


def test_every_mart_has_the_same_rows_and_money_to_the_cent(builds: dict) -> None:
    duck: Warehouse = builds["duckdb"]
    tables = marts(duck)
    assert len(tables) >= 28
    for table, columns in tables.items():
        money = [
            c
            for c, t in duck.query(
                "select column_name, data_type from information_schema.columns where table_schema = 'marts' "
                f"and table_name = '{table}'"
            )
            if t.startswith("DECIMAL") and c in columns
        ]
        sums = ", ".join(["count(*)"] + [f'sum("{c}")' for c in money])
        assert (
            duck.query(f'select {sums} from marts."{table}"')[0]
            == postgres_rows(f'select {sums} from marts."{table}"')[0]
        ), table


def test_deciles_classes_and_stages_are_the_same_per_customer(builds: dict) -> None:
    duck: Warehouse = builds["duckdb"]
    for table, columns in PER_CUSTOMER.items():
        names = ", ".join(["customer_key", *columns])
        ours = dict((row[0], row[1:]) for row in duck.query(f"select {names} from marts.{table}"))
        theirs = dict((row[0], row[1:]) for row in postgres_rows(f"select {names} from marts.{table}"))
        assert len(ours) > 500 and ours == theirs, table


def test_every_mart_is_the_same_row_for_row(builds: dict) -> None:
    duck: Warehouse = builds["duckdb"]
    differences = {}
    for table, columns in marts(duck).items():
        select = "select " + ", ".join(f'"{c}"' for c in columns) + f' from marts."{table}"'
        difference = row_differences(columns, duck.query(select), postgres_rows(select))
        if difference:
            differences[table] = difference
    assert differences == {}


def test_the_segment_history_has_what_duckdb_recorded(builds: dict) -> None:
    """The backfill recorded every month-end on PostgreSQL too, and the build after the batch its
    as-of date: the same recorded dates and changes as on DuckDB (the versions and history marts
    are compared with every other mart)."""
    duck: Warehouse = builds["duckdb"]
    for select in (
        "select as_of_date from intermediate.int_segment_history__recorded_dates",
        "select customer_key, abc_class, profit_decile, rfm_segment, lifecycle_stage, loyalty_tier, as_of_date "
        "from intermediate.int_segment_history__state_changes",
    ):
        ours = sorted(duck.query(select), key=repr)
        assert sorted(postgres_rows(select), key=repr) == ours, select
        assert len(ours) > 12, select


def test_the_string_functions_are_duckdbs_on_the_customers_names(builds: dict, small_data: DataSet) -> None:  # noqa: F811
    """PL/pgSQL Jaro-Winkler and Damerau-Levenshtein against DuckDB's own, on every pair of
    last names that share a postal code in the test data, and on random strings with
    multi-byte characters (both count bytes) and nulls."""
    names, expected = name_pairs(small_data)
    values = ", ".join(f"({n}, %s, %s)" for n in range(len(names)))
    pg = connect(SERVER)
    try:
        cursor = pg.cursor()
        cursor.execute(
            f"select n, public.crm_jaro_winkler(a, b), public.crm_damerau_levenshtein(a, b) from (values {values}) "
            "as pairs (n, a, b) order by n",
            [value for pair in names for value in pair],
        )
        assert cursor.fetchall() == expected
    finally:
        pg.close()


def test_the_readme_commands_run_as_written(tmp_path: Path) -> None:
    """The README's PostgreSQL commands as written (its eval sets the server's settings)."""
    commands, _ = run_section("PostgreSQL", tmp_path)
    assert any("--engine postgres" in c for c in commands) and commands[-1].endswith("stop /tmp/crm-pg")
    assert not Path("/tmp/crm-pg").exists(), "the README's last command stops and removes the server"
