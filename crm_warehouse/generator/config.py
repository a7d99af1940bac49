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

# Shares that shape the population and how its records and lines vary (not defects a check
# should find). Each is the probability that one person, record, order or line has the trait;
# `--rate KIND=VALUE` overrides them like the defect rates, and summary.json records them.
DEFAULT_SHARES: dict[str, float] = {
    # persons: customer type (B2C is the rest)
    "b2b_person": 0.15,
    "b2g_person": 0.05,
    # persons: behaviour
    "one_time_buyer": 0.25,  # a person whose first window lasts one day
    "serial_returner": 0.06,  # returns 30-50% of orders instead of 1-5%
    "heavy_service_user": 0.05,  # eight times the service contacts
    "comeback": 0.15,  # comes back for a second window after a long gap
    # persons: B2B and B2G contact data
    "company_switchboard_phone": 0.4,  # gives the company switchboard, shared by colleagues
    "company_generic_email": 0.3,  # gives the company's info@ address, shared by colleagues
    "company_birth_date_known": 0.3,  # B2B and B2G records with a birth date at all
    # persons: names and look-alikes
    "accented_person": 0.05,  # a person whose first or last name has accents (josé, müller)
    # of B2C persons: one with the first and last name and postal code (so city) of another B2C
    # person but their own birth date, street address, email and phone (a father and son, two
    # John Smiths in one town): a different person a matcher must keep apart
    "lookalike_person": 0.015,
    # customer records: how a duplicate record of a person drifts from the first
    "duplicate_same_system": 0.35,  # recorded again in the person's first source system
    # name group (exclusive): at most one of these per duplicate, so it stays recognisable
    "duplicate_name_typo": 0.15,  # one character of the first or last name dropped, swapped or doubled
    "duplicate_names_swapped": 0.03,  # the first name typed as the last and the other way round
    "duplicate_nickname": 0.08,  # a common short form (bill for william); names without one stay
    "duplicate_first_initial": 0.04,  # the first name as its initial (J or J.)
    "duplicate_missing_first_name": 0.02,
    "duplicate_missing_last_name": 0.02,
    # accent group (exclusive), of the duplicates of a person with an accented name and no name
    # drift: the accents left out, or the same text in Unicode NFD (e + combining accent: other
    # bytes, same look; only where Unicode decomposes the accent, so not for sørensen's ø), as
    # another system or keyboard types it
    "duplicate_accent_dropped": 0.40,
    "duplicate_unicode_nfd": 0.15,
    # birth date group (exclusive)
    "duplicate_birth_day_month_transposed": 0.08,  # of those whose day is 12 or less and not the month
    "duplicate_birth_date_missing": 0.05,  # of those whose person has a birth date
    # address group (exclusive): at most one address drift per duplicate
    "duplicate_moved": 0.15,  # a new street address and postal code
    "duplicate_postcode_typo": 0.04,  # one digit of the postal code wrong, same street address and city
    "duplicate_address_abbreviated": 0.10,  # street -> st, avenue -> ave, boulevard -> blvd
    "duplicate_address_reordered": 0.03,  # 12 oak street typed oak street 12
    "duplicate_house_number_typo": 0.03,  # one digit of the house number wrong
    "duplicate_city_missing": 0.04,
    "duplicate_city_typo": 0.03,
    # email group (exclusive); no_contact drops the phone too (a record with neither)
    "duplicate_email_case_variant": 0.40,
    "duplicate_email_dropped": 0.15,
    "duplicate_email_changed": 0.10,
    "duplicate_no_contact": 0.04,
    "duplicate_phone_format_variant": 0.50,  # phone group (exclusive)
    "duplicate_phone_dropped": 0.20,
    "duplicate_phone_changed": 0.10,
    # customer records: how they are typed
    "phone_formatted": 0.5,  # a first record's phone typed with separators, not digits only
    "name_in_capitals": 0.05,
    "first_name_with_spaces": 0.03,
    "initial_with_dot": 0.4,  # of the first initials: J. rather than J
    "abbreviation_with_dot": 0.3,  # of the abbreviated street kinds: st. rather than st
    "sentinel_1911_11_11": 0.6,  # of the sentinel birth dates; the rest are 1900-01-01
    "impossible_birth_after_created": 0.5,  # of the impossible birth dates; the rest before 1900
    # orders and lines
    "channel_off_system": 0.15,  # an order in another channel than its source system's usual one
    "marked_down_line": 0.2,  # priced 15% below list
    "discounted_line": 0.2,  # with a discount of up to 25% of the line amount
    "zero_quantity": 0.5,  # of the non-positive quantities; the rest are negative
    "type_in_capitals": 0.5,  # of the transaction type case variants; the rest padded and capitalised
    # service interactions per transaction line
    "interactions_per_line": 0.06,
    # contact permissions: records with one, of those an opt-out (else an opt-in), a later change
    # of mind, and a row naming a record the customer master does not have
    "contact_permission_records": 0.10,
    "contact_opt_out_share": 0.7,
    "contact_permission_changed": 0.15,
    "contact_permission_unknown_record": 0.02,
}
# Persons per B2B or B2G organisation, on average
PERSONS_PER_COMPANY = 4

