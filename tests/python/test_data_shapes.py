"""Another business's data builds clean: hand-made raw files in shapes our generator never makes.

Each shape is loaded through the loader and built with `dbt build` (models, data tests, unit
tests) to 0 errors and 0 warnings, and its numbers are compared with values worked out here in
Python from the rows written, never read back from the warehouse first.

- minimal: only the contract's required columns, no interactions file, dates in 1995-1999, one
  product, the business's own source-system names, a customer with returns only;
- edge: one customer (two records with non-ASCII names), dates in 2085-2095, 100,005 lines in a
  CSV whose quoted fields (with commas) start after row 100,000, and money at the contract's
  limits (quantity 2,147,483,647 x unit price 99,999,999,999,999.9999); and after them lines a
  careless or hostile source sends: dated 0001-01-01, a negative discount, a discount above the
  line's gross, and a return of more units than were bought.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from conftest import Warehouse, load

MAX_QUANTITY = 2_147_483_647
MAX_MONEY = Decimal("99999999999999.9999")
UNKNOWN_CHANNEL = (Decimal("2.50"), Decimal("6.00"))  # seed rates of the channel 'unknown'


@dataclass
class Line:
    transaction_id: str
    line_number: int
    customer: str
    at: dt.datetime
    kind: str
    quantity: int
    price: Decimal
    discount: Decimal = Decimal(0)

    @property
    def sign(self) -> int:
        return -1 if self.kind == "return" else 1

    def revenue(self) -> Decimal:
        return self.sign * (self.quantity * self.price - self.discount)


@dataclass
class Shape:
    folder: Path
    lines: list[Line] = field(default_factory=list)  # the lines that must be trusted
    unit_cost: Decimal = Decimal(0)
    quarantined: list[tuple[Line, str]] = field(default_factory=list)  # and the reason of each other line


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def expected_profitability(shape: Shape, window_months: int = 12) -> dict[str, tuple[Decimal, Decimal, int]]:
    """Per customer with a sale in the window: (revenue, net profit, orders), by the documented rules."""
    as_of = max(line.at.date() for line in shape.lines)
    start = months_before(as_of, window_months)
    inside = [line for line in shape.lines if start < line.at.date() <= as_of]
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    cogs: dict[str, Decimal] = defaultdict(Decimal)
    orders: dict[str, set[str]] = defaultdict(set)
    returns: dict[str, int] = defaultdict(int)
    for line in inside:
        revenue[line.customer] += line.revenue()
        cogs[line.customer] += line.sign * line.quantity * shape.unit_cost
        if line.kind == "sale":
            orders[line.customer].add(line.transaction_id)
        else:
            returns[line.customer] += 1
    result = {}
    for customer, ids in orders.items():
        cost_to_serve = len(ids) * UNKNOWN_CHANNEL[0] + returns[customer] * UNKNOWN_CHANNEL[1]
        net = cents(revenue[customer]) - cents(cogs[customer]) - cost_to_serve
        result[customer] = (cents(revenue[customer]), net, len(ids))
    return result


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.write_text("\n".join([",".join(header), *(",".join(row) for row in rows)]) + "\n", encoding="utf-8")


def minimal_shape(folder: Path) -> Shape:
    """40 customers in two systems with the business's own names; customer C040 only returned goods."""
    folder.mkdir(parents=True)
    rng = random.Random(1997)
    shape = Shape(folder, unit_cost=Decimal("4.50"))
    systems = {f"C{n:03d}": ("Legacy ERP" if n % 2 else "boutique-FR") for n in range(1, 41)}
    write_csv(folder / "customers.csv", ["customer_id", "source_system"], [[c, s] for c, s in systems.items()])
    write_csv(folder / "products.csv", ["product_id", "unit_cost"], [["CD", "4.50"]])
    first, span = dt.datetime(1995, 1, 3, 10), (dt.datetime(1999, 12, 30, 10) - dt.datetime(1995, 1, 3, 10)).days
    number = 0
    for customer in list(systems)[:-1]:
        for _ in range(rng.randint(1, 25)):
            number += 1
            at = first + dt.timedelta(days=rng.randint(0, span), hours=rng.randint(0, 8))
            kind = "return" if rng.random() < 0.1 else "sale"
            for line_number in range(1, (1 if kind == "return" else rng.randint(1, 2)) + 1):
                price = Decimal(rng.choice(["9.99", "12.49", "15.00"]))
                shape.lines.append(Line(f"O{number:05d}", line_number, customer, at, kind, rng.randint(1, 5), price))
    # the first and last days of the span are traded, so the calendar must cover 1995 to 1999
    shape.lines.append(Line("O-FIRST", 1, "C001", first, "sale", 1, Decimal("9.99")))
    shape.lines.append(Line("O-LAST", 1, "C002", dt.datetime(1999, 12, 30, 17), "sale", 2, Decimal("15.00")))
    for line_number in (1, 2):
        shape.lines.append(
            Line("R-C040", line_number, "C040", dt.datetime(1998, 6, 1, 12), "return", 1, Decimal("12.49"))
        )
    header = [
        "transaction_id",
        "line_number",
        "customer_id",
        "source_system",
        "product_id",
        "transaction_at",
        "transaction_type",
        "quantity",
        "unit_price",
    ]
    write_csv(
        folder / "transactions.csv",
        header,
        [
            [
                line.transaction_id,
                str(line.line_number),
                line.customer,
                systems[line.customer],
                "CD",
                line.at.isoformat(sep=" "),
                line.kind,
                str(line.quantity),
                str(line.price),
            ]
            for line in shape.lines
        ],
    )
    return shape


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


