#!/usr/bin/env python3
"""Load raw CRM files (CSV or Parquet) that follow the raw contract into schema ``raw``.

The contract names four tables and their columns (see the README). Every file is read whole
and checked before anything is written: an unexpected or missing file, an empty file, a row
with more or fewer fields than the header, a missing required column, a value that cannot
be cast or does not fit the contract type, a number in text that is not written plainly in
digits (2.5 or 0x10 for a whole number: never rounded or reinterpreted), a money value with
more than 4 decimals, a negative cost or price, an empty key, an unknown enum value, text with
a control character or longer than 1,000 characters, or a Parquet column named twice in
different case stops the load with an error that names the file, the column, an example row
and the count of bad values. The writes then
happen in one transaction, so a failed load leaves the warehouse as it was.

CSV files are parsed as standard CSV (RFC 4180: double quotes, doubled to escape) with the
delimiter taken from the header line (comma, semicolon, tab or pipe), never guessed from a
sample of rows. Without ``--append`` the raw tables are replaced; a file with a header but
no rows is refused unless ``--allow-empty TABLE`` says the table really is empty. With
``--append`` the files are added as a new batch; a file whose rows were already loaded into
the same table (same parsed content, whatever its format, compression or row order) is
skipped, so re-running an append never duplicates rows. Extra columns are kept.

Time zones: a timestamp that carries a zone (a Parquet TIMESTAMPTZ column, or text ending in Z
or an offset such as +05:00) is converted to --time-zone (UTC unless said otherwise), never to
the zone of the machine that runs the loader; a timestamp without a zone is taken as written.
An append must use the zone of the batches before it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import duckdb

from crm_warehouse.db import one
from crm_warehouse.loader.contract import (
    BATCH_TABLE,
    CONTRACT,
    META_TYPES,
    RAW_SCHEMA,
    LoadError,
    Table,
    quote,
)
from crm_warehouse.loader.files import discover
from crm_warehouse.loader.staged import StagedFile, empty_table_sql

__all__ = ["CONTRACT", "LoadError", "load", "main"]

LOAD_TIME = "(current_timestamp at time zone 'UTC')"  # the transaction's start, in UTC: one time for the batch


def empty_files(staged: dict[str, StagedFile], append: bool, allow_empty: set[str]) -> list[str]:
    """A full load replaces each table: a file without rows would wipe it, so it must be said on purpose."""
    if append:
        return []
    return [
        f"{s.path.name}: no data rows (only a header); loading it would empty raw.{name}. "
        f"If {name} really is empty, load again with --allow-empty {name}"
        for name, s in staged.items()
        if s.rows == 0 and name not in allow_empty
    ]


def stage(
    con: duckdb.DuckDBPyConnection, files: dict[str, Path], append: bool, allow_empty: set[str], time_zone: str = "UTC"
) -> dict:
    """Every file opened and checked; a LoadError with every problem of every file, or the staged files."""
    staged: dict[str, StagedFile] = {}
    problems: list[str] = []
    for name, path in files.items():
        try:
            staged[name] = StagedFile(con, CONTRACT[name], path, time_zone)
        except LoadError as exc:
            problems.append(str(exc))
            continue
        problems += staged[name].validate()
    if not problems:
        problems = empty_files(staged, append, allow_empty)
    if problems:
        raise LoadError("\n".join(problems))
    return staged


def check_time_zone(con: duckdb.DuckDBPyConnection, time_zone: str) -> None:
    """The time zone must be one DuckDB knows (an IANA name such as UTC or Europe/Berlin)."""
    try:
        con.execute("select timestamptz '2000-01-01 00:00:00+00' at time zone ?", [time_zone]).fetchone()
    except duckdb.Error as exc:
        raise LoadError(
            f"--time-zone {time_zone!r}: not a time zone name; use an IANA name such as UTC, Europe/Berlin "
            "or America/New_York"
        ) from exc


def check_ledger_time_zone(con: duckdb.DuckDBPyConnection, time_zone: str) -> None:
    """An append converts zoned timestamps to the zone of the earlier batches, or its rows would be
    shifted against theirs (and a file loaded before would not be recognised)."""
    exists = one(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [RAW_SCHEMA, BATCH_TABLE],
        )
    )[0]
    if not exists:
        return
    columns = {r[0] for r in con.execute(f"describe {RAW_SCHEMA}.{BATCH_TABLE}").fetchall()}
    if "time_zone" not in columns:
        return
    zones = [
        r[0]
        for r in con.execute(
            f"select distinct time_zone from {RAW_SCHEMA}.{BATCH_TABLE} where time_zone is not null"
        ).fetchall()
    ]
    other = [zone for zone in zones if zone != time_zone]
    if other:
        raise LoadError(
            f"--time-zone {time_zone!r}: the batches loaded before converted timestamps to {other[0]!r}; "
            f"append with --time-zone {other[0]} (or reload everything without --append)"
        )


def prepare_ledger(con: duckdb.DuckDBPyConnection, append: bool) -> None:
    """The batch ledger: which file's rows were loaded into which table, in which batch."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    if not append:
        con.execute(f"drop table if exists {RAW_SCHEMA}.{BATCH_TABLE}")
    con.execute(
        f"create table if not exists {RAW_SCHEMA}.{BATCH_TABLE} (batch_id VARCHAR, table_name VARCHAR, "
        "file_name VARCHAR, content_hash VARCHAR, row_count BIGINT, loaded_at TIMESTAMP, time_zone VARCHAR)"
    )
    batch_columns = {r[0] for r in con.execute(f"describe {RAW_SCHEMA}.{BATCH_TABLE}").fetchall()}
    if "content_sha256" in batch_columns:  # written by loaders before content hashing
        con.execute(f"alter table {RAW_SCHEMA}.{BATCH_TABLE} rename column content_sha256 to content_hash")
    if "time_zone" not in batch_columns:  # written by loaders before the time-zone option
        con.execute(f"alter table {RAW_SCHEMA}.{BATCH_TABLE} add column time_zone VARCHAR")


