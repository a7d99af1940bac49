#!/usr/bin/env python3
"""Generate a realistic, messy raw CRM data set in the raw contract (README, "Raw contract").

Everything is computed inside DuckDB with vectorised SQL. Randomness comes from one hash of
the key mixed with a per-purpose salt, ``hash(xor(hash(seed, salt), key))``, rather than
``random()``, so the output depends only on the seed and the arguments, never on thread
scheduling: same seed, same bytes.

Writes ``customers``, ``products``, ``transactions`` and ``interactions`` as Parquet to
``--out`` and, in ``--out/truth/`` (never loaded as raw): the true person behind every
customer record (customer_records), every planted defect with its kind (defects), how each
duplicate record differs from its person's others (record_variations), and summary.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.db import one

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

FIRST_NAMES = (
    "anna emma olivia sophia mia ava isabella amelia harper evelyn abigail emily ella "
    "elizabeth camila luna sofia avery mila aria scarlett penelope layla chloe victoria "
    "madison eleanor grace nora riley zoey hannah hazel lily ellie violet lillian zoe "
    "stella aurora natalie emilia everly leah aubrey willow addison lucy audrey bella "
    "nova brooklyn paisley savannah claire skylar isla genesis naomi elena caroline "
    "eliana anastasia maya valentina ruby kennedy ivy ariana aaliyah cora madelyn alice "
    "kinsley hailey gabriella allison gianna serenity samantha sarah quinn eva piper "
    "liam noah oliver elijah james william benjamin lucas henry theodore jack levi "
    "alexander jackson mateo daniel michael mason sebastian ethan logan owen samuel "
    "jacob asher aiden john joseph wyatt david leo luke julian hudson grayson matthew "
    "ezra gabriel carter isaac jayden luca anthony dylan lincoln thomas maverick elias "
    "josiah charles caleb christopher ezekiel miles jaxon isaiah andrew joshua nathan "
    "nolan adrian cameron santiago eli aaron ryan angel cooper waylon easton kai "
    "christian landon colton roman axel brooks jonathan robert jameson ian everett "
    "greyson wesley jeremiah hunter leonardo jordan jose bennett silas nicholas parker "
    "beau weston austin connor carson dominic xavier jaxson jace emmett adam declan "
    "rowan micah kayden gael river ryder kingston damian sawyer luka evan vincent "
    "legend myles harrison august bryson amir giovanni chase diego milo jasper walker "
    "jason brayden cole nathaniel george lorenzo zion luis archer enzo jonah thiago "
    "theo ayden zachary calvin braxton ashton rhett atlas jude bentley carlos ryker"
).split()
LAST_NAMES = (
    "smith johnson williams brown jones garcia miller davis rodriguez martinez "
    "hernandez lopez gonzalez wilson anderson thomas taylor moore jackson martin lee "
    "perez thompson white harris sanchez clark ramirez lewis robinson walker young "
    "allen king wright scott torres nguyen hill flores green adams nelson baker hall "
    "rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker "
    "cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez "
    "ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson "
    "watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez "
    "castillo sanders patel myers long ross foster jimenez powell jenkins perry russell "
    "sullivan bell coleman butler henderson barnes gonzales fisher vasquez simmons "
    "romero jordan patterson alexander hamilton graham reynolds griffin wallace moreno "
    "west cole hayes bryant herrera gibson ellis tran medina aguilar stevens murray "
    "ford castro marshall owens harrison fernandez mcdonald woods washington kennedy "
    "wells vargas henry chen freeman webb tucker guzman burns crawford olson simpson "
    "porter hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes "
    "palmer wagner black robertson boyd rose stone salazar fox warren mills meyer rice "
    "schmidt garza daniels ferguson nichols stephens soto weaver ryan gardner payne "
    "grant dunn kelley spencer hawkins arnold pierce vazquez hansen peters santos hart "
    "bradley knight elliott cunningham duncan armstrong hudson carroll lane riley "
    "andrews alvarado ray delgado berry perkins hoffman johnston matthews pena richards "
    "willis carpenter lawrence sandoval guerrero george chapman rios estrada ortega "
    "watkins greene nunez wheeler valdez harper burke larson santiago maldonado morrison"
).split()
STREETS = (
    "main oak maple cedar pine elm washington lake hill park view sunset river spring "
    "church north south west east mill forest meadow highland jefferson lincoln madison "
    "franklin ridge valley willow cherry walnut chestnut birch laurel hickory"
).split()
CITIES = (
    "springfield riverton fairview georgetown salem madison clinton franklin greenville "
    "bristol oakland ashland burlington dayton kingston lexington milton newport oxford "
    "dover hudson manchester marion arlington auburn centerville clayton jackson winchester"
).split()
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me", "mail.com")
COMPANY_WORDS = (
    "acme globex initech umbrella stark wayne wonka tyrell cyberdyne soylent vandelay "
    "hooli pied piper dunder mifflin sterling cooper oscorp massive dynamic aperture "
    "black mesa gringotts monarch nakatomi virtucon zorg"
).split()
COMPANY_SUFFIXES = ("inc", "llc", "group", "holdings", "partners", "industries", "solutions", "logistics")
AGENCY_WORDS = (
    "department of transport",
    "city council",
    "county health board",
    "state university",
    "water authority",
    "school district",
    "public library",
)
# (category, share of products, min margin, max margin, median unit cost)
CATEGORIES = (
    ("electronics", 0.15, 0.06, 0.18, 350.0),
    ("appliances", 0.10, 0.12, 0.25, 420.0),
    ("furniture", 0.12, 0.30, 0.50, 260.0),
    ("garden", 0.10, 0.30, 0.55, 45.0),
    ("kitchen", 0.12, 0.35, 0.60, 25.0),
    ("office", 0.10, 0.25, 0.45, 30.0),
    ("toys", 0.08, 0.40, 0.65, 18.0),
    ("apparel", 0.13, 0.50, 0.75, 22.0),
    ("services", 0.05, 0.60, 0.85, 80.0),
    ("accessories", 0.05, 0.55, 0.80, 9.0),
)
PRODUCT_ADJECTIVES = (
    "classic premium compact deluxe eco smart ultra basic pro mini max select essential "
    "modern vintage heavy-duty portable wireless ergonomic"
).split()
SOURCE_SYSTEMS = (
    # (system, customer id prefix, usual sales channel, B2C weight, B2B/B2G weight)
    ("webshop", "WEB", "web", 0.45, 0.15),
    ("store_pos", "POS", "store", 0.35, 0.10),
    ("call_center", "CC", "phone", 0.15, 0.20),
    ("dealer_portal", "DLR", "dealer", 0.05, 0.55),
)
CHANNELS = ("store", "web", "phone", "dealer")
ACQUISITION_CHANNELS = (
    "organic_search",
    "paid_search",
    "referral",
    "store_walk_in",
    "social",
    "email_campaign",
    "trade_show",
    "partner",
)
INTERACTION_TYPES = (("call", 0.35), ("email", 0.30), ("chat", 0.18), ("visit", 0.05), ("complaint", 0.12))
MAX_UBIGINT_PLUS_ONE = 18446744073709551616.0
PRODUCT_BUCKETS = 65536
CALENDAR_BUCKETS = 1048576


def sql_list(values: tuple[str, ...] | list[str]) -> str:
    """A DuckDB list literal of strings."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def pick(list_sql: str, salt: str, key: str) -> str:
    """SQL that picks one element of a list literal uniformly by a hash draw."""
    return f"({list_sql})[1 + floor(u('{salt}', {key}) * len({list_sql}))::int]"


