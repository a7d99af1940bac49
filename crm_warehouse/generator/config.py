"""What a generator run depends on: planted defect rates, size thresholds and the frozen
configuration of one run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Planted defect rates. Each is the probability that one row of the named table carries
# the defect; kinds on the same table and line are mutually exclusive where noted, so the
# recorded truth has one kind per row and group.
DEFAULT_RATES: dict[str, float] = {
    # customers: share of records that are extra records of an already recorded person
    "duplicate_record": 0.15,
    # customers, birth date group (exclusive)
    "sentinel_birth_date": 0.03,
    "impossible_birth_date": 0.005,
    # customers, email group (exclusive)
    "invalid_email": 0.02,
    "placeholder_email": 0.015,
    # customers, phone group (exclusive)
    "placeholder_phone": 0.015,
    "invalid_phone": 0.01,
    # customers, independent
    "missing_address": 0.04,
    "household_member": 0.02,  # share of B2C persons who join another household and share its email
    # transactions, quarantine group (exclusive)
    "unknown_customer": 0.003,
    "unknown_product": 0.002,
    "non_positive_quantity": 0.002,
    "missing_timestamp": 0.002,
    "future_timestamp": 0.001,
    "duplicate_line_key": 0.002,
    # transactions, independent
    "late_arriving": 0.02,
    "transaction_type_case_variant": 0.01,
}

CUSTOMER_DEFECT_GROUPS = (
    ("birth", ("sentinel_birth_date", "impossible_birth_date")),
    ("email", ("invalid_email", "placeholder_email")),
    ("phone", ("placeholder_phone", "invalid_phone")),
)
TRANSACTION_QUARANTINE_KINDS = (
    "unknown_customer",
    "unknown_product",
    "non_positive_quantity",
    "missing_timestamp",
    "future_timestamp",
    "duplicate_line_key",
)

MAX_UBIGINT_PLUS_ONE = 18446744073709551616.0
PRODUCT_BUCKETS = 65536
CALENDAR_BUCKETS = 1048576


# From this many lines the working tables live in a temporary DuckDB file: at 200M lines an
# in-memory build under an 8 GB memory limit spilled over 70 GB of uncompressed temporary data.
ON_DISK_FROM_LINES = 50_000_000


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything a run of the generator depends on, checked and frozen (from the command line
    by parse_args, or built directly by a caller)."""

    out: Path
    customers: int
    lines: int
    products: int
    seed: int
    start_date: dt.date
    end_date: dt.date
    rates: Mapping[str, float]
    threads: int | None = None
    memory_limit: str | None = None
    work_on_disk: str = "auto"
