"""The raw loader: clear rejections that leave the warehouse unchanged, CSV, extras, append."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import REPO, DataSet, Warehouse, load, load_raw


def copy_files(
    data: DataSet, to: Path, tables: tuple[str, ...] = ("customers", "products", "transactions", "interactions")
) -> Path:
    to.mkdir(parents=True, exist_ok=True)
    for table in tables:
        shutil.copy(data.path / f"{table}.parquet", to / f"{table}.parquet")
    return to


def rewrite(path_in: Path, path_out: Path, select: str) -> None:
    """Write path_out (CSV, gzipped CSV or Parquet by its name) from a query over path_in as `src`."""
    con = duckdb.connect()
    con.execute(f"create view src as select * from '{path_in}'")
    fmt = {".csv": "(header)", ".gz": "(header, compression gzip)"}.get(path_out.suffix, "(format parquet)")
    con.execute(f"copy ({select}) to '{path_out}' {fmt}")
    con.close()


def rejected(folder: Path, warehouse: Warehouse, append: bool = False) -> str:
    before = warehouse.fingerprint()
    with pytest.raises(load_raw.LoadError) as error:
        load(folder, warehouse.path, append)
    assert warehouse.fingerprint() == before, "a rejected load must leave the warehouse as it was"
    return str(error.value)


def test_missing_required_file_is_rejected(tmp_path: Path, small_data: DataSet, loaded_warehouse: Warehouse) -> None:
    folder = copy_files(small_data, tmp_path / "in", ("customers", "transactions"))
    message = rejected(folder, loaded_warehouse)
    assert f"products: required file missing (expected products.parquet or products.csv in {folder})" in message


def test_missing_required_column_is_rejected(tmp_path: Path, small_data: DataSet, loaded_warehouse: Warehouse) -> None:
    folder = copy_files(small_data, tmp_path / "in")
    rewrite(
        small_data.path / "transactions.parquet",
        folder / "transactions.parquet",
        "select * exclude (quantity) from src",
    )
    message = rejected(folder, loaded_warehouse)
    assert "transactions.parquet: required column 'quantity' is missing" in message


def test_uncastable_value_is_rejected_with_column_row_and_count(
    tmp_path: Path, small_data: DataSet, loaded_warehouse: Warehouse
) -> None:
    folder = copy_files(small_data, tmp_path / "in", ("customers", "products", "interactions"))
    # data rows 3 and 7 of the CSV (1-based) get a quantity that is not a number
    rewrite(
        small_data.path / "transactions.parquet",
        folder / "transactions.csv",
        "select * exclude (rn) replace (case when rn in (3, 7) then 'two' else quantity::varchar end as quantity) "
        "from (select *, row_number() over () as rn from src) order by rn",
    )
    message = rejected(folder, loaded_warehouse)
    assert (
        "transactions.csv: column 'quantity': 2 values not a whole number between -2,147,483,648 and 2,147,483,647, "
        "e.g. row 3: 'two'" in message
    )


def test_unknown_enum_value_is_rejected(tmp_path: Path, small_data: DataSet, loaded_warehouse: Warehouse) -> None:
    folder = copy_files(small_data, tmp_path / "in", ("customers", "products"))
    rewrite(
        small_data.path / "transactions.parquet",
        folder / "transactions.parquet",
        "select * replace (case when line_number = 9 then 'refund' else transaction_type end as transaction_type) "
        "from src",
    )
    expected = (
        duckdb.connect()
        .execute(f"select count(*) from '{small_data.path}/transactions.parquet' where line_number = 9")
        .fetchone()[0]
    )
    assert expected > 0
    message = rejected(folder, loaded_warehouse)
    assert (
        f"transactions.parquet: column 'transaction_type': {expected} values not one of sale, return "
        "(case and spaces are ignored)" in message
    )


def test_empty_key_and_unexpected_file_are_rejected_together(
    tmp_path: Path, small_data: DataSet, loaded_warehouse: Warehouse
) -> None:
    folder = copy_files(small_data, tmp_path / "in")
    (folder / "orders.csv").write_text("order_id\n1\n")
    message = rejected(folder, loaded_warehouse)
    assert (
        "orders.csv: unexpected file; the raw contract accepts customers, products, transactions, interactions"
        in message
    )


def test_empty_customer_id_is_rejected(tmp_path: Path, small_data: DataSet, loaded_warehouse: Warehouse) -> None:
    folder = copy_files(small_data, tmp_path / "in")
    rewrite(
        small_data.path / "customers.parquet",
        folder / "customers.parquet",
        "select * replace (case when row_number() over () = 5 then '  ' else customer_id end as customer_id) from src",
    )
    message = rejected(folder, loaded_warehouse)
    assert (
        "customers.parquet: column 'customer_id': 1 value empty (the column is a key and needs a value), "
        "e.g. row 5: '  '" in message
    )


def test_cli_reports_rejection_on_stderr_with_exit_code_2(tmp_path: Path, small_data: DataSet) -> None:
    folder = copy_files(small_data, tmp_path / "in", ("customers", "products"))
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "load_raw.py"), str(folder), "--warehouse", str(tmp_path / "w.duckdb")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "nothing was loaded" in result.stderr
    assert "transactions: required file missing" in result.stderr


def test_full_load_matches_generated_counts_and_keeps_row_identity(
    loaded_warehouse: Warehouse, small_data: DataSet
) -> None:
    counts = small_data.summary["row_counts"]
    for table, expected in counts.items():
        assert loaded_warehouse.scalar(f"select count(*) from raw.{table}") == expected
    # row identity follows the file: row 1 of the raw table is the first row of the file
    first = (
        duckdb.connect()
        .execute(f"select transaction_id, line_number from '{small_data.path}/transactions.parquet' limit 1")
        .fetchone()
    )
    assert loaded_warehouse.query(
        "select transaction_id, line_number from raw.transactions where _source_row_number = 1"
    ) == [first]


def test_csv_with_extra_columns_and_no_optional_file(tmp_path: Path, small_data: DataSet) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    rewrite(
        small_data.path / "customers.parquet", folder / "customers.csv", "select *, 'gold' as loyalty_tier from src"
    )
    rewrite(small_data.path / "products.parquet", folder / "products.csv", "select * from src")
    rewrite(
        small_data.path / "transactions.parquet", folder / "transactions.csv", "select * exclude (loaded_at) from src"
    )
    warehouse = Warehouse(tmp_path / "w.duckdb", tmp_path)
    report = load(folder, warehouse.path)
    assert "interactions: no file, created empty" in report
    assert any("extra columns kept: loyalty_tier" in line for line in report)
    assert warehouse.scalar("select count(*) from raw.customers where loyalty_tier = 'gold'") == 3000
    assert warehouse.scalar("select count(*) from raw.interactions") == 0
    # loaded_at was not delivered: it becomes the load time, for every line
    assert warehouse.scalar("select count(*) from raw.transactions where loaded_at is null") == 0
    # typed as the contract says, whatever the CSV held
    assert warehouse.query(
        "select data_type from information_schema.columns where table_schema = 'raw' "
        "and table_name = 'transactions' and column_name in ('quantity', 'unit_price', 'transaction_at') "
        "order by column_name"
    ) == [("INTEGER",), ("TIMESTAMP",), ("DECIMAL(18,4)",)]
    money = (
        duckdb.connect()
        .execute(f"select sum(quantity * unit_price) from '{small_data.path}/transactions.parquet'")
        .fetchone()[0]
    )
    assert warehouse.scalar("select sum(quantity * unit_price) from raw.transactions") == money


def test_append_adds_a_new_batch_once(tmp_path: Path, small_data: DataSet) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    copy_files(small_data, first, ("customers", "products", "interactions"))
    second.mkdir()
    source = small_data.path / "transactions.parquet"
    rewrite(source, first / "transactions.parquet", "select * from src where transaction_id <= 'T0000005000'")
    rewrite(
        source,
        second / "transactions.parquet",
        "select *, 'web-2' as feed from src where transaction_id > 'T0000005000'",
    )
    warehouse = Warehouse(tmp_path / "w.duckdb", tmp_path)
    load(first, warehouse.path)
    first_rows = warehouse.scalar("select count(*) from raw.transactions")
    assert 0 < first_rows < 30000

    report = load(second, warehouse.path, append=True)
    assert warehouse.scalar("select count(*) from raw.transactions") == 30000
    assert warehouse.scalar("select count(*) from raw.transactions where feed = 'web-2'") == 30000 - first_rows
    assert warehouse.scalar("select count(distinct _batch_id) from raw.transactions") == 2
    assert len(report) == 1 and report[0].startswith("transactions: ")

    before = warehouse.fingerprint()
    report = load(second, warehouse.path, append=True)
    assert warehouse.fingerprint() == before
    assert report[0].startswith(
        "transactions: the rows of transactions.parquet were already loaded from transactions.parquet in batch "
    )


def test_same_rows_in_another_format_and_order_are_recognised_as_loaded(tmp_path: Path, small_data: DataSet) -> None:
    first, again = tmp_path / "first", tmp_path / "again"
    copy_files(small_data, first)
    again.mkdir()
    rewrite(
        small_data.path / "transactions.parquet", again / "transactions.csv.gz", "select * from src order by random()"
    )
    warehouse = Warehouse(tmp_path / "w.duckdb", tmp_path)
    load(first, warehouse.path)
    before = warehouse.fingerprint()
    report = load(again, warehouse.path, append=True)
    assert warehouse.fingerprint() == before
    assert report == [
        f"transactions: the rows of transactions.csv.gz were already loaded from transactions.parquet in batch "
        f"{warehouse.scalar('select distinct _batch_id from raw.transactions')}, skipped"
    ]
    # one changed value makes it new content
    rewrite(
        small_data.path / "transactions.parquet",
        again / "transactions.csv.gz",
        "select * replace (case when row_number() over () = 7 then quantity + 1 else quantity end as quantity) "
        "from src",
    )
    assert load(again, warehouse.path, append=True)[0].startswith("transactions: 30,000 rows from transactions.csv.gz")


def test_header_only_file_in_a_full_load_needs_allow_empty(
    tmp_path: Path, small_data: DataSet, loaded_warehouse: Warehouse
) -> None:
    folder = copy_files(small_data, tmp_path / "in", ("customers", "products"))
    rewrite(small_data.path / "transactions.parquet", folder / "transactions.csv", "select * from src limit 0")
    assert (folder / "transactions.csv").read_text().count("\n") == 1, "a header and nothing else"
    message = rejected(folder, loaded_warehouse)
    assert message == (
        "transactions.csv: no data rows (only a header); loading it would empty raw.transactions. "
        "If transactions really is empty, load again with --allow-empty transactions"
    )
    report = load_raw.load(folder, loaded_warehouse.path, False, allow_empty={"transactions"})
    assert "transactions: 0 rows from transactions.csv in batch" in " ".join(report)
    assert loaded_warehouse.scalar("select count(*) from raw.transactions") == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "transactions.csv: the file is empty (not even a header row)"),
        (None, "transactions.csv: line 4 has 13 fields where the header has 12: "),
        ('"T1', "transactions.csv: line 5 has a quoted value that is never closed: "),
    ],
    ids=["empty", "ragged", "unclosed-quote"],
)
def test_unreadable_csv_is_named_once_in_the_users_words(
    tmp_path: Path, small_data: DataSet, loaded_warehouse: Warehouse, content: str | None, expected: str
) -> None:
    folder = copy_files(small_data, tmp_path / "in", ("customers", "products"))
    if content is not None and content:  # the fourth data row (line 5) starts a quote it never closes
        rewrite(small_data.path / "transactions.parquet", folder / "transactions.csv", "select * from src")
        lines = (folder / "transactions.csv").read_text().splitlines()
        lines[4] = content + lines[4]
        content = "\n".join(lines) + "\n"
    if content is None:  # the third data row (line 4 of the file) has one field too many
        rewrite(small_data.path / "transactions.parquet", folder / "transactions.csv", "select * from src")
        lines = (folder / "transactions.csv").read_text().splitlines()
        lines[3] += ",surplus"
        content = "\n".join(lines) + "\n"
    (folder / "transactions.csv").write_text(content)
    message = rejected(folder, loaded_warehouse)
    assert message.startswith(expected), message
    assert len(message.splitlines()) == 1, "one problem, said once"


def test_csv_dialect_comes_from_the_header_not_a_sample(tmp_path: Path, small_data: DataSet) -> None:
    """Semicolons, and a quoted value with the delimiter in it long after DuckDB's 20,480-row sniffing sample."""
    folder = copy_files(small_data, tmp_path / "in", ("customers", "transactions"))
    rows = ["product_id;product_name;unit_cost"] + [f"P{i:06d};plain {i};1.5" for i in range(1, 25_001)]
    rows.append('"P-LATE";"Sofa; grey, ""XL""";2.25')
    (folder / "products.csv").write_text("\n".join(rows) + "\n")
    warehouse = Warehouse(tmp_path / "w.duckdb", tmp_path)
    load(folder, warehouse.path)
    assert warehouse.query(
        "select product_id, product_name, unit_cost from raw.products where _source_row_number = 25001"
    ) == [("P-LATE", 'Sofa; grey, "XL"', Decimal("2.2500"))]


