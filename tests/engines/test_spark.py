"""The project on Spark, as far as it is ported: the small data set loaded into a local Spark
session (Hive metastore and tables in a temporary folder), the `spark_ported` selector built
there (seeds and the CRM staging models, with their data and unit tests) and on DuckDB, and every
staging model and seed compared, row for row, with the build ledger written without UPDATE.

Run by `make test-spark`, which installs dbt-spark and pyspark. What is not ported yet is listed
in the README, "Running on Spark".
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from conftest import DataSet, Warehouse, keyed, plain, same_value, script, small_data  # noqa: F401
from crm_warehouse.engines.spark import session
from test_readme import run_section

SELECTOR = ["--selector", "spark_ported"]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, small_data: DataSet) -> dict:  # noqa: F811
    work = tmp_path_factory.mktemp("spark")
    env = {"CRM_SPARK_DIR": str(work / "spark"), "SPARK_LOCAL_IP": "127.0.0.1"}
    duck = Warehouse(work / "duckdb.duckdb", work / "duckdb")
    landing = Warehouse(work / "landing.duckdb", work / "on-spark")
    for warehouse, engine in ((duck, []), (landing, ["--engine", "spark"])):
        loaded = script(
            "scripts/load_raw.py", str(small_data.path), "--warehouse", str(warehouse.path), *engine, env=env
        )
        assert loaded.returncode == 0, loaded.stderr[-3000:]
    started = time.perf_counter()
    assert duck.dbt("build", *SELECTOR).returncode == 0
    duck_seconds = time.perf_counter() - started
    started = time.perf_counter()
    built = landing.dbt("build", *SELECTOR, "--target", "spark", env=env)
    seconds = time.perf_counter() - started
    assert built.returncode == 0, plain(built)[-6000:]
    results = json.loads((landing.work / "target" / "run_results.json").read_text())["results"]
    print(
        f"dbt build --selector spark_ported ({len(results)} nodes): Spark {seconds:.1f} s, DuckDB {duck_seconds:.1f} s"
    )
    return {"duckdb": duck, "env": env, "results": results}


def spark_rows(env: dict, *statements: str) -> list[list[tuple]]:
    with session(env) as spark:
        return [[tuple(row) for row in spark.sql(sql).collect()] for sql in statements]


def ported(duck: Warehouse) -> dict[str, list[str]]:
    """The seeds (schema raw, not the loader's tables) and staging views, with their columns."""
    columns: dict[str, list[str]] = {}
    for schema, table, column in duck.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema = 'staging' or (table_schema = 'raw' and table_name not in "
        "('customers', 'products', 'transactions', 'interactions') and table_name not like '\\_%' escape '\\') "
        "order by table_schema, table_name, ordinal_position"
    ):
        columns.setdefault(f"{schema}.{table}", []).append(column)
    return columns


def test_every_ported_node_ran_with_its_tests(builds: dict) -> None:
    results = builds["results"]
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert kinds == {"operation", "seed", "model", "test", "unit_test"}  # operation: the on-run hooks
    assert all(r["status"] in ("success", "pass", "warn") for r in results)
    assert sum(r["unique_id"].startswith("model.") for r in results) == 4
    assert sum(r["unique_id"].startswith("unit_test.") for r in results) >= 2


def test_seeds_and_staging_are_the_same_row_for_row(builds: dict) -> None:
    duck: Warehouse = builds["duckdb"]
    tables = ported(duck)
    assert len(tables) >= 17, sorted(tables)
    selects = {t: "select " + ", ".join(f"`{c}`" for c in cols) + f" from {t}" for t, cols in tables.items()}
    theirs_all = spark_rows(builds["env"], *selects.values())
    differences, compared = {}, 0
    for (table, select), theirs_rows in zip(selects.items(), theirs_all, strict=True):
        ours, theirs = keyed(duck.query(select.replace("`", '"'))), keyed(theirs_rows)
        compared += sum(map(len, ours.values()))
        if set(ours) != set(theirs):
            only = set(ours) ^ set(theirs)
            differences[table] = f"{len(only)} rows only on one engine, e.g. {next(iter(only))!r}"[:300]
            continue
        for key, rows in ours.items():
            for left, right in zip(sorted(rows, key=repr), sorted(theirs[key], key=repr), strict=True):
                if not all(same_value(a, b) for a, b in zip(left, right, strict=True)):
                    differences[table] = f"{left} vs {right}"[:300]
    assert differences == {}
    assert compared > 30000  # the staged transactions alone are 30,000


def test_the_build_ledger_records_the_spark_build(builds: dict) -> None:
    """Spark has no UPDATE without Delta: the end of the build overwrites its own partition."""
    (rows,) = spark_rows(builds["env"], "select command, status, failed_node_count from meta.dbt_invocations")
    assert rows == [("build", "success", 0)]


def test_the_readme_commands_run_as_written(tmp_path: Path) -> None:
    """The README's "Running on Spark" block as written, on a copy of the repo."""
    commands, _ = run_section("Running on Spark", tmp_path)
    assert any("--engine spark" in c for c in commands) and "--selector spark_ported" in commands[-1]
    assert (tmp_path / "repo" / "spark" / "warehouse").is_dir(), "the tables are in CRM_SPARK_DIR's default, spark/"
