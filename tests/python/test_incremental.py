"""An incremental build after an appended batch equals a full refresh, mart for mart."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb

from conftest import NO_TESTS, DataSet, Warehouse, load

MARTS = (
    "fct_sales",
    "quarantine_transactions",
    "customer_identity_map",
    "dim_customer",
    "customer_profitability",
    "profitability_deciles",
    "whale_curve",
    "customer_segments",
    "segment_economics",
    "data_quality_scorecard",
)


def contents(warehouse: Warehouse, table: str) -> list[tuple]:
    """Every row of a mart, in a stable order."""
    return warehouse.query(f"select * from marts.{table} order by all")


def grid(warehouse: Warehouse) -> list[tuple]:
    """Every row of the month-end state grid but the time it was computed."""
    return warehouse.query(
        "select * exclude (state_computed_at) from intermediate.int_customer_state__grid order by all"
    )


def computed_at(warehouse: Warehouse) -> dict:
    return dict(
        warehouse.query(
            "select state_date, max(state_computed_at) from intermediate.int_customer_state__grid group by all"
        )
    )


LATE_PRODUCTS = "product_id like '%3'"  # in the product master only from the second batch on


def clean_first_lines(transactions: Path, products: Path) -> str:
    """The lines of the first batch with no planted defect, as a query."""
    return (
        f"select * from '{transactions}' where transaction_id <= 'T0000010000' and transaction_at is not null "
        "and transaction_at <= loaded_at and quantity > 0 and customer_id not like '%7' "
        "and customer_id not like 'GHOST%' "
        f"and product_id in (select product_id from '{products}') "
        f"and (transaction_id, line_number) in (select transaction_id, line_number from '{transactions}' "
        "group by all having count(*) = 1)"
    )


def write_batches(data: Path, first: Path, second: Path) -> list[tuple]:
    """The small data set as two batches; returns the lines the second batch corrects, with
    their corrected quantity."""
    first.mkdir()
    second.mkdir()
    shutil.copy(data / "interactions.parquet", first / "interactions.parquet")
    con = duckdb.connect()
    products, customers, transactions = (data / f"{t}.parquet" for t in ("products", "customers", "transactions"))
    con.execute(f"copy (select * from '{products}' where not ({LATE_PRODUCTS})) to '{first}/products.parquet'")
    con.execute(f"copy (select * from '{customers}' where customer_id not like '%7') to '{first}/customers.parquet'")
    con.execute(f"copy (select * from '{customers}' where customer_id like '%7') to '{second}/customers.parquet'")
    con.execute(
        f"copy (select * from '{transactions}' where transaction_id <= 'T0000010000') to '{first}/transactions.parquet'"
    )
    # later orders, a re-delivery of 50 lines the first batch already held (loaded again now),
    # and a correction of 20 others (the quantity was wrong: one more unit)
    clean_first = clean_first_lines(transactions, products)
    con.execute(
        f"""
        copy (
            select * from '{transactions}' where transaction_id > 'T0000010000'
            union all
            select * replace (loaded_at + interval 400 day as loaded_at)
            from ({clean_first} order by transaction_id, line_number limit 50)
            union all
            select * replace (loaded_at + interval 400 day as loaded_at, quantity + 1 as quantity)
            from ({clean_first} order by transaction_id desc, line_number limit 20)
        ) to '{second}/transactions.parquet'
        """
    )
    corrected = con.execute(
        f"select transaction_id, line_number, quantity + 1 from ({clean_first} "
        "order by transaction_id desc, line_number limit 20)"
    ).fetchall()
    # a new cost for twenty products: cost of goods of lines already in the fact must follow;
    # and the products the first batch did not know yet
    con.execute(
        f"""
        copy (
            select * replace (unit_cost * 1.1 as unit_cost, updated_at + interval 3650 day as updated_at)
            from (select * from '{products}' where not ({LATE_PRODUCTS}) order by product_id limit 20)
            union all
            select * from '{products}' where {LATE_PRODUCTS}
        ) to '{second}/products.parquet'
        """
    )
    con.close()
    return corrected


def assert_corrections_replace_their_lines(warehouse: Warehouse, corrected: list[tuple]) -> None:
    """The fact has the corrected quantity and the first delivery is quarantined as superseded
    (money still reconciles: the dbt build tested it)."""
    keys = ", ".join(f"('{t}', {n})" for t, n, _ in corrected)
    assert sorted(
        warehouse.query(
            "select transaction_id, line_number, quantity from marts.fct_sales "
            f"where (transaction_id, line_number) in ({keys})"
        )
    ) == sorted(corrected)
    assert warehouse.query(
        "select reason_code, count(*) from marts.quarantine_transactions "
        f"where (transaction_id, line_number) in ({keys}) group by all"
    ) == [("superseded_line", 20)]


def test_incremental_run_after_appended_batch_equals_full_refresh(tmp_path: Path, small_data: DataSet) -> None:
    """The second batch holds late lines of old dates, re-deliveries of lines already loaded,
    customer records that merge existing customers and make quarantined lines trusted, new
    product costs, and products the first batch's lines referred to before they were known."""
    first, second = tmp_path / "first", tmp_path / "second"
    corrected = write_batches(small_data.path, first, second)
    incremental = Warehouse(tmp_path / "incremental.duckdb", tmp_path / "inc")
    load(first, incremental.path)
    assert incremental.dbt("build", "--exclude", *NO_TESTS).returncode == 0
    first_lines = incremental.scalar("select count(*) from marts.fct_sales")
    quarantined_unknown = incremental.scalar(
        "select count(*) from marts.quarantine_transactions where reason_code = 'unknown_customer'"
    )
    assert quarantined_unknown > 0, "lines of customers who arrive in the second batch start in quarantine"
    unknown_products = incremental.scalar(
        "select count(*) from marts.quarantine_transactions where reason_code = 'unknown_product' "
        "and product_id like '%3'"
    )
    assert unknown_products > 0, "lines of products that arrive in the second batch start in quarantine"

    load(second, incremental.path, append=True)
    result = incremental.dbt("build", "--exclude", *NO_TESTS)
    assert result.returncode == 0, result.stdout[-4000:]
    assert incremental.scalar("select count(*) from marts.fct_sales") > first_lines

    full = Warehouse(tmp_path / "full.duckdb", tmp_path / "full")
    shutil.copy(incremental.path, full.path)
    result = full.dbt("build", "--full-refresh", "--exclude", *NO_TESTS)
    assert result.returncode == 0, result.stdout[-4000:]

    for mart in MARTS:
        assert contents(incremental, mart) == contents(full, mart), (
            f"{mart} differs between incremental and full refresh"
        )
    assert grid(incremental) == grid(full), "the month-end state grid differs between incremental and full refresh"
    # the lines of products that became known are trusted now (screened again, not left behind)
    assert (
        incremental.scalar(
            "select count(*) from marts.quarantine_transactions where reason_code = 'unknown_product' "
            "and product_id like '%3'"
        )
        < unknown_products
    )
    # the new costs reached lines that were already in the fact
    assert (
        full.scalar(
            "select count(*) from marts.fct_sales as f inner join marts.dim_product as p using (product_id) "
            "where f.transaction_id <= 'T0000010000' and f.unit_cost = p.unit_cost "
            "and p.updated_at > timestamp '2030-01-01'"
        )
        > 0
    )
    # the re-delivered lines are duplicates, not new sales
    assert (
        full.scalar("select count(*) from marts.quarantine_transactions where reason_code = 'duplicate_line_key'") >= 50
    )
    assert_corrections_replace_their_lines(incremental, corrected)


