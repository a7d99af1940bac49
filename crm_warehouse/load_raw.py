#!/usr/bin/env python3
"""Load raw CRM files (CSV or Parquet) that follow the raw contract into schema ``raw``.

The contract names four tables and their columns (see the README). Every file is read whole
and checked before anything is written: an unexpected or missing file, an empty file, a row
with more or fewer fields than the header, a missing required column, a value that cannot
be cast or does not fit the contract type, a money value with more than 4 decimals, a
negative cost or price, an empty key or an unknown enum value stops the load with an error
that names the file, the column, an example row and the count of bad values. The writes then
happen in one transaction, so a failed load leaves the warehouse as it was.

CSV files are parsed as standard CSV (RFC 4180: double quotes, doubled to escape) with the
delimiter taken from the header line (comma, semicolon, tab or pipe), never guessed from a
sample of rows. Without ``--append`` the raw tables are replaced; a file with a header but
no rows is refused unless ``--allow-empty TABLE`` says the table really is empty. With
``--append`` the files are added as a new batch; a file whose rows were already loaded into
the same table (same parsed content, whatever its format, compression or row order) is
skipped, so re-running an append never duplicates rows. Extra columns are kept.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from crm_warehouse.db import one

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
    non_negative: bool = False  # costs and prices: a negative value is a delivery error


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool = True  # the file must be present in a full (non-append) load
    fill_load_time: tuple[str, ...] = field(default=())  # columns filled with the load time when empty


MONEY = "DECIMAL(18,4)"
MONEY_SCALE = 4
# What a value must fit, in the user's words (the contract types' ranges).
TYPE_WORDS = {
    "INTEGER": "a whole number between -2,147,483,648 and 2,147,483,647",
    MONEY: "a number between -99,999,999,999,999.9999 and 99,999,999,999,999.9999",
    "DATE": "a date (YYYY-MM-DD)",
    "TIMESTAMP": "a timestamp (YYYY-MM-DD hh:mm:ss)",
}
CSV_DELIMITERS = (",", ";", "\t", "|")
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
                Column("unit_cost", MONEY, required=True, not_null=True, non_negative=True),
                Column("list_price", MONEY, non_negative=True),
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
                Column(
                    "interaction_type",
                    "VARCHAR",
                    required=True,
                    allowed=("call", "email", "chat", "visit", "complaint"),
                ),
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
            problems.append(
                f"{path.name}: table {table!r} is already given by {found[table].name}; keep one file per table"
            )
        else:
            found[table] = path
    if not append:
        for spec in CONTRACT.values():
            if spec.required and spec.name not in found:
                problems.append(
                    f"{spec.name}: required file missing (expected {spec.name}.parquet or {spec.name}.csv in {folder})"
                )
    if not found and not problems:
        problems.append(f"{folder}: no raw files to load")
    if problems:
        raise LoadError("\n".join(problems))
    return found


def csv_header(path: Path) -> tuple[list[str], str]:
    """The header names and the delimiter of a CSV file (read from its first line only)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            first = handle.readline().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path.name}: line 1 is not UTF-8 text; save the file as UTF-8") from exc
    except (OSError, EOFError) as exc:
        raise LoadError(f"{path.name}: cannot be read: {exc}") from exc
    if not first.strip():
        raise LoadError(f"{path.name}: the file is empty (not even a header row)")
    delimiter = max(CSV_DELIMITERS, key=first.count)
    names = next(csv.reader(io.StringIO(first), delimiter=delimiter, quotechar='"', doublequote=True))
    names = [name.strip() or f"column{number}" for number, name in enumerate(names, start=1)]
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise LoadError(f"{path.name}: the header names column {name!r} twice")
        seen.add(name.lower())
    return names, delimiter


CSV_ERROR = re.compile(r"CSV Error on Line: (\d+)\s*\nOriginal Line: (.*?)\n(.*?)(?:\n|$)", re.S)