def build(shape: Shape, work: Path) -> tuple[Warehouse, subprocess.CompletedProcess]:
    warehouse = Warehouse(work / "warehouse.duckdb", work)
    load(shape.folder, warehouse.path)
    return warehouse, warehouse.dbt("build")


def assert_clean(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stdout[-5000:]
    summary = re.search(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", result.stdout)
    assert summary, result.stdout[-2000:]
    passed, warned, errors, skipped = map(int, summary.groups())
    assert (warned, errors, skipped) == (0, 0, 0), result.stdout[-5000:]
    assert passed > 200


@pytest.fixture(scope="module")
def minimal(tmp_path_factory: pytest.TempPathFactory) -> tuple[Shape, Warehouse, subprocess.CompletedProcess]:
    work = tmp_path_factory.mktemp("minimal")
    shape = minimal_shape(work / "raw")
    return (shape, *build(shape, work))


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> tuple[Shape, Warehouse, subprocess.CompletedProcess]:
    work = tmp_path_factory.mktemp("edge")
    shape = edge_shape(work / "raw")
    return (shape, *build(shape, work))


def test_minimal_shape_builds_clean(minimal: tuple[Shape, Warehouse, subprocess.CompletedProcess]) -> None:
    assert_clean(minimal[2])


def test_minimal_shape_calendar_follows_the_data(minimal: tuple[Shape, Warehouse, subprocess.CompletedProcess]) -> None:
    _, warehouse, _ = minimal
    assert warehouse.query("select min(date_day), max(date_day), count(*) from marts.dim_date") == [
        (dt.date(1995, 1, 1), dt.date(1999, 12, 31), 365 * 5 + 1)
    ]


def test_minimal_shape_numbers_match_an_independent_computation(
    minimal: tuple[Shape, Warehouse, subprocess.CompletedProcess],
) -> None:
    shape, warehouse, _ = minimal
    expected = expected_profitability(shape)
    rows = warehouse.query(
        "select i.customer_id, p.revenue, p.net_profit, p.order_count from marts.customer_profitability as p "
        "inner join marts.customer_identity_map as i using (customer_key)"
    )
    assert {customer: (revenue, net, orders) for customer, revenue, net, orders in rows} == expected
    assert "C040" not in expected, "a customer with returns only has no sale to rank"
    # the returns-only customer's lines are trusted facts all the same
    assert warehouse.scalar("select sum(net_revenue) from marts.fct_sales where transaction_id = 'R-C040'") == Decimal(
        "-24.98"
    )
    # cohorts: customers by the month of their first sale, up to the as-of date
    first_sales: dict[str, dt.date] = {}
    for line in sorted(shape.lines, key=lambda line: line.at):
        if line.kind == "sale":
            first_sales.setdefault(line.customer, line.at.date().replace(day=1))
    cohort_sizes: dict[dt.date, int] = defaultdict(int)
    for month in first_sales.values():
        cohort_sizes[month] += 1
    assert dict(
        warehouse.query(
            "select acquisition_cohort_month, cohort_size from marts.cohort_retention "
            "where months_since_acquisition = 0"
        )
    ) == dict(cohort_sizes)


def test_minimal_shape_keeps_the_business_names_and_counts_no_interactions(
    minimal: tuple[Shape, Warehouse, subprocess.CompletedProcess],
) -> None:
    _, warehouse, _ = minimal
    assert warehouse.query("select distinct source_system from marts.customer_identity_map order by 1") == [
        ("boutique-fr",),
        ("legacy erp",),
    ]
    scorecard = warehouse.query(
        "select rule_name, rows_checked, rows_failing from marts.data_quality_scorecard "
        "where table_name = 'interactions'"
    )
    assert scorecard == [("unknown_customer", 0, 0)]
    assert warehouse.scalar("select count(*) from marts.data_quality_scorecard where rows_failing is null") == 0


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
        "select rows_checked, rows_failing from marts.data_quality_scorecard where rule_name = 'return_beyond_sales'"
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


def test_minimal_shape_campaign_rules_work_without_the_clv_model(
    minimal: tuple[Shape, Warehouse, subprocess.CompletedProcess],
) -> None:
    """Forty customers are too few to fit the CLV models: the campaign rules fall back to the
    lifecycle stage's prior P(alive) and the window's order run rate, and still give audiences."""
    _, warehouse, _ = minimal
    assert warehouse.query("select distinct status from marts.clv_model_parameters") == [("too_little_data",)]
    priors = dict(warehouse.query("select lifecycle_stage, alive_prior from raw.lifecycle_alive_priors"))
    orders = dict(warehouse.query("select customer_key, order_count from marts.customer_profitability"))
    rows = warehouse.query(
        "select customer_key, lifecycle_stage, value_basis, probability_alive, expected_purchases_if_alive "
        "from marts.campaign_candidates"
    )
    assert rows, "the minimal shape has customers the rules pick"
    for key, stage, basis, p_alive, purchases in rows:
        assert basis == "lifecycle_rules"
        assert p_alive == priors[stage]
        assert purchases == orders.get(key, 0)  # a 12-month window and a 12-month horizon: the run rate
    tiers = warehouse.scalar("select count(*) from marts.customer_loyalty_tiers")
    assert tiers == warehouse.scalar("select count(*) from marts.customer_lifecycle")
    assert warehouse.scalar("select count(*) from marts.campaign_summary") == 2
