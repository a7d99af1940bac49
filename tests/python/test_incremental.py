"""An incremental build after an appended batch equals a full refresh, mart for mart."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from conftest import DataSet, Warehouse, load

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


def test_incremental_run_after_appended_batch_equals_full_refresh(tmp_path: Path, small_data: DataSet) -> None:
    """The second batch holds late lines of old dates, re-deliveries of lines already loaded,
    customer records that merge existing customers and make quarantined lines trusted, and
    new product costs."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for table in ("products", "interactions"):
        shutil.copy(small_data.path / f"{table}.parquet", first / f"{table}.parquet")
    con = duckdb.connect()
    customers, transactions = small_data.path / "customers.parquet", small_data.path / "transactions.parquet"
    con.execute(f"copy (select * from '{customers}' where customer_id not like '%7') to '{first}/customers.parquet'")
    con.execute(f"copy (select * from '{customers}' where customer_id like '%7') to '{second}/customers.parquet'")
    con.execute(
        f"copy (select * from '{transactions}' where transaction_id <= 'T0000010000') to '{first}/transactions.parquet'"
    )
    # later orders, a re-delivery of 50 lines the first batch already held (loaded again now),
    # and a correction of 20 others (the quantity was wrong: one more unit)
    products = small_data.path / "products.parquet"
    clean_first = (  # lines of the first batch with no planted defect
        f"select * from '{transactions}' where transaction_id <= 'T0000010000' and transaction_at is not null "
        "and transaction_at <= loaded_at and quantity > 0 and customer_id not like '%7' "
        "and customer_id not like 'GHOST%' "
        f"and product_id in (select product_id from '{products}') "
        f"and (transaction_id, line_number) in (select transaction_id, line_number from '{transactions}' "
        "group by all having count(*) = 1)"
    )
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
        f"select transaction_id, line_number, quantity + 1 from ({clean_first} order by transaction_id desc, line_number "
        "limit 20)"
    ).fetchall()
    # a new cost for twenty products: cost of goods of lines already in the fact must follow
    con.execute(
        f"""
        copy (
            select * replace (unit_cost * 1.1 as unit_cost, updated_at + interval 3650 day as updated_at)
            from '{products}' order by product_id limit 20
        ) to '{second}/products.parquet'
        """
    )
    con.close()

    incremental = Warehouse(tmp_path / "incremental.duckdb", tmp_path / "inc")
    load(first, incremental.path)
    assert incremental.dbt("build").returncode == 0
    first_lines = incremental.scalar("select count(*) from marts.fct_sales")
    quarantined_unknown = incremental.scalar(
        "select count(*) from marts.quarantine_transactions where reason_code = 'unknown_customer'"
    )
    assert quarantined_unknown > 0, "lines of customers who arrive in the second batch start in quarantine"

    load(second, incremental.path, append=True)
    result = incremental.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    assert incremental.scalar("select count(*) from marts.fct_sales") > first_lines

    full = Warehouse(tmp_path / "full.duckdb", tmp_path / "full")
    shutil.copy(incremental.path, full.path)
    result = full.dbt("build", "--full-refresh")
    assert result.returncode == 0, result.stdout[-4000:]

    for mart in MARTS:
        assert contents(incremental, mart) == contents(full, mart), f"{mart} differs between incremental and full refresh"
    # the new costs reached lines that were already in the fact
    assert full.scalar(
        "select count(*) from marts.fct_sales as f inner join marts.dim_product as p using (product_id) "
        "where f.transaction_id <= 'T0000010000' and f.unit_cost = p.unit_cost and p.updated_at > timestamp '2030-01-01'"
    ) > 0
    # the re-delivered lines are duplicates, not new sales
    assert full.scalar(
        "select count(*) from marts.quarantine_transactions where reason_code = 'duplicate_line_key'"
    ) >= 50
    # a correction replaces the line: the fact has the corrected quantity, the first delivery is
    # quarantined as superseded, and money still reconciles (the dbt build above tested it)
    keys = ", ".join(f"('{t}', {n})" for t, n, _ in corrected)
    assert sorted(incremental.query(
        f"select transaction_id, line_number, quantity from marts.fct_sales where (transaction_id, line_number) in ({keys})"
    )) == sorted(corrected)
    assert incremental.query(
        f"select reason_code, count(*) from marts.quarantine_transactions where (transaction_id, line_number) in ({keys}) "
        "group by all"
    ) == [("superseded_line", 20)]
