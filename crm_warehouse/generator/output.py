"""Writes the raw tables and the truth as Parquet, and the summary."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from crm_warehouse.db import one
from crm_warehouse.generator.base import GeneratorBase


class OutputWriter(GeneratorBase):
    """Writes the raw tables and the truth as Parquet, and the summary."""

    def write(self) -> dict[str, Any]:
        out: Path = self.config.out
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
            "seed": self.config.seed,
            "start_date": str(self.config.start_date),
            "end_date": str(self.config.end_date),
            "requested_rates": dict(self.rates),
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
