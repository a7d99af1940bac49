"""The raw contract: the tables the loader accepts, their columns, types and rules (the README's
"Raw contract" table is this, in words)."""

from __future__ import annotations

from dataclasses import dataclass, field

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
# The longest text value the loader accepts in a contract column (a name, an address, an id);
# longer values are delivery errors (a whole document pasted into a field), not data.
MAX_TEXT_LENGTH = 1000
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
        Table(
            "contact_permissions",
            (
                Column("customer_id", "VARCHAR", required=True),
                Column("source_system", "VARCHAR", required=True),
                Column("channel", "VARCHAR", required=True, allowed=("email", "phone", "sms", "post")),
                Column("permission", "VARCHAR", required=True, allowed=("opted_in", "opted_out")),
                Column("recorded_at", "TIMESTAMP", required=True),
            ),
            required=False,
        ),
    )
}
# What the loader adds to every row: the batch, the file and row it came from, and when it was
# loaded (the batch's load time; the source freshness checks read it)
META_COLUMNS = ("_batch_id", "_source_file", "_source_row_number", "_loaded_at")
META_TYPES = {
    "_batch_id": "VARCHAR",
    "_source_file": "VARCHAR",
    "_source_row_number": "BIGINT",
    "_loaded_at": "TIMESTAMP",
}


class LoadError(Exception):
    """A load that must not happen; the message lists every problem found."""


def column_names(table: str) -> list[str]:
    """The contract's columns of a table, in order (for writers of raw files)."""
    return [column.name for column in CONTRACT[table].columns]


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
