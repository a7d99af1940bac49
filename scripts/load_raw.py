#!/usr/bin/env python3
"""Load raw CRM files (CSV or Parquet) that follow the raw contract into schema ``raw``.

The contract (SPEC section 3) names four tables and their columns. Every file is checked
before anything is written: an unexpected or missing file, a missing required column, a
value that cannot be cast, an empty key or an unknown enum value stops the load with an
error that names the file, the column, an example row and the count of bad values. The
writes then happen in one transaction, so a failed load leaves the warehouse as it was.

Without ``--append`` the raw tables are replaced. With ``--append`` the files are added
as a new batch; a file whose content (SHA-256) was already loaded into the same table is
skipped, so re-running an append never duplicates rows. Extra columns are kept.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

RAW_SCHEMA = "raw"
BATCH_TABLE = "_load_batches"
EXTENSIONS = (".parquet", ".csv", ".csv.gz")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False  # the column must be present in the file
    not_null: bool = False  # every row must have a value (identity keys only)
    allowed: tuple[str, ...] = ()  # enum values, compared after trim and lower-casing


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool = True  # the file must be present in a full (non-append) load
    fill_load_time: tuple[str, ...] = field(default=())  # columns filled with the load time when empty


MONEY = "DECIMAL(18,4)"
CONTRACT: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "customers",
            (
                Column("customer_id", "VARCHAR", required=True, not_null=True),
                Column("source_system", "VARCHAR", required=True, not_null=True),
                Column("first_name", "VARCHAR"),
                Column("last_name", "VARCHAR"),
                Column("company_name", "VARCHAR"),
                Column("email", "VARCHAR"),
                Column("phone", "VARCHAR"),
                Column("birth_date", "DATE"),
                Column("customer_type", "VARCHAR", allowed=("b2c", "b2b", "b2g")),
                Column("address_line", "VARCHAR"),
                Column("city", "VARCHAR"),
                Column("postal_code", "VARCHAR"),
                Column("country", "VARCHAR"),
                Column("acquisition_channel", "VARCHAR"),
                Column("created_at", "TIMESTAMP"),
                Column("updated_at", "TIMESTAMP"),
            ),
        ),
        Table(
            "products",
            (
                Column("product_id", "VARCHAR", required=True, not_null=True),
                Column("product_name", "VARCHAR"),
                Column("category", "VARCHAR"),
                Column("unit_cost", MONEY, required=True, not_null=True),
                Column("list_price", MONEY),
                Column("updated_at", "TIMESTAMP"),
            ),
        ),
        Table(
            "transactions",
            (
                Column("transaction_id", "VARCHAR", required=True),
                Column("line_number", "INTEGER", required=True),
                Column("customer_id", "VARCHAR", required=True),
                Column("source_system", "VARCHAR", required=True),
                Column("product_id", "VARCHAR", required=True),
                Column("transaction_at", "TIMESTAMP", required=True),
                Column("transaction_type", "VARCHAR", required=True, allowed=("sale", "return")),
                Column("quantity", "INTEGER", required=True),
                Column("unit_price", MONEY, required=True),
                Column("discount_amount", MONEY),
                Column("channel", "VARCHAR", allowed=("store", "web", "phone", "dealer")),
                Column("loaded_at", "TIMESTAMP"),
            ),
            fill_load_time=("loaded_at",),
        ),
        Table(
            "interactions",
            (
                Column("interaction_id", "VARCHAR", required=True),
                Column("customer_id", "VARCHAR", required=True),
                Column("source_system", "VARCHAR", required=True),
                Column("interaction_at", "TIMESTAMP", required=True),
                Column("interaction_type", "VARCHAR", required=True, allowed=("call", "email", "chat", "visit", "complaint")),
            ),
            required=False,
        ),
    )
}
META_COLUMNS = ("_batch_id", "_source_file", "_source_row_number")


class LoadError(Exception):
    """A load that must not happen; the message lists every problem found."""


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def table_of(path: Path) -> str | None:
    name = path.name.lower()
    for ext in EXTENSIONS:
        if name.endswith(ext):
            return name[: -len(ext)]
    return None


def discover(folder: Path, append: bool) -> dict[str, Path]:
    """Map contract tables to files in the folder; sub-folders (such as truth/) are ignored."""
    if not folder.is_dir():
        raise LoadError(f"{folder}: not a folder")
    problems: list[str] = []
    found: dict[str, Path] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        table = table_of(path)
        if table not in CONTRACT:
            problems.append(
                f"{path.name}: unexpected file; the raw contract accepts {', '.join(CONTRACT)} "
                f"as {', '.join(EXTENSIONS)}"
            )
        elif table in found:
            problems.append(f"{path.name}: table {table!r} is already given by {found[table].name}; keep one file per table")
        else:
            found[table] = path
    if not append:
        for table in CONTRACT.values():
            if table.required and table.name not in found:
                problems.append(f"{table.name}: required file missing (expected {table.name}.parquet or {table.name}.csv in {folder})")
    if not found and not problems:
        problems.append(f"{folder}: no raw files to load")
    if problems:
        raise LoadError("\n".join(problems))
    return found


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class StagedFile:
    """One file opened as a temporary view, with its columns matched to the contract."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: Table, path: Path) -> None:
        self.con, self.table, self.path = con, table, path
        self.view = f"_src_{table.name}"
        source = literal(str(path))
        try:
            if path.name.lower().endswith(".parquet"):
                con.execute(
                    f"create or replace temp view {self.view} as "
                    f"select * exclude (file_row_number), file_row_number + 1 as _row "
                    f"from read_parquet({source}, file_row_number = true)"
                )
            else:
                con.execute(
                    f"create or replace temp view {self.view} as "
                    f"select *, row_number() over () as _row "
                    f"from read_csv({source}, header = true, all_varchar = true)"
                )
            described = con.execute(f"describe {self.view}").fetchall()
        except duckdb.Error as exc:
            raise LoadError(f"{path.name}: cannot be read as {path.suffix.lstrip('.')}: {exc}") from exc
        self.source_types = {name: dtype for name, dtype, *_ in described if name != "_row"}
        # contract column -> the file's column (matched ignoring case and surrounding spaces)
        by_key = {name.strip().lower(): name for name in self.source_types}
        self.present = {c.name: by_key[c.name] for c in table.columns if c.name in by_key}
        contract_names = {c.name for c in table.columns}
        self.extras = [n for n in self.source_types if n.strip().lower() not in contract_names and n not in META_COLUMNS]
        self.rows = 0

    def typed(self, column: Column) -> str:
        """SQL for the contract column cast to its type (null when the file lacks it)."""
        if column.name not in self.present:
            return f"null::{column.type}"
        src = quote(self.present[column.name])
        if column.type == "VARCHAR":
            return f"{src}::VARCHAR"
        if self.source_types[self.present[column.name]] == "VARCHAR":
            src = f"trim({src})"
        return f"try_cast({src} as {column.type})"

    def validate(self) -> list[str]:
        name, problems = self.path.name, []
        for column in self.table.columns:
            if column.required and column.name not in self.present:
                problems.append(
                    f"{name}: required column {column.name!r} is missing "
                    f"(found: {', '.join(self.source_types) or 'no columns'})"
                )
        checks: list[tuple[str, str, str]] = []  # (column, problem, predicate that marks a bad row)
        for column in self.table.columns:
            if column.name not in self.present:
                continue
            src = quote(self.present[column.name])
            if column.type != "VARCHAR":
                checks.append((column.name, f"not castable to {column.type}", f"{src} is not null and {self.typed(column)} is null"))
            if column.not_null:
                checks.append((column.name, "empty (the column is a key and needs a value)", f"nullif(trim({src}::VARCHAR), '') is null"))
            if column.allowed:
                allowed = ", ".join(literal(v) for v in column.allowed)
                checks.append(
                    (column.name, f"not one of {', '.join(column.allowed)} (case and spaces are ignored)",
                     f"{src} is not null and lower(trim({src}::VARCHAR)) not in ({allowed})")
                )
        aggregates = ["count(*)"] + [f"count(*) filter (where {pred})" for _, _, pred in checks]
        try:
            counts = self.con.execute(f"select {', '.join(aggregates)} from {self.view}").fetchone()
        except duckdb.Error as exc:
            raise LoadError(f"{name}: cannot be read: {exc}") from exc
        self.rows = counts[0]
        for (col, problem, pred), bad in zip(checks, counts[1:]):
            if bad:
                src = quote(self.present[col])
                row, value = self.con.execute(
                    f"select _row, {src}::VARCHAR from {self.view} where {pred} order by _row limit 1"
                ).fetchone()
                problems.append(
                    f"{name}: column {col!r}: {bad} value{'s' if bad != 1 else ''} {problem}, "
                    f"e.g. row {row}: {value!r}"
                )
        return problems

    def select_sql(self, batch_id: str, load_time: str) -> str:
        parts = []
        for column in self.table.columns:
            expr = self.typed(column)
            if column.name in self.table.fill_load_time:
                expr = f"coalesce({expr}, {load_time})"
            parts.append(f"{expr} as {quote(column.name)}")
        parts += [quote(e) for e in self.extras]
        parts += [f"{literal(batch_id)} as _batch_id", f"{literal(self.path.name)} as _source_file", "_row::BIGINT as _source_row_number"]
        return f"select {', '.join(parts)} from {self.view}"


