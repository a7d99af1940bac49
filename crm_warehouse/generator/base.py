"""The connection and shared state every part of the generator builds on."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from crm_warehouse.generator.config import MAX_UBIGINT_PLUS_ONE, ON_DISK_FROM_LINES, GeneratorConfig


class GeneratorBase:
    """One DuckDB connection (in memory, or in a temporary file for large sizes: see
    ON_DISK_FROM_LINES) with the seeded random macros, and the sizes every builder reads."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self.rates = config.rates
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
        # u(salt, key): a uniform draw in [0, 1) that depends only on seed, salt and integer key.
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

    def sql(self, query: str) -> None:
        self.con.execute(query)
