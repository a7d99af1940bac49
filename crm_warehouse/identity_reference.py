"""The reference identity resolution: a Splink dedupe model on the raw customer records.

What a careful Splink user would do with the raw `customers` file of the raw contract, so the
project's own identity models can be measured against it on the same records
(crm_warehouse/benchmark_identity.py runs both). Splink is not one of the project's
requirements: install requirements-identity-benchmark.txt (`make benchmark-identity` does).

1. Standardise in DuckDB: names lower-cased, accents folded, only letters kept; email lower-cased
   and kept only when it looks like one; phone as digits (a leading US 1 of 11 digits dropped);
   address and city lower-cased, accents folded, punctuation as spaces; postal code upper-cased
   without spaces; a birth date outside 1900-01-02..today is null. A value of email, phone or
   birth date held by more than max(20, 10 x the average) records is a placeholder (the
   1911-11-11s, noemail@s and 0000000000s a column profile shows) and is nulled, as is the email
   of a mailbox name at more than 5 domains (info@), and an email or phone that records of more
   than one person (first initial + last name) share: a switchboard, a company or household mailbox.
2. Model (Splink's DuckDB backend, as its documentation does it): the probability that two
   random records match from the deterministic rules below at a recall of 0.8; u by random
   sampling (2e6 pairs); m by expectation maximisation, without term frequencies, over the first
   two training rules the data has (birth date; first + last name; postal code). Comparisons:
   ForenameSurnameComparison (both names exact, crossed, Jaro-Winkler 0.92 and 0.88 on both, last
   name exact, first name exact; term frequencies on the full name), DateOfBirthComparison (exact,
   Levenshtein 1, 1 month, 1 year, 10 years), email exact, phone exact / Damerau-Levenshtein 1
   (term frequencies on the exact levels), and one address comparison: address line and postal
   code exact, address Jaro-Winkler 0.9 with postal code exact, address exact or Jaro-Winkler 0.9
   with postal code Levenshtein 1, postal code exact, city exact (address line, postal code and
   city agree together; three comparisons would count one address three times). No fuzzy email
   levels: the mailbox name is made of the person's names, so a near-identical email repeats the
   name comparison (two people of one name) rather than adding evidence. A column with no value in
   the data is left out.
3. Predict over the union of the blocking rules below, each also on customer_type so that a
   B2C record never meets a B2B or B2G one; cluster the pairs at or above the threshold match
   probability (0.5) into connected components.

Writes one row per record (source_system, customer_id, cluster_id) to --out and prints the wall
time; with --truth also the pairwise precision, recall and F1 (crm_warehouse.identity_scoring).

    python -m crm_warehouse.identity_reference data/demo/customers.parquet --out /tmp/splink.parquet \\
        --truth data/demo/truth/customer_records.parquet
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.identity_scoring import score_file, table_header, table_row
from crm_warehouse.loader.files import csv_header

# blocking rules of the prediction: each one's columns, all also blocked on customer_type
PREDICTION_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("postal_code",),
    ("birth_date",),
    ("last_name", "year(birth_date)"),
    ("first_name", "city"),
    ("first_name", "last_name"),
    ("email",),
    ("phone",),
)
# expectation maximisation: the first two the data has (a block on a shared identifier such as email
# would teach the model that people at one company or household are one person)
TRAINING_BLOCKS: tuple[tuple[str, ...], ...] = (("birth_date",), ("first_name", "last_name"), ("postal_code",))
# rules that find mostly true matches, for the prior probability that two records match
DETERMINISTIC_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("first_name", "last_name", "birth_date"),
    ("first_name", "last_name", "postal_code"),
    ("email", "last_name"),
    ("phone", "last_name"),
)
PLACEHOLDER_COLUMNS = ("email", "phone", "birth_date")


def letters(column: str) -> str:
    return f"nullif(regexp_replace(lower(strip_accents(trim({column}))), '[^a-z]', '', 'g'), '')"


def words(column: str) -> str:
    return f"nullif(trim(regexp_replace(lower(strip_accents({column})), '[^a-z0-9]+', ' ', 'g')), '')"


def source_sql(path: Path) -> str:
    """A query over the raw customers file (Parquet, or CSV read as text as the loader reads it)."""
    quoted = "'" + path.as_posix().replace("'", "''") + "'"
    if path.name.lower().endswith(".parquet"):
        return f"select * from read_parquet({quoted})"
    _, delimiter = csv_header(path)
    return f"select * from read_csv({quoted}, header = true, all_varchar = true, delim = '{delimiter}', quote = '\"')"


def standardise(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Table `customers_clean`: one standardised row per raw record, placeholders nulled."""
    digits = "regexp_replace(cast(phone as varchar), '[^0-9]', '', 'g')"
    con.execute(
        f"""
        create or replace temp table customers_parsed as
        with src as ({source_sql(path)}),
        typed as (
            select *, try_cast(birth_date as date) as birth
            from src
        )
        select
            cast(source_system as varchar) || '|' || cast(customer_id as varchar) as unique_id,
            cast(source_system as varchar) as source_system,
            cast(customer_id as varchar) as customer_id,
            coalesce(upper(trim(customer_type)), 'UNKNOWN') as customer_type,
            {letters("first_name")} as first_name,
            {letters("last_name")} as last_name,
            case when regexp_full_match(lower(trim(email)), '[^@\\s]+@[^@\\s]+\\.[a-z]+')
                then lower(trim(email)) end as email,
            case
                when length({digits}) = 11 and {digits} like '1%' then substr({digits}, 2)
                when length({digits}) >= 7 then {digits}
            end as phone,
            case when birth between date '1900-01-02' and current_date then birth end as birth_date,
            {words("address_line")} as address_line,
            {words("city")} as city,
            nullif(regexp_replace(upper(cast(postal_code as varchar)), '[^0-9A-Z]', '', 'g'), '') as postal_code
        from typed
        """
    )
    nulled = [
        f"case when count(*) over (partition by {column}) > "
        f"(select greatest(20, 10 * count({column}) / greatest(count(distinct {column}), 1)) from customers_parsed) "
        f"then null else {column} end as {column}"
        for column in PLACEHOLDER_COLUMNS
    ]
    # a mailbox name at more than 5 domains is a role or placeholder address (info@, noemail@)
    role = "count(distinct split_part(email, '@', 2)) over (partition by split_part(email, '@', 1)) > 5"
    # an email or phone of more than one person (first initial and last name) is shared: a company
    # switchboard or mailbox, a household's; it says nothing about which of them a record is
    shared = [
        f"case when count(distinct left(first_name, 1) || last_name) over (partition by {column}) > 1 "
        f"then null else {column} end as {column}"
        for column in ("email", "phone")
    ]
    con.execute(
        f"""
        create or replace temp table customers_clean as
        with placeholders as (
            select * replace ({", ".join(nulled)}) from customers_parsed
        ),
        personal as (
            select * replace (case when {role} then null else email end as email) from placeholders
        )
        select * replace ({", ".join(shared)}),
            first_name || ' ' || last_name as first_name_surname_concat
        from personal
        """
    )


