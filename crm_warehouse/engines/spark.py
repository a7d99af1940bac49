"""The raw tables on Spark: the loader checks and types the files in DuckDB as always (the
landing warehouse), then this writes its whole raw schema as Spark tables (Parquet files in the
Spark warehouse folder, registered in its Hive metastore) for the dbt target `spark`.

The Spark session is started with the settings of that target in profiles.yml, so the loader and
dbt see the same catalogue: CRM_SPARK_DIR (default spark/, the tables and the metastore),
CRM_SPARK_MASTER (local[2]) and CRM_SPARK_MEMORY (4g).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import yaml

from crm_warehouse.engines.postgres import EngineError, raw_tables
from crm_warehouse.loader.contract import RAW_SCHEMA

REPO = Path(__file__).resolve().parents[2]


def session_settings(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The Spark settings of the `spark` target in profiles.yml, with its env_var() calls read
    from the environment (or env) as dbt reads them."""
    env = os.environ if env is None else env
    profile = yaml.safe_load((REPO / "profiles.yml").read_text())
    parameters = profile["crm_warehouse"]["outputs"]["spark"]["server_side_parameters"]

    def env_var(name: str, default: str | None = None) -> str:
        if name in env:
            return env[name]
        if default is None:
            raise EngineError(f"profiles.yml needs the environment variable {name} for the spark target")
        return default

    render = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return {key: render.from_string(str(value)).render(env_var=env_var) for key, value in parameters.items()}


@contextmanager
def session(env: Mapping[str, str] | None = None) -> Iterator[Any]:
    """A local Spark session with the dbt target's settings (as dbt-spark's session method starts it)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineError(
            "Spark needs dbt-spark and pyspark in .venv: `make test-spark` installs them, or "
            "`.venv/bin/pip install -r requirements-spark.txt`"
        ) from exc
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in {**session_settings(env), "spark.sql.ansi.enabled": "false"}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def mirror_raw(warehouse: Path, env: Mapping[str, str] | None = None) -> list[str]:
    """Replace the raw schema on Spark with the landing warehouse's, table by table (Parquet
    written by DuckDB, read by Spark); timestamps become Spark's `timestamp` in UTC, as the
    session's time zone is UTC. Returns a line per table."""
    landing = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = raw_tables(landing)
        with tempfile.TemporaryDirectory(prefix="crm-spark-") as folder, session(env) as spark:
            spark.sql(f"create database if not exists {RAW_SCHEMA}")
            report = []
            for table, columns in tables.items():
                path = Path(folder) / f"table-{table}.parquet"  # Spark skips files named _*
                landing.execute(f"copy {RAW_SCHEMA}.\"{table}\" to '{path}' (format parquet)")
                select = ", ".join(
                    f"cast(`{name}` as timestamp) as `{name}`" if data_type == "TIMESTAMP" else f"`{name}`"
                    for name, data_type in columns
                )
                spark.sql(f"drop table if exists {RAW_SCHEMA}.`{table}`")
                spark.sql(f"create table {RAW_SCHEMA}.`{table}` using parquet as select {select} from parquet.`{path}`")
                rows = spark.sql(f"select count(*) from {RAW_SCHEMA}.`{table}`").collect()[0][0]
                report.append(f"{table}: {rows:,} rows written to Spark {RAW_SCHEMA}.{table}")
            return report
    finally:
        landing.close()