# Shares drawn from one uniform as mutually exclusive outcomes: each group must sum below 1
SHARE_GROUPS: dict[str, tuple[str, ...]] = {
    "customer type": ("b2b_person", "b2g_person"),
    "duplicate name": (
        "duplicate_name_typo",
        "duplicate_names_swapped",
        "duplicate_nickname",
        "duplicate_first_initial",
        "duplicate_missing_first_name",
        "duplicate_missing_last_name",
    ),
    "duplicate accent": ("duplicate_accent_dropped", "duplicate_unicode_nfd"),
    "duplicate birth date": ("duplicate_birth_day_month_transposed", "duplicate_birth_date_missing"),
    "duplicate address": (
        "duplicate_moved",
        "duplicate_postcode_typo",
        "duplicate_address_abbreviated",
        "duplicate_address_reordered",
        "duplicate_house_number_typo",
        "duplicate_city_missing",
        "duplicate_city_typo",
    ),
    "duplicate email": (
        "duplicate_email_case_variant",
        "duplicate_email_dropped",
        "duplicate_email_changed",
        "duplicate_no_contact",
    ),
    "duplicate phone": ("duplicate_phone_format_variant", "duplicate_phone_dropped", "duplicate_phone_changed"),
}

# The variation kinds in truth/record_variations.parquet that a share plants: kind -> (share,
# the records it can show on). summary.json counts those records under `denominators`, so the
# planted share is checkable: a nickname needs a first name that has one, a transposed birth
# date a day that can be read as a month, an address drift an address, and so on.
VARIATION_SHARES: dict[str, tuple[str, str]] = {
    "name_typo": ("duplicate_name_typo", "duplicates"),
    "names_swapped": ("duplicate_names_swapped", "duplicates"),
    "nickname": ("duplicate_nickname", "duplicates_with_nickname"),
    "first_initial": ("duplicate_first_initial", "duplicates"),
    "missing_first_name": ("duplicate_missing_first_name", "duplicates"),
    "missing_last_name": ("duplicate_missing_last_name", "duplicates"),
    "accent_dropped": ("duplicate_accent_dropped", "duplicates_with_accent_and_no_name_drift"),
    "unicode_nfd": ("duplicate_unicode_nfd", "duplicates_with_decomposable_accent_and_no_name_drift"),
    "birth_day_month_transposed": ("duplicate_birth_day_month_transposed", "duplicates_with_transposable_birth"),
    "birth_date_missing": ("duplicate_birth_date_missing", "duplicates_with_birth_date"),
    "moved_address": ("duplicate_moved", "duplicates"),
    "postcode_typo": ("duplicate_postcode_typo", "duplicates_with_address"),
    "address_abbreviated": ("duplicate_address_abbreviated", "duplicates_with_address"),
    "address_reordered": ("duplicate_address_reordered", "duplicates_with_address"),
    "house_number_typo": ("duplicate_house_number_typo", "duplicates_with_address"),
    "city_missing": ("duplicate_city_missing", "duplicates_with_address"),
    "city_typo": ("duplicate_city_typo", "duplicates_with_address"),
    "no_contact": ("duplicate_no_contact", "duplicates_with_contact_data"),
}

# The phone numbers are North American; the truth's "shared phone" normalises them as the
# warehouse does with the vars of the same names (their defaults in dbt_project.yml)
PHONE_COUNTRY_CODE = "1"
PHONE_NATIONAL_LENGTH = 10

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
    shares: Mapping[str, float]
    threads: int | None = None
    memory_limit: str | None = None
    work_on_disk: str = "auto"


def checked_overrides(items: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """The defect rates and shares with the `KIND=VALUE` overrides applied; a ValueError that
    says what is wrong for an unknown kind, a value that is not a probability, or a group of
    exclusive outcomes that sums to 1 or more."""
    rates, shares = dict(DEFAULT_RATES), dict(DEFAULT_SHARES)
    for item in items:
        kind, sep, value = item.partition("=")
        target = rates if kind in rates else shares if kind in shares else None
        if not sep or target is None:
            raise ValueError(f"--rate {item!r}: expected KIND=VALUE with KIND one of {', '.join([*rates, *shares])}")
        try:
            target[kind] = float(value)
        except ValueError:
            raise ValueError(f"--rate {item!r}: {value!r} is not a number") from None
        if not 0.0 <= target[kind] < 1.0:
            raise ValueError(f"--rate {item!r}: a rate must be in [0, 1)")
    groups = [(kinds, rates) for _, kinds in CUSTOMER_DEFECT_GROUPS] + [(k, shares) for k in SHARE_GROUPS.values()]
    for kinds, values in groups:
        if sum(values[k] for k in kinds) >= 1.0:
            raise ValueError(f"--rate: the rates of {', '.join(kinds)} must sum to less than 1")
    if sum(rates[k] for k in TRANSACTION_QUARANTINE_KINDS) >= 1.0:
        raise ValueError("--rate: the transaction defect rates must sum to less than 1")
    return rates, shares
