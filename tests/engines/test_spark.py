"""The project on Spark: the small data set loaded into a local Spark session (Hive metastore
and tables in a temporary folder) and built there, and on DuckDB, each first without its latest
2% of lines and then again after they arrive as a daily batch, and every seed, staging model and
mart compared row for row. On Spark the first build builds the models only and every data and
unit test runs once, in the build after the batch (the final state the comparison reads): a
node costs seconds there, where DuckDB runs its tests in both builds.

Both engines record the segment history as `make run` does: every month-end with the backfill
after the first build, then the as-of date of the build after the batch. DuckDB is built with
clv_fit: false, as the local Spark session runs no dbt Python models (the CLV marts say
not_fitted on both). Run by `make test-spark`, which installs dbt-spark and pyspark. What
differs on Spark is listed in the README, "Running on Spark or PostgreSQL".
"""

from __future__ import annotations

import datetime as dt
import json

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
    plain,
    row_differences,
    small_data,
)
from crm_warehouse.benchmark import hold_back_last_lines
from crm_warehouse.engines.spark import session
from crm_warehouse.loader.contract import CONTRACT

NO_CLV_FIT = {"clv_fit": False}
# what the segment history keeps, compared between the engines (recorded_at is wall-clock time)
RECORDED = {
    "intermediate.int_segment_history__recorded_dates": ["as_of_date"],
    "intermediate.int_segment_history__state_changes": [
        "customer_key",
        "abc_class",
        "profit_decile",
        "rfm_segment",
        "lifecycle_stage",
        "loyalty_tier",
        "as_of_date",
    ],
}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, small_data: DataSet) -> dict:  # noqa: F811
    work = tmp_path_factory.mktemp("spark")
    initial, batch = work / "initial", work / "batch"
    hold_back_last_lines(small_data.path, initial, batch, 0.02)
    env = {"CRM_SPARK_DIR": str(work / "spark"), "SPARK_LOCAL_IP": "127.0.0.1"}
    duck = Warehouse(work / "duckdb.duckdb", work / "duckdb")
    duck_options = {"vars": NO_CLV_FIT, "after_build": backfill_after_the_first_build()}
    duck_seconds = build_twice(duck, initial, batch, duck_options)
    landing = Warehouse(work / "landing.duckdb", work / "on-spark")
    spark = {
        "options": ["--target", "spark"],
        "first_build": ["--exclude", *NO_TESTS],
        "env": env,
        "load": ["--engine", "spark"],
        "after_build": backfill_after_the_first_build("--target", "spark", env=env, leave_unrecorded=True),
    }
    seconds = build_twice(landing, initial, batch, spark)
    results = json.loads((landing.work / "target" / "run_results.json").read_text())["results"]
    print(
        f"first dbt build on Spark (the models): {seconds:.1f} s (session start included); the build after the "
        f"batch ran {len(results)} nodes, every data and unit test; DuckDB's first build, models and tests: "
        f"{duck_seconds:.1f} s (each without the backfill)"
    )
    return {"duckdb": duck, "env": env, "results": results, "refused": refuse_an_earlier_as_of_date(landing, duck, env)}


def refuse_an_earlier_as_of_date(landing: Warehouse, duck: Warehouse, env: dict) -> tuple[str, str]:
    """The as-of date rebuilt 40 days before the latest recorded one, then the recorded history
    on Spark: returns the expected refusal and dbt's output. Run here, before this process opens
    a Spark session of its own (its embedded metastore then locks out a dbt process).
    test_the_segment_history_has_what_duckdb_recorded then shows it recorded nothing."""
    latest = max(d for (d,) in duck.query("select as_of_date from intermediate.int_segment_history__recorded_dates"))
    earlier = latest - dt.timedelta(days=40)
    refused = landing.dbt(
        "run",
        "--target",
        "spark",
        "--select",
        "int_customer_state__as_of",
        "int_segment_history__recorded_dates",
        vars={"as_of_date": str(earlier)},
        env=env,
    )
    assert refused.returncode != 0
    return (
        f"history is append-only: {earlier} is before the latest recorded as-of date {latest} and is not recorded",
        plain(refused),
    )


