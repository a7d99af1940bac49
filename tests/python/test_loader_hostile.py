"""The raw loader under careless or hostile input: numbers that DuckDB alone would round or
reinterpret, control characters and overlong text, a column named twice in different case,
time zones that must not depend on the machine, and a warehouse file name dbt cannot build."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import REPO, DataSet, Warehouse, load, load_raw
from test_loader import copy_files, rejected, rewrite


def test_plain_numbers_with_signs_spaces_and_decimals_still_load(tmp_path: Path, small_data: DataSet) -> None:
    folder = copy_files(small_data, tmp_path / "in", ("customers", "products", "interactions"))
    rewrite(
        small_data.path / "transactions.parquet",
        folder / "transactions.csv",
        "select * replace ("
        " case row_number() over () when 1 then ' 3 ' when 2 then '+2' else quantity::varchar end as quantity,"
        " case row_number() over () when 1 then '1.5e1' when 2 then '.5' else unit_price::varchar end as unit_price"
        ") from src",
    )
    warehouse = tmp_path / "w.duckdb"
    load(folder, warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute(
        "select quantity, unit_price from raw.transactions where _source_row_number <= 2 order by _source_row_number"
    ).fetchall()
    con.close()
    assert rows == [(3, Decimal("15.0000")), (2, Decimal("0.5000"))]


@pytest.mark.parametrize(
    ("value_sql", "expected", "shown"),
    [
        ("'Ann' || chr(0) || 'a'", "1 value with a control character (a NUL, tab, line break", "'Ann\\x00a'"),
        ("'Ann' || chr(9) || 'a'", "1 value with a control character (a NUL, tab, line break", "'Ann\\ta'"),
        ("'Ann' || chr(10) || 'a'", "1 value with a control character (a NUL, tab, line break", "'Ann\\na'"),
        ("repeat('x', 1001)", "1 value longer than 1,000 characters", "'" + "x" * 80 + "...'"),
    ],
    ids=["nul", "tab", "line-break", "1001-characters"],
)
def test_control_characters_and_overlong_text_are_refused(
    tmp_path: Path, small_data: DataSet, loaded_warehouse: Warehouse, value_sql: str, expected: str, shown: str
) -> None:
    folder = copy_files(small_data, tmp_path / "in", ("products", "transactions", "interactions"))
    rewrite(
        small_data.path / "customers.parquet",
        folder / "customers.parquet",
        f"select * replace (case when row_number() over () = 6 then {value_sql} else first_name end as first_name) "
        "from src",
    )
    message = rejected(folder, loaded_warehouse)
    assert message.startswith(f"customers.parquet: column 'first_name': {expected}"), message
    assert message.endswith(f"e.g. row 6: {shown}"), message


def test_text_of_exactly_the_limit_loads(tmp_path: Path, small_data: DataSet) -> None:
    folder = copy_files(small_data, tmp_path / "in", ("products", "transactions", "interactions"))
    rewrite(
        small_data.path / "customers.parquet",
        folder / "customers.parquet",
        "select * replace (case when row_number() over () = 6 then repeat('é', 1000) else first_name end "
        "as first_name) from src",
    )
    warehouse = tmp_path / "w.duckdb"
    load(folder, warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select length(first_name) from raw.customers where _source_row_number = 6").fetchall() == [
        (1000,)
    ]
    con.close()


def test_parquet_with_one_column_in_two_cases_is_refused(
    tmp_path: Path, small_data: DataSet, loaded_warehouse: Warehouse
) -> None:
    import pyarrow.parquet as pq

    folder = copy_files(small_data, tmp_path / "in", ("customers", "products", "interactions"))
    table = pq.read_table(small_data.path / "transactions.parquet")
    # DuckDB reads the second as Quantity_1: the loader would take the first without a word
    table = table.append_column("Quantity", table.column("quantity"))
    pq.write_table(table, folder / "transactions.parquet")
    message = rejected(folder, loaded_warehouse)
    assert message == (
        "transactions.parquet: the file has two columns for 'quantity' ('quantity' and 'Quantity'); "
        "column names are matched ignoring case, so keep one"
    )


def zoned_transactions(small_data: DataSet, folder: Path) -> None:
    """transactions.parquet with transaction_at as TIMESTAMPTZ: row 1 at 08:14 UTC, row 2 at 08:14+05:00 written
    as text would be; both written from UTC instants."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        f"copy (select * replace (case row_number() over () when 1 then timestamptz '2024-03-01 08:14:00+00' "
        f"when 2 then timestamptz '2024-03-01 23:30:00+00' else transaction_at::timestamptz end as transaction_at) "
        f"from '{small_data.path / 'transactions.parquet'}') to '{folder / 'transactions.parquet'}' (format parquet)"
    )
    con.close()


def load_in_zone(folder: Path, warehouse: Path, machine_zone: str, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TZ": machine_zone}
    env.pop("CRM_TIME_ZONE", None)
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "load_raw.py"), str(folder), "--warehouse", str(warehouse), *options],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def first_two_times(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute(
        "select transaction_at from raw.transactions where _source_row_number <= 2 order by _source_row_number"
    ).fetchall()
    con.close()
    return rows


def test_zoned_timestamps_load_the_same_whatever_the_machines_time_zone(tmp_path: Path, small_data: DataSet) -> None:
    folder = copy_files(small_data, tmp_path / "in", ("customers", "products", "interactions"))
    zoned_transactions(small_data, folder)
    utc = [(dt.datetime(2024, 3, 1, 8, 14),), (dt.datetime(2024, 3, 1, 23, 30),)]
    warehouses = {}
    for zone in ("UTC", "America/New_York", "Asia/Tokyo"):
        warehouses[zone] = tmp_path / f"{zone.replace('/', '_')}.duckdb"
        done = load_in_zone(folder, warehouses[zone], zone)
        assert done.returncode == 0, done.stderr
        assert first_two_times(warehouses[zone]) == utc, zone
    # the same file appended from a machine in another zone is recognised as loaded
    done = load_in_zone(folder, warehouses["UTC"], "Asia/Tokyo", "--append")
    assert done.returncode == 0, done.stderr
    assert "transactions: the rows of transactions.parquet were already loaded" in done.stdout
    # a business that keeps local times: converted to its zone (Berlin is UTC+1 in March)
    berlin = tmp_path / "berlin.duckdb"
    done = load_in_zone(folder, berlin, "Asia/Tokyo", "--time-zone", "Europe/Berlin")
    assert done.returncode == 0, done.stderr
    assert first_two_times(berlin) == [(dt.datetime(2024, 3, 1, 9, 14),), (dt.datetime(2024, 3, 2, 0, 30),)]
    # appending in another zone than the earlier batches would shift the new rows against the old
    done = load_in_zone(folder, berlin, "UTC", "--append")
    assert done.returncode == 2
    assert "--time-zone 'UTC': the batches loaded before converted timestamps to 'Europe/Berlin'" in done.stderr
    done = load_in_zone(folder, berlin, "UTC", "--time-zone", "Mars/Olympus")
    assert done.returncode == 2
    assert "--time-zone 'Mars/Olympus': not a time zone name" in done.stderr


def test_text_timestamps_with_an_offset_are_converted(tmp_path: Path, small_data: DataSet) -> None:
    folder = copy_files(small_data, tmp_path / "in", ("customers", "products", "interactions"))
    rewrite(
        small_data.path / "transactions.parquet",
        folder / "transactions.csv",
        "select * replace (case row_number() over () when 1 then '2024-03-01 08:14:00+05:00' "
        "when 2 then '2024-03-01T08:14:00Z' else transaction_at::varchar end as transaction_at) from src",
    )
    warehouse = tmp_path / "w.duckdb"
    done = load_in_zone(folder, warehouse, "Asia/Tokyo")
    assert done.returncode == 0, done.stderr
    # DuckDB alone reads '08:14:00+05:00' as 08:14, dropping the offset
    assert first_two_times(warehouse) == [(dt.datetime(2024, 3, 1, 3, 14),), (dt.datetime(2024, 3, 1, 8, 14),)]


def test_a_warehouse_file_name_dbt_cannot_build_is_refused_up_front(tmp_path: Path, small_data: DataSet) -> None:
    # dbt-duckdb names the database after the file and fails on a quote with a bare parser error
    folder = copy_files(small_data, tmp_path / "in")
    quoted = tmp_path / "it's.duckdb"
    with pytest.raises(load_raw.LoadError) as error:
        load(folder, quoted)
    assert str(error.value) == (
        f"{quoted}: the warehouse file's name must not contain a quote: dbt-duckdb names the "
        "database after the file and cannot build it; rename the file (a quote in a folder name is fine)"
    )
    assert not quoted.exists()
    quoted_folder = tmp_path / "o'brien"
    quoted_folder.mkdir()
    assert load(folder, quoted_folder / "warehouse.duckdb")[-1].startswith("contact_permissions: ")
    # a file named after a schema makes its database's name clash with the schema's
    for name in ("raw.duckdb", "Marts.db"):
        clashing = tmp_path / name
        with pytest.raises(load_raw.LoadError) as error:
            load(folder, clashing)
        assert str(error.value).startswith(f"{clashing}: the warehouse file cannot be named {clashing.stem}: DuckDB")
        assert not clashing.exists()
    assert load(folder, tmp_path / "raw_2026.duckdb")[-1].startswith("contact_permissions: ")


def test_the_build_warehouse_is_readable_by_its_owner_only(tmp_path: Path, small_data: DataSet) -> None:
    folder = copy_files(small_data, tmp_path / "in")
    new = tmp_path / "made" / "for it" / "warehouse.duckdb"
    previous = os.umask(0o022)  # what a default shell has: new files 0644, folders 0755
    try:
        load(folder, new)
        assert stat.S_IMODE(new.stat().st_mode) == 0o600
        assert stat.S_IMODE(new.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(new.parent.parent.stat().st_mode) == 0o700
        # a warehouse made before, readable by everyone, is tightened by the next load
        new.chmod(0o644)
        load(folder, new, append=True)
        assert stat.S_IMODE(new.stat().st_mode) == 0o600
        # and the loader leaves the process's umask as it found it
        assert os.umask(0o022) == 0o022
    finally:
        os.umask(previous)