def csv_error_words(name: str, exc: duckdb.Error) -> str:
    """DuckDB's CSV error as one line a user can act on: the file, the line and what is wrong."""
    text = str(exc)
    match = CSV_ERROR.search(text)
    if not match:
        return f"{name}: cannot be read as CSV: {text.splitlines()[0]}"
    line, original, problem = match.group(1), match.group(2), match.group(3).strip()
    columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if columns:
        problem = f"has {columns.group(2)} fields where the header has {columns.group(1)}"
    elif "unterminated quote" in text:
        problem = "has a quoted value that is never closed"
    elif "Invalid unicode" in text:
        problem = "is not UTF-8 text (save the file as UTF-8)"
    return f"{name}: line {line} {problem}: {original[:200]!r}"


class StagedFile:
    """One file opened as a temporary view, with its columns matched to the contract."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: Table, path: Path) -> None:
        self.con, self.table, self.path = con, table, path
        self.view = f"_src_{table.name}"
        source = literal(str(path))
        if path.name.lower().endswith(".parquet"):
            relation = (
                "select * exclude (file_row_number), file_row_number + 1 as _row "
                f"from read_parquet({source}, file_row_number = true)"
            )
        else:
            names, delimiter = csv_header(path)
            columns = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in names) + "}"
            # The whole file is parsed with a fixed dialect: nothing is guessed from a sample.
            relation = (
                f"select *, row_number() over () as _row from read_csv({source}, auto_detect = false, header = true, "
                f"delim = {literal(delimiter)}, quote = '\"', escape = '\"', columns = {columns}, "
                "strict_mode = true, null_padding = false)"
            )
        try:
            con.execute(f"create or replace temp view {self.view} as {relation}")
            described = con.execute(f"describe {self.view}").fetchall()
        except duckdb.Error as exc:
            raise LoadError(
                f"{path.name}: cannot be read as {path.suffix.lstrip('.')}: {str(exc).splitlines()[0]}"
            ) from exc
        self.source_types = {name: dtype for name, dtype, *_ in described if name != "_row"}
        # contract column -> the file's column (matched ignoring case and surrounding spaces)
        by_key = {name.strip().lower(): name for name in self.source_types}
        self.present = {c.name: by_key[c.name] for c in table.columns if c.name in by_key}
        contract_names = {c.name for c in table.columns}
        self.extras = [
            n for n in self.source_types if n.strip().lower() not in contract_names and n not in META_COLUMNS
        ]
        self.rows = 0
        self.content_hash = ""

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

    @staticmethod
    def rounded(src: str, source_type: str, typed: str) -> str:
        """SQL that is true when casting to the money type dropped non-zero decimals."""
        if source_type in ("DOUBLE", "FLOAT"):
            return f"{src} <> {typed}::DOUBLE"
        if source_type != "VARCHAR":
            return f"{src}::DECIMAL(38,18) <> {typed}"
        # text: a non-zero digit after the fourth decimal (a cheap pattern; casting every value
        # to DECIMAL(38,18) took four times the whole load); exponent notation is cast exactly
        return (
            f"case when regexp_matches(trim({src}), '[eE]') then try_cast(trim({src}) as DECIMAL(38,18)) <> {typed} "
            f"else regexp_matches(trim({src}), '\\.[0-9]{{{MONEY_SCALE}}}[0-9]*[1-9]') end"
        )

    def checks(self) -> list[tuple[str, str, str]]:
        """(column, problem, predicate that marks a bad row) for every rule of the contract."""
        result: list[tuple[str, str, str]] = []
        for column in self.table.columns:
            if column.name not in self.present:
                continue
            src = quote(self.present[column.name])
            source_type = self.source_types[self.present[column.name]]
            typed = self.typed(column)
            if column.type != "VARCHAR":
                words = TYPE_WORDS.get(column.type, column.type)
                blank = f"nullif(trim({src}::VARCHAR), '') is null"
                result.append((column.name, f"not {words}", f"not ({blank}) and {typed} is null"))
            if (
                column.type == "INTEGER"
                and source_type in ("DOUBLE", "FLOAT")
                or column.type == "INTEGER"
                and source_type.startswith("DECIMAL")
            ):
                result.append((column.name, "not a whole number", f"{typed} is not null and {typed} <> {src}"))
            if column.type == MONEY:
                # more decimals than the warehouse keeps would be rounded: refuse, never round silently
                result.append(
                    (
                        column.name,
                        f"with more than {MONEY_SCALE} decimal places "
                        f"(the warehouse keeps {MONEY_SCALE}; round them in the source)",
                        f"{typed} is not null and {self.rounded(src, source_type, typed)}",
                    )
                )
            if column.non_negative:
                result.append((column.name, "negative (costs and prices are 0 or more)", f"{typed} < 0"))
            if column.not_null:
                result.append(
                    (
                        column.name,
                        "empty (the column is a key and needs a value)",
                        f"nullif(trim({src}::VARCHAR), '') is null",
                    )
                )
            if column.allowed:
                allowed = ", ".join(literal(v) for v in column.allowed)
                result.append(
                    (
                        column.name,
                        f"not one of {', '.join(column.allowed)} (case and spaces are ignored)",
                        f"{src} is not null and lower(trim({src}::VARCHAR)) not in ({allowed})",
                    )
                )
        return result

    def content_sql(self) -> str:
        """A hash of the parsed rows: the same rows give the same value whatever the file's format,
        compression or row order (an order-independent sum of per-row hashes of the typed contract
        columns; the unit separator keeps field boundaries unambiguous)."""
        fields = [f"coalesce({self.typed(c)}::VARCHAR, chr(30))" for c in self.table.columns]
        return f"sum(hash(concat_ws(chr(31), {', '.join(fields)}))::HUGEINT)::VARCHAR"

    def validate(self) -> list[str]:
        name = self.path.name
        missing = [c.name for c in self.table.columns if c.required and c.name not in self.present]
        if missing:
            listed = ", ".join(repr(m) for m in missing)
            return [
                f"{name}: required column{'s' if len(missing) > 1 else ''} {listed} "
                f"{'are' if len(missing) > 1 else 'is'} missing "
                f"(the file has: {', '.join(self.source_types) or 'no columns'})"
            ]
        checks = self.checks()
        aggregates = ["count(*)", self.content_sql()] + [f"count(*) filter (where {pred})" for _, _, pred in checks]
        try:
            counts = one(self.con.execute(f"select {', '.join(aggregates)} from {self.view}"))
        except duckdb.Error as exc:
            if name.lower().endswith(".parquet"):
                return [f"{name}: cannot be read: {str(exc).splitlines()[0]}"]
            return [csv_error_words(name, exc)]
        self.rows, self.content_hash = counts[0], f"{counts[0]}:{counts[1]}"
        problems = []
        for (col, problem, pred), bad in zip(checks, counts[2:], strict=True):
            if bad:
                src = quote(self.present[col])
                row, value = one(
                    self.con.execute(f"select _row, {src}::VARCHAR from {self.view} where {pred} order by _row limit 1")
                )
                problems.append(
                    f"{name}: column {col!r}: {bad} value{'s' if bad != 1 else ''} {problem}, e.g. row {row}: {value!r}"
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
        parts += [
            f"{literal(batch_id)} as _batch_id",
            f"{literal(self.path.name)} as _source_file",
            "_row::BIGINT as _source_row_number",
        ]
        return f"select {', '.join(parts)} from {self.view}"


def empty_table_sql(table: Table) -> str:
    cols = [f"null::{c.type} as {quote(c.name)}" for c in table.columns]
    cols += ["null::VARCHAR as _batch_id", "null::VARCHAR as _source_file", "null::BIGINT as _source_row_number"]
    return f"select {', '.join(cols)} where false"


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


def load(
    folder: Path,
    warehouse: Path,
    append: bool,
    memory_limit: str | None = None,
    allow_empty: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Validate and load; returns the report lines. Raises LoadError and writes nothing on a problem."""
    unknown = sorted(set(allow_empty) - set(CONTRACT))
    if unknown:
        raise LoadError(f"--allow-empty {', '.join(unknown)}: not a table of the raw contract ({', '.join(CONTRACT)})")
    files = discover(folder, append)
    try:
        con = duckdb.connect(str(warehouse))
    except duckdb.Error as exc:
        raise LoadError(f"{warehouse}: cannot open the warehouse (is another process writing to it?): {exc}") from exc
    try:
        if memory_limit:
            con.execute("set memory_limit = ?", [memory_limit])
        staged: dict[str, StagedFile] = {}
        problems: list[str] = []
        for name, path in files.items():
            try:
                staged[name] = StagedFile(con, CONTRACT[name], path)
            except LoadError as exc:
                problems.append(str(exc))
                continue
            problems += staged[name].validate()
        if not problems:
            problems = empty_files(staged, append, set(allow_empty))
        if problems:
            raise LoadError("\n".join(problems))
        hashes = {table: s.content_hash for table, s in staged.items()}
        batch_id = hashlib.sha256("".join(f"{t}:{h}" for t, h in sorted(hashes.items())).encode()).hexdigest()[:16]

        report: list[str] = []
        con.execute("begin transaction")
        try:
            con.execute(f"create schema if not exists {RAW_SCHEMA}")
            load_time = "current_timestamp::TIMESTAMP"
            if not append:
                con.execute(f"drop table if exists {RAW_SCHEMA}.{BATCH_TABLE}")
            con.execute(
                f"create table if not exists {RAW_SCHEMA}.{BATCH_TABLE} (batch_id VARCHAR, table_name VARCHAR, "
                "file_name VARCHAR, content_hash VARCHAR, row_count BIGINT, loaded_at TIMESTAMP)"
            )
            batch_columns = {r[0] for r in con.execute(f"describe {RAW_SCHEMA}.{BATCH_TABLE}").fetchall()}
            if "content_sha256" in batch_columns:  # written by loaders before content hashing
                con.execute(f"alter table {RAW_SCHEMA}.{BATCH_TABLE} rename column content_sha256 to content_hash")
            for table in CONTRACT.values():
                target = f"{RAW_SCHEMA}.{quote(table.name)}"
                if table.name not in staged:
                    if not append:
                        con.execute(f"create or replace table {target} as {empty_table_sql(table)}")
                        report.append(f"{table.name}: no file, created empty")
                    continue
                src = staged[table.name]
                if append:
                    if src.rows == 0:
                        report.append(f"{table.name}: {src.path.name} has no data rows, nothing to add")
                        continue
                    # None when these rows were never loaded
                    seen = con.execute(
                        f"select batch_id, file_name from {RAW_SCHEMA}.{BATCH_TABLE} "
                        "where table_name = ? and content_hash = ?",
                        [table.name, hashes[table.name]],
                    ).fetchone()
                    if seen:
                        report.append(
                            f"{table.name}: the rows of {src.path.name} were already loaded from {seen[1]} "
                            f"in batch {seen[0]}, skipped"
                        )
                        continue
                    exists = one(
                        con.execute(
                            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                            [RAW_SCHEMA, table.name],
                        )
                    )[0]
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
        "--allow-empty",
        action="append",
        default=[],
        metavar="TABLE",
        help="in a full load, accept a file with no data rows for TABLE (repeat for several tables)",
    )
    args = parser.parse_args(argv)
    try:
        report = load(args.folder, args.warehouse, args.append, args.memory_limit, set(args.allow_empty))
    except LoadError as exc:
        print(f"load_raw: nothing was loaded; fix these problems first:\n{exc}", file=sys.stderr)
        return 2
    for line in report:
        print(f"load_raw: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
