"""Writes the raw tables and the truth as Parquet, and the summary."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from crm_warehouse.db import one
from crm_warehouse.generator.base import GeneratorBase

# The raw files in the raw contract's column order, then the truth (never loaded): file name
# -> the query that writes it.
RAW_FILES = {
    "customers.parquet": "select customer_id, source_system, first_name, last_name, company_name, email, phone, "
    "birth_date, customer_type, address_line, city, postal_code, country, acquisition_channel, created_at, "
    "updated_at from customers_out order by file_row_number",
    "products.parquet": "select product_id, product_name, category, unit_cost, list_price, updated_at "
    "from products_out order by file_row_number",
    "transactions.parquet": "select transaction_id, line_number, customer_id, source_system, product_id, "
    "transaction_at, transaction_type, quantity, unit_price, discount_amount, channel, loaded_at "
    "from transactions_out order by file_row_number",
    "interactions.parquet": "select interaction_id, customer_id, source_system, interaction_at, interaction_type "
    "from interactions_out order by file_row_number",
    "contact_permissions.parquet": "select customer_id, source_system, channel, permission, recorded_at "
    "from contact_permissions_out order by file_row_number",
    "truth/customer_records.parquet": "select file_row_number, source_system, customer_id, person_id, is_duplicate "
    "from customers_out order by file_row_number",
}
TRUTH_FILES = {
    "truth/record_variations.parquet": "select * from variations order by file_row_number, variation_kind",
    "truth/defects.parquet": "select * from defects order by table_name, file_row_number, defect_kind",
    "truth/lookalike_persons.parquet": "select person_id, lookalike_of_person_id from persons "
    "where lookalike_of_person_id is not null order by person_id",
}
# The records each planted variation share applies to (config.VARIATION_SHARES): a variation
# is drawn on every record of its group but shows only on these.
VARIATION_DENOMINATORS = {
    "duplicates": "is_duplicate",
    "duplicates_with_accent_and_no_name_drift": "is_duplicate and has_accented_name and name_drift is null",
    "duplicates_with_decomposable_accent_and_no_name_drift": "is_duplicate and has_decomposable_accent "
    "and name_drift is null",
    "duplicates_with_birth_date": "is_duplicate and birth_defect is null and person_birth_date is not null",
    "duplicates_with_transposable_birth": "is_duplicate and birth_defect is null "
    "and day(person_birth_date) <= 12 and day(person_birth_date) <> month(person_birth_date)",
    "duplicates_with_address": "is_duplicate and not is_missing_address",
    "duplicates_with_contact_data": "is_duplicate and email_defect is null and phone_defect is null",
}


class OutputWriter(GeneratorBase):
    """Writes the raw tables and the truth as Parquet, and the summary."""

    def write(self) -> dict[str, Any]:
        out: Path = self.config.out
        if out.exists():
            shutil.rmtree(out)
        (out / "truth").mkdir(parents=True)
        self.copy_all(RAW_FILES)
        self.run_query("customers_sharing")
        self.run_query("defects")
        self.run_query("variations")
        self.copy_all(TRUTH_FILES)
        return self.summary()

    def copy_all(self, files: dict[str, str]) -> None:
        for name, query in files.items():
            target = "'" + str(self.config.out / name).replace("'", "''") + "'"
            self.con.execute(f"copy ({query}) to {target} (format parquet, compression zstd)")

    def count(self, query: str) -> int:
        return int(one(self.con.execute(query))[0])

    def summary(self) -> dict[str, Any]:
        counts = {
            t: self.count(f"select count(*) from {t}_out")
            for t in ("customers", "products", "transactions", "interactions", "contact_permissions")
        }
        by_kind = "select {0}, count(*) from {1} group by all order by all"
        return {
            "seed": self.config.seed,
            "start_date": str(self.config.start_date),
            "end_date": str(self.config.end_date),
            "requested_rates": dict(self.rates),
            "requested_shares": dict(self.shares),
            "row_counts": counts,
            "persons": self.count("select count(distinct person_id) from customers_out"),
            "defect_counts": dict(self.con.execute(by_kind.format("defect_kind", "defects")).fetchall()),
            "variation_counts": dict(self.con.execute(by_kind.format("variation_kind", "variations")).fetchall()),
            "denominators": {
                "customers": counts["customers"],
                "transactions": counts["transactions"],
                "b2c_persons": self.count("select count(*) from persons where customer_type = 'B2C'"),
                **self.variation_denominators(),
            },
        }

    def variation_denominators(self) -> dict[str, int]:
        counts = ", ".join(f"count(*) filter (where {where})" for where in VARIATION_DENOMINATORS.values())
        row = one(self.con.execute(f"select {counts} from customers_out"))
        # a first name has a nickname or not: counted per name, not per record
        with_nickname = (
            "select coalesce(sum(n), 0) from (select first_name, count(*) as n from records where is_duplicate "
            f"group by all) where map_contains({self.context['nicknames']}, first_name)"
        )
        return {
            **dict(zip(VARIATION_DENOMINATORS, map(int, row), strict=True)),
            "duplicates_with_nickname": self.count(with_nickname),
        }
