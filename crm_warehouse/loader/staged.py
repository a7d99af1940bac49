"""One raw file opened as a temporary view: its columns matched to the contract, every rule of
the contract checked in one pass, and the SELECT that writes it to the raw schema."""

from __future__ import annotations

from pathlib import Path

import duckdb

from crm_warehouse.db import one
from crm_warehouse.loader.contract import (
    MAX_TEXT_LENGTH,
    META_COLUMNS,
    META_TYPES,
    MONEY,
    MONEY_SCALE,
    TYPE_WORDS,
    Column,
    LoadError,
    Table,
    literal,
    quote,
)
from crm_warehouse.loader.files import csv_error_words, csv_header

# text that ends in a time and a zone: Z, +05, +0530 or +05:30
ZONED_TEXT = r"[0-9]:[0-9][0-9](:[0-9][0-9](\.[0-9]+)?)? *(Z|z|[+-][0-9][0-9](:?[0-9][0-9])?)$"
# how a whole number and a decimal number are written in text: digits, a sign, a decimal point and
# an exponent; nothing DuckDB would also read (2.5 rounded to 3, 0x10 as 16, 1_000 as 1000)
WHOLE_TEXT = r"[+-]?[0-9]+"
DECIMAL_TEXT = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"


class StagedFile:
    """One file opened as a temporary view, with its columns matched to the contract."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: Table, path: Path, time_zone: str = "UTC") -> None:
        self.con, self.table, self.path, self.time_zone = con, table, path, time_zone
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
        if path.name.lower().endswith(".parquet"):
            self.refuse_case_duplicates(source)
        # contract column -> the file's column (matched ignoring case and surrounding spaces)
        by_key = {name.strip().lower(): name for name in self.source_types}
        self.present = {c.name: by_key[c.name] for c in table.columns if c.name in by_key}
        contract_names = {c.name for c in table.columns}
        self.extras = [
            n for n in self.source_types if n.strip().lower() not in contract_names and n not in META_COLUMNS
        ]
        self.rows = 0
        self.content_hash = ""

    def refuse_case_duplicates(self, source: str) -> None:
        """A Parquet file may name a column twice in different case (quantity and Quantity); DuckDB
        would read the second as Quantity_1 and the loader would take the first without a word."""
        names = [row[0] for row in self.con.execute(f"select name from parquet_schema({source})").fetchall()[1:]]
        contract_names = {c.name for c in self.table.columns}
        seen: dict[str, str] = {}
        for name in names:
            key = name.strip().lower()
            if key in contract_names and key in seen:
                raise LoadError(
                    f"{self.path.name}: the file has two columns for {key!r} ({seen[key]!r} and {name!r}); "
                    "column names are matched ignoring case, so keep one"
                )
            seen[key] = name

    def typed(self, column: Column) -> str:
        """SQL for the contract column cast to its type (null when the file lacks it).

        Time zones: a timestamp with a zone (a Parquet TIMESTAMPTZ, or text ending in Z or an
        offset such as +05:00) is converted to the loader's time zone (--time-zone, UTC by
        default), whatever the zone of the machine; a timestamp without one is taken as written."""
        if column.name not in self.present:
            return f"null::{column.type}"
        src = quote(self.present[column.name])
        source_type = self.source_types[self.present[column.name]]
        if column.type == "VARCHAR":
            return f"{src}::VARCHAR"
        zone = literal(self.time_zone)
        if column.type in ("TIMESTAMP", "DATE") and source_type == "TIMESTAMP WITH TIME ZONE":
            return f"cast({src} at time zone {zone} as {column.type})"
        if source_type == "VARCHAR":
            src = f"trim({src})"
            if column.type in ("TIMESTAMP", "DATE"):
                return (
                    f"case when regexp_matches({src}, '{ZONED_TEXT}') "
                    f"then cast(try_cast({src} as TIMESTAMPTZ) at time zone {zone} as {column.type}) "
                    f"else try_cast({src} as {column.type}) end"
                )
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
            problems = self.type_checks(column, src) + self.value_checks(column, src)
            result += [(column.name, problem, predicate) for problem, predicate in problems]
        return result

    def type_checks(self, column: Column, src: str) -> list[tuple[str, str]]:
        """(problem, bad-row predicate): the value does not fit the contract type, or fits only
        after DuckDB would round or reinterpret it."""
        source_type = self.source_types[self.present[column.name]]
        typed = self.typed(column)
        result = []
        if column.type != "VARCHAR":
            blank = f"nullif(trim({src}::VARCHAR), '') is null"
            result.append((f"not {TYPE_WORDS.get(column.type, column.type)}", f"not ({blank}) and {typed} is null"))
        if column.type == "INTEGER" and source_type == "VARCHAR":
            result.append(
                (
                    "not a whole number written in digits (2.5, 0x10, 1_000 or 1e3 would be rounded or "
                    "reinterpreted; the loader refuses them)",
                    f"{typed} is not null and not regexp_full_match(trim({src}), '{WHOLE_TEXT}')",
                )
            )
        if column.type == "INTEGER" and (source_type in ("DOUBLE", "FLOAT") or source_type.startswith("DECIMAL")):
            result.append(("not a whole number", f"{typed} is not null and {typed} <> {src}"))
        if column.type == MONEY and source_type == "VARCHAR":
            result.append(
                (
                    "not a number written in digits with a decimal point (such as 1234.50; 1_000 or "
                    "1,000.00 are refused)",
                    f"{typed} is not null and not regexp_full_match(trim({src}), '{DECIMAL_TEXT}')",
                )
            )
        if column.type == MONEY:
            # more decimals than the warehouse keeps would be rounded: refuse, never round silently
            result.append(
                (
                    f"with more than {MONEY_SCALE} decimal places "
                    f"(the warehouse keeps {MONEY_SCALE}; round them in the source)",
                    f"{typed} is not null and {self.rounded(src, source_type, typed)}",
                )
            )
        return result

    def value_checks(self, column: Column, src: str) -> list[tuple[str, str]]:
        """(problem, bad-row predicate): text limits, signs, keys and enums."""
        result = []
        if column.type == "VARCHAR":
            result.append(
                (
                    "with a control character (a NUL, tab, line break or another character below "
                    "U+0020; replace it in the source)",
                    f"regexp_matches({src}::VARCHAR, '[\\x00-\\x1f\\x7f]')",
                )
            )
            result.append(
                (f"longer than {MAX_TEXT_LENGTH:,} characters", f"length({src}::VARCHAR) > {MAX_TEXT_LENGTH}")
            )
        if column.non_negative:
            result.append(("negative (costs and prices are 0 or more)", f"{self.typed(column)} < 0"))
        if column.not_null:
            result.append(
                ("empty (the column is a key and needs a value)", f"nullif(trim({src}::VARCHAR), '') is null")
            )
        if column.allowed:
            allowed = ", ".join(literal(v) for v in column.allowed)
            result.append(
                (
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
                shown = value if value is None or len(value) <= 80 else value[:80] + "..."
                problems.append(
                    f"{name}: column {col!r}: {bad} value{'s' if bad != 1 else ''} {problem}, e.g. row {row}: {shown!r}"
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
            f"{load_time} as _loaded_at",
        ]
        return f"select {', '.join(parts)} from {self.view}"


def empty_table_sql(table: Table) -> str:
    cols = [f"null::{c.type} as {quote(c.name)}" for c in table.columns]
    cols += [f"null::{META_TYPES[name]} as {name}" for name in META_COLUMNS]
    return f"select {', '.join(cols)} where false"
