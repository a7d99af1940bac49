"""data_quality_by_source_system: which source system delivers the bad rows, against the
generator's truth."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb

from conftest import DataSet, Warehouse

Built = tuple[Warehouse, subprocess.CompletedProcess]


def planted_by_source(path: Path) -> dict[tuple[str, str, str], int]:
    """The generator's planted defects per (table, source system, kind): a customer defect's source
    from its record key, a transaction defect's from the raw file's row it was planted in."""
    planted = (
        duckdb.connect()
        .execute(
            f"""
        with transactions as (
            select file_row_number, source_system
            from read_parquet('{path / "transactions.parquet"}', file_row_number = true)
        )
        select
            defects.table_name,
            case when defects.table_name = 'customers' then split_part(defects.record_key, '|', 1)
                else transactions.source_system end,
            defects.defect_kind,
            count(*)
        from '{path / "truth" / "defects.parquet"}' as defects
        left join transactions
            on defects.table_name = 'transactions' and transactions.file_row_number = defects.file_row_number
        group by all
        """
        )
        .fetchall()
    )
    return {(table, source, kind): count for table, source, kind, count in planted}


def test_quality_by_source_system_charges_each_planted_defect_to_its_source(
    built_warehouse: Built, small_data: DataSet
) -> None:
    """data_quality_by_source_system against the generator's truth: each planted customer and
    transaction defect counted under the source system of the raw row it was planted in (read
    from the raw files, not the warehouse), and each source's records and duplicates."""
    warehouse, result = built_warehouse
    assert result.returncode == 0
    truth = planted_by_source(small_data.path)
    renamed = {"missing_transaction_at": "missing_timestamp", "future_transaction_at": "future_timestamp"}
    exact = {
        "customers": ["sentinel_birth_date", "impossible_birth_date", "invalid_email", "placeholder_email"]
        + ["invalid_phone", "placeholder_phone", "missing_address"],
        "transactions": ["unknown_customer", "unknown_product", "non_positive_quantity", "missing_transaction_at"]
        + ["future_transaction_at", "duplicate_line_key"],
    }
    rows = warehouse.query(
        "select source_system, table_name, rule_name, rows_checked, rows_failing "
        "from marts.data_quality_by_source_system"
    )
    by_source = {(table, source, rule): failing for source, table, rule, _, failing in rows}
    sources = {source for source, *_ in rows}
    assert {"webshop", "store_pos", "call_center", "dealer_portal"} <= sources
    compared = 0
    for table, rules in exact.items():
        for rule in rules:
            for source in sources:
                expected = truth.get((table, source, renamed.get(rule, rule)), 0)
                assert by_source[(table, source, rule)] == expected, (table, source, rule)
                compared += expected > 0
    assert compared >= 30, "the planted defects should spread over the sources"
    # the record rules count each source's records (from the raw file, not the rows of their
    # versions), and its duplicates add up to records minus resolved customers
    raw_records = dict(
        duckdb.connect()
        .execute(
            f"select lower(trim(source_system)), count(distinct customer_id) "
            f"from '{small_data.path / 'customers.parquet'}' group by 1"
        )
        .fetchall()
    )
    checked = {source: n for source, table, rule, n, _ in rows if rule == "duplicate_record"}
    assert checked == raw_records
    customers = warehouse.scalar("select count(distinct customer_key) from marts.customer_identity_map")
    duplicates = sum(failing for source, table, rule, _, failing in rows if rule == "duplicate_record")
    assert duplicates == sum(raw_records.values()) - customers > 0
