"""Hand-made raw data shapes for the data-shape tests: lines, the expected numbers worked out
in Python from the rows written, and a build of a shape into its own warehouse."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

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


def build(shape: Shape, work: Path) -> tuple[Warehouse, subprocess.CompletedProcess]:
    warehouse = Warehouse(work / "warehouse.duckdb", work)
    load(shape.folder, warehouse.path)
    # every model and data test on this shape; the unit tests read no data (test_dbt_build runs them)
    return warehouse, warehouse.dbt("build", "--exclude", "resource_type:unit_test")


def assert_clean(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stdout[-5000:]
    summary = re.search(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", result.stdout)
    assert summary, result.stdout[-2000:]
    passed, warned, errors, skipped = map(int, summary.groups())
    assert (warned, errors, skipped) == (0, 0, 0), result.stdout[-5000:]
    assert passed > 200