def present_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The columns of customers_clean holding at least one value."""
    names = [r[0] for r in con.execute("describe customers_clean").fetchall()]
    counts = con.execute(f"select {', '.join(f'count({n})' for n in names)} from customers_clean").fetchone()
    return {name for name, count in zip(names, counts or (), strict=True) if count}


def uses_only(columns: tuple[str, ...], present: set[str]) -> bool:
    """Every column a blocking rule names (plain, or inside a function such as year()) holds values."""
    return all(re.sub(r"^\w+\((\w+)\)$", r"\1", column) in present for column in columns)


def address_comparison(cl: Any, cll: Any) -> Any:
    """Address line, postal code and city as one comparison: the three agree together, and
    counting each would count one address three times."""
    address, postal, city = "address_line", "postal_code", "city"
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.And(cll.NullLevel(address), cll.NullLevel(postal)),
            cll.And(cll.ExactMatchLevel(address), cll.ExactMatchLevel(postal)),
            cll.And(cll.JaroWinklerLevel(address, 0.9), cll.ExactMatchLevel(postal)),
            cll.Or(
                cll.ExactMatchLevel(address),
                cll.And(cll.JaroWinklerLevel(address, 0.9), cll.LevenshteinLevel(postal, 1)),
            ),
            cll.ExactMatchLevel(postal).configure(tf_adjustment_column=postal),
            cll.ExactMatchLevel(city).configure(tf_adjustment_column=city),
            cll.ElseLevel(),
        ],
    )


def comparisons(present: set[str]) -> list[Any]:
    """Splink comparisons for the columns that hold values."""
    cl = importlib.import_module("splink.comparison_library")
    cll = importlib.import_module("splink.comparison_level_library")
    candidates: dict[str, Any] = {
        "last_name": cl.ForenameSurnameComparison(
            "first_name", "last_name", forename_surname_concat_col_name="first_name_surname_concat"
        ),
        "birth_date": cl.DateOfBirthComparison("birth_date", input_is_string=False),
        "email": cl.ExactMatch("email").configure(term_frequency_adjustments=True),
        "phone": cl.DamerauLevenshteinAtThresholds("phone", 1).configure(term_frequency_adjustments=True),
    }
    if {"address_line", "postal_code", "city"} <= present:
        candidates["address_line"] = address_comparison(cl, cll)
    else:
        candidates["postal_code"] = cl.LevenshteinAtThresholds("postal_code", 1).configure(
            term_frequency_adjustments=True
        )
        candidates["city"] = cl.ExactMatch("city").configure(term_frequency_adjustments=True)
    return [comparison for column, comparison in candidates.items() if column in present]


def train_and_cluster(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> tuple[int, float]:
    """Train the model, predict and cluster into table `clusters`; (scored pairs, training seconds)."""
    splink = importlib.import_module("splink")
    present = present_columns(con)
    block_on = splink.block_on
    settings = splink.SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(present),
        blocking_rules_to_generate_predictions=[
            block_on(*columns, "customer_type") for columns in PREDICTION_BLOCKS if uses_only(columns, present)
        ],
    )
    db_api = splink.DuckDBAPI(connection=con)
    linker = splink.Linker(
        db_api.register(con.table("customers_clean")),
        settings,
        log_level=logging.INFO if args.verbose else logging.ERROR,
    )
    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*columns) for columns in DETERMINISTIC_BLOCKS if uses_only(columns, present)], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=args.max_pairs, seed=args.seed)
    for columns in [columns for columns in TRAINING_BLOCKS if uses_only(columns, present)][:2]:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*columns), estimate_without_term_frequencies=True
        )
    trained = time.perf_counter() - started
    predictions = linker.inference.predict(threshold_match_probability=args.threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=args.threshold
    )
    pairs = int(predictions.as_duckdbpyrelation().count("*").fetchone()[0])
    con.execute(
        "create or replace temp table clusters as select source_system, customer_id, "
        f"cast(cluster_id as varchar) as cluster_id from {clusters.physical_name}"
    )
    if args.save_model:
        linker.misc.save_model_to_json(str(args.save_model), overwrite=True)
    return pairs, trained


def customers_file(path: Path) -> Path:
    """The customers file itself, or the one in a raw folder."""
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.name.lower().startswith("customers."))
        if not found:
            raise SystemExit(f"identity_reference: no customers.parquet or customers.csv in {path}")
        return found[0]
    return path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("customers", type=Path, help="the raw customers file (Parquet or CSV), or its folder")
    parser.add_argument("--out", type=Path, required=True, help="Parquet file: source_system, customer_id, cluster_id")
    parser.add_argument("--truth", type=Path, help="truth Parquet (source_system, customer_id, person_id) to score")
    parser.add_argument("--threshold", type=float, default=0.5, help="match probability to link at (default 0.5)")
    parser.add_argument("--max-pairs", type=float, default=2e6, help="pairs sampled to estimate u (default 2e6)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the u sampling (default 42)")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    parser.add_argument("--save-model", type=Path, help="also write the trained Splink model as JSON here")
    parser.add_argument("--verbose", action="store_true", help="show Splink's training log")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        version = importlib.import_module("splink").__version__
    except ImportError:
        print(
            "identity_reference: Splink is not installed in this Python; "
            "pip install -r requirements-identity-benchmark.txt (or: make benchmark-identity)",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    con = duckdb.connect()
    if args.threads:
        con.execute(f"set threads = {int(args.threads)}")
    standardise(con, customers_file(args.customers))
    pairs, trained = train_and_cluster(con, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"copy clusters to '{args.out.as_posix()}' (format parquet)")
    records, clusters = con.execute("select count(*), count(distinct cluster_id) from clusters").fetchone() or (0, 0)
    seconds = time.perf_counter() - started
    con.close()
    print(
        f"identity_reference: Splink {version}: {records:,} records into {clusters:,} clusters from {pairs:,} "
        f"pairs at match probability >= {args.threshold} in {seconds:.1f} s (training {trained:.1f} s); "
        f"wrote {args.out}"
    )
    if args.truth:
        print(table_header())
        print(table_row("splink", score_file(args.out, args.truth), seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