WHOLE = (
    "1 value not a whole number written in digits (2.5, 0x10, 1_000 or 1e3 would be rounded or reinterpreted; "
    "the loader refuses them)"
)


@pytest.mark.parametrize(
    ("table", "column", "value", "expected"),
    [
        ("products", "unit_cost", "-1.00", "1 value negative (costs and prices are 0 or more)"),
        ("transactions", "unit_price", "19.990001", "1 value with more than 4 decimal places (the warehouse keeps 4"),
        (
            "transactions",
            "unit_price",
            "100000000000000",
            "1 value not a number between -99,999,999,999,999.9999 and 99,999,999,999,999.9999",
        ),
        # DuckDB alone would load quantity 2.5 as 3, 0.4 as 0, 0x10 as 16, 1_000 and 1e3 as 1000
        *[("transactions", "quantity", value, WHOLE) for value in ("2.5", "0.4", "0x10", "1_000", "1e3")],
        ("transactions", "line_number", "1.6", WHOLE),  # would collide with line 2
        ("transactions", "unit_price", "1_000", "1 value not a number written in digits with a decimal point (such "
         "as 1234.50; 1_000 or 1,000.00 are refused)"),
    ],
    ids=[
        "negative-cost", "sub-cent-price", "price-out-of-range",
        "half", "below-half", "hex", "underscore", "exponent", "line-number", "money-underscore",
    ],
)  # fmt: skip
def test_values_a_build_would_trip_on_are_refused_at_load(
    tmp_path: Path, small_data: DataSet, loaded_warehouse: Warehouse, table: str, column: str, value: str, expected: str
) -> None:
    folder = copy_files(small_data, tmp_path / "in")
    (folder / f"{table}.parquet").unlink()
    rewrite(
        small_data.path / f"{table}.parquet",
        folder / f"{table}.csv",
        f"select * replace (case when row_number() over () = 4 then '{value}' else {column}::varchar end as {column}) "
        "from src",
    )
    message = rejected(folder, loaded_warehouse)
    assert message == f"{table}.csv: column '{column}': {expected}, e.g. row 4: '{value}'" or (
        message.startswith(f"{table}.csv: column '{column}': {expected}") and f"e.g. row 4: '{value}'" in message
    ), message