def already_loaded(con: duckdb.DuckDBPyConnection, table: str, src: StagedFile) -> str | None:
    """Why an appended file adds nothing (no rows, or rows loaded before), or None."""
    if src.rows == 0:
        return f"{table}: {src.path.name} has no data rows, nothing to add"
    seen = con.execute(
        f"select batch_id, file_name from {RAW_SCHEMA}.{BATCH_TABLE} where table_name = ? and content_hash = ?",
        [table, src.content_hash],
    ).fetchone()
    if seen:
        return f"{table}: the rows of {src.path.name} were already loaded from {seen[1]} in batch {seen[0]}, skipped"
    return None


def append_rows(con: duckdb.DuckDBPyConnection, target: str, src: StagedFile, batch_id: str) -> None:
    """Add the file's rows by name, first adding any column the table lacks (new extras, or the
    loader's own columns on a table an older loader wrote)."""
    current = {r[0] for r in con.execute(f"describe {target}").fetchall()}
    missing = {extra: src.source_types[extra] for extra in src.extras} | META_TYPES
    for column, column_type in missing.items():
        if column not in current:
            con.execute(f"alter table {target} add column {quote(column)} {column_type}")
    con.execute(f"insert into {target} by name {src.select_sql(batch_id, LOAD_TIME)}")


def write_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    src: StagedFile | None,
    append: bool,
    batch_id: str,
) -> str | None:
    """One table of the batch written; its report line, or None when there is nothing to say."""
    target = f"{RAW_SCHEMA}.{quote(table.name)}"
    if src is None:
        if append:
            return None
        con.execute(f"create or replace table {target} as {empty_table_sql(table)}")
        return f"{table.name}: no file, created empty"
    if append:
        skipped = already_loaded(con, table.name, src)
        if skipped:
            return skipped
    exists = one(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [RAW_SCHEMA, table.name],
        )
    )[0]
    if append and exists:
        append_rows(con, target, src, batch_id)
    else:
        con.execute(f"create or replace table {target} as {src.select_sql(batch_id, LOAD_TIME)}")
    con.execute(
        f"insert into {RAW_SCHEMA}.{BATCH_TABLE} by name select ? as batch_id, ? as table_name, ? as file_name, "
        f"? as content_hash, ? as row_count, {LOAD_TIME} as loaded_at, ? as time_zone",
        [batch_id, table.name, src.path.name, src.content_hash, src.rows, src.time_zone],
    )
    extras = f" (extra columns kept: {', '.join(src.extras)})" if src.extras else ""
    return f"{table.name}: {src.rows:,} rows from {src.path.name} in batch {batch_id}{extras}"


