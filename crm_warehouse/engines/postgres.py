"""The raw tables on PostgreSQL: the loader checks and types the files in DuckDB as always (the
landing warehouse), then this copies its whole raw schema to the PostgreSQL database the dbt
target `postgres` builds from, in one transaction, with the same column types.

Connection settings are the profile's environment variables: CRM_PG_HOST (127.0.0.1),
CRM_PG_PORT (5432), CRM_PG_USER (postgres), CRM_PG_PASSWORD, CRM_PG_DATABASE (crm).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.loader.contract import RAW_SCHEMA

# DuckDB's types of the raw contract and the loader's columns, as PostgreSQL spells them
TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
}


class EngineError(Exception):
    """The other engine cannot be reached or written; the message says which and why."""


def settings(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """psycopg2 connection keywords from the environment (or env), as profiles.yml reads them."""
    env = os.environ if env is None else env
    return {
        "host": env.get("CRM_PG_HOST", "127.0.0.1"),
        "port": int(env.get("CRM_PG_PORT", "5432")),
        "user": env.get("CRM_PG_USER", "postgres"),
        "password": env.get("CRM_PG_PASSWORD", ""),
        "dbname": env.get("CRM_PG_DATABASE", "crm"),
    }


def connect(env: Mapping[str, str] | None = None) -> Any:
    try:
        import psycopg2
    except ImportError as exc:
        raise EngineError(
            "PostgreSQL needs dbt-postgres (and psycopg2) in .venv: `make test-postgres` installs them, or "
            "`.venv/bin/pip install -r requirements-postgres.txt`"
        ) from exc
    where = settings(env)
    try:
        return psycopg2.connect(**where)
    except psycopg2.Error as exc:
        raise EngineError(
            f"cannot connect to PostgreSQL at {where['host']}:{where['port']} as {where['user']}, database "
            f"{where['dbname']} (set CRM_PG_HOST, CRM_PG_PORT, CRM_PG_USER, CRM_PG_PASSWORD, CRM_PG_DATABASE): "
            f"{str(exc).strip()}"
        ) from exc


def pg_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.lower()
    if duckdb_type not in TYPES:
        raise EngineError(f"raw column type {duckdb_type} has no PostgreSQL counterpart here; add it to TYPES")
    return TYPES[duckdb_type]


def raw_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position",
        [RAW_SCHEMA],
    ).fetchall():
        tables.setdefault(table, []).append((column, data_type))
    return tables


def mirror_raw(warehouse: Path) -> list[str]:
    """Replace the raw schema on PostgreSQL with the landing warehouse's, whole, in one
    transaction (a failure leaves the previous raw tables); returns a line per table."""
    landing = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = raw_tables(landing)
        target = connect()
        try:
            cursor = target.cursor()
            cursor.execute(f"drop schema if exists {RAW_SCHEMA} cascade; create schema {RAW_SCHEMA}")
            report = []
            for table, columns in tables.items():
                ddl = ", ".join(f'"{name}" {pg_type(data_type)}' for name, data_type in columns)
                cursor.execute(f'create table {RAW_SCHEMA}."{table}" ({ddl})')
                rows = copy_table(landing, cursor, table, [name for name, _ in columns])
                report.append(f"{table}: {rows:,} rows copied to PostgreSQL {RAW_SCHEMA}.{table}")
            target.commit()
            return report
        finally:
            target.close()
    finally:
        landing.close()


def copy_table(landing: duckdb.DuckDBPyConnection, cursor: Any, table: str, columns: list[str]) -> int:
    """COPY one table as CSV, written by DuckDB: an unquoted empty field is null and a quoted one
    an empty string, in both DuckDB's writer and PostgreSQL's reader."""
    names = ", ".join(f'"{name}"' for name in columns)
    with tempfile.TemporaryDirectory(prefix="crm-pg-") as folder:
        path = Path(folder) / f"{table}.csv"
        target = "'" + str(path).replace("'", "''") + "'"
        landing.execute(f'copy (select {names} from {RAW_SCHEMA}."{table}") to {target} (format csv, header false)')
        with path.open(encoding="utf-8") as handle:
            cursor.copy_expert(f'copy {RAW_SCHEMA}."{table}" ({names}) from stdin with (format csv)', handle)
    return int(cursor.rowcount)