def empty_table_sql(table: Table) -> str:
    cols = [f"null::{c.type} as {quote(c.name)}" for c in table.columns]
    cols += ["null::VARCHAR as _batch_id", "null::VARCHAR as _source_file", "null::BIGINT as _source_row_number"]
    return f"select {', '.join(cols)} where false"


def load(folder: Path, warehouse: Path, append: bool, memory_limit: str | None = None) -> list[str]:
    """Validate and load; returns the report lines. Raises LoadError and writes nothing on a problem."""
    files = discover(folder, append)
    hashes = {table: sha256(path) for table, path in files.items()}
    batch_id = hashlib.sha256("".join(f"{t}:{h}" for t, h in sorted(hashes.items())).encode()).hexdigest()[:16]
    try:
        con = duckdb.connect(str(warehouse))
    except duckdb.Error as exc:
        raise LoadError(f"{warehouse}: cannot open the warehouse (is another process writing to it?): {exc}") from exc
    try:
        if memory_limit:
            con.execute("set memory_limit = ?", [memory_limit])
        staged = {name: StagedFile(con, CONTRACT[name], path) for name, path in files.items()}
        problems = [p for s in staged.values() for p in s.validate()]
        if problems:
            raise LoadError("\n".join(problems))

        report: list[str] = []
        con.execute("begin transaction")
        try:
            con.execute(f"create schema if not exists {RAW_SCHEMA}")
            load_time = "current_timestamp::TIMESTAMP"
            if not append:
                con.execute(f"drop table if exists {RAW_SCHEMA}.{BATCH_TABLE}")
            con.execute(
                f"create table if not exists {RAW_SCHEMA}.{BATCH_TABLE} (batch_id VARCHAR, table_name VARCHAR, "
                "file_name VARCHAR, content_sha256 VARCHAR, row_count BIGINT, loaded_at TIMESTAMP)"
            )
            for table in CONTRACT.values():
                target = f"{RAW_SCHEMA}.{quote(table.name)}"
                if table.name not in staged:
                    if not append:
                        con.execute(f"create or replace table {target} as {empty_table_sql(table)}")
                        report.append(f"{table.name}: no file, created empty")
                    continue
                src = staged[table.name]
                if append:
                    seen = con.execute(
                        f"select batch_id from {RAW_SCHEMA}.{BATCH_TABLE} where table_name = ? and content_sha256 = ?",
                        [table.name, hashes[table.name]],
                    ).fetchone()
                    if seen:
                        report.append(f"{table.name}: {src.path.name} already loaded in batch {seen[0]}, skipped")
                        continue
                    exists = con.execute(
                        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                        [RAW_SCHEMA, table.name],
                    ).fetchone()[0]
                if not append or not exists:
                    con.execute(f"create or replace table {target} as {src.select_sql(batch_id, load_time)}")
                else:
                    current = {r[0] for r in con.execute(f"describe {target}").fetchall()}
                    for extra in src.extras:
                        if extra not in current:
                            con.execute(f"alter table {target} add column {quote(extra)} {src.source_types[extra]}")
                    con.execute(f"insert into {target} by name {src.select_sql(batch_id, load_time)}")
                con.execute(
                    f"insert into {RAW_SCHEMA}.{BATCH_TABLE} values (?, ?, ?, ?, ?, {load_time})",
                    [batch_id, table.name, src.path.name, hashes[table.name], src.rows],
                )
                extras = f" (extra columns kept: {', '.join(src.extras)})" if src.extras else ""
                report.append(f"{table.name}: {src.rows:,} rows from {src.path.name} in batch {batch_id}{extras}")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        return report
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="folder holding customers, products, transactions[, interactions] files")
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path(os.environ.get("CRM_WAREHOUSE_PATH", "warehouse.duckdb")),
        help="DuckDB file (default: $CRM_WAREHOUSE_PATH or warehouse.duckdb)",
    )
    parser.add_argument("--append", action="store_true", help="add the files as a new batch instead of replacing raw")
    parser.add_argument("--memory-limit", default=os.environ.get("CRM_MEMORY_LIMIT"), help="DuckDB memory_limit")
    args = parser.parse_args(argv)
    try:
        report = load(args.folder, args.warehouse, args.append, args.memory_limit)
    except LoadError as exc:
        print(f"load_raw: nothing was loaded; fix these problems first:\n{exc}", file=sys.stderr)
        return 2
    for line in report:
        print(f"load_raw: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