def test_a_file_that_is_not_utf8_is_named_with_its_line(
    tmp_path: Path, small_data: DataSet, loaded_warehouse: Warehouse
) -> None:
    folder = copy_files(small_data, tmp_path / "in", ("customers", "products"))
    rewrite(small_data.path / "transactions.parquet", folder / "transactions.csv", "select * from src")
    lines = (folder / "transactions.csv").read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b",", "é".encode("latin-1") + b",", 1)  # saved from a Latin-1 editor
    (folder / "transactions.csv").write_bytes(b"\n".join(lines))
    message = rejected(folder, loaded_warehouse)
    assert message.startswith("transactions.csv: line 5 is not UTF-8 text (save the file as UTF-8): "), message


def test_every_row_carries_its_load_time_and_freshness_reads_it(tmp_path: Path, small_data: DataSet) -> None:
    """The loader stamps each row with its batch's load time; `dbt source freshness` judges each
    table by it (transactions by the line's own loaded_at, which the generator dates in the past)."""
    warehouse = Warehouse(tmp_path / "warehouse.duckdb", tmp_path)
    load(copy_files(small_data, tmp_path / "raw"), warehouse.path, False)
    ledger = dict(warehouse.query("select table_name, loaded_at from raw._load_batches"))
    for table in ("customers", "products", "transactions", "interactions"):
        assert warehouse.query(f"select distinct _loaded_at from raw.{table}") == [(ledger[table],)], table
    checked = warehouse.dbt("source", "freshness", "--output", str(tmp_path / "sources.json"))
    results = {r["unique_id"].split(".")[-1]: r for r in json.loads((tmp_path / "sources.json").read_text())["results"]}
    assert {results[t]["status"] for t in ("customers", "products", "interactions")} == {"pass"}, checked.stdout
    latest = duckdb.connect().execute(f"select max(loaded_at) from '{small_data.path / 'transactions.parquet'}'")
    age = dt.datetime.now(dt.UTC).replace(tzinfo=None) - latest.fetchone()[0]
    expected = "pass" if age < dt.timedelta(days=2) else "warn" if age < dt.timedelta(days=7) else "error"
    assert results["transactions"]["status"] == expected, checked.stdout
