"""The product master: categories, costs and prices."""

from __future__ import annotations

from crm_warehouse.generator.base import GeneratorBase
from crm_warehouse.generator.config import PRODUCT_BUCKETS
from crm_warehouse.generator.sql import pick, sql_list
from crm_warehouse.generator.vocabulary import CATEGORIES, PRODUCT_ADJECTIVES


class ProductsBuilder(GeneratorBase):
    """The product master: categories, costs and prices."""

    def build_products(self) -> None:
        n = self.config.products
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
                timestamp '{self.config.start_date}' + to_days(floor(u('product_updated', i) * {self.span_days})::int)
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