def spark_rows(env: dict, *statements: str) -> list[list[tuple]]:
    with session(env) as spark:
        return [[tuple(row) for row in spark.sql(sql).collect()] for sql in statements]


def compared(duck: Warehouse) -> dict[str, list[str]]:
    """The seeds (schema raw, not the loader's tables), staging views and marts built on both
    engines, with their columns."""
    columns: dict[str, list[str]] = {}
    for schema, table, column in duck.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('staging', 'marts') or (table_schema = 'raw' and table_name not in "
        f"({', '.join(repr(name) for name in CONTRACT)}) and table_name not like '\\_%' escape '\\') "
        "order by table_schema, table_name, ordinal_position"
    ):
        if column not in BUILD_TIME_COLUMNS:
            columns.setdefault(f"{schema}.{table}", []).append(column)
    return columns


@pytest.fixture(scope="module")
def spark_tables(builds: dict) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every compared table's columns and rows on Spark, read in one Spark session."""
    tables = compared(builds["duckdb"])
    selects = ["select " + ", ".join(f"`{c}`" for c in cols) + f" from {t}" for t, cols in tables.items()]
    return {
        table: (columns, rows)
        for (table, columns), rows in zip(tables.items(), spark_rows(builds["env"], *selects), strict=True)
    }


def test_every_node_ran_with_its_tests(builds: dict) -> None:
    """Every model DuckDB builds, the segment history's included, with its tests."""
    results = builds["results"]
    kinds = {r["unique_id"].split(".")[0] for r in results}
    # operation: the on-run hooks; exposures and saved queries (MetricFlow's) are listed as no-op
    assert kinds == {"operation", "seed", "model", "test", "unit_test", "exposure", "saved_query"}
    listed = ("exposure.", "saved_query.")
    assert all(r["status"] == "no-op" for r in results if r["unique_id"].startswith(listed))
    built = [r for r in results if not r["unique_id"].startswith(listed)]
    assert all(r["status"] in ("success", "pass", "warn") for r in built)
    models = {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")}
    manifest = json.loads((builds["duckdb"].work / "target" / "manifest.json").read_text())
    duck = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] != "ephemeral"
    }
    assert models == duck
    assert {"int_segment_history__state_changes", "customer_segment_versions", "segment_migration"} <= models
    assert len(models) >= 48
    assert sum(r["unique_id"].startswith("unit_test.") for r in results) >= 20


def test_every_seed_staging_model_and_mart_is_the_same_row_for_row(
    builds: dict,
    spark_tables: dict,
    small_data: DataSet,  # noqa: F811
) -> None:
    duck: Warehouse = builds["duckdb"]
    assert sum(t.startswith("marts.") for t in spark_tables) >= 26
    differences, rows_compared = {}, 0
    for table, (columns, theirs) in spark_tables.items():
        ours = duck.query("select " + ", ".join(f'"{c}"' for c in columns) + f" from {table}")
        rows_compared += len(ours)
        difference = row_differences(columns, ours, theirs)
        if difference:
            differences[table] = difference
    assert differences == {}
    # every line is staged once and lands in the fact or the quarantine (nothing is lost), and
    # other tables are compared besides: more than twice the lines of the data set
    assert rows_compared > 2 * small_data.summary["row_counts"]["transactions"]


def test_every_mart_has_the_same_rows_and_money_to_the_cent(builds: dict, spark_tables: dict) -> None:
    duck: Warehouse = builds["duckdb"]
    for table, (columns, theirs) in spark_tables.items():
        if not table.startswith("marts."):
            continue
        money = [
            i
            for i, (c, t) in enumerate(
                duck.query(
                    "select column_name, data_type from information_schema.columns where table_schema = 'marts' "
                    f"and table_name = '{table.split('.')[1]}' order by ordinal_position"
                )
            )
            if t.startswith("DECIMAL") and c in columns
        ]
        names = [c for c in columns]
        sums = ", ".join(["count(*)"] + [f'sum("{names[i]}")' for i in money])
        mine = duck.query(f"select {sums} from {table}")[0]
        at = [columns.index(names[i]) for i in money]
        totals = (len(theirs), *(sum(row[i] for row in theirs if row[i] is not None) for i in at))
        assert tuple(0 if v is None else v for v in mine) == totals, table