def write_late_line(warehouse: Warehouse, transactions: Path, customer_key: str, batch: Path) -> Path:
    """A batch of one sale of 2026-03-15 by one of the customer's records, loaded a day after the
    latest line."""
    batch.mkdir()
    customer_id, source_system, product_id = warehouse.query(
        "select customer_id, source_system, product_id from marts.fct_sales as f "
        "inner join marts.customer_identity_map as m using (customer_key) "
        "where f.customer_key = ? limit 1",
        [customer_key],
    )[0]
    con = duckdb.connect()
    con.execute(
        f"""
        copy (
            select * replace (
                'LATE0000001' as transaction_id, 1 as line_number, ? as customer_id, ? as source_system,
                ? as product_id, timestamp '2026-03-15 11:00:00' as transaction_at, 'sale' as transaction_type,
                3 as quantity, 25.00 as unit_price, 0.00 as discount_amount,
                (select max(loaded_at) from '{transactions}') + interval 1 day as loaded_at
            )
            from '{transactions}' limit 1
        ) to '{batch}/transactions.parquet'
        """,
        [customer_id, source_system, product_id],
    )
    con.close()
    return batch


def test_a_late_line_re_states_only_the_month_ends_from_its_date(
    tmp_path: Path, small_data: DataSet, built_warehouse: tuple[Warehouse, object]
) -> None:
    """One line of 2026-03-15 arrives late: the month-ends before it keep their state (not even
    recomputed), those from 2026-03-31 on and the as-of date are re-stated, and the grid equals
    a full refresh of the customer state's three steps. A run that leaves a step out leaves the
    affected dates out of the grid, and the next whole run brings them back."""
    built, result = built_warehouse
    assert result.returncode == 0
    warehouse = Warehouse(tmp_path / "late.duckdb", tmp_path / "late")
    shutil.copy(built.path, warehouse.path)
    before, state_before = computed_at(warehouse), grid(warehouse)
    late_customer = warehouse.scalar(
        "select customer_key from marts.fct_sales where transaction_date = '2026-03-15' and not is_return limit 1"
    )
    assert late_customer is not None

    batch = write_late_line(warehouse, small_data.path / "transactions.parquet", late_customer, tmp_path / "batch")
    load(batch, warehouse.path, append=True)
    late = dt.date(2026, 3, 15)
    # a run that leaves out the window amounts: the grid does not build the dates whose window
    # amounts are from the older inputs (rather than build them with no money), and the build's
    # test says they are missing
    partial = warehouse.dbt("run", "--select", "+int_customer_state__lifecycle", "int_customer_state__grid")
    assert partial.returncode == 0, partial.stdout[-4000:]
    assert set(computed_at(warehouse)) == {day for day in before if day < late}
    missing = warehouse.dbt("test", "--select", "assert_the_state_grid_holds_every_state_date")
    assert missing.returncode != 0 and "assert_the_state_grid_holds_every_state_date" in missing.stdout
    # the incremental path to the grid, with its data and unit tests: the missing dates come back
    rebuilt = warehouse.dbt("build", "--select", "+int_customer_state__grid")
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:]

    after = computed_at(warehouse)
    assert set(after) == set(before)
    kept = {day for day in before if day < late}
    assert kept and all(after[day] == before[day] for day in kept), "month-ends before the late line were re-computed"
    assert all(after[day] > before[day] for day in before if day > late), (
        "month-ends after the late line were not re-stated"
    )
    changed = {row for row in grid(warehouse)} - set(state_before)
    assert {row[0] for row in changed} >= {dt.date(2026, 3, 31)}
    assert all(row[0] > late for row in changed)
    assert any(row[1] == late_customer for row in changed)

    full = Warehouse(tmp_path / "full.duckdb", tmp_path / "full")
    shutil.copy(warehouse.path, full.path)
    refreshed = full.dbt(
        "run",
        "--full-refresh",
        "--select",
        "int_customer_state__amounts_in_window",
        "int_customer_state__lifecycle",
        "int_customer_state__grid",
    )
    assert refreshed.returncode == 0, refreshed.stdout[-3000:]
    assert grid(warehouse) == grid(full)