def load(
    folder: Path,
    warehouse: Path,
    append: bool,
    memory_limit: str | None = None,
    allow_empty: set[str] | frozenset[str] = frozenset(),
    time_zone: str = "UTC",
) -> list[str]:
    """Validate and load; returns the report lines. Raises LoadError and writes nothing on a problem."""
    unknown = sorted(set(allow_empty) - set(CONTRACT))
    if unknown:
        raise LoadError(f"--allow-empty {', '.join(unknown)}: not a table of the raw contract ({', '.join(CONTRACT)})")
    if "'" in warehouse.name or '"' in warehouse.name:
        raise LoadError(
            f"{warehouse}: the warehouse file's name must not contain a quote: dbt-duckdb names the database "
            "after the file and cannot build it; rename the file (a quote in a folder name is fine)"
        )
    if warehouse.stem.lower() in TAKEN_CATALOG_NAMES:
        raise LoadError(
            f"{warehouse}: the warehouse file cannot be named {warehouse.stem}: DuckDB names the database after the "
            f"file, and {warehouse.stem!r} is also the name of a schema or of one of DuckDB's own databases, so "
            "names such as raw.customers become ambiguous; rename the file (e.g. warehouse.duckdb)"
        )
    files = discover(folder, append)
    previous_umask = os.umask(0o077)  # the warehouse and its write-ahead log: owner only
    try:
        con = open_warehouse(warehouse)
    except BaseException:
        os.umask(previous_umask)
        raise
    try:
        if memory_limit:
            con.execute("set memory_limit = ?", [memory_limit])
        check_time_zone(con, time_zone)
        if append:
            check_ledger_time_zone(con, time_zone)
        staged = stage(con, files, append, set(allow_empty), time_zone)
        hashes = "".join(f"{t}:{s.content_hash}" for t, s in sorted(staged.items()))
        batch_id = hashlib.sha256(hashes.encode()).hexdigest()[:16]
        con.execute("begin transaction")
        try:
            prepare_ledger(con, append)
            report = [write_table(con, table, staged.get(table.name), append, batch_id) for table in CONTRACT.values()]
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        return [line for line in report if line]
    finally:
        con.close()
        os.umask(previous_umask)


# A DuckDB file's database is named after the file: these names would clash with the warehouse's
# schemas (raw.customers would be ambiguous) or with DuckDB's own databases.
TAKEN_CATALOG_NAMES = frozenset({"raw", "staging", "intermediate", "marts", "meta", "main", "system", "temp", "memory"})


def open_warehouse(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The build warehouse holds personal data: a folder made for it is 0700 and the file 0600
    (readable by its owner only), an existing file is made 0600 too."""
    missing = [folder for folder in (warehouse.parent, *warehouse.parent.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
    try:
        con = duckdb.connect(str(warehouse))
    except duckdb.Error as exc:
        raise LoadError(f"{warehouse}: cannot open the warehouse (is another process writing to it?): {exc}") from exc
    warehouse.chmod(0o600)
    return con


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "folder", type=Path, help="folder holding customers, products, transactions[, interactions] files"
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path(os.environ.get("CRM_WAREHOUSE_PATH", "warehouse.duckdb")),
        help="DuckDB file (default: $CRM_WAREHOUSE_PATH or warehouse.duckdb)",
    )
    parser.add_argument("--append", action="store_true", help="add the files as a new batch instead of replacing raw")
    parser.add_argument("--memory-limit", default=os.environ.get("CRM_MEMORY_LIMIT"), help="DuckDB memory_limit")
    parser.add_argument(
        "--engine",
        choices=["duckdb", "postgres", "spark"],
        default="duckdb",
        help="where dbt builds: duckdb (the warehouse file itself), or postgres: the files are checked and "
        "landed in the warehouse file as always, then its raw schema is copied to PostgreSQL (CRM_PG_* settings); "
        "spark: the same, then written as Spark tables (CRM_SPARK_* settings)",
    )
    parser.add_argument(
        "--allow-empty",
        action="append",
        default=[],
        metavar="TABLE",
        help="in a full load, accept a file with no data rows for TABLE (repeat for several tables)",
    )
    parser.add_argument(
        "--time-zone",
        default=os.environ.get("CRM_TIME_ZONE", "UTC"),
        help="timestamps that carry a zone (Parquet TIMESTAMPTZ, text ending in Z or +hh:mm) are converted to "
        "this zone; timestamps without one are taken as written (default: $CRM_TIME_ZONE or UTC; the machine's "
        "own zone is never used)",
    )
    args = parser.parse_args(argv)
    try:
        report = load(
            args.folder, args.warehouse, args.append, args.memory_limit, set(args.allow_empty), args.time_zone
        )
    except LoadError as exc:
        print(f"load_raw: nothing was loaded; fix these problems first:\n{exc}", file=sys.stderr)
        return 2
    if args.engine != "duckdb":
        from crm_warehouse.engines import postgres, spark

        try:
            report += (postgres if args.engine == "postgres" else spark).mirror_raw(args.warehouse)
        except postgres.EngineError as exc:
            where = "PostgreSQL" if args.engine == "postgres" else "Spark"
            print(f"load_raw: loaded into {args.warehouse}, but not into {where}: {exc}", file=sys.stderr)
            return 2
    for line in report:
        print(f"load_raw: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