def cumulative_case(salt: str, key: str, options: tuple[tuple[str, float], ...]) -> str:
    """SQL CASE that picks a label by cumulative weights (weights need not sum to 1)."""
    total = sum(w for _, w in options)
    parts, acc = [], 0.0
    for label, weight in options[:-1]:
        acc += weight / total
        parts.append(f"when u('{salt}', {key}) < {acc:.10f} then '{label}'")
    return f"case {' '.join(parts)} else '{options[-1][0]}' end"


# From this many lines the working tables live in a temporary DuckDB file: at 200M lines an
# in-memory build under an 8 GB memory limit spilled over 70 GB of uncompressed temporary data.
ON_DISK_FROM_LINES = 50_000_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--out", required=True, type=Path, help="output folder; must not exist or be empty (see --overwrite)"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the output folder and everything in it when it is not empty"
    )
    parser.add_argument(
        "--customers", type=int, default=50_000, help="customer records, duplicates included (default 50000)"
    )
    parser.add_argument(
        "--lines", type=int, default=1_000_000, help="transaction lines, defects included (default 1000000)"
    )
    parser.add_argument("--products", type=int, default=500, help="products (default 500)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--start-date",
        type=dt.date.fromisoformat,
        default=dt.date(2022, 1, 1),
        help="first business date (default 2022-01-01)",
    )
    parser.add_argument(
        "--end-date",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 10, 31),
        help="last business date (default 2026-10-31)",
    )
    parser.add_argument(
        "--rate",
        action="append",
        default=[],
        metavar="KIND=VALUE",
        help="override a planted defect rate, e.g. --rate invalid_email=0.05; kinds: " + ", ".join(DEFAULT_RATES),
    )
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 8GB")
    parser.add_argument(
        "--work-on-disk",
        choices=["auto", "yes", "no"],
        default="auto",
        help="build the tables in a temporary DuckDB file (compressed) instead of in memory; auto: from "
        f"{ON_DISK_FROM_LINES:,} lines (an in-memory build spills uncompressed and needs far more temporary disk)",
    )
    args = parser.parse_args(argv)

    if args.customers < 10:
        parser.error("--customers must be at least 10")
    if args.lines < 10:
        parser.error("--lines must be at least 10")
    if args.products < 5:
        parser.error("--products must be at least 5")
    if args.end_date <= args.start_date:
        parser.error("--end-date must be after --start-date")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file, not a folder")
    if args.out.is_dir() and any(args.out.iterdir()) and not args.overwrite:
        parser.error(f"--out {args.out} is not empty; pass --overwrite to replace everything in it")
    rates = dict(DEFAULT_RATES)
    for item in args.rate:
        kind, sep, value = item.partition("=")
        if not sep or kind not in rates:
            parser.error(f"--rate {item!r}: expected KIND=VALUE with KIND one of {', '.join(rates)}")
        try:
            rates[kind] = float(value)
        except ValueError:
            parser.error(f"--rate {item!r}: {value!r} is not a number")
        if not 0.0 <= rates[kind] < 1.0:
            parser.error(f"--rate {item!r}: a rate must be in [0, 1)")
    for _, kinds in CUSTOMER_DEFECT_GROUPS:
        if sum(rates[k] for k in kinds) >= 1.0:
            parser.error(f"--rate: the rates of {', '.join(kinds)} must sum to less than 1")
    if sum(rates[k] for k in TRANSACTION_QUARANTINE_KINDS) >= 1.0:
        parser.error("--rate: the transaction defect rates must sum to less than 1")
    args.rates = rates
    return args