def test_deciles_classes_and_stages_are_the_same_per_customer(builds: dict, spark_tables: dict) -> None:
    duck: Warehouse = builds["duckdb"]
    for table, wanted in PER_CUSTOMER.items():
        columns, rows = spark_tables[f"marts.{table}"]
        at = [columns.index(c) for c in ["customer_key", *wanted]]
        theirs = {row[at[0]]: tuple(row[i] for i in at[1:]) for row in rows}
        names = ", ".join(["customer_key", *wanted])
        ours = dict((row[0], row[1:]) for row in duck.query(f"select {names} from marts.{table}"))
        assert len(ours) > 500 and ours == theirs, table


def test_the_string_functions_are_duckdbs_on_the_customers_names(builds: dict, small_data: DataSet) -> None:  # noqa: F811
    """Jaro-Winkler and Damerau-Levenshtein in Spark SQL equal DuckDB's to the bit: on the last
    names that share a postal code (the pairs identity resolution compares), on random
    strings with accents, capitals, spaces and empty strings, and on nulls."""
    names, expected = name_pairs(small_data)
    with session(builds["env"]) as spark:  # the functions the build created in the target schema
        rows = [(n, a, b) for n, (a, b) in enumerate(names)]
        spark.createDataFrame(rows, "n int, a string, b string").createOrReplaceTempView("pairs")
        got = [
            tuple(row)
            for row in spark.sql(
                "select n, main.crm_jaro_winkler(a, b), main.crm_damerau_levenshtein(a, b) from pairs order by n"
            ).collect()
        ]
    assert got == expected


def test_the_build_ledger_records_the_spark_build(builds: dict) -> None:
    """Spark has no UPDATE without Delta: the end of each build overwrites its own partition."""
    (rows,) = spark_rows(
        builds["env"], "select command, status, failed_node_count from meta.dbt_invocations order by started_at"
    )
    # the first build, the backfill's run, the state changes run alone (a date the ledger never
    # records), the build after the batch, and the run refused for its earlier as-of date
    assert rows == [
        ("build", "success", 0),
        ("run", "success", 0),
        ("run", "success", 0),
        ("build", "success", 0),
        ("run", "failed", 1),
    ]


def test_the_segment_history_has_what_duckdb_recorded(builds: dict) -> None:
    """The dates and changes Spark recorded (the backfill after the first build, then the as-of
    date of the second) are those DuckDB recorded, and nothing from the refused earlier as-of
    date; the versions and history marts are compared with every other mart."""
    duck: Warehouse = builds["duckdb"]
    selects = [f"select {', '.join(columns)} from {table}" for table, columns in RECORDED.items()]
    spark_recorded = spark_rows(builds["env"], *selects)
    for select, theirs in zip(selects, spark_recorded, strict=True):
        ours = duck.query(select)
        assert sorted(map(repr, theirs)) == sorted(map(repr, ours)), select
    dates, changes = spark_recorded
    customers = duck.scalar("select count(distinct customer_key) from marts.customer_segment_versions")
    # every month-end of the data and the second build's as-of date; every customer has a
    # first version, and many changed since
    assert len(dates) > 12 and len(changes) > customers > 500


def test_the_state_grid_is_incremental_by_partition(builds: dict) -> None:
    """The build after the batch overwrote only the partitions of the dates whose inputs
    changed and dropped the first build's as-of date: the grid has DuckDB's state dates, each
    computed by the same build as on DuckDB (the first or the second)."""
    grid = "intermediate.int_customer_state__grid"
    by_build = (
        "select state_date, dense_rank() over (order by state_computed_at) "
        f"from (select distinct state_date, state_computed_at from {grid}) as slices"
    )
    (theirs,) = spark_rows(builds["env"], by_build)
    ours = builds["duckdb"].query(by_build)
    assert sorted(theirs) == sorted(ours)
    assert {n for _, n in ours} == {1, 2} and sum(n == 1 for _, n in ours) > 12


def test_an_as_of_date_before_the_recorded_history_is_refused(builds: dict) -> None:
    """History is append-only on Spark too, with DuckDB's message."""
    message, output = builds["refused"]
    assert message in output, output[-3000:]
