"""The demo-data generator, split by what it makes: the true persons and their activity
(people), customer records with their variations and defects (records), products,
transactions, interactions, and the files and truth written at the end (output). Generator
puts them together; crm_warehouse.generate_data is its command line."""

from __future__ import annotations

import shutil
from typing import Any

from crm_warehouse.generator.config import DEFAULT_RATES, GeneratorConfig
from crm_warehouse.generator.interactions import InteractionsBuilder
from crm_warehouse.generator.output import OutputWriter
from crm_warehouse.generator.people import PeopleBuilder
from crm_warehouse.generator.products import ProductsBuilder
from crm_warehouse.generator.records import RecordsBuilder
from crm_warehouse.generator.transactions import TransactionsBuilder

__all__ = ["DEFAULT_RATES", "Generator", "GeneratorConfig"]


class Generator(PeopleBuilder, RecordsBuilder, ProductsBuilder, TransactionsBuilder, InteractionsBuilder, OutputWriter):
    """Builds the data set table by table in one DuckDB connection."""

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