class Generator:
    """Builds the data set table by table in one DuckDB connection (in memory, or in a temporary
    file for large sizes: see ON_DISK_FROM_LINES)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rates: dict[str, float] = args.rates
        # Sizes beyond memory spill to disk instead of failing.
        self.spill_dir = Path(tempfile.mkdtemp(prefix="crm-generate-"))
        on_disk = args.work_on_disk == "yes" or (args.work_on_disk == "auto" and args.lines >= ON_DISK_FROM_LINES)
        self.con = duckdb.connect(str(self.spill_dir / "work.duckdb") if on_disk else ":memory:")
        if args.threads:
            self.con.execute(f"set threads = {int(args.threads)}")
        if args.memory_limit:
            self.con.execute("set memory_limit = ?", [args.memory_limit])
        self.con.execute("set preserve_insertion_order = true")
        self.con.execute("set temp_directory = ?", [str(self.spill_dir)])
        # u(salt, key): a uniform draw in [0, 1) that depends only on seed, salt and integer key.
        # The salt is mixed into the key before one hash: hash(seed, salt, k) combines the
        # per-argument hashes so weakly that draws with different salts come out correlated.
        self.con.execute(
            f"create macro u(salt, k) as hash(xor(hash({int(args.seed)}, salt), (k + 1024)::ubigint))"
            f" / {MAX_UBIGINT_PLUS_ONE}"
        )
        # n(salt, k): a standard normal draw (Box-Muller on two independent uniforms).
        self.con.execute(
            "create macro n(salt, k) as sqrt(-2 * ln(1 - u(salt || '#1', k))) * cos(2 * pi() * u(salt || '#2', k))"
        )
        self.span_days = (args.end_date - args.start_date).days
        self.n_records = args.customers
        self.n_duplicates = round(args.customers * self.rates["duplicate_record"])
        self.n_persons = max(1, self.n_records - self.n_duplicates)

    def sql(self, query: str) -> None:
        self.con.execute(query)

    def build_calendar(self) -> None:
        """Daily demand weights: growth, weekly rhythm and a Nov/Dec peak; cumulative for sampling."""
        self.sql(f"""
            create table calendar as
            with days as (
                select
                    i::int as day_offset,
                    date '{self.args.start_date}' + i::int as business_date
                from range({self.span_days + 1}) as t (i)
            ),
            weighted as (
                select
                    day_offset,
                    business_date,
                    (1 + 0.6 * day_offset / {self.span_days})
                    * case when month(business_date) in (11, 12) then 1.6
                        when month(business_date) in (1, 2) then 0.8 else 1.0 end
                    * case when dayofweek(business_date) in (0, 6) then 1.25 else 1.0 end
                        as weight
                from days
            )
            select
                day_offset,
                business_date,
                sum(weight) over (order by day_offset) as cum_weight,
                coalesce(sum(weight) over (order by day_offset rows between unbounded preceding and 1 preceding), 0)
                    as cum_weight_before
            from weighted
        """)

    def build_persons(self) -> None:
        """The true people. Households and companies make some of them share contact data."""
        rates = self.rates
        span = self.span_days
        first, last, streets, cities = (sql_list(x) for x in (FIRST_NAMES, LAST_NAMES, STREETS, CITIES))
        domains = sql_list(EMAIL_DOMAINS)
        n_companies = max(1, round(self.n_persons * 0.20 / 4))
        self.sql(f"""
            create table persons_base as
            select
                p as person_id,
                case when u('type', p) < 0.80 then 'B2C' when u('type', p) < 0.95 then 'B2B' else 'B2G' end
                    as customer_type,
                {pick(first, "first", "p")} as first_name,
                {pick(last, "last", "p")} as last_name,
                floor(u('company', p) * {n_companies})::int as company_no,
                (200 + floor(u('area', p) * 790))::int::varchar
                    || lpad(floor(u('phone', p) * 10000000)::int::varchar, 7, '0') as phone_digits,
                (1 + floor(u('house', p) * 1999))::int::varchar || ' '
                    || {pick(streets, "street", "p")} || ' '
                    || (['street', 'avenue', 'road', 'lane', 'drive'])[1 + floor(u('street_kind', p) * 5)::int]
                    as address_line,
                (10000 + floor(u('postal', p) * 89999))::int as postal_no,
                {pick(domains, "domain", "p")} as email_domain,
                date '{self.args.start_date}' - 365 * 18 - floor(u('age', p) * 365 * 62)::int as true_birth_date,
                {pick(sql_list(ACQUISITION_CHANNELS), "acq_channel", "p")} as acquisition_channel,
                -- growth: later acquisition dates are more frequent (u^0.7 leans towards 1)
                floor(pow(u('acquired', p), 0.7) * {span})::int as acquired_offset,
                case when u('one_timer', p) < 0.25 then 0 else floor(-600 * ln(1 - u('life', p)))::int end
                    as life_days,
                exp(1.1 * n('propensity', p)) as spend_propensity,
                case when u('serial_returner', p) < 0.06 then 0.30 + 0.2 * u('return_rate', p)
                    else 0.01 + 0.04 * u('return_rate', p) end as return_rate,
                exp(0.8 * n('service', p)) * case when u('heavy_service', p) < 0.05 then 8 else 1 end
                    as service_propensity,
                u('comeback', p) < 0.15 as wants_comeback,
                400 + floor(u('gap', p) * 400)::int as comeback_gap_days,
                floor(-300 * ln(1 - u('life2', p)))::int as comeback_life_days,
                p > 0 and u('household', p) < {rates["household_member"]} as joins_household,
                floor(u('household_head', p) * p)::int as household_head_id
            from range({self.n_persons}) as t (p)
        """)
        companies = sql_list(COMPANY_WORDS)
        suffixes = sql_list(COMPANY_SUFFIXES)
        agencies = sql_list(AGENCY_WORDS)
        self.sql(f"""
            create table persons as
            with base as (
                select
                    b.*,
                    -- B2C household members take the head's last name, address and email
                    b.joins_household and b.customer_type = 'B2C' and h.customer_type = 'B2C' as is_household_member,
                    h.last_name as head_last_name,
                    h.address_line as head_address_line,
                    h.postal_no as head_postal_no,
                    h.first_name as head_first_name,
                    h.email_domain as head_email_domain
                from persons_base as b
                left join persons_base as h on b.household_head_id = h.person_id
            ),
            companies as (
                select
                    c as company_no,
                    case when u('company_kind', c) < 0.75
                        then {pick(companies, "company_word", "c")} || ' '
                            || {pick(companies, "company_word2", "c")} || ' ' || {pick(suffixes, "company_suffix", "c")}
                        else {pick(agencies, "agency", "c")} || ' of ' || {pick(cities, "agency_city", "c")}
                    end as company_name,
                    (1 + floor(u('company_house', c) * 999))::int::varchar || ' '
                        || {pick(streets, "company_street", "c")} || ' boulevard' as company_address_line,
                    (10000 + floor(u('company_postal', c) * 89999))::int as company_postal_no,
                    (200 + floor(u('company_area', c) * 790))::int::varchar
                        || lpad(floor(u('company_phone', c) * 10000000)::int::varchar, 7, '0') as switchboard_digits
                from range({max(1, round(self.n_persons * 0.20 / 4))}) as t (c)
            ),
            resolved as (
                select
                    base.person_id,
                    base.customer_type,
                    base.first_name,
                    case when base.is_household_member then base.head_last_name else base.last_name end as last_name,
                    case when base.customer_type = 'B2C' then null else companies.company_name end as company_name,
                    base.customer_type <> 'B2C' and u('shared_company_phone', base.person_id) < 0.4
                        as uses_switchboard,
                    base.customer_type <> 'B2C' and u('shared_company_email', base.person_id) < 0.3
                        as uses_generic_email,
                    base.is_household_member,
                    case when base.customer_type <> 'B2C' and u('shared_company_phone', base.person_id) < 0.4
                        then companies.switchboard_digits else base.phone_digits end as phone_digits,
                    case
                        when base.customer_type <> 'B2C' then companies.company_address_line
                        when base.is_household_member then base.head_address_line
                        else base.address_line
                    end as address_line,
                    case
                        when base.customer_type <> 'B2C' then companies.company_postal_no
                        when base.is_household_member then base.head_postal_no
                        else base.postal_no
                    end as postal_no,
                    case
                        when base.customer_type <> 'B2C' and u('shared_company_email', base.person_id) < 0.3
                            then 'info@' || replace(companies.company_name, ' ', '-') || '.com'
                        when base.customer_type <> 'B2C'
                            then base.first_name || '.' || base.last_name || '@'
                                || replace(companies.company_name, ' ', '-') || '.com'
                        when base.is_household_member
                            then 'the.' || base.head_last_name || 's.' || base.household_head_id || '@'
                                || base.head_email_domain
                        else base.first_name || '.' || base.last_name || base.person_id || '@' || base.email_domain
                    end as email,
                    case when base.customer_type = 'B2C' or u('b2b_birth', base.person_id) < 0.3
                        then base.true_birth_date end as birth_date,
                    base.acquisition_channel,
                    base.acquired_offset,
                    base.life_days,
                    base.spend_propensity * case base.customer_type when 'B2B' then 3 when 'B2G' then 2 else 1 end
                        as spend_propensity,
                    base.return_rate,
                    base.service_propensity,
                    base.wants_comeback,
                    base.comeback_gap_days,
                    base.comeback_life_days
                from base
                left join companies on base.company_no = companies.company_no
            )
            select * from resolved
        """)
        # Household heads share their email with members: rewrite the head's email too.
        self.sql("""
            update persons set email = m.email
            from (
                select distinct pb.household_head_id as head_id, p.email
                from persons as p
                inner join persons_base as pb on p.person_id = pb.person_id
                where p.is_household_member
                qualify row_number() over (partition by pb.household_head_id order by p.person_id) = 1
            ) as m
            where persons.person_id = m.head_id and persons.customer_type = 'B2C'
        """)
        # Heads now carry the household email too: mark them so truth knows the email is shared.
        self.sql("""
            alter table persons add column shares_household_email boolean;
            update persons set shares_household_email = is_household_member
                or person_id in (
                    select pb.household_head_id from persons as p
                    inner join persons_base as pb on p.person_id = pb.person_id
                    where p.is_household_member
                )
        """)

    def build_windows(self) -> None:
        """Active windows per person: one, or two for customers who come back after a long gap."""
        span = self.span_days
        self.sql(f"""
            create table person_windows as
            with first_window as (
                select
                    person_id,
                    1 as window_no,
                    acquired_offset as start_offset,
                    least(acquired_offset + life_days, {span}) as end_offset
                from persons
            ),
            second_window as (
                select
                    p.person_id,
                    2 as window_no,
                    p.acquired_offset + p.life_days + p.comeback_gap_days as start_offset,
                    least(p.acquired_offset + p.life_days + p.comeback_gap_days + p.comeback_life_days, {span})
                        as end_offset
                from persons as p
                where p.wants_comeback and p.acquired_offset + p.life_days + p.comeback_gap_days <= {span}
            )
            select * from first_window
            union all
            select * from second_window
        """)

    def build_records(self) -> None:
        """Customer records: one primary record per person plus duplicates with realistic drift."""
        n_p, n_d = self.n_persons, self.n_duplicates
        systems_b2c = tuple((s, w) for s, _, _, w, _ in SOURCE_SYSTEMS)
        systems_b2b = tuple((s, w) for s, _, _, _, w in SOURCE_SYSTEMS)
        prefix_case = " ".join(f"when '{s}' then '{p}'" for s, p, _, _, _ in SOURCE_SYSTEMS)
        cities = sql_list(CITIES)
        streets = sql_list(STREETS)
        domains = sql_list(EMAIL_DOMAINS)
        self.sql(f"""
            create table record_skeleton as
            select r as record_no, r as person_id, false as is_duplicate from range({n_p}) as t (r)
            union all
            select
                {n_p} + d as record_no,
                -- the person a duplicate record belongs to: any person, uniformly
                floor(u('dup_person', d) * {n_p})::int as person_id,
                true as is_duplicate
            from range({n_d}) as t (d)
        """)
        self.sql(f"""
            create table records as
            with drawn as (
                select
                    s.record_no,
                    s.person_id,
                    s.is_duplicate,
                    p.customer_type,
                    case
                        when s.is_duplicate and u('same_system', s.record_no) < 0.35 then null
                        when p.customer_type = 'B2C' then {cumulative_case("system", "s.record_no", systems_b2c)}
                        else {cumulative_case("system", "s.record_no", systems_b2b)}
                    end as drawn_system,
                    {cumulative_case("system", "s.person_id", systems_b2c)} as primary_system_b2c,
                    {cumulative_case("system", "s.person_id", systems_b2b)} as primary_system_b2b,
                    p.first_name,
                    p.last_name,
                    p.company_name,
                    p.email,
                    p.phone_digits,
                    p.address_line,
                    p.postal_no,
                    p.birth_date,
                    p.acquisition_channel,
                    p.acquired_offset,
                    p.life_days,
                    p.shares_household_email,
                    p.uses_generic_email,
                    p.uses_switchboard,
                    -- drift of duplicates (each draw is one group of mutually exclusive outcomes)
                    s.is_duplicate and u('dup_typo', s.record_no) < 0.15 as has_name_typo,
                    case when not s.is_duplicate then 'same'
                        when u('dup_email', s.record_no) < 0.40 then 'case_variant'
                        when u('dup_email', s.record_no) < 0.55 then 'missing'
                        when u('dup_email', s.record_no) < 0.65 then 'changed'
                        else 'same' end as email_drift,
                    case when not s.is_duplicate then 'same'
                        when u('dup_phone', s.record_no) < 0.50 then 'format_variant'
                        when u('dup_phone', s.record_no) < 0.70 then 'missing'
                        when u('dup_phone', s.record_no) < 0.80 then 'changed'
                        else 'same' end as phone_drift,
                    s.is_duplicate and u('dup_moved', s.record_no) < 0.15 as has_moved
                from record_skeleton as s
                inner join persons as p on s.person_id = p.person_id
            ),
            with_system as (
                select
                    *,
                    coalesce(
                        drawn_system,
                        case when customer_type = 'B2C' then primary_system_b2c else primary_system_b2b end
                    ) as source_system
                from drawn
            )
            select
                *,
                case source_system {prefix_case} end || '-'
                    || lpad(
                        (row_number() over (partition by source_system order by u('id_order', record_no), record_no))
                        ::varchar,
                        8,
                        '0'
                    ) as customer_id,
                -- file order: shuffled, so duplicates are not recognisable by position
                row_number() over (order by u('file_order', record_no), record_no) - 1 as file_row_number
            from with_system
        """)
        rates = self.rates
        b1 = rates["sentinel_birth_date"]
        b2 = b1 + rates["impossible_birth_date"]
        e1 = rates["invalid_email"]
        e2 = e1 + rates["placeholder_email"]
        p1 = rates["placeholder_phone"]
        p2 = p1 + rates["invalid_phone"]
        start = self.args.start_date
        self.sql(f"""
            create table customers_out as
            with typed as (
                select
                    r.*,
                    case
                        when u('birth_defect', record_no) < {b1} then 'sentinel_birth_date'
                        when u('birth_defect', record_no) < {b2} then 'impossible_birth_date'
                    end as birth_defect,
                    case
                        when u('email_defect', record_no) < {e1} then 'invalid_email'
                        when u('email_defect', record_no) < {e2} then 'placeholder_email'
                    end as email_defect,
                    case
                        when u('phone_defect', record_no) < {p1} then 'placeholder_phone'
                        when u('phone_defect', record_no) < {p2} then 'invalid_phone'
                    end as phone_defect,
                    u('address_defect', record_no) < {rates["missing_address"]} as is_missing_address,
                    least(
                        date '{start}' + acquired_offset
                        + case when is_duplicate then floor(u('dup_created', record_no) * greatest(life_days, 30))::int
                            else -floor(u('created_lead', record_no) * 20)::int end,
                        date '{self.args.end_date}'
                    ) as created_date
                from records as r
            ),
            drifted as (
                select
                    *,
                    -- a typo: drop, swap or double one character of the first or last name
                    case when has_name_typo and u('typo_field', record_no) < 0.5 then 'first' when has_name_typo
                        then 'last' end as typo_field,
                    2 + floor(u('typo_pos', record_no) * 3)::int as typo_pos,
                    floor(u('typo_kind', record_no) * 3)::int as typo_kind
                from typed
            ),
            rendered as (
                select
                    *,
                    case when typo_field = 'first' then
                        case typo_kind
                            when 0 then left(first_name, typo_pos - 1) || substr(first_name, typo_pos + 1)
                            when 1 then left(first_name, typo_pos - 1) || substr(first_name, typo_pos + 1, 1)
                                || substr(first_name, typo_pos, 1) || substr(first_name, typo_pos + 2)
                            else left(first_name, typo_pos) || substr(first_name, typo_pos)
                        end else first_name end as first_name_out,
                    case when typo_field = 'last' then
                        case typo_kind
                            when 0 then left(last_name, typo_pos - 1) || substr(last_name, typo_pos + 1)
                            when 1 then left(last_name, typo_pos - 1) || substr(last_name, typo_pos + 1, 1)
                                || substr(last_name, typo_pos, 1) || substr(last_name, typo_pos + 2)
                            else left(last_name, typo_pos) || substr(last_name, typo_pos)
                        end else last_name end as last_name_out,
                    case
                        when email_defect = 'placeholder_email'
                            then (['noemail', 'no-email', 'none', 'noemail'])[
                                1 + floor(u('ph_email', record_no) * 4)::int
                            ]
                                || '@' || {pick(domains, "ph_email_domain", "record_no")}
                        when email_defect = 'invalid_email' then
                            case floor(u('bad_email', record_no) * 4)::int
                                when 0 then replace(email, '@', '')
                                when 1 then split_part(email, '@', 1) || '@'
                                when 2 then replace(email, '@', ' at ')
                                else 'n/a'
                            end
                        when email_drift = 'missing' then null
                        when email_drift = 'changed'
                            then first_name || last_name || (record_no % 97)::varchar || '@'
                                || {pick(domains, "new_domain", "record_no")}
                        when email_drift = 'case_variant' then
                            case floor(u('email_case', record_no) * 3)::int
                                when 0 then upper(email)
                                when 1 then '  ' || email || ' '
                                else upper(left(email, 1)) || substr(email, 2)
                            end
                        else email
                    end as email_out,
                    case
                        when phone_defect = 'placeholder_phone'
                            then repeat((floor(u('ph_digit', record_no) * 10)::int)::varchar, 10)
                        -- too short; the leading 0 keeps it from being one repeated digit (a placeholder)
                        when phone_defect = 'invalid_phone'
                            then '0' || left(phone_digits, 2 + floor(u('short', record_no) * 4)::int)
                        when phone_drift = 'missing' then null
                        when phone_drift = 'changed'
                            then (200 + floor(u('new_area', record_no) * 790))::int::varchar
                                || lpad(floor(u('new_phone', record_no) * 10000000)::int::varchar, 7, '0')
                        when phone_drift = 'format_variant' or u('primary_phone_format', record_no) < 0.5 then
                            case floor(u('phone_format', record_no) * 4)::int
                                when 0 then '(' || left(phone_digits, 3) || ') ' || substr(phone_digits, 4, 3) || '-'
                                    || substr(phone_digits, 7)
                                when 1 then left(phone_digits, 3) || '.' || substr(phone_digits, 4, 3) || '.'
                                    || substr(phone_digits, 7)
                                when 2 then '+1 ' || left(phone_digits, 3) || ' ' || substr(phone_digits, 4, 3) || ' '
                                    || substr(phone_digits, 7)
                                else '1-' || left(phone_digits, 3) || '-' || substr(phone_digits, 4, 3) || '-'
                                    || substr(phone_digits, 7)
                            end
                        else phone_digits
                    end as phone_out,
                    case when has_moved
                        then (1 + floor(u('moved_house', record_no) * 1999))::int::varchar || ' '
                            || {pick(streets, "moved_street", "record_no")} || ' street'
                        else address_line end as address_out,
                    case when has_moved then (10000 + floor(u('moved_postal', record_no) * 89999))::int
                        else postal_no end as postal_out
                from drifted
            )
            select
                file_row_number,
                record_no,
                person_id,
                is_duplicate,
                birth_defect,
                email_defect,
                phone_defect,
                is_missing_address,
                has_name_typo,
                email_drift,
                phone_drift,
                has_moved,
                shares_household_email,
                uses_generic_email,
                uses_switchboard,
                customer_id,
                source_system,
                -- names: mostly title case, sometimes as typed in capitals or with stray spaces
                case when u('name_case', record_no) < 0.05 then upper(first_name_out)
                    when u('name_space', record_no) < 0.03 then ' ' || upper(left(first_name_out, 1))
                        || substr(first_name_out, 2) || ' '
                    else upper(left(first_name_out, 1)) || substr(first_name_out, 2) end as first_name,
                case when u('name_case', record_no) < 0.05 then upper(last_name_out)
                    else upper(left(last_name_out, 1)) || substr(last_name_out, 2) end as last_name,
                company_name,
                email_out as email,
                phone_out as phone,
                case
                    when birth_defect = 'sentinel_birth_date'
                        then case
                            when u('sentinel_kind', record_no) < 0.6 then date '1911-11-11' else date '1900-01-01'
                        end
                    when birth_defect = 'impossible_birth_date'
                        then case when u('impossible_kind', record_no) < 0.5
                            then created_date + 1 + floor(u('future_birth', record_no) * 3000)::int
                            else date '1850-01-01' + floor(u('old_birth', record_no) * 15000)::int end
                    else birth_date
                end as birth_date,
                customer_type,
                case when is_missing_address then null else address_out end as address_line,
                case when is_missing_address then null
                    else {cities}[1 + (postal_out % len({cities}))] end as city,
                case when is_missing_address then null else postal_out::varchar end as postal_code,
                'US' as country,
                acquisition_channel,
                created_date + interval 9 hour + to_seconds(floor(u('created_s', record_no) * 36000)::bigint)
                    as created_at,
                least(
                    created_date + interval 9 hour + to_seconds(floor(u('created_s', record_no) * 36000)::bigint)
                    + to_days(floor(u('updated_days', record_no) * 400)::int),
                    timestamp '{self.args.end_date}' + interval 23 hour
                ) as updated_at
            from rendered
        """)

    def build_products(self) -> None:
        n = self.args.products
        cat_case_parts, acc = [], 0.0
        for name, share, lo, hi, median in CATEGORIES[:-1]:
            acc += share
            cat_case_parts.append(
                f"when u('category', i) < {acc:.6f} then struct_pack("
                f"c := '{name}', lo := {lo}::double, hi := {hi}::double, m := {median}::double)"
            )
        name, _, lo, hi, median = CATEGORIES[-1]
        cat_case = (
            f"case {' '.join(cat_case_parts)} else struct_pack("
            f"c := '{name}', lo := {lo}::double, hi := {hi}::double, m := {median}::double) end"
        )
        adjectives = sql_list(PRODUCT_ADJECTIVES)
        self.sql(f"""
            create table products_out as
            with drawn as (
                select
                    i,
                    {cat_case} as cat,
                    exp(0.7 * n('cost', i)) as cost_factor,
                    u('margin', i) as margin_u
                from range({n}) as t (i)
            ),
            priced as (
                select
                    i,
                    cat.c as category,
                    round(cat.m * cost_factor, 2)::decimal(18, 2) as unit_cost,
                    cat.lo + (cat.hi - cat.lo) * margin_u as margin
                from drawn
            )
            select
                i as file_row_number,
                'P' || lpad((i + 1)::varchar, 6, '0') as product_id,
                {pick(adjectives, "adjective", "i")} || ' ' || category || ' item ' || (i + 1)::varchar as product_name,
                category,
                greatest(unit_cost, 0.5::decimal(18, 2))::decimal(18, 2) as unit_cost,
                round(greatest(unit_cost, 0.5) / (1 - margin), 2)::decimal(18, 2) as list_price,
                timestamp '{self.args.start_date}' + to_days(floor(u('product_updated', i) * {self.span_days})::int)
                    as updated_at,
                -- popularity rank for the Zipf-like draw of products on lines
                row_number() over (order by u('popularity', i), i) as popularity_rank
            from priced
        """)
        # Inverse-CDF lookup as 2^16 equal buckets: an equality join on the bucket is four
        # times faster than an ASOF join over millions of lines, and fine enough for 500 products.
        self.sql(f"""
            create table product_buckets as
            with cdf as (
                select
                    product_id,
                    list_price,
                    sum(pow(popularity_rank, -0.9)) over (order by popularity_rank)
                    / sum(pow(popularity_rank, -0.9)) over () as cum_share
                from products_out
            ),
            buckets as (
                select b as bucket, (b + 0.5) / {PRODUCT_BUCKETS} as midpoint from range({PRODUCT_BUCKETS}) as t (b)
            )
            select b.bucket, c.product_id, c.list_price
            from buckets as b
            asof join cdf as c on b.midpoint <= c.cum_share
        """)

    def build_transactions(self) -> None:
        """Orders sampled over person windows (heavy-tailed), dated by the seasonal calendar, then lines.

        Running totals over tens of millions of rows are split into per-day (or per-block)
        partitions plus a small running total over the partitions: DuckDB runs partitioned
        windows in parallel, a single unpartitioned one serially.
        """
        n_lines = self.args.lines
        # E[line_count] = 1 + E[min(floor(Exp(1.6)), 9)] ~ 2.15; a small margin for the draw
        n_orders = int(n_lines / 2.15 * 1.01 + 6 * n_lines**0.5) + 20
        channel_case = " ".join(f"when '{s}' then '{c}'" for s, _, c, _, _ in SOURCE_SYSTEMS)
        # Each person window gets its number of orders directly: its share of the spend weight
        # (spend propensity x window length, plus a floor so one-day customers still buy)
        # times the orders needed, rounded up or down at random so the expectation is exact.
        self.sql(f"""
            create table window_orders as
            with weighted as (
                select
                    row_number() over (order by w.person_id, w.window_no) as window_seq,
                    w.person_id,
                    w.start_offset,
                    w.end_offset,
                    p.customer_type,
                    p.return_rate,
                    p.spend_propensity * (w.end_offset - w.start_offset + 45) as weight
                from person_windows as w
                inner join persons as p on w.person_id = p.person_id
            ),
            expected as (
                select *, {n_orders} * weight / sum(weight) over () as expected_orders
                from weighted
            )
            select
                * exclude (weight, expected_orders),
                (
                    floor(expected_orders)
                    + (u('order_rounding', window_seq) < expected_orders - floor(expected_orders))::int
                )::int
                    as order_count
            from expected
        """)
        self.sql("""
            create table ranked_records as
            select
                person_id,
                row_number() over (partition by person_id order by record_no) as record_rank,
                count(*) over (partition by person_id) as record_count,
                customer_id,
                source_system
            from customers_out
        """)
        total_weight = one(self.con.execute("select max(cum_weight) from calendar"))[0]
        self.sql(f"""
            create table calendar_buckets as
            with buckets as (
                select b as bucket, (b + 0.5) / {CALENDAR_BUCKETS} * {total_weight!r} as midpoint
                from range({CALENDAR_BUCKETS}) as t (b)
            )
            select b.bucket, c.day_offset
            from buckets as b
            asof join calendar as c on b.midpoint <= c.cum_weight
        """)
        self.sql(f"""
            create table orders as
            with placed as (
                -- o: a unique order key (window in the high bits, order within it in the low bits)
                select w.*, (w.window_seq * 16777216 + j.j) as o
                from window_orders as w
                cross join lateral (select unnest(range(w.order_count)) as j) as j
            ),
            targeted as (
                select
                    placed.*,
                    cs.cum_weight_before + u('order_day', o) * (ce.cum_weight - cs.cum_weight_before) as day_target
                from placed
                inner join calendar as cs on placed.start_offset = cs.day_offset
                inner join calendar as ce on placed.end_offset = ce.day_offset
            ),
            dated as (
                -- the bucket's day can lie one day outside a window at its edges: clamp
                select
                    t.*,
                    date '{self.args.start_date}'
                        + greatest(t.start_offset, least(t.end_offset, c.day_offset)) as business_date
                from targeted as t
                inner join calendar_buckets as c
                    on least(floor(t.day_target / {total_weight!r} * {CALENDAR_BUCKETS}), {CALENDAR_BUCKETS - 1})::int
                        = c.bucket
            ),
            described as (
                select
                    d.o,
                    d.person_id,
                    d.customer_type,
                    d.business_date,
                    d.business_date + interval 8 hour + to_seconds(floor(u('order_time', d.o) * 46800)::bigint)
                        as transaction_at,
                    1 + least(floor(-1.6 * ln(1 - u('order_lines', d.o))), 9)::int as line_count,
                    u('order_return', d.o) < d.return_rate as is_return,
                    u('order_record', d.o) as record_draw,
                    u('order_cut', d.o) as cut_key
                from dated as d
            )
            select
                d.o,
                floor(d.cut_key * 4096)::int as cut_bucket,
                d.cut_key,
                d.person_id,
                d.customer_type,
                d.business_date,
                d.transaction_at,
                d.line_count,
                d.is_return,
                r.customer_id,
                r.source_system,
                case when u('channel_noise', d.o) < 0.15 then {pick(sql_list(CHANNELS), "channel", "d.o")}
                    else case r.source_system {channel_case} end end as channel
            from described as d
            inner join ranked_records as r
                on d.person_id = r.person_id and 1 + floor(d.record_draw * r.record_count)::int = r.record_rank
        """)
        total = one(self.con.execute("select sum(line_count) from orders"))[0]
        if total < n_lines:
            raise RuntimeError(f"internal: drew {total} lines for {n_lines} requested; raise the order margin")
        # Cut to exactly n_lines in a random order of orders (cutting in time order would end the
        # data early): whole random buckets are kept or dropped, and only the one bucket where
        # the running total crosses n_lines is ranked row by row.
        self.sql(f"""
            create table kept_orders as
            with bucket_totals as (
                select
                    cut_bucket,
                    coalesce(sum(sum(line_count)) over (order by cut_bucket rows between unbounded preceding
                        and 1 preceding), 0) as lines_before_bucket,
                    sum(line_count) as bucket_lines
                from orders
                group by cut_bucket
            ),
            boundary as (
                select cut_bucket from bucket_totals
                where lines_before_bucket < {n_lines} and lines_before_bucket + bucket_lines >= {n_lines}
            ),
            whole_buckets as (
                select o.*
                from orders as o
                inner join bucket_totals as b on o.cut_bucket = b.cut_bucket
                where b.lines_before_bucket + b.bucket_lines < {n_lines}
            ),
            boundary_orders as (
                select
                    o.*,
                    b.lines_before_bucket + coalesce(sum(o.line_count) over (order by o.cut_key, o.o
                        rows between unbounded preceding and 1 preceding), 0) as draw_line_start
                from orders as o
                inner join bucket_totals as b on o.cut_bucket = b.cut_bucket
                where o.cut_bucket in (select boundary.cut_bucket from boundary)
            )
            select * from whole_buckets
            union all
            select * exclude (draw_line_start)
                replace (least(line_count, {n_lines} - draw_line_start)::int as line_count)
            from boundary_orders
            where draw_line_start < {n_lines}
        """)
        self.sql("drop table orders")
        self.sql("""
            create table numbered_orders as
            with day_totals as (
                select
                    business_date,
                    coalesce(sum(count(*)) over (order by business_date rows between unbounded preceding
                        and 1 preceding), 0) as orders_before_day,
                    coalesce(sum(sum(line_count)) over (order by business_date rows between unbounded preceding
                        and 1 preceding), 0) as lines_before_day
                from kept_orders
                group by business_date
            ),
            ranked as (
                select
                    k.*,
                    d.orders_before_day
                        + row_number() over (partition by k.business_date order by k.transaction_at, k.o) as order_seq,
                    d.lines_before_day + coalesce(sum(k.line_count) over (partition by k.business_date
                        order by k.transaction_at, k.o rows between unbounded preceding and 1 preceding), 0)
                        as first_line_idx
                from kept_orders as k
                inner join day_totals as d on k.business_date = d.business_date
            )
            select * exclude (order_seq), 'T' || lpad(order_seq::varchar, 10, '0') as transaction_id
            from ranked
        """)
        self.sql("drop table kept_orders")

        r = self.rates
        # Only a line after the first of an order whose line before it has no planted defect can
        # re-send that line (so a re-send is an exact copy of a trusted line: a duplicate, not a
        # correction). The duplicate band x is widened to plant the requested rate d:
        # x * (share of non-first lines) * (1 - other defect rates - x) = d.
        n_kept_orders = one(self.con.execute("select count(*) from numbered_orders"))[0]
        eligible_share = max(1e-9, 1 - n_kept_orders / n_lines)
        bands = {k: r[k] for k in TRANSACTION_QUARANTINE_KINDS}
        clean_share = 1 - sum(v for k, v in bands.items() if k != "duplicate_line_key")
        discriminant = clean_share**2 - 4 * r["duplicate_line_key"] / eligible_share
        bands["duplicate_line_key"] = min((clean_share - math.sqrt(discriminant)) / 2, 0.5) if discriminant > 0 else 0.5
        bounds, acc = [], 0.0
        for kind in TRANSACTION_QUARANTINE_KINDS:
            acc += bands[kind]
            bounds.append((kind, acc))
        total_defect_rate = acc
        defect_case = "case " + " ".join(f"when defect_u < {b:.12f} then '{k}'" for k, b in bounds) + " end"
        end_ts = f"timestamp '{self.args.end_date}'"
        # A duplicate line key is a re-delivery of the line before it in the same order. Every
        # line attribute is a pure function of (order, line index), so a re-sent row simply
        # draws its content with the previous index (content_idx) instead of its own.
        self.sql(f"""
            create table transactions_out as
            with lines as (
                select
                    o.first_line_idx + k.k as idx,
                    o.transaction_id,
                    (k.k + 1)::int as own_line_number,
                    o.o,
                    o.customer_id,
                    o.source_system,
                    o.customer_type,
                    o.transaction_at,
                    o.is_return,
                    o.channel
                from numbered_orders as o
                cross join lateral (select unnest(range(o.line_count)) as k) as k
            ),
            drawn as (
                select
                    *,
                    u('tx_defect', idx) as defect_u,
                    u('late', idx) < {r["late_arriving"]} as drawn_late,
                    u('type_case', idx) < {r["transaction_type_case_variant"]} as has_type_case_variant
                from lines
            ),
            flagged as (
                select
                    * exclude (defect_u, drawn_late),
                    case
                        when defect_u >= {total_defect_rate:.12f} then null
                        -- a re-send needs a line before it in the same order with no defect drawn
                        when ({defect_case}) = 'duplicate_line_key'
                            and (own_line_number = 1 or u('tx_defect', idx - 1) < {total_defect_rate:.12f})
                            then null
                        else {defect_case}
                    end as defect,
                    drawn_late
                from drawn
            ),
            keyed as (
                select
                    * exclude (drawn_late),
                    drawn_late and defect is distinct from 'duplicate_line_key' as is_late,
                    case when defect = 'duplicate_line_key' then idx - 1 else idx end as content_idx,
                    case when defect = 'duplicate_line_key' then own_line_number - 1 else own_line_number end
                        as line_number
                from flagged
            ),
            priced as (
                select
                    k.*,
                    pc.product_id as drawn_product_id,
                    case when k.customer_type = 'B2C' then 1 + floor(-0.7 * ln(1 - u('qty', k.content_idx)))::int
                        else 1 + floor(-6 * ln(1 - u('qty', k.content_idx)))::int end as drawn_quantity,
                    round(
                        pc.list_price
                        * case when k.customer_type = 'B2C' then 1.0 else 0.92 end
                        * case when u('markdown', k.content_idx) < 0.2 then 0.85 else 1.0 end,
                        2
                    )::decimal(18, 2) as unit_price
                from keyed as k
                inner join product_buckets as pc
                    on floor(u('line_product', k.content_idx) * {PRODUCT_BUCKETS})::int = pc.bucket
            ),
            loaded as (
                select
                    *,
                    transaction_at + to_seconds(floor(3600 + u('load_lag', o) * 5 * 3600)::bigint) as on_time_loaded_at,
                    case when is_return then 'return' else 'sale' end as clean_type
                from priced
            )
            select
                idx as file_row_number,
                defect,
                is_late,
                has_type_case_variant,
                transaction_id,
                line_number,
                case when defect = 'unknown_customer' then 'GHOST-' || lpad(idx::varchar, 9, '0')
                    else customer_id end as customer_id,
                source_system,
                case when defect = 'unknown_product' then 'X' || lpad(idx::varchar, 9, '0')
                    else drawn_product_id end as product_id,
                case
                    when defect = 'missing_timestamp' then null
                    when defect = 'future_timestamp' then {end_ts} + to_days(30 + floor(u('future', idx) * 1000)::int)
                    else transaction_at
                end as transaction_at,
                case
                    when not has_type_case_variant then clean_type
                    when u('type_case_kind', idx) < 0.5 then upper(clean_type)
                    else ' ' || upper(left(clean_type, 1)) || substr(clean_type, 2)
                end as transaction_type,
                case
                    when defect = 'non_positive_quantity'
                        then case when u('neg_qty', idx) < 0.5 then 0 else -drawn_quantity end
                    else drawn_quantity
                end as quantity,
                unit_price,
                case when u('discount', content_idx) < 0.2
                    then round(drawn_quantity * unit_price * 0.25 * u('discount_size', content_idx), 2)::decimal(18, 2)
                    else 0::decimal(18, 2) end as discount_amount,
                channel,
                case
                    -- a re-delivery of the previous line, one to three days after that line arrived
                    -- (lines of one order share their load lag; the previous line may have been late)
                    when defect = 'duplicate_line_key'
                        then on_time_loaded_at
                            + to_days(
                                case when u('late', idx - 1) < {r["late_arriving"]}
                                    then 2 + floor(u('late_days', idx - 1) * 28)::int else 0 end
                                + 1 + floor(u('resend', idx) * 3)::int
                            )
                    when is_late then on_time_loaded_at + to_days(2 + floor(u('late_days', idx) * 28)::int)
                    else on_time_loaded_at
                end as loaded_at
            from loaded
        """)
        self.sql("drop table numbered_orders")
        self.sql("drop table window_orders")

    def build_interactions(self) -> None:
        n = max(1, round(self.args.lines * 0.06))
        start = self.args.start_date
        self.sql("""
            create table service_cdf as
            select
                w.person_id,
                w.start_offset,
                w.end_offset,
                sum(p.service_propensity * (w.end_offset - w.start_offset + 30))
                    over (order by w.person_id, w.window_no)
                / sum(p.service_propensity * (w.end_offset - w.start_offset + 30)) over () as cum_share
            from person_windows as w
            inner join persons as p on w.person_id = p.person_id
        """)
        self.sql(f"""
            create table interactions_out as
            with drawn as (
                select i, least(u('interaction_person', i), 0.999999999) as person_draw
                from range({n}) as t (i)
            ),
            placed as (
                select d.i, s.*
                from drawn as d
                asof join service_cdf as s on d.person_draw <= s.cum_share
            ),
            described as (
                select
                    p.i,
                    date '{start}' + p.start_offset
                        + floor(u('interaction_day', p.i) * (p.end_offset - p.start_offset + 1))::int
                        + interval 8 hour + to_seconds(floor(u('interaction_time', p.i) * 43200)::bigint)
                        as interaction_at,
                    {cumulative_case("interaction_type", "p.i", INTERACTION_TYPES)} as interaction_type,
                    r.customer_id,
                    r.source_system
                from placed as p
                inner join ranked_records as r
                    on p.person_id = r.person_id
                    and 1 + floor(u('interaction_record', p.i) * r.record_count)::int = r.record_rank
            )
            select
                row_number() over (order by interaction_at, i) - 1 as file_row_number,
                'I' || lpad((row_number() over (order by interaction_at, i))::varchar, 10, '0') as interaction_id,
                customer_id,
                source_system,
                interaction_at,
                interaction_type
            from described
        """)

    def write(self) -> dict[str, Any]:
        out: Path = self.args.out
        if out.exists():
            shutil.rmtree(out)
        (out / "truth").mkdir(parents=True)

        def copy(query: str, path: Path) -> None:
            target = "'" + str(path).replace("'", "''") + "'"
            self.con.execute(f"copy ({query}) to {target} (format parquet, compression zstd)")

        customer_cols = (
            "customer_id, source_system, first_name, last_name, company_name, email, phone, birth_date, "
            "customer_type, address_line, city, postal_code, country, acquisition_channel, created_at, updated_at"
        )
        copy(f"select {customer_cols} from customers_out order by file_row_number", out / "customers.parquet")
        copy(
            "select product_id, product_name, category, unit_cost, list_price, updated_at from products_out "
            "order by file_row_number",
            out / "products.parquet",
        )
        copy(
            "select transaction_id, line_number, customer_id, source_system, product_id, transaction_at, "
            "transaction_type, quantity, unit_price, discount_amount, channel, loaded_at "
            "from transactions_out order by file_row_number",
            out / "transactions.parquet",
        )
        copy(
            "select interaction_id, customer_id, source_system, interaction_at, interaction_type from interactions_out "
            "order by file_row_number",
            out / "interactions.parquet",
        )
        copy(
            "select file_row_number, source_system, customer_id, person_id, is_duplicate from customers_out "
            "order by file_row_number",
            out / "truth" / "customer_records.parquet",
        )
        # Defects: what a data-quality check can see in the data. Variations: how a duplicate
        # record differs from its person's other records, and why a person may share an email
        # or phone with others (for analysing identity resolution).
        # An email or phone is shared when records of two or more true persons carry it
        # (household mailboxes, company info@ addresses and switchboards, rare collisions).
        self.sql("""
            create table customers_sharing as
            with keyed as (
                select
                    *,
                    case when email_defect is null then nullif(lower(trim(email)), '') end as email_key,
                    case when phone_defect is null then regexp_replace(phone, '[^0-9]', '', 'g') end as phone_digits_out
                from customers_out
            ),
            normalised as (
                select
                    *,
                    case when length(phone_digits_out) = 11 and starts_with(phone_digits_out, '1')
                        then substr(phone_digits_out, 2) else nullif(phone_digits_out, '') end as phone_key
                from keyed
            )
            select
                *,
                email_key is not null
                    and count(distinct person_id) over (partition by email_key) > 1 as is_shared_email,
                phone_key is not null
                    and count(distinct person_id) over (partition by phone_key) > 1 as is_shared_phone
            from normalised
        """)
        self.sql("""
            create table defects as
            select 'customers' as table_name, file_row_number, source_system || '|' || customer_id as record_key, kind
                as defect_kind
            from customers_sharing
            cross join lateral (
                select unnest([
                    case when is_duplicate then 'duplicate_record' end,
                    birth_defect,
                    email_defect,
                    phone_defect,
                    case when is_missing_address then 'missing_address' end,
                    case when is_shared_email then 'shared_email' end,
                    case when is_shared_phone then 'shared_phone' end
                ]) as kind
            ) as k
            where kind is not null
            union all
            select 'transactions', file_row_number, transaction_id || '|' || line_number, kind
            from transactions_out
            cross join lateral (
                select unnest([
                    defect,
                    case when is_late then 'late_arriving' end,
                    case when has_type_case_variant then 'transaction_type_case_variant' end
                ]) as kind
            ) as k
            where kind is not null
        """)
        self.sql("""
            create table variations as
            select file_row_number, source_system || '|' || customer_id as record_key, kind as variation_kind
            from customers_out
            cross join lateral (
                select unnest([
                    case when has_name_typo then 'name_typo' end,
                    case when email_drift = 'case_variant' and email_defect is null then 'email_case_variant' end,
                    case when email_drift = 'changed' and email_defect is null then 'email_changed' end,
                    case when email_drift = 'missing' and email_defect is null then 'email_dropped' end,
                    case when phone_drift = 'format_variant' and phone_defect is null then 'phone_format_variant' end,
                    case when phone_drift = 'changed' and phone_defect is null then 'phone_changed' end,
                    case when phone_drift = 'missing' and phone_defect is null then 'phone_dropped' end,
                    case when has_moved then 'moved_address' end,
                    -- why a person's identifiers may be shared with other people
                    case when shares_household_email then 'household_email' end,
                    case when uses_generic_email then 'company_generic_email' end,
                    case when uses_switchboard then 'company_switchboard_phone' end
                ]) as kind
            ) as k
            where kind is not null
        """)
        copy(
            "select * from variations order by file_row_number, variation_kind",
            out / "truth" / "record_variations.parquet",
        )
        copy(
            "select * from defects order by table_name, file_row_number, defect_kind", out / "truth" / "defects.parquet"
        )

        counts = {
            t: one(self.con.execute(f"select count(*) from {t}_out"))[0]
            for t in ("customers", "products", "transactions", "interactions")
        }
        defect_counts = dict(
            self.con.execute("select defect_kind, count(*) from defects group by all order by all").fetchall()
        )
        variation_counts = dict(
            self.con.execute("select variation_kind, count(*) from variations group by all order by all").fetchall()
        )
        persons_with_records = one(self.con.execute("select count(distinct person_id) from customers_out"))[0]
        return {
            "seed": self.args.seed,
            "start_date": str(self.args.start_date),
            "end_date": str(self.args.end_date),
            "requested_rates": self.rates,
            "row_counts": counts,
            "persons": persons_with_records,
            "defect_counts": defect_counts,
            "variation_counts": variation_counts,
            "denominators": {
                "customers": counts["customers"],
                "transactions": counts["transactions"],
                "b2c_persons": one(self.con.execute("select count(*) from persons where customer_type = 'B2C'"))[0],
            },
        }

    def run(self) -> dict[str, Any]:
        try:
            self.build_calendar()
            self.build_persons()
            self.build_windows()
            self.build_records()
            self.build_products()
            self.build_transactions()
            self.build_interactions()
            return self.write()
        finally:
            self.con.close()
            shutil.rmtree(self.spill_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    summary = Generator(args).run()
    seconds = time.perf_counter() - started
    # Timing goes to stdout only: summary.json must be byte-identical for the same seed.
    (args.out / "truth" / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    counts = summary["row_counts"]
    print(
        f"generated {counts['customers']:,} customer records ({summary['persons']:,} persons), "
        f"{counts['products']:,} products, {counts['transactions']:,} transaction lines, "
        f"{counts['interactions']:,} interactions into {args.out} in {seconds:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
