"""The edge data shape builds clean and reconciles: one customer (two records with non-ASCII
names, one of them sent three times), dates in 2085-2095, 100,005 lines in a CSV whose quoted
fields (with commas) start after row 100,000, money at the contract's limits (quantity
2,147,483,647 x unit price 99,999,999,999,999.9999), and after them lines a careless or hostile
source sends: dated 0001-01-01, a negative discount, a discount above the line's gross, and a
return of more units than were bought. Numbers are worked out here from the rows written.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import Warehouse
from shapes import MAX_MONEY, MAX_QUANTITY, Line, Shape, assert_clean, build, expected_profitability, write_csv

EDGE_CUSTOMERS = (
    ("K1", "Kasse Süd", "Zoë", "Ångström-Øster", "zoe@example.se", "B2C", "111 22", "SE", "2085-01-01 08:00:00"),
    ("W1", "webbutik", "ZOË", "ÅNGSTRÖM-ØSTER", " ZOE@Example.se", "B2C", "111 22", "SE", "2086-05-01 08:00:00"),
)
# K1 sent again with another postal code and no newer update time (a conflict: the later row is
# used), then that row once more (a repeat)
EDGE_CUSTOMER_CONFLICT = (
    "K1", "Kasse Süd", "Zoë", "Ångström-Øster", "zoe@example.se", "B2C", "111 23", "SE", "2085-01-01 08:00:00",
)  # fmt: skip


def edge_line(i: int, at: dt.datetime) -> Line:
    """Line i of the edge shape: 100,000 plain sales, then ids with a comma in them, a line at
    the money limits and a return at them."""
    if i <= 100_000:
        return Line(f"T{i:06d}", 1, "K1", at, "sale", 1, Decimal("10.00"))
    if i == 100_004:
        return Line(f"T,{i}", 1, "K1", at, "sale", MAX_QUANTITY, MAX_MONEY, MAX_MONEY)
    if i == 100_005:
        return Line(f"T,{i}", 1, "K1", at, "return", MAX_QUANTITY, MAX_MONEY)
    return Line(f"T,{i}", 1, "K1", at, "sale", 1, Decimal("10.00"))


def edge_shape(folder: Path) -> Shape:
    """One person with two records, 100,005 lines in 2085-2095, quoted fields after row 100,000."""
    folder.mkdir(parents=True)
    shape = Shape(folder, unit_cost=MAX_MONEY)
    header = "customer_id source_system first_name last_name email customer_type postal_code country created_at"
    rows = [*EDGE_CUSTOMERS, EDGE_CUSTOMER_CONFLICT, EDGE_CUSTOMER_CONFLICT]
    write_csv(folder / "customers.csv", header.split(), [list(row) for row in rows])
    write_csv(
        folder / "products.csv",
        ["product_id", "product_name", "unit_cost", "list_price"],
        [["P1", '"Möbel, groß"', str(MAX_MONEY), str(MAX_MONEY)], ["P2", "Stuhl", str(MAX_MONEY), ""]],
    )
    first, days = dt.datetime(2085, 1, 1, 12), (dt.date(2095, 12, 31) - dt.date(2085, 1, 1)).days
    rows = []
    for i in range(1, 100_006):
        line = edge_line(i, first + dt.timedelta(days=(i - 1) * days // 100_004))
        shape.lines.append(line)
        # from row 100,001 on every text field is quoted (the id has a comma in it)
        q = '"' if i > 100_000 else ""
        text = [f"{q}{value}{q}" for value in (line.transaction_id, "K1", "Kasse Süd")]
        rows.append(
            [text[0], str(line.line_number), text[1], text[2], "P1", line.at.isoformat(sep=" "), f"{q}{line.kind}{q}"]
            + [
                str(line.quantity),
                str(line.price),
                str(line.discount),
                (line.at + dt.timedelta(hours=1)).isoformat(sep=" "),
            ]
        )
    # hostile lines after them: nothing here may stretch the calendar or reach the sales unflagged
    probes = [
        (Line("H1", 1, "K1", dt.datetime(1, 1, 1, 12), "sale", 1, Decimal("10.00")), "before_earliest_transaction_at"),
        (Line("H2", 1, "K1", first, "sale", 1, Decimal("50.00"), Decimal("-10.00")), "negative_discount"),
        (Line("H3", 1, "K1", first, "sale", 1, Decimal("10.00"), Decimal("50.00")), "discount_above_gross"),
    ]
    shape.quarantined += probes
    # P2: bought once (1 unit, in the first order), returned ten times over later: trusted and counted
    shape.lines.append(Line("T000001", 2, "K1", first, "sale", 1, Decimal("10.00")))
    shape.lines.append(Line("H4", 1, "K1", first + dt.timedelta(days=30), "return", 10, Decimal("10.00")))
    for line in [probe for probe, _ in probes] + shape.lines[-2:]:
        product = "P2" if line.transaction_id in ("T000001", "H4") else "P1"
        rows.append(
            [line.transaction_id, str(line.line_number), "K1", "Kasse Süd", product, line.at.isoformat(sep=" ")]
            + [line.kind, str(line.quantity), str(line.price), str(line.discount)]
            + [(line.at + dt.timedelta(hours=1)).isoformat(sep=" ")]
        )
    columns = "transaction_id line_number customer_id source_system product_id transaction_at transaction_type"
    write_csv(folder / "transactions.csv", (columns + " quantity unit_price discount_amount loaded_at").split(), rows)
    return shape


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> tuple[Shape, Warehouse, subprocess.CompletedProcess]:
    work = tmp_path_factory.mktemp("edge")
    shape = edge_shape(work / "raw")
    return (shape, *build(shape, work))


def test_edge_shape_builds_clean(edge: tuple[Shape, Warehouse, subprocess.CompletedProcess]) -> None:
    assert_clean(edge[2])


def test_edge_shape_reads_quoted_fields_after_row_100000(
    edge: tuple[Shape, Warehouse, subprocess.CompletedProcess],
) -> None:
    _, warehouse, _ = edge
    assert warehouse.query(
        "select transaction_id, _source_row_number from raw.transactions "
        "where _source_row_number between 100001 and 100005 order by 2"
    ) == [(f"T,{i}", i) for i in range(100_001, 100_006)]
    assert warehouse.scalar("select count(*) from raw.transactions where contains(transaction_id, '\"')") == 0
    assert warehouse.scalar("select product_name from raw.products where product_id = 'P1'") == "Möbel, groß"


def test_edge_shape_quarantines_hostile_lines_and_reconciles(
    edge: tuple[Shape, Warehouse, subprocess.CompletedProcess],
) -> None:
    """A line dated 0001-01-01 (else the month-end grid would run from year 1 and stop at 9,999
    months), a discount that raises the price, a discount that makes a sale pay the customer:
    each quarantined with its reason, nothing lost (raw = fact + quarantine, to the cent)."""
    shape, warehouse, _ = edge
    assert warehouse.query(
        "select transaction_id, reason_code, net_revenue from marts.quarantine_transactions order by 1"
    ) == [(line.transaction_id, reason, line.revenue()) for line, reason in shape.quarantined]
    raw_count = len(shape.lines) + len(shape.quarantined)
    assert warehouse.scalar("select count(*) from raw.transactions") == raw_count
    assert warehouse.query(
        "select (select count(*) from marts.fct_sales) + (select count(*) from marts.quarantine_transactions), "
        "(select sum(net_revenue) from marts.fct_sales) + (select sum(net_revenue) from marts.quarantine_transactions)"
    ) == [(raw_count, sum((line.revenue() for line, _ in shape.quarantined), shape_revenue(shape)))]
    # the return of 10 units of P2 after one was bought is trusted (money did go back) and counted
    assert warehouse.query(
        "select rows_checked, rows_failing from marts.data_quality_scorecard "
        "where rule_name = 'trusted_return_beyond_sales'"
    ) == [(len(shape.lines), 1)]
    assert warehouse.query(
        "select rule_name, rows_failing from marts.data_quality_scorecard "
        "where rule_name in ('before_earliest_transaction_at', 'negative_discount', 'discount_above_gross') "
        "order by 1"
    ) == [("before_earliest_transaction_at", 1), ("discount_above_gross", 1), ("negative_discount", 1)]


def test_edge_shape_keeps_conflicting_customer_rows_visible(
    edge: tuple[Shape, Warehouse, subprocess.CompletedProcess],
) -> None:
    """K1 delivered three times with no update time: rows 1 and 3 differ in postal code, row 4
    repeats row 3. The later delivery (row 4) is the version in use; row 1 is a conflicting
    version and row 3 a repeat, both listed with what differs, and the scorecard counts the
    conflict."""
    _, warehouse, _ = edge
    assert warehouse.query(
        "select source_row_number, reason_code, differing_columns, version_rank from marts.superseded_customer_records "
        "order by 1"
    ) == [(1, "conflicting_version", ["postal_code"], 3), (3, "repeated_version", [], 2)]
    assert (
        warehouse.scalar(
            "select count(*) from marts.superseded_customer_records as s inner join raw.customers as r "
            "on s.in_use_raw_row_key = r._batch_id || ':' || r._source_row_number where r._source_row_number = 4"
        )
        == 2
    )
    assert warehouse.query(
        "select rows_checked, rows_failing from marts.data_quality_scorecard "
        "where rule_name = 'conflicting_record_version'"
    ) == [(4, 1)]
    # the record rules count records, not the rows of their versions: K1 is one record of three rows
    records = warehouse.scalar("select count(*) from (select distinct source_system, customer_id from raw.customers)")
    customers = warehouse.scalar("select count(distinct customer_key) from marts.customer_identity_map")
    assert records < 4 and warehouse.query(
        "select rows_checked, rows_failing from marts.data_quality_scorecard where rule_name = 'duplicate_record'"
    ) == [(records, records - customers)]
    assert (
        warehouse.scalar("select postal_code from intermediate.int_customer_identity__records where customer_id = 'K1'")
        == "11123"
    )


def shape_revenue(shape: Shape) -> Decimal:
    return sum((line.revenue() for line in shape.lines), Decimal(0))


def test_edge_shape_money_at_the_limits_reconciles_to_the_cent(
    edge: tuple[Shape, Warehouse, subprocess.CompletedProcess],
) -> None:
    shape, warehouse, _ = edge
    total = sum((line.revenue() for line in shape.lines), Decimal(0))
    assert warehouse.query("select count(*), sum(net_revenue) from marts.fct_sales") == [(len(shape.lines), total)]
    cogs = sum((line.sign * line.quantity * shape.unit_cost for line in shape.lines), Decimal(0))
    assert warehouse.scalar("select sum(cogs) from marts.fct_sales") == cogs
    expected = expected_profitability(shape)
    assert warehouse.query(
        "select revenue, net_profit, order_count, profit_decile from marts.customer_profitability"
    ) == [(*expected["K1"], 1)]


def test_edge_shape_one_person_one_customer_and_a_calendar_in_the_future(
    edge: tuple[Shape, Warehouse, subprocess.CompletedProcess],
) -> None:
    _, warehouse, _ = edge
    # one golden record; names compared and kept in any script and case
    assert warehouse.query(
        "select count(*), lower(min(last_name)), lower(min(first_name)) from marts.dim_customer"
    ) == [(1, "ångström-øster", "zoë")]
    assert warehouse.scalar("select count(distinct customer_key) from marts.customer_identity_map") == 1
    assert warehouse.query("select min(date_day), max(date_day) from marts.dim_date") == [
        (dt.date(2085, 1, 1), dt.date(2095, 12, 31))
    ]
    assert warehouse.query("select lifecycle_stage, purchase_count from marts.customer_lifecycle") == [
        ("active", 100_004)
    ]
