"""The connection and shared state every part of the generator builds on."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.generator import vocabulary as vocab
from crm_warehouse.generator.config import (
    CALENDAR_BUCKETS,
    MAX_UBIGINT_PLUS_ONE,
    ON_DISK_FROM_LINES,
    PHONE_COUNTRY_CODE,
    PHONE_NATIONAL_LENGTH,
    PRODUCT_BUCKETS,
    GeneratorConfig,
)
from crm_warehouse.generator.sql import accent_replacements, render, sql_list, sql_map


class GeneratorBase:
    """One DuckDB connection (in memory, or in a temporary file for large sizes: see
    ON_DISK_FROM_LINES) with the seeded random macros, the sizes every builder reads, and the
    values every query template is rendered with."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self.rates = config.rates
        self.shares = config.shares
        # Sizes beyond memory spill to disk instead of failing.
        self.spill_dir = Path(tempfile.mkdtemp(prefix="crm-generate-"))
        on_disk = config.work_on_disk == "yes" or (config.work_on_disk == "auto" and config.lines >= ON_DISK_FROM_LINES)
        self.con = duckdb.connect(str(self.spill_dir / "work.duckdb") if on_disk else ":memory:")
        if config.threads:
            self.con.execute(f"set threads = {int(config.threads)}")
        if config.memory_limit:
            self.con.execute("set memory_limit = ?", [config.memory_limit])
        self.con.execute("set preserve_insertion_order = true")
        self.con.execute("set temp_directory = ?", [str(self.spill_dir)])
        # u(salt, k): a uniform draw in [0, 1) that depends only on seed, salt and integer key.
        # The salt is mixed into the key before one hash: hash(seed, salt, k) combines the
        # per-argument hashes so weakly that draws with different salts come out correlated.
        self.con.execute(
            f"create macro u(salt, k) as hash(xor(hash({int(config.seed)}, salt), (k + 1024)::ubigint))"
            f" / {MAX_UBIGINT_PLUS_ONE}"
        )
        # n(salt, k): a standard normal draw (Box-Muller on two independent uniforms).
        self.con.execute(
            "create macro n(salt, k) as sqrt(-2 * ln(1 - u(salt || '#1', k))) * cos(2 * pi() * u(salt || '#2', k))"
        )
        self.span_days = (config.end_date - config.start_date).days
        self.n_records = config.customers
        self.n_duplicates = round(config.customers * self.rates["duplicate_record"])
        self.n_persons = max(1, self.n_records - self.n_duplicates)
        self.context = self._context()

    def _context(self) -> dict[str, Any]:
        config = self.config
        accent_folds, accent_decompositions = accent_replacements(
            vocab.ACCENTED_FIRST_NAMES + vocab.ACCENTED_LAST_NAMES, vocab.ACCENT_FALLBACKS
        )
        return {
            "start_date": config.start_date,
            "end_date": config.end_date,
            "span_days": self.span_days,
            "n_persons": self.n_persons,
            "n_duplicates": self.n_duplicates,
            "n_lines": config.lines,
            "n_products": config.products,
            "rates": dict(self.rates),
            "shares": dict(self.shares),
            "product_buckets": PRODUCT_BUCKETS,
            "calendar_buckets": CALENDAR_BUCKETS,
            "phone_country_code": PHONE_COUNTRY_CODE,
            "phone_national_length": PHONE_NATIONAL_LENGTH,
            "source_systems": vocab.SOURCE_SYSTEMS,
            "systems_b2c": [(s, w) for s, _, _, w, _ in vocab.SOURCE_SYSTEMS],
            "systems_b2b": [(s, w) for s, _, _, _, w in vocab.SOURCE_SYSTEMS],
            "categories": vocab.CATEGORIES,
            "interaction_types": vocab.INTERACTION_TYPES,
            "contact_channels": vocab.CONTACT_CHANNELS,
            "first_names": sql_list(vocab.FIRST_NAMES),
            "last_names": sql_list(vocab.LAST_NAMES),
            "accented_first_names": sql_list(vocab.ACCENTED_FIRST_NAMES),
            "accented_last_names": sql_list(vocab.ACCENTED_LAST_NAMES),
            "accent_folds": accent_folds,
            "accent_decompositions": accent_decompositions,
            "nicknames": sql_map(vocab.NICKNAMES),
            "street_kind_abbreviations": sql_map(vocab.STREET_KIND_ABBREVIATIONS),
            "streets": sql_list(vocab.STREETS),
            "cities": sql_list(vocab.CITIES),
            "email_domains": sql_list(vocab.EMAIL_DOMAINS),
            "company_words": sql_list(vocab.COMPANY_WORDS),
            "company_suffixes": sql_list(vocab.COMPANY_SUFFIXES),
            "agency_words": sql_list(vocab.AGENCY_WORDS),
            "acquisition_channels": sql_list(vocab.ACQUISITION_CHANNELS),
            "product_adjectives": sql_list(vocab.PRODUCT_ADJECTIVES),
            "channels": sql_list(vocab.CHANNELS),
        }

    def run_query(self, name: str, **values: Any) -> None:
        """Render queries/NAME.sql with the shared values and these, and run it."""
        self.con.execute(render(name, {**self.context, **values}))
